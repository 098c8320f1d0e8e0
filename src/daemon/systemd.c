/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The unit tree from systemd (api.md "Names"; issue: hierarchy from
 * systemd). When org.freedesktop.systemd1 is on the bus, resctld
 * subscribes to it, learns which units run and under which slice, and
 * keeps the group tree equal to systemd's slice tree:
 *
 *   - a unit that runs (ActiveState neither inactive nor failed) of a type
 *     that has a cgroup (slice, scope, service, socket, mount, swap) is
 *     "live": its group exists (pinned) under the slice systemd reports,
 *     and its [X-Resctl] settings come from exactly the files systemd
 *     loaded it from (FragmentPath, DropInPaths) plus the set-property
 *     drop-ins resctld wrote since systemd last read them;
 *   - a unit that stops or goes away is handled as the kernel handles a
 *     removed cgroup (kernel-semantics.md R11): its limits are dropped, and
 *     its group lives on only while it holds charges.
 *
 * What it costs systemd (resctld(8) "SYSTEMD"): touching a unit's object
 * path makes systemd load the unit, and a unit loaded for nothing is
 * unloaded again at its next garbage collection with UnitNew/UnitRemoved
 * on the bus. Asking about a unit because of UnitNew (or of a JobRemoved
 * of a stop) therefore loads it again and again, for ever. So the state of
 * units comes from the signals alone: PropertiesChanged of the Unit
 * interface, which systemd sends to subscribers for every unit, carries
 * ActiveState and InvocationID; UnitRemoved is final; UnitNew and
 * JobRemoved are not even matched. Exactly one GetAll is sent when a unit
 * starts a run (a new InvocationID, or a start state of a unit not known to
 * run), for what signals never carry: its Slice and the files systemd
 * loaded it from. A unit that starts a run is loaded and not collected
 * while it runs; stops, status queries and idle times cost systemd no call.
 * Synchronizations (start, daemon-reload, systemd back on the bus) list the
 * units once and ask each running one.
 *
 * Everything is asynchronous: every call to systemd has a slot and its
 * reply is handled in the event loop. A daemon-reload removes and re-adds
 * every unit (UnitRemoved/UnitNew between Reloading(true) and
 * Reloading(false)): unit signals in that window are ignored and
 * Reloading(false) resynchronizes everything. When systemd leaves the bus
 * (re-exec, restart) the tree is kept as it is until it comes back, then
 * resynchronized.
 *
 * What follows from a unit running or stopping (its group, its limits,
 * its settings, its unit charges) is the manager's: manager-systemd.c,
 * through SystemdCallbacks. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

#include "engine.h"
#include "hash.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "systemd-check.h"
#include "systemd-props.h"
#include "systemd.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define SD_UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define SD_UNIT_PREFIX "/org/freedesktop/systemd1/unit"

/* How long the bus name waits for the first synchronization. */
#define READY_TIMEOUT_USEC (10 * 1000 * 1000ULL)

typedef struct SdUnit {
        HashNode node;
        struct Systemd *sd;
        char *name;
        char *slice;                    /* systemd's Slice; NULL for slices */
        char *fragment;                 /* NULL: none */
        char **dropins;                 /* in systemd's order */
        size_t n_dropins;
        sd_id128_t invocation;          /* the run the answer was about; null: none known */
        bool live;                      /* its group is pinned, its settings applied */
        bool counted;                   /* the running resync waits for slot */
        unsigned listed;                /* stamp of the last unit list that showed it running */
        sd_bus_slot *slot;              /* pending GetAll */
} SdUnit;

