/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The state and runtime logs and their replay (src/daemon/store.c,
 * src/daemon/journal.c), as a start of resctld runs them: the input becomes
 * state.log and runtime.log in a fresh state directory, and the real
 * manager_load_state() reads them. The daemon is linked as it is;
 * journal.h offers the compaction dumps.
 *
 * Input: the first byte is 'r' for raw files, anything else for records
 * whose CRC this target adds. Then lines; a line "==" ends state.log and
 * starts runtime.log; a second "==" ends runtime.log, and the next line
 * names a unit whose file (in the unit path) is the rest of the input, so
 * that unit settings meet the runtime records as at a real start. In the record form every other line is one record
 * ("C 1 a.service misc/sev 1 1 0 0") and gets its "crc32 " prefix; in the
 * raw form the bytes are the files, CRCs and torn lines included.
 *
 * Checked, beyond memory safety: the state loaded, compacted into the logs
 * a running daemon would write (store_compact() with journal.c's dumps),
 * and loaded again by a fresh manager, is the same state: resources and
 * capacities, every group's pools (limits, usage, peaks, events), every
 * charge (id, group, counter, amount, flags), refused counts, the next
 * charge id and the remembered runtime limits. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

/* manager.c's LimitKey (runtime_limits entries), which it keeps private. */
typedef struct LimitKeyView {
        HashNode node;
        char key[];             /* "group file resource" */
} LimitKeyView;

static uint32_t crc_table[256];

static uint32_t crc32_ieee(const char *p, size_t n) {
        if (!crc_table[1])
                for (uint32_t i = 0; i < 256; i++) {
                        uint32_t c = i;
                        for (int k = 0; k < 8; k++)
                                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
                        crc_table[i] = c;
                }
        uint32_t c = 0xffffffffu;
        for (size_t i = 0; i < n; i++)
                c = crc_table[(c ^ (unsigned char) p[i]) & 0xff] ^ (c >> 8);
        return c ^ 0xffffffffu;
}

typedef struct Dirs {
        char state[512], runtime[512], units[512], control[512], runtime_control[512], cgroup[512];
} Dirs;

static const Dirs *dirs(void) {
        static Dirs d;
        if (d.state[0])
                return &d;
        const char *t = fuzz_tmpdir();
        snprintf(d.state, sizeof(d.state), "%s/state", t);
        snprintf(d.runtime, sizeof(d.runtime), "%s/runtime", t);
        snprintf(d.units, sizeof(d.units), "%s/units", t);
        snprintf(d.control, sizeof(d.control), "%s/control", t);
        snprintf(d.runtime_control, sizeof(d.runtime_control), "%s/runtime-control", t);
        snprintf(d.cgroup, sizeof(d.cgroup), "%s/cgroup", t);
        fuzz_mkdir(d.state);
        fuzz_mkdir(d.runtime);
        fuzz_mkdir(d.units);
        fuzz_mkdir(d.control);
        fuzz_mkdir(d.runtime_control);
        fuzz_mkdir(d.cgroup);
        return &d;
}

static Manager *load(void) {
        const Dirs *d = dirs();
        Manager *m = NULL;
        FUZZ_ASSERT(manager_new(&m) >= 0, "manager_new");
        m->hardware = HARDWARE_NONE;
        m->state_dir = strdup(d->state);
        m->runtime_dir = strdup(d->runtime);
        m->unit_path = strdup(d->units);
        m->control_dir = strdup(d->control);
        m->runtime_control_dir = strdup(d->runtime_control);
        m->cgroup_root = strdup(d->cgroup);
        FUZZ_ASSERT(m->state_dir && m->runtime_dir && m->unit_path && m->control_dir && m->runtime_control_dir &&
                            m->cgroup_root,
                    "out of memory");
        const ManagerSink sinks[] = { journal_sink(m) };
        int r = manager_load_state(m, sinks, ELEMENTSOF(sinks));
        FUZZ_ASSERT(r >= 0, "manager_load_state: %s", strerror(-r));
        return m;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int cmp_charge(const void *a, const void *b) {
        const rc_charge *x = *(rc_charge *const *) a, *y = *(rc_charge *const *) b;
        return x->id < y->id ? -1 : x->id > y->id;
}

/* One text for everything a restart must keep. */
static char *snapshot(Manager *m) {
        rc_engine *e = m->engine;
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        FUZZ_ASSERT(f, "out of memory");

        fprintf(f, "next charge id %" PRIu64 "\n", e->next_charge_id);
        list_for_each(l, &e->resources) {
                const rc_resource *r = list_entry(l, rc_resource, link);
                fprintf(f, "resource %s capacity %" PRIu64 " tag %" PRIu32, r->key, r->capacity, r->tag);
                for (unsigned i = 0; i < r->n_counters; i++)
                        fprintf(f, " refused %" PRIu64, r->counters[i].refused);
                fputc('\n', f);
        }

        /* Pools by group and counter key: slot numbers are an internal detail. */
        char **lines = NULL;
        size_t n_lines = 0;
        hashmap_for_each(node, &e->groups) {
                const rc_group *g = container_of(node, rc_group, node);
                for (unsigned s = 0; s < g->n_pools && s < e->n_slots; s++) {
                        const rc_pool *p = g->pools[s];
                        const rc_counter *c = e->slots[s];
                        if (!p || !c)
                                continue;
                        if (!p->usage && !p->peak && !p->events && !p->events_local && !p->min && !p->low &&
                            p->max == rc_pool_default_max(c))
                                continue;       /* a pool that reads as the defaults */
                        char *line;
                        FUZZ_ASSERT(asprintf(&line, "group %s (in %s) %s usage %" PRIu64 " peak %" PRIu64 " max %" PRIu64
                                                    " min %" PRIu64 " low %" PRIu64 " events %" PRIu64 " local %" PRIu64,
                                             g->name, g->parent ? g->parent->name : "-", c->key, p->usage, p->peak,
                                             p->max, p->min, p->low, p->events, p->events_local) >= 0,
                                    "out of memory");
                        lines = realloc(lines, (n_lines + 1) * sizeof(*lines));
                        FUZZ_ASSERT(lines, "out of memory");
                        lines[n_lines++] = line;
                }
        }
        if (n_lines > 0)
                qsort(lines, n_lines, sizeof(*lines), cmp_str);
        for (size_t i = 0; i < n_lines; i++) {
                fprintf(f, "%s\n", lines[i]);
                free(lines[i]);
        }
        free(lines);

        size_t n, k;
        n = e->charges.n_entries;
        k = 0;
        rc_charge **charges = calloc(n + 1, sizeof(*charges));
        FUZZ_ASSERT(charges, "out of memory");
        hashmap_for_each(node, &e->charges)
                charges[k++] = container_of(node, rc_charge, node);
        qsort(charges, k, sizeof(*charges), cmp_charge);
        for (size_t i = 0; i < k; i++) {
                const rc_charge *ch = charges[i];
                const Owner *o = owner_from_charge(ch);
                fprintf(f, "charge %" PRIu64 " %s %s %" PRIu64 " flags %" PRIu32 " owner %d\n", ch->id, ch->group->name,
                        ch->counter->key, ch->amount, ch->flags, o ? (int) o->pid : 0);
        }
        free(charges);

        n = m->runtime_limits.n_entries;
        k = 0;
        const char **limits = calloc(n + 1, sizeof(*limits));
        FUZZ_ASSERT(limits, "out of memory");
        for (size_t b = 0; b < m->runtime_limits.n_buckets; b++)
                for (HashNode *h = m->runtime_limits.buckets[b]; h; h = h->next)
                        if (k < n)
                                limits[k++] = container_of(h, LimitKeyView, node)->key;
        qsort(limits, k, sizeof(*limits), cmp_str);
        for (size_t i = 0; i < k; i++) {
                /* A remembered limit of a group that is gone was set back to
                 * the default (a group with a limit exists): compaction
                 * drops it, and nothing can tell. */
                char group[300];
                if (sscanf(limits[i], "%299s", group) == 1 && rc_group_find(e, group))
                        fprintf(f, "runtime limit %s\n", limits[i]);
        }
        free(limits);

        FUZZ_ASSERT(fclose(f) == 0, "out of memory");
        return text;
}

static char unit_file[4096];            /* the unit file the last input wrote, if any */

/* Writes the two logs, and the unit file, from the input. */
static void write_logs(const uint8_t *data, size_t size) {
        const Dirs *d = dirs();
        char state[4096], runtime[4096];
        snprintf(state, sizeof(state), "%s/state.log", d->state);
        snprintf(runtime, sizeof(runtime), "%s/runtime.log", d->runtime);
        if (unit_file[0]) {
                (void) unlink(unit_file);
                unit_file[0] = 0;
        }
        bool raw = size > 0 && data[0] == 'r';
        if (size > 0) {
                data++;
                size--;
        }
        FILE *f = fopen(state, "we");
        FUZZ_ASSERT(f, "%s", state);
        int section = 0;                /* 0 state.log, 1 runtime.log, 2 a unit file */
        for (size_t off = 0; off < size;) {
                const uint8_t *nl = memchr(data + off, '\n', size - off);
                size_t len = nl ? (size_t) (nl - (data + off)) : size - off;
                const char *line = (const char *) data + off;
                off += len + (nl ? 1 : 0);
                if (section < 2 && len == 2 && line[0] == '=' && line[1] == '=') {
                        FUZZ_ASSERT(fclose(f) == 0, "log");
                        f = NULL;
                        if (++section == 1) {
                                f = fopen(runtime, "we");
                                FUZZ_ASSERT(f, "%s", runtime);
                                continue;
                        }
                        /* The unit's name on the next line, then its file. */
                        const uint8_t *end = memchr(data + off, '\n', size - off);
                        size_t n = end ? (size_t) (end - (data + off)) : size - off;
                        char name[256];
                        if (n == 0 || n >= sizeof(name))
                                break;
                        memcpy(name, data + off, n);
                        name[n] = 0;
                        if (!rc_unit_name_is_valid(name) || strchr(name, '/'))
                                break;
                        off += n + (end ? 1 : 0);
                        snprintf(unit_file, sizeof(unit_file), "%s/%s", d->units, name);
                        fuzz_write_file(unit_file, data + off, size - off);
                        break;
                }
                if (section == 0 || section == 1) {
                        if (!raw)
                                fprintf(f, "%08x ", crc32_ieee(line, len));
                        fwrite(line, 1, len, f);
                        if (nl || !raw)
                                fputc('\n', f);
                }
        }
        if (f)
                FUZZ_ASSERT(fclose(f) == 0, "log");
        if (section == 0)
                fuzz_write_file(runtime, "", 0);
}

/* A "w" record (forget a runtime limit), with or without its CRC prefix;
 * data[0] is the mode byte. */
static bool has_forget_record(const uint8_t *data, size_t size) {
        for (size_t start = 1; start < size;) {
                const uint8_t *l = data + start, *nl = memchr(l, '\n', size - start);
                size_t len = nl ? (size_t) (nl - l) : size - start;
                if ((len >= 2 && l[0] == 'w' && l[1] == ' ') || (len >= 11 && l[8] == ' ' && l[9] == 'w' && l[10] == ' '))
                        return true;
                start += len + 1;
        }
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool quiet = false, skip_forget = false;
        if (!quiet) {
                log_set_max_level(LOG_CRIT);
                /* Set to look past the known replay bug of "w" records
                 * (regressions-pending/fuzz-state/) while it is open. */
                skip_forget = getenv("FUZZ_STATE_SKIP_FORGET") != NULL;
                quiet = true;
        }
        if (size > 65536)
                return 0;
        if (skip_forget && has_forget_record(data, size))
                return 0;
        write_logs(data, size);

        Manager *m = load();
        char *first = snapshot(m);
        /* What a long-running daemon would write instead of the logs as they were. */
        int r = store_compact(m->state_store, journal_dump_state, m);
        FUZZ_ASSERT(r >= 0, "compacting state.log: %s", strerror(-r));
        r = store_compact(m->runtime_store, journal_dump_runtime, m);
        FUZZ_ASSERT(r >= 0, "compacting runtime.log: %s", strerror(-r));
        char *after_compact = snapshot(m);
        FUZZ_ASSERT(streq(first, after_compact), "compaction changed the state");
        free(after_compact);
        manager_free(m);

        m = load();
        char *second = snapshot(m);
        FUZZ_ASSERT(streq(first, second), "the state does not survive compaction and a restart:\n%s--- became ---\n%s",
                    first, second);
        manager_free(m);
        free(first);
        free(second);
        return 0;
}
