/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Who is calling, and may they? Both answers come from other bus peers
 * (the bus driver, polkitd), so a call is parked while we ask and handed
 * back to its handler with sd_bus_enqueue_for_read() once the answer is in.
 * Credentials are read once per unique name (the bus never reuses one) and
 * a pidfd is taken on the process the bus names right then; nothing about
 * a caller is derived from its pid later, since pids are reused. polkit is
 * asked about the bus name (system-bus-name), as systemd's daemons do. */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caller.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

#define UID_INVALID ((uid_t) -1)

typedef enum AuthState {
        AUTH_PENDING,
        AUTH_ALLOWED,
        AUTH_DENIED,
        AUTH_CHALLENGE,
        AUTH_FAILED,
} AuthState;

/* One per parked call. Calls of one sender for one action (and the same
 * interactivity) that arrive while polkit is being asked wait for that
 * answer instead of asking again: the leader holds the check, the others
 * follow it. Answers are not kept beyond the check in flight. */
typedef struct AuthQuery {
        HashNode node;                  /* manager->auth_queries, by message */
        HashNode check_node;            /* manager->auth_checks, while leading a check */
        Manager *manager;
        sd_bus_message *msg;
        char *action;
        char *check_key;                /* set while leading a check */
        sd_bus_slot *slot;
        struct AuthQuery *leader;
        struct AuthQuery **followers;
        size_t n_followers;
        AuthState state;
        char *failure;
} AuthQuery;

static bool check_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, AuthQuery, check_node)->check_key, key);
}

static bool caller_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, Caller, node)->sender, key);
}

static bool query_eq(const HashNode *n, const void *key) {
        return container_of(n, AuthQuery, node)->msg == key;
}

void caller_free(Caller *c) {
        if (!c)
                return;
        sd_bus_slot_unref(c->slot);
        if (c->pidfd >= 0)
                close(c->pidfd);
        for (size_t i = 0; i < c->n_waiting; i++)
                sd_bus_message_unref(c->waiting[i]);
        free(c->waiting);
        free(c->sender);
        free(c);
}

static void check_end(AuthQuery *q) {
        if (!q->check_key)
                return;
        hashmap_remove(&q->manager->auth_checks, &q->check_node);
        free(q->check_key);
        q->check_key = NULL;
}

static void query_free(AuthQuery *q) {
        check_end(q);
        if (q->leader) {
                AuthQuery *l = q->leader;
                for (size_t i = 0; i < l->n_followers; i++)
                        if (l->followers[i] == q)
                                l->followers[i] = l->followers[--l->n_followers];
        }
        for (size_t i = 0; i < q->n_followers; i++)
                q->followers[i]->leader = NULL;
        free(q->followers);
        hashmap_remove(&q->manager->auth_queries, &q->node);
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->msg);
        free(q->action);
        free(q->failure);
        free(q);
}

size_t auth_queries_count(Manager *m) {
        return m->auth_queries.n_entries;
}

void caller_call_done(Manager *m, sd_bus_message *msg) {
        HashNode *n = hashmap_get(&m->auth_queries, hash_u64((uintptr_t) msg), msg, query_eq);
        if (n && container_of(n, AuthQuery, node)->state != AUTH_PENDING)
                query_free(container_of(n, AuthQuery, node));
}

void auth_queries_free(Manager *m) {
        for (size_t b = 0; b < m->auth_queries.n_buckets; b++)
                while (m->auth_queries.buckets[b])
                        query_free(container_of(m->auth_queries.buckets[b], AuthQuery, node));
}

/* The handler runs again and reads its arguments from the start: the one
 * rewind of a parked call is here, not in every handler. */
static void requeue(Manager *m, sd_bus_message *msg) {
        (void) sd_bus_message_rewind(msg, true);
        int r = sd_bus_enqueue_for_read(m->bus, msg);
        if (r < 0)
                log_warning_errno(r, "Cannot re-dispatch a parked call: %s", strerror(-r));
}