struct Systemd {
        SystemdCallbacks cb;
        void *userdata;
        sd_bus *bus;
        sd_bus_slot *matches[6];
        sd_bus_slot *owner_slot;        /* GetNameOwner */
        sd_bus_slot *subscribe_slot;
        sd_bus_slot *list_slot;         /* ListUnits */
        char *owner;                    /* systemd's unique name; NULL while it is away */
        bool reloading;                 /* between Reloading(true) and Reloading(false) */
        bool synced;                    /* one full synchronization done: systemd is the source */
        bool syncing;                   /* a synchronization is running */
        size_t n_pending;               /* GetAll replies the running synchronization waits for */
        unsigned list_stamp;
        Hashmap units;                  /* name -> SdUnit: live units and units being asked about */
        ListHead checks;                /* pending unit_check_start() questions */
        bool ready_called;              /* cb.ready is called once */
        sd_event_source *ready_timer;
};

static void sync_maybe_done(Systemd *s);

/* ---- small helpers ---- */

static bool sd_unit_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, SdUnit, node)->name, key);
}

static SdUnit *unit_find(Systemd *s, const char *name) {
        HashNode *n = hashmap_get(&s->units, hash_string(name), name, sd_unit_eq);
        return n ? container_of(n, SdUnit, node) : NULL;
}

/* Unit types that have a cgroup of their own. */
static bool unit_has_cgroup(const char *name) {
        static const char *const types[] = { ".slice", ".scope", ".service", ".socket", ".mount", ".swap" };
        if (!rc_unit_name_is_valid(name) || streq(name, RC_ROOT_GROUP))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (endswith(name, types[i]))
                        return true;
        return false;
}

static bool active_state_is_live(const char *state) {
        return state && !streq(state, "inactive") && !streq(state, "failed");
}

/* A state a run enters by: worth asking about a unit not known to run.
 * "deactivating" of a unit we never saw run is on its way out: asking
 * could reach it after it was collected, and load it again. */
static bool active_state_is_starting(const char *state) {
        return state && (streq(state, "activating") || streq(state, "active") || streq(state, "reloading"));
}

static void unit_clear_files(SdUnit *u) {
        free(u->fragment);
        u->fragment = NULL;
        for (size_t i = 0; i < u->n_dropins; i++)
                free(u->dropins[i]);
        free(u->dropins);
        u->dropins = NULL;
        u->n_dropins = 0;
}

static void unit_cancel(SdUnit *u) {
        u->slot = sd_bus_slot_unref(u->slot);
        if (u->counted) {
                u->counted = false;
                u->sd->n_pending--;
        }
}

static void unit_free(SdUnit *u) {
        if (!u)
                return;
        unit_cancel(u);
        unit_clear_files(u);
        free(u->slice);
        free(u->name);
        free(u);
}

static SdUnit *unit_get(Systemd *s, const char *name) {
        SdUnit *u = unit_find(s, name);
        if (u)
                return u;
        u = calloc(1, sizeof(*u));
        if (!u)
                return NULL;
        u->sd = s;
        u->name = strdup(name);
        if (!u->name || hashmap_put(&s->units, &u->node, hash_string(name)) < 0) {
                free(u->name);
                free(u);
                return NULL;
        }
        return u;
}

/* The unit stopped or went away. */
static void unit_down(SdUnit *u) {
        if (!u->live)
                return;
        u->live = false;
        u->sd->cb.unit_down(u->sd->userdata, u->name);
}

static void unit_gone(SdUnit *u) {
        unit_down(u);
        hashmap_remove(&u->sd->units, &u->node);
        unit_free(u);
}

/* The unit runs: its group under systemd's slice, its settings from its
 * files. It counts as live while the manager reads them. */
static void unit_up(SdUnit *u) {
        const char *slice = rc_unit_name_is_slice(u->name) ? NULL : u->slice ? u->slice : RC_DEFAULT_SLICE;
        bool was_live = u->live;
        u->live = true;
        if (u->sd->cb.unit_up(u->sd->userdata, u->name, slice, was_live, u->fragment, u->dropins, u->n_dropins) < 0)
                u->live = was_live;
}

/* ---- asking systemd about one unit ---- */

