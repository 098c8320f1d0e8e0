/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Unit settings (api.md "Unit files", "SetUnitProperties"): the [X-Resctl]
 * sections of unit files and drop-ins (read by unit-files.c), applied to
 * the engine (unit-limits.c), and written as drop-ins (dropin.c) the way
 * "systemctl set-property" writes its own.
 *
 * Without systemd the unit files are the only source: each unit's
 * effective settings are what its files say, and m->units holds them
 * (UnitSettings, keyed by unit name). Settings of resources that are not
 * registered yet stay there until unit_settings_apply_resource(). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dropin.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-files.h"
#include "unit-limits.h"
#include "unit-settings.h"

typedef struct UnitSettings {
        HashNode node;
        char *name;
        UnitConf conf;                  /* effective settings, from the unit's files */
        unsigned generation;            /* last load that found files for it */
} UnitSettings;

/* Every property: loading brings all of a unit's settings. */
static const bool all[_UNIT_CONF_PROPERTY_MAX] = { true, true, true, true, true, true };

/* ---- small helpers ---- */

static bool unit_settings_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, UnitSettings, node)->name, key);
}

static UnitSettings *unit_find(Manager *m, const char *unit) {
        HashNode *n = hashmap_get(&m->units, hash_string(unit), unit, unit_settings_eq);
        return n ? container_of(n, UnitSettings, node) : NULL;
}

static void unit_settings_free(UnitSettings *us) {
        if (!us)
                return;
        free(us->name);
        unit_conf_done(&us->conf);
        free(us);
}

static UnitDirs unit_dirs(Manager *m) {
        return (UnitDirs) {
                .control_dir = m->control_dir,
                .runtime_control_dir = m->runtime_control_dir,
                .unit_path = m->unit_path,
        };
}

static const char *control_dir(Manager *m, bool runtime) {
        UnitDirs d = unit_dirs(m);
        return unit_files_control_dir(&d, runtime);
}

const char *unit_settings_unit_path(Manager *m) {
        UnitDirs d = unit_dirs(m);
        return unit_files_unit_path(&d);
}

static int search_path_get(Manager *m, UnitSearchPath *ret) {
        UnitDirs d = unit_dirs(m);
        return unit_search_path_get(&d, ret);
}

static int load_unit_conf_files(Manager *m, const char *unit, const char *fragment, char *const *dropins,
                                size_t n_dropins, UnitConf *ret) {
        UnitDirs d = unit_dirs(m);
        return unit_files_load_reported(&d, unit, fragment, dropins, n_dropins, ret);
}

/* Makes new the unit's settings (taking it) and brings the engine there. */
static int unit_update(Manager *m, const char *unit, UnitConf *new, const UnitConf *force,
                       const bool mask[_UNIT_CONF_PROPERTY_MAX], bool forget, unsigned generation) {
        UnitSettings *us = unit_find(m, unit);
        _cleanup_(unit_conf_donep) UnitConf old = { 0 };
        if (!us) {
                if (unit_conf_is_empty(new) && !force)
                        return 0;
                us = calloc(1, sizeof(*us));
                if (!us)
                        return -ENOMEM;
                us->name = strdup(unit);
                if (!us->name || hashmap_put(&m->units, &us->node, hash_string(unit)) < 0) {
                        unit_settings_free(us);
                        return -ENOMEM;
                }
        } else
                old = us->conf;
        /* Stored before applying: creating the group asks manager_unit_slice(). */
        us->conf = *new;
        *new = (UnitConf) { 0 };
        us->generation = generation;
        unit_limits_apply(m, unit, &old, &us->conf, force, mask, forget);
        if (unit_conf_is_empty(&us->conf)) {
                hashmap_remove(&m->units, &us->node);
                unit_settings_free(us);
        }
        return 0;
}

/* Drops the settings of every unit keep() refuses (limits back to
 * defaults); -ENOMEM if some could not be dropped. */
static int drop_units(Manager *m, bool (*keep)(Manager *m, const UnitSettings *us, void *userdata), void *userdata) {
        size_t n = 0;
        int r = 0;
        _cleanup_free_ char **drop = calloc(m->units.n_entries + 1, sizeof(*drop));
        if (!drop)
                return -ENOMEM;
        hashmap_for_each(node, &m->units) {
                UnitSettings *us = container_of(node, UnitSettings, node);
                if (keep(m, us, userdata))
                        continue;
                if ((drop[n] = strdup(us->name)))
                        n++;
                else
                        r = -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                unit_settings_forget(m, drop[i]);
                free(drop[i]);
        }
        return r;
}