static int parse_credentials(sd_bus_message *reply, Caller *c) {
        bool have_uid = false, have_pid = false;
        int r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;
                uint32_t v;
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "UnixUserID") || streq(key, "ProcessID")) {
                        r = sd_bus_message_read(reply, "v", "u", &v);
                        if (r < 0)
                                return r;
                        if (key[0] == 'U') {
                                c->uid = v;
                                have_uid = true;
                        } else {
                                c->pid = (pid_t) v;
                                have_pid = true;
                        }
                } else {
                        r = sd_bus_message_skip(reply, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (!have_uid || !have_pid)
                return -ENODATA;
        return 0;
}

/* The pidfd is taken on the pid the bus reported; the process behind it
 * must be the one that connected: still running, under the uid the bus
 * reported. A pid already reused by another user's process, or no process
 * at all, leaves the connection without a process (gone). */
static int caller_identify(Caller *c) {
        int fd = pidfd_open_pid(c->pid);
        if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM)
                return fd;
        c->pidfd = fd >= 0 ? fd : -EBADF;
        uid_t real = UID_INVALID, eff = UID_INVALID;
        int r = fd < 0 && fd != -ENOSYS ? fd : proc_starttime(c->pid, &c->starttime);
        if (r >= 0)
                r = proc_uids(c->pid, &real, &eff);
        if (r == -EMFILE || r == -ENFILE)
                return r;       /* not a sign that the process is gone */
        if (r < 0 || (real != c->uid && eff != c->uid) || !process_alive(c->pidfd, c->pid, c->starttime)) {
                log_debug("The process %d of %s has exited (or its pid now belongs to another user).", (int) c->pid,
                          c->sender);
                c->gone = true;
        }
        return 0;
}

bool caller_alive(Caller *c) {
        if (!c->gone && !process_alive(c->pidfd, c->pid, c->starttime))
                c->gone = true;
        return !c->gone;
}

static void reply_waiting_error(Caller *c, int r) {
        for (size_t i = 0; i < c->n_waiting; i++) {
                if (r == -EMFILE || r == -ENFILE)
                        (void) sd_bus_reply_method_errorf(c->waiting[i], SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                          "resctld is out of file descriptors and cannot identify "
                                                          "%s; try again later, or raise its LimitNOFILE=.",
                                                          c->sender);
                else
                        (void) sd_bus_reply_method_errorf(c->waiting[i], SD_BUS_ERROR_ACCESS_DENIED,
                                                          "Cannot identify the caller %s: %s.", c->sender,
                                                          strerror(-r));
                sd_bus_message_unref(c->waiting[i]);
        }
        c->n_waiting = 0;
}

static int on_credentials(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Caller *c = userdata;
        Manager *m = c->manager;
        c->slot = sd_bus_slot_unref(c->slot);
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r = e ? -sd_bus_error_get_errno(e) : parse_credentials(reply, c);
        if (r >= 0)
                r = caller_identify(c);
        if (r < 0) {
                /* Left the bus, or we are out of descriptors: each waiting
                 * call gets an answer, and the next call asks again. */
                log_debug_errno(r, "Cannot identify %s: %s", c->sender, strerror(-r));
                reply_waiting_error(c, r);
                hashmap_remove(&m->callers, &c->node);
                caller_free(c);
                return 0;
        }
        c->resolved = true;
        for (size_t i = 0; i < c->n_waiting; i++) {
                requeue(m, c->waiting[i]);
                sd_bus_message_unref(c->waiting[i]);
        }
        c->n_waiting = 0;
        return 0;
}

static int caller_park(Caller *c, sd_bus_message *msg) {
        sd_bus_message **w = realloc(c->waiting, (c->n_waiting + 1) * sizeof(*w));
        if (!w)
                return -ENOMEM;
        c->waiting = w;
        c->waiting[c->n_waiting++] = sd_bus_message_ref(msg);
        return 0;
}

/* 1 with *ret when known, 0 when the call is parked until it is. */
static int caller_get(Manager *m, sd_bus_message *msg, Caller **ret) {
        const char *sender = sd_bus_message_get_sender(msg);
        if (!sender)
                return -EPERM;
        HashNode *n = hashmap_get(&m->callers, hash_string(sender), sender, caller_eq);
        Caller *c = n ? container_of(n, Caller, node) : NULL;
        if (c && c->resolved) {
                *ret = c;
                return 1;
        }
        if (!c) {
                c = calloc(1, sizeof(*c));
                if (!c || !(c->sender = strdup(sender))) {
                        free(c);
                        return -ENOMEM;
                }
                c->manager = m;
                c->pidfd = -EBADF;
                int r = sd_bus_call_method_async(m->bus, &c->slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                 "org.freedesktop.DBus", "GetConnectionCredentials", on_credentials, c,
                                                 "s", sender);
                if (r >= 0)
                        r = hashmap_put(&m->callers, &c->node, hash_string(sender));
                if (r < 0) {
                        caller_free(c);
                        return r;
                }
        }
        int r = caller_park(c, msg);
        return r < 0 ? r : 0;
}