static int on_unit_props(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        SdUnit *u = userdata;
        Systemd *s = u->sd;
        u->slot = sd_bus_slot_unref(u->slot);
        bool counted = u->counted;
        if (counted) {
                u->counted = false;
                s->n_pending--;
        }
        if (s->reloading) {
                /* Reloading(false) asks again. */
        } else if (sd_bus_message_is_method_error(reply, NULL)) {
                /* Unloaded since we asked (UnknownObject): gone. */
                log_debug("%s: %s", u->name, sd_bus_message_get_error(reply)->message);
                unit_gone(u);
        } else {
                _cleanup_(unit_props_done) UnitProps p = { 0 };
                int r = unit_props_read(reply, &p);
                if (r < 0) {
                        log_warning_errno(r, "%s: cannot read systemd's answer: %s", u->name, strerror(-r));
                } else if (!active_state_is_live(p.active_state) || (p.load_state && streq(p.load_state, "masked")))
                        unit_gone(u);
                else {
                        free(u->slice);
                        u->slice = !isempty(p.slice) && rc_slice_name_is_valid(p.slice) ? TAKE_PTR(p.slice) : NULL;
                        unit_clear_files(u);
                        u->fragment = isempty(p.fragment) ? NULL : TAKE_PTR(p.fragment);
                        u->dropins = TAKE_PTR(p.dropins);
                        u->n_dropins = p.n_dropins;
                        p.n_dropins = 0;
                        u->invocation = p.invocation;
                        unit_up(u);
                }
        }
        if (counted)
                sync_maybe_done(s);
        return 0;
}

/* Asks for the unit's state, slice and files. Only for a unit that a list
 * or a signal just showed in a run: the path of a unit systemd may have
 * collected is never touched. A question in flight is not asked twice: its
 * answer comes after every change systemd signalled before reading it. */
static int unit_fetch(Systemd *s, const char *name, bool count) {
        if (!s->owner || !unit_has_cgroup(name))
                return 0;
        SdUnit *u = unit_get(s, name);
        if (!u)
                return log_oom();
        if (u->slot) {
                if (count && !u->counted) {
                        u->counted = true;
                        s->n_pending++;
                }
                return 0;
        }
        _cleanup_free_ char *path = NULL;
        int r = sd_bus_path_encode(SD_UNIT_PREFIX, name, &path);
        if (r < 0)
                return r;
        /* "" asks for every interface: Slice lives on the type's own one. */
        r = sd_bus_call_method_async(s->bus, &u->slot, SD_DEST, path, "org.freedesktop.DBus.Properties",
                                     "GetAll", on_unit_props, u, "s", "");
        if (r < 0) {
                log_warning_errno(r, "%s: cannot ask systemd about it: %s", name, strerror(-r));
                if (u->counted) {
                        u->counted = false;
                        s->n_pending--;
                }
                return r;
        }
        if (count && !u->counted) {
                u->counted = true;
                s->n_pending++;
        }
        return 0;
}

/* ---- synchronization ---- */

static void call_ready(Systemd *s) {
        s->ready_timer = sd_event_source_disable_unref(s->ready_timer);
        bool called = s->ready_called;
        s->ready_called = true;
        if (!called)
                s->cb.ready(s->userdata);
}

static void sync_maybe_done(Systemd *s) {
        if (!s->syncing || s->list_slot || s->n_pending > 0)
                return;
        s->syncing = false;
        bool first = !s->synced;
        s->synced = true;
        if (first)
                log_info("Following systemd's unit tree: %zu unit(s) with a cgroup run.", s->units.n_entries);
        else
                log_debug("Resynchronized with systemd: %zu unit(s) with a cgroup run.", s->units.n_entries);
        s->cb.synced(s->userdata, first);
        call_ready(s);
}