static bool found_in(Manager *m, const UnitSettings *us, void *userdata) {
        return us->generation == *(const unsigned *) userdata;
}

int unit_settings_load(Manager *m) {
        static unsigned generation = 0;
        /* Under systemd, the units it runs and the files it names. */
        if (systemd_active(m->systemd))
                return systemd_reload_settings(m->systemd);
        _cleanup_(unit_search_path_done) UnitSearchPath sp = { 0 };
        int r = search_path_get(m, &sp);
        if (r < 0)
                return log_oom();
        char **names = NULL;
        size_t n = 0;
        r = unit_files_scan_names(&sp, &names, &n);
        if (r < 0)
                return log_oom();
        generation++;
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_(unit_conf_donep) UnitConf c = { 0 };
                r = unit_files_load(&sp, names[i], &c);
                if (r < 0)
                        break;
                unit_files_sanitize(names[i], &c);
                r = unit_update(m, names[i], &c, NULL, all, false, generation);
        }
        unit_files_names_free(names, n);
        if (r < 0)
                return log_oom();

        /* Units whose files are gone since the last load lose their settings. */
        if (drop_units(m, found_in, &generation) < 0)
                return log_oom();
        log_debug("Unit settings: %zu unit(s) with [X-Resctl] settings.", m->units.n_entries);
        return 0;
}

int unit_settings_load_unit(Manager *m, const char *unit, const char *fragment, char *const *dropins,
                            size_t n_dropins) {
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        int r = load_unit_conf_files(m, unit, fragment, dropins, n_dropins, &c);
        if (r < 0)
                return r;
        unit_files_sanitize(unit, &c);
        UnitSettings *us = unit_find(m, unit);
        return unit_update(m, unit, &c, NULL, all, false, us ? us->generation : 0);
}

/* A unit systemd has not reported running yet, whose cgroup just appeared:
 * its settings from the unit directories, as the scan at start reads them,
 * so that its limits go to the kernel now rather than after systemd has
 * answered for it (unit_settings_load_unit then reads the files systemd
 * names). */
int unit_settings_load_scanned(Manager *m, const char *unit) {
        if (!rc_unit_name_is_valid(unit))
                return 0;
        _cleanup_(unit_search_path_done) UnitSearchPath sp = { 0 };
        int r = search_path_get(m, &sp);
        if (r < 0)
                return r;
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        r = unit_files_load(&sp, unit, &c);
        if (r < 0)
                return r;
        unit_files_sanitize(unit, &c);
        UnitSettings *us = unit_find(m, unit);
        if (!us && unit_conf_is_empty(&c))
                return 0;
        return unit_update(m, unit, &c, NULL, all, false, us ? us->generation : 0);
}

bool unit_settings_has_limit(Manager *m, const char *unit, const char *file, const char *resource) {
        UnitSettings *us = unit_find(m, unit);
        if (!us)
                return false;
        const char *slash = streq(file, "rdma.max") ? strchr(resource, '/') : NULL;
        size_t n = slash ? (size_t) (slash - resource) : strlen(resource);
        for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++) {
                if (!streq(unit_conf_property_file((UnitConfProperty) p), file))
                        continue;
                const UnitConfList *l = &us->conf.lists[p];
                for (size_t i = 0; i < l->n; i++) {
                        const UnitConfEntry *e = &l->entries[i];
                        if (strlen(e->name) != n || !strneq(e->name, resource, n))
                                continue;
                        for (int k = 0; slash && k < _RC_RDMA_KIND_MAX; k++)
                                if (streq(slash + 1, rc_rdma_kind_to_string((rc_rdma_kind) k)))
                                        return e->set[k];
                        return !slash;
                }
        }
        return false;
}

void unit_settings_forget(Manager *m, const char *unit) {
        UnitSettings *us = unit_find(m, unit);
        UnitConf empty = { 0 };
        if (us)
                (void) unit_update(m, unit, &empty, NULL, all, false, us->generation);
}

typedef struct Keep {
        bool (*keep)(Manager *m, const char *unit);
} Keep;

static bool kept(Manager *m, const UnitSettings *us, void *userdata) {
        return ((Keep *) userdata)->keep(m, us->name);
}

void unit_settings_retain(Manager *m, bool (*keep)(Manager *m, const char *unit)) {
        if (drop_units(m, kept, &(Keep) { keep }) < 0)
                log_oom();
}