static int on_check_authorization(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AuthQuery *q = userdata;
        q->slot = sd_bus_slot_unref(q->slot);
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        if (e) {
                q->state = AUTH_FAILED;
                q->failure = strdup(e->message ? e->message : e->name);
        } else {
                int authorized, challenge;
                /* The reply is (bba{ss}): sd-bus reads whole types only. */
                int r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0) {
                        q->state = AUTH_FAILED;
                        q->failure = strdup("malformed reply from polkit");
                } else
                        q->state = authorized ? AUTH_ALLOWED : challenge ? AUTH_CHALLENGE : AUTH_DENIED;
        }
        check_end(q);
        for (size_t i = 0; i < q->n_followers; i++) {
                AuthQuery *f = q->followers[i];
                f->state = q->state;
                f->failure = q->failure ? strdup(q->failure) : NULL;
                f->leader = NULL;
                requeue(q->manager, f->msg);
        }
        q->n_followers = 0;
        requeue(q->manager, q->msg);
        return 0;
}

static int polkit_start(Manager *m, sd_bus_message *msg, const char *action, Caller *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        AuthQuery *q = calloc(1, sizeof(*q));
        if (!q || !(q->action = strdup(action))) {
                free(q);
                return -ENOMEM;
        }
        q->manager = m;
        q->msg = sd_bus_message_ref(msg);
        int r = hashmap_put(&m->auth_queries, &q->node, hash_u64((uintptr_t) msg));
        if (r < 0) {
                sd_bus_message_unref(q->msg);
                free(q->action);
                free(q);
                return r;
        }
        uint32_t flags = sd_bus_message_get_allow_interactive_authorization(msg) > 0 ? 1 : 0;
        _cleanup_free_ char *key = NULL;
        if (asprintf(&key, "%s %s %" PRIu32, c->sender, action, flags) < 0) {
                query_free(q);
                return -ENOMEM;
        }
        HashNode *n = hashmap_get(&m->auth_checks, hash_string(key), key, check_eq);
        if (n) {
                AuthQuery *l = container_of(n, AuthQuery, check_node);
                AuthQuery **v = realloc(l->followers, (l->n_followers + 1) * sizeof(*v));
                if (!v) {
                        query_free(q);
                        return -ENOMEM;
                }
                l->followers = v;
                l->followers[l->n_followers++] = q;
                q->leader = l;
                log_debug("A call of %s waits for the polkit check of %s in flight.", c->sender, action);
                return 0;
        }
        r = hashmap_put(&m->auth_checks, &q->check_node, hash_string(key));
        if (r < 0) {
                query_free(q);
                return r;
        }
        q->check_key = TAKE_PTR(key);
        r = sd_bus_message_new_method_call(m->bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1, "name", "s", c->sender, action);
        if (r >= 0)
                r = sd_bus_message_append(call, "a{ss}us", 0, flags, "");
        /* An interactive check may wait for a person: no short timeout. */
        if (r >= 0)
                r = sd_bus_call_async(m->bus, &q->slot, call, on_check_authorization, q,
                                      flags ? UINT64_C(300000000) : 0);
        if (r < 0) {
                query_free(q);
                return r;
        }
        return 0;
}

int caller_authorize(Manager *m, sd_bus_message *msg, const char *action, Caller **ret, sd_bus_error *error) {
        Caller *c;
        int r = caller_get(m, msg, &c);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Cannot identify the caller: %s", strerror(-r));
        if (r == 0)
                return 0;
        if (!caller_alive(c))
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "The process %d that opened the connection %s has exited; "
                                         "calls on that connection are refused.", (int) c->pid, c->sender);
        if (ret)
                *ret = c;
        if (!action || c->uid == 0)
                return 1;

        HashNode *n = hashmap_get(&m->auth_queries, hash_u64((uintptr_t) msg), msg, query_eq);
        if (!n) {
                r = polkit_start(m, msg, action, c);
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "Cannot ask polkit about %s: %s", action, strerror(-r));
                return 0;
        }
        AuthQuery *q = container_of(n, AuthQuery, node);
        if (q->state == AUTH_PENDING)
                return 0;
        AuthState state = q->state;
        _cleanup_free_ char *failure = TAKE_PTR(q->failure);
        query_free(q);
        switch (state) {
        case AUTH_ALLOWED:
                return 1;
        case AUTH_CHALLENGE:
                return sd_bus_error_setf(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                         "Authentication is required for %s, and the call does not allow interactive authorization.",
                                         action);
        case AUTH_FAILED:
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Not authorized: %s (polkit unavailable: %s)",
                                         action, failure ? failure : "no answer");
        default:
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Not authorized: %s is not granted to uid %u.",
                                         action, (unsigned) c->uid);
        }
}

/* The name left the bus: its credentials will never be asked for again. */
void caller_forget(Manager *m, const char *sender) {
        HashNode *n = hashmap_get(&m->callers, hash_string(sender), sender, caller_eq);
        if (!n)
                return;
        Caller *c = container_of(n, Caller, node);
        if (!c->resolved || c->n_waiting > 0)
                return;
        hashmap_remove(&m->callers, n);
        caller_free(c);
}