static int on_list_units(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Systemd *s = userdata;
        s->list_slot = sd_bus_slot_unref(s->list_slot);
        if (s->reloading)
                return 0;       /* Reloading(false) starts again */
        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_warning("Cannot list systemd's units: %s", sd_bus_message_get_error(reply)->message);
                s->syncing = false;
                call_ready(s);  /* with what the unit files say */
                return 0;
        }
        /* Units we know of that this list does not show as running are gone. */
        unsigned stamp = ++s->list_stamp;
        int r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        const char *name, *active;
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, &active, NULL, NULL, NULL,
                                                  NULL, NULL, NULL)) > 0) {
                if (!unit_has_cgroup(name) || !active_state_is_live(active))
                        continue;
                if (unit_fetch(s, name, true) < 0)
                        continue;
                SdUnit *u = unit_find(s, name);
                if (u)
                        u->listed = stamp;
        }
        if (r < 0)
                /* A broken list says nothing about the others: keep them. */
                log_warning_errno(r, "Cannot read systemd's unit list: %s", strerror(-r));
        else {
                size_t n = 0;
                _cleanup_free_ SdUnit **gone = calloc(s->units.n_entries + 1, sizeof(*gone));
                if (!gone)
                        return log_oom();
                hashmap_for_each(node, &s->units) {
                        SdUnit *u = container_of(node, SdUnit, node);
                        if (u->listed != stamp)
                                gone[n++] = u;
                }
                for (size_t i = 0; i < n; i++)
                        unit_gone(gone[i]);
        }
        sync_maybe_done(s);
        return 0;
}

static int on_subscribe(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Systemd *s = userdata;
        s->subscribe_slot = sd_bus_slot_unref(s->subscribe_slot);
        if (sd_bus_message_is_method_error(reply, NULL) &&
            !sd_bus_message_is_method_error(reply, "org.freedesktop.systemd1.AlreadySubscribed"))
                log_warning("Cannot subscribe to systemd's signals: %s", sd_bus_message_get_error(reply)->message);
        return 0;
}

/* Asks for the whole unit list again; replies for single units that are
 * still out keep going. */
static void resync(Systemd *s) {
        if (!s->owner)
                return;
        s->syncing = true;
        s->list_slot = sd_bus_slot_unref(s->list_slot);
        int r = sd_bus_call_method_async(s->bus, &s->list_slot, SD_DEST, SD_PATH, SD_MANAGER_IFACE,
                                         "ListUnits", on_list_units, s, NULL);
        if (r < 0) {
                log_warning_errno(r, "Cannot ask systemd for its units: %s", strerror(-r));
                s->syncing = false;
                call_ready(s);
        }
}

/* systemd is (again) on the bus under this unique name. */
static void begin(Systemd *s, const char *owner) {
        if (s->owner && streq(s->owner, owner))
                return;
        free(s->owner);
        s->owner = strdup(owner);
        if (!s->owner) {
                log_oom();
                return;
        }
        log_debug("systemd is on the bus as %s: subscribing.", owner);
        s->reloading = false;
        /* A new systemd knows nothing of our subscription. Subscribe goes
         * out before ListUnits, so no change falls between them. */
        s->subscribe_slot = sd_bus_slot_unref(s->subscribe_slot);
        int r = sd_bus_call_method_async(s->bus, &s->subscribe_slot, SD_DEST, SD_PATH, SD_MANAGER_IFACE,
                                         "Subscribe", on_subscribe, s, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot subscribe to systemd's signals: %s", strerror(-r));
        resync(s);
}

/* ---- signals ---- */

static int on_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Systemd *s = userdata;
        const char *name, *old, *new;
        if (sd_bus_message_read(msg, "sss", &name, &old, &new) < 0 || !streq(name, SD_DEST))
                return 0;
        if (isempty(new)) {
                if (s->owner)
                        log_info("systemd left the bus; keeping the unit tree until it is back.");
                free(s->owner);
                s->owner = NULL;
                s->list_slot = sd_bus_slot_unref(s->list_slot);
                s->subscribe_slot = sd_bus_slot_unref(s->subscribe_slot);
                hashmap_for_each(node, &s->units) unit_cancel(container_of(node, SdUnit, node));
                s->syncing = false;
                s->reloading = false;
                call_ready(s);  /* if still waiting: with what the unit files say */
                return 0;
        }
        begin(s, new);
        return 0;
}