/* Every unit's settings of r: all of them, or (percent_only) the
 * percentages among them. */
static int apply_resource(Manager *m, const rc_resource *r, bool percent_only) {
        if (r->controller == RC_MISC && r->capacity == 0)
                return 0;       /* misc limits wait for a capacity */
        hashmap_for_each(node, &m->units) {
                UnitSettings *us = container_of(node, UnitSettings, node);
                for (int i = 0; i < _UNIT_CONF_LIST_MAX; i++) {
                        UnitConfProperty p = (UnitConfProperty) i;
                        if (unit_conf_property_controller(p) != r->controller)
                                continue;
                        const UnitConfEntry *e = unit_conf_find(&us->conf, p, r->name);
                        if (percent_only ? unit_limits_has_percent(e) : e != NULL)
                                unit_limits_apply_key(m, us->name, p, r->name, e, percent_only ? e->percent : e->set,
                                                      false);
                }
        }
        return 0;
}

int unit_settings_apply_resource(Manager *m, const rc_resource *r) {
        return apply_resource(m, r, false);
}

int unit_settings_capacity_changed(Manager *m, const rc_resource *r) {
        return apply_resource(m, r, true);
}

const char *manager_unit_slice(Manager *m, const char *unit) {
        const char *slice = unit ? systemd_unit_slice(m->systemd, unit) : NULL;
        if (slice)
                return slice;
        UnitSettings *us = unit ? unit_find(m, unit) : NULL;
        return us ? us->conf.slice : NULL;
}

void unit_settings_free_all(Manager *m) {
        for (size_t b = 0; b < m->units.n_buckets; b++)
                for (HashNode *n = m->units.buckets[b], *next; n; n = next) {
                        next = n->next;
                        unit_settings_free(container_of(n, UnitSettings, node));
                }
        hashmap_done(&m->units);
}

/* ---- SetUnitProperties ---- */

void unit_changes_free(UnitChange *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                unit_conf_done(&v[i].add);
        free(v);
}

void unit_changes_done(UnitChanges *c) {
        unit_changes_free(c->v, c->n);
}

/* Temporaries of drop-ins a crash left behind (".#50-resctl-*.conf*"):
 * called at start, once the logs no longer name any of them, so that
 * none is left whatever moment the crash chose. */
void unit_settings_clean_temporaries(Manager *m) {
        const char *tops[2] = { control_dir(m, false), control_dir(m, true) };
        dropin_clean_temporaries(tops);
}

/* The runtime limits the call's unit settings take over are forgotten
 * before any drop-in appears, each on the condition that its drop-in's
 * temporary file was renamed (journal.c: a w record naming a file that is
 * still there is void): a crash between the two changes neither. */
typedef struct Forgotten {
        char *file, *name;
} Forgotten;

static int forget_taken_over(Manager *m, const char *unit, const UnitConf *force, const DropInFile *files,
                             size_t n) {
        /* What this call forgets is put back if its records cannot be
         * written: earlier calls of the batch still wait in the buffer. */
        size_t state_mark = m->state_store ? store_mark(m->state_store) : 0;
        size_t runtime_mark = m->runtime_store ? store_mark(m->runtime_store) : 0;
        Forgotten *forgotten = NULL;
        size_t n_forgotten = 0;
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                UnitConfProperty p = files[i].prop;
                if (p == UNIT_CONF_SLICE)
                        continue;
                const UnitConfList *l = &force->lists[p];
                for (size_t k = 0; k < l->n && r >= 0; k++)
                        for (int kind = 0; kind < (p == UNIT_CONF_RDMA_MAX ? _RC_RDMA_KIND_MAX : 1) && r >= 0;
                             kind++) {
                                _cleanup_free_ char *key = NULL;
                                const char *name = l->entries[k].name, *file = unit_conf_property_file(p);
                                if (p == UNIT_CONF_RDMA_MAX) {
                                        if (!l->entries[k].set[kind] ||
                                            asprintf(&key, "%s/%s", name,
                                                     rc_rdma_kind_to_string((rc_rdma_kind) kind)) < 0)
                                                continue;
                                        name = key;
                                }
                                if (manager_runtime_limit_known(m, unit, file, name)) {
                                        Forgotten *v = realloc(forgotten, (n_forgotten + 1) * sizeof(*v));
                                        if (!v) {
                                                r = -ENOMEM;
                                                break;
                                        }
                                        forgotten = v;
                                        forgotten[n_forgotten].file = (char *) file;
                                        forgotten[n_forgotten].name = strdup(name);
                                        if (!forgotten[n_forgotten++].name)
                                                r = -ENOMEM;
                                }
                                if (r >= 0)
                                        manager_forget_runtime_limit_unless(m, unit, file, name, files[i].tmp);
                        }
        }
        /* Both logs, in manager_commit()'s order (earlier calls of the
         * batch may have records in either), but no compaction: that would
         * drop the conditional w records before the renames. */
        if (r >= 0 && m->state_store && store_has_pending(m->state_store))
                r = store_commit(m->state_store);
        if (r >= 0 && m->runtime_store && store_has_pending(m->runtime_store))
                r = store_commit(m->runtime_store);
        if (r < 0) {
                if (m->state_store)
                        store_rollback(m->state_store, state_mark);
                if (m->runtime_store)
                        store_rollback(m->runtime_store, runtime_mark);
                for (size_t i = 0; i < n_forgotten; i++)
                        if (forgotten[i].name)
                                manager_remember_runtime_limit(m, unit, forgotten[i].file, forgotten[i].name);
        }
        for (size_t i = 0; i < n_forgotten; i++)
                free(forgotten[i].name);
        free(forgotten);
        return r;
}