static int on_get_name_owner(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Systemd *s = userdata;
        s->owner_slot = sd_bus_slot_unref(s->owner_slot);
        const char *owner;
        if (sd_bus_message_is_method_error(reply, NULL) || sd_bus_message_read(reply, "s", &owner) < 0) {
                log_debug("systemd is not on the bus: unit settings come from the unit directories.");
                call_ready(s);
                return 0;
        }
        begin(s, owner);
        return 0;
}

/* Final: the unit is unloaded, and whatever is asked about it now would
 * load it again. */
/* The unit stopped or is gone (UnitRemoved is final): the manager hears
 * it, and a unit the first synchronization waited for counts as done. */
static void unit_stopped(Systemd *s, const char *name, SdUnit *u) {
        s->cb.unit_stopped(s->userdata, name);
        if (!u)
                return;
        bool counted = u->counted;
        unit_gone(u);
        if (counted)
                sync_maybe_done(s);
}

static int on_unit_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Systemd *s = userdata;
        const char *name;
        if (s->reloading || sd_bus_message_read(msg, "so", &name, NULL) < 0)
                return 0;
        unit_stopped(s, name, unit_find(s, name));
        return 0;
}

static int on_reloading(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Systemd *s = userdata;
        int active;
        if (sd_bus_message_read(msg, "b", &active) < 0)
                return 0;
        if (active) {
                s->reloading = true;
                return 0;
        }
        s->reloading = false;
        /* Every unit was unloaded and loaded again, its files re-read. */
        log_debug("systemd reloaded: reading units and their files again.");
        resync(s);
        return 0;
}

static int on_unit_files_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        /* "systemctl revert" removes system.control/UNIT.d: read again. */
        (void) systemd_reload_settings(userdata);
        return 0;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Systemd *s = userdata;
        if (s->reloading || !s->owner)
                return 0;
        _cleanup_free_ char *name = NULL;
        if (sd_bus_path_decode(sd_bus_message_get_path(msg), SD_UNIT_PREFIX, &name) <= 0 || !unit_has_cgroup(name))
                return 0;
        const char *iface;
        if (sd_bus_message_read(msg, "s", &iface) < 0 || !streq(iface, SD_UNIT_IFACE))
                return 0;
        _cleanup_(unit_props_done) UnitProps p = { 0 };
        if (unit_props_read(msg, &p) < 0 || !p.active_state)
                return 0;
        SdUnit *u = unit_find(s, name);
        if (!active_state_is_live(p.active_state)) {
                /* Stopped: nothing to ask. An answer in flight is void. */
                unit_stopped(s, name, u);
                return 0;
        }
        if (u && (u->slot || (u->live && !(p.has_invocation && !sd_id128_is_null(p.invocation) &&
                                           !sd_id128_equal(p.invocation, u->invocation)))))
                return 0;       /* asked already, or the same run */
        /* A new run (its slice may be another since a daemon-reload), or a
         * unit starting that we never saw run. */
        if (u || active_state_is_starting(p.active_state))
                (void) unit_fetch(s, name, false);
        return 0;
}

static int on_ready_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        Systemd *s = userdata;
        log_warning("systemd has not answered in %llu s; going on with what the unit files say.",
                    (unsigned long long) (READY_TIMEOUT_USEC / 1000000));
        call_ready(s);
        return 0;
}

/* ---- entry points ---- */

int systemd_new(const SystemdCallbacks *cb, void *userdata, Systemd **ret) {
        Systemd *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->cb = *cb;
        s->userdata = userdata;
        list_init(&s->checks);
        *ret = s;
        return 0;
}

int systemd_start(Systemd *s, sd_bus *bus, sd_event *event) {
        s->bus = bus;

        static const struct {
                const char *member;
                sd_bus_message_handler_t handler;
        } signals[] = {
                { "UnitRemoved", on_unit_removed },
                { "Reloading", on_reloading },
                { "UnitFilesChanged", on_unit_files_changed },
        };
        int r = sd_bus_add_match_async(s->bus, &s->matches[0],
                                       "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                       "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                       "arg0='" SD_DEST "'",
                                       on_owner_changed, NULL, s);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(signals); i++)
                r = sd_bus_match_signal_async(s->bus, &s->matches[1 + i], SD_DEST, SD_PATH, SD_MANAGER_IFACE,
                                              signals[i].member, signals[i].handler, NULL, s);
        if (r >= 0)
                r = sd_bus_add_match_async(s->bus, &s->matches[1 + ELEMENTSOF(signals)],
                                           "type='signal',sender='" SD_DEST "',"
                                           "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                           "path_namespace='" SD_UNIT_PREFIX "',arg0='" SD_UNIT_IFACE "'",
                                           on_properties_changed, NULL, s);
        if (r >= 0)
                r = sd_bus_call_method_async(s->bus, &s->owner_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetNameOwner", on_get_name_owner, s, "s",
                                             SD_DEST);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &s->ready_timer, CLOCK_MONOTONIC, READY_TIMEOUT_USEC, 0,
                                               on_ready_timeout, s);
        if (r < 0) {
                log_error_errno(r, "Cannot watch systemd: %s", strerror(-r));
                call_ready(s);
                return r;
        }
        return 0;
}

Systemd *systemd_free(Systemd *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(s->matches); i++)
                sd_bus_slot_unref(s->matches[i]);
        sd_bus_slot_unref(s->owner_slot);
        sd_bus_slot_unref(s->subscribe_slot);
        sd_bus_slot_unref(s->list_slot);
        unit_checks_cancel(&s->checks);
        sd_event_source_disable_unref(s->ready_timer);
        for (size_t b = 0; b < s->units.n_buckets; b++)
                for (HashNode *n = s->units.buckets[b], *next; n; n = next) {
                        next = n->next;
                        unit_free(container_of(n, SdUnit, node));
                }
        hashmap_done(&s->units);
        free(s->owner);
        free(s);
        return NULL;
}

bool systemd_active(Systemd *s) {
        return s && (s->synced || s->syncing);
}

int systemd_check_unit(Systemd *s, const char *unit) {
        if (!s || !s->bus)
                return 0;
        return unit_check_start(s->bus, &s->checks, unit, s->cb.unit_stopped, s->userdata);
}

bool systemd_unit_is_live(Systemd *s, const char *unit) {
        SdUnit *u = s ? unit_find(s, unit) : NULL;
        return u && u->live;
}

const char *systemd_unit_slice(Systemd *s, const char *unit) {
        SdUnit *u = s && systemd_active(s) ? unit_find(s, unit) : NULL;
        return u && u->live ? u->slice : NULL;
}

int systemd_unit_files(Systemd *s, const char *unit, const char **fragment, char *const **dropins,
                       size_t *n_dropins) {
        if (!systemd_active(s))
                return -ENXIO;
        SdUnit *u = unit_find(s, unit);
        if (!u || !u->live)
                return 0;
        *fragment = u->fragment;
        *dropins = u->dropins;
        *n_dropins = u->n_dropins;
        return 1;
}

int systemd_reload_settings(Systemd *s) {
        if (!systemd_active(s))
                return -ENXIO;
        int ret = 0;
        hashmap_for_each(node, &s->units) {
                SdUnit *u = container_of(node, SdUnit, node);
                if (!u->live)
                        continue;
                int r = s->cb.load_settings(s->userdata, u->name, u->fragment, u->dropins, u->n_dropins);
                if (r < 0 && ret >= 0)
                        ret = r;
        }
        return ret;
}