/* The renames of one call are redone at start if a crash cut them short
 * (persist.c, record N): all of a call's drop-ins appear, or none. */
static int record_renames(Manager *m, const DropInFile *files, size_t n) {
        if (!m->state_store || n < 2)
                return 0;
        size_t mark = store_mark(m->state_store);
        for (size_t i = 0; i < n; i++)
                if (journal_rename(m, files[i].tmp, files[i].path) < 0) {
                        store_rollback(m->state_store, mark);
                        return -ENOMEM;
                }
        int r = store_commit(m->state_store);
        if (r < 0)
                store_rollback(m->state_store, mark);
        return r;
}

/* A drop-in or a log that cannot be written (full disk, I/O error)
 * refuses the call with StorageFailed. */
static int storage_error(sd_bus_error *error, int r, const char *what) {
        if (r == -ENOMEM)
                return r;
        sd_bus_error_setf(error, RESCTL_ERROR_STORAGE_FAILED, "Cannot write %s: %s; nothing was changed", what,
                          strerror(-r));
        return r;
}

/* All drop-ins are written and synced before the first rename, so that a
 * failed write changes none of them; the logs forget what the drop-ins
 * take over in between. */
static int write_dropins(Manager *m, const char *top, const char *unit, const UnitConf *work, const UnitConf *force,
                         const bool touched[_UNIT_CONF_PROPERTY_MAX], bool *renamed, sd_bus_error *error) {
        _cleanup_(dropin_batch_done) DropInBatch b = { 0 };
        const char *failed;
        int r = dropin_batch_open(&b, top, unit, &failed);
        if (r < 0)
                return failed ? sd_bus_error_set_errnof(error, r, "Cannot create %s: %s", failed, strerror(-r)) : r;
        r = dropin_batch_write(&b, work, touched, &failed);
        if (r < 0 && failed)
                r = storage_error(error, r, failed);
        if (r >= 0) {
                r = forget_taken_over(m, unit, force, b.files, b.n);
                if (r >= 0)
                        r = record_renames(m, b.files, b.n);
                if (r < 0)
                        r = storage_error(error, r, "the state logs");
        }
        bool ready = r >= 0;
        r = dropin_batch_rename(&b, r, unit, renamed, &failed);
        if (ready && r < 0)
                r = sd_bus_error_set_errnof(error, r, "Cannot write %s: %s", failed, strerror(-r));
        /* The new names, and the directory itself if it is new, must be on
         * disk before the reply says they are. */
        int q = dropin_batch_sync(&b);
        if (r >= 0 && q < 0)
                r = sd_bus_error_set_errnof(error, q, "Cannot sync %s: %s", b.dir, strerror(-q));
        return r;
}

int unit_settings_set_value(Manager *m, const char *unit, bool runtime, int property, const char *name,
                            uint64_t value, sd_bus_error *error) {
        _cleanup_(unit_changes_done) UnitChanges changes = { .v = calloc(1, sizeof(UnitChange)), .n = 1 };
        if (!changes.v)
                return -ENOMEM;
        UnitConfProperty p = (UnitConfProperty) property;
        changes.v[0].prop = p;
        int r = unit_conf_set(&changes.v[0].add, p, name, 0, value);
        if (r < 0)
                return r;
        return unit_settings_set(m, unit, runtime, &changes, error);
}

/* The changes of one call, checked: drop-ins, then the engine. */
int unit_settings_set(Manager *m, const char *unit, bool runtime, const UnitChanges *changes, sd_bus_error *error) {
        int r;
        bool touched[_UNIT_CONF_PROPERTY_MAX] = { false };
        for (size_t i = 0; i < changes->n; i++)
                touched[changes->v[i].prop] = true;

        /* A persistent drop-in of the same name masks the runtime one
         * (system.control comes before /run/systemd/system.control): the
         * setting would not take effect, so refuse it. */
        for (int i = 0; runtime && i < _UNIT_CONF_PROPERTY_MAX; i++) {
                if (!touched[i])
                        continue;
                _cleanup_free_ char *path = NULL;
                const char *prop = unit_conf_property_to_string((UnitConfProperty) i);
                if (asprintf(&path, "%s/%s.d/" DROPIN_PREFIX "%s.conf", control_dir(m, false), unit, prop) < 0)
                        return -ENOMEM;
                if (access(path, F_OK) >= 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                 "%s: %s is set persistently in %s, which masks runtime settings; "
                                                 "make the change persistent instead",
                                                 unit, prop, path);
        }

        /* Like systemd, the drop-in says the unit's whole list as it is now
         * plus the change, so that entries from the unit's other files
         * survive the reset line the drop-in starts with. */
        UnitSettings *us = unit_find(m, unit);
        unsigned generation = us ? us->generation : 0;
        _cleanup_(unit_conf_donep) UnitConf work = { 0 }, force = { 0 }, new = { 0 };
        if (us) {
                r = unit_conf_copy(&work, &us->conf);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < changes->n; i++) {
                const UnitChange *c = &changes->v[i];
                if (c->prop == UNIT_CONF_SLICE) {
                        r = unit_conf_set_slice(&work, c->add.slice);
                        if (r < 0)
                                return r;
                        continue;
                }
                const UnitConfList *l = &c->add.lists[c->prop];
                /* A reset touches every key the list had; new entries touch
                 * theirs: those are applied and their WriteFile records
                 * forgotten even where the value stays the same. */
                const UnitConfList *touched_keys = l->n == 0 ? &work.lists[c->prop] : l;
                for (size_t k = 0; k < touched_keys->n; k++)
                        for (int kind = 0; kind < _RC_RDMA_KIND_MAX; kind++) {
                                const UnitConfEntry *e = &touched_keys->entries[k];
                                if (!e->set[kind])
                                        continue;
                                r = unit_conf_set_full(&force, c->prop, e->name, (rc_rdma_kind) kind,
                                                       e->value[kind], e->percent[kind]);
                                if (r >= 0 && l->n > 0)
                                        r = unit_conf_set_full(&work, c->prop, e->name, (rc_rdma_kind) kind,
                                                               e->value[kind], e->percent[kind]);
                                if (r < 0)
                                        return r;
                        }
                if (l->n == 0)
                        unit_conf_reset(&work, c->prop);
        }

        r = unit_limits_check_writable(m, unit, changes, error);
        if (r < 0)
                return r;

        bool renamed = false;
        int w = write_dropins(m, control_dir(m, runtime), unit, &work, &force, touched, &renamed, error);
        if (w < 0 && !renamed)
                return w;

        /* What was renamed into place is now the unit's setting: reload its
         * files (a later drop-in may still override ours) and apply. */
        const char *fragment;
        char *const *dropins;
        size_t n_dropins;
        int s = systemd_unit_files(m->systemd, unit, &fragment, &dropins, &n_dropins);
        /* A unit systemd has not (yet) told us about is read from the unit
         * directories: the caller asked for the setting now, and systemd's
         * own list replaces it once the unit is announced. */
        if (s > 0)
                r = load_unit_conf_files(m, unit, fragment, dropins, n_dropins, &new);
        else {
                _cleanup_(unit_search_path_done) UnitSearchPath sp = { 0 };
                r = search_path_get(m, &sp);
                if (r >= 0)
                        r = unit_files_load(&sp, unit, &new);
        }
        if (r < 0)
                return r;
        unit_files_sanitize(unit, &new);
        m->collect_kernel_errors = true;
        m->kernel_error = 0;
        r = unit_update(m, unit, &new, &force, touched, true, generation);
        m->collect_kernel_errors = false;
        if (w >= 0 && r >= 0 && m->kernel_error < 0)
                return error_from_rc(error, m->kernel_error, &m->kernel_err);
        return w < 0 ? w : r;
}
