/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* resctld: command line, bus connection, main loop. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include "bus-signals.h"
#include "bus.h"
#include "caller.h"
#include "discover.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static const char *arg_state_dir;
static const char *arg_runtime_dir;
static const char *arg_cgroup_root = "/sys/fs/cgroup";
static const char *arg_unit_path;
static const char *arg_control_dir = "/etc/systemd/system.control";
static const char *arg_runtime_control_dir = "/run/systemd/system.control";
static const char *arg_config_dir = "/etc/resctl";
static HardwareMode arg_hardware = HARDWARE_AUTO;

static void help(void) {
        printf("resctld [OPTIONS...]\n\n"
               "Manage scarce host resources (SEV ASIDs, GPU memory, RDMA objects) per systemd unit\n"
               "with the kernel's cgroup semantics, on the D-Bus system bus as org.resctl.Manager.\n\n"
               "  -h --help                    Show this help\n"
               "     --version                 Show package version\n"
               "     --state-dir=DIR           Durable state (default: $STATE_DIRECTORY or /var/lib/resctl)\n"
               "     --runtime-dir=DIR         Runtime state (default: $RUNTIME_DIRECTORY or /run/resctl)\n"
               "     --hardware=auto|demo|none Discover resources, register the demo profile, or none\n"
               "     --cgroup-root=DIR         cgroup2 mount to read (default: /sys/fs/cgroup)\n"
               "     --unit-path=DIRS          Colon-separated unit directories to read [X-Resctl] from\n"
               "     --control-dir=DIR         Persistent set-property drop-ins\n"
               "                               (default: /etc/systemd/system.control)\n"
               "     --runtime-control-dir=DIR Runtime set-property drop-ins\n"
               "                               (default: /run/systemd/system.control)\n"
               "     --config-dir=DIR          Read DIR/resctld.conf and DIR/resctld.conf.d/*.conf\n"
               "                               (default: /etc/resctl)\n"
               "     --log-level=LEVEL         debug, info, notice, warning, err (default: info)\n\n"
               "See resctld(8) and org.resctl.Manager(5).\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fprintf(stderr, "resctld: %s (see resctld --help)\n", msg);
        return -EINVAL;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_STATE_DIR,
                ARG_RUNTIME_DIR,
                ARG_HARDWARE,
                ARG_CGROUP_ROOT,
                ARG_UNIT_PATH,
                ARG_CONTROL_DIR,
                ARG_RUNTIME_CONTROL_DIR,
                ARG_LOG_LEVEL,
                ARG_CONFIG_DIR,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR },
                { "hardware", required_argument, NULL, ARG_HARDWARE },
                { "cgroup-root", required_argument, NULL, ARG_CGROUP_ROOT },
                { "unit-path", required_argument, NULL, ARG_UNIT_PATH },
                { "control-dir", required_argument, NULL, ARG_CONTROL_DIR },
                { "runtime-control-dir", required_argument, NULL, ARG_RUNTIME_CONTROL_DIR },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { NULL, 0, NULL, 0 },
        };
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("resctld %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_STATE_DIR:
                case ARG_RUNTIME_DIR:
                case ARG_CGROUP_ROOT:
                case ARG_CONTROL_DIR:
                case ARG_RUNTIME_CONTROL_DIR:
                case ARG_CONFIG_DIR:
                        if (optarg[0] != '/')
                                return usage_error("%s: expected an absolute path", optarg);
                        *(c == ARG_STATE_DIR ? &arg_state_dir
                          : c == ARG_RUNTIME_DIR ? &arg_runtime_dir
                          : c == ARG_CGROUP_ROOT ? &arg_cgroup_root
                          : c == ARG_CONTROL_DIR ? &arg_control_dir
                          : c == ARG_CONFIG_DIR ? &arg_config_dir
                                                 : &arg_runtime_control_dir) = optarg;
                        break;
                case ARG_UNIT_PATH:
                        arg_unit_path = optarg;
                        break;
                case ARG_HARDWARE:
                        if (streq(optarg, "auto"))
                                arg_hardware = HARDWARE_AUTO;
                        else if (streq(optarg, "demo"))
                                arg_hardware = HARDWARE_DEMO;
                        else if (streq(optarg, "none"))
                                arg_hardware = HARDWARE_NONE;
                        else
                                return usage_error("--hardware=%s: expected auto, demo or none", optarg);
                        break;
                case ARG_LOG_LEVEL:
                        if (log_set_max_level_from_string(optarg) < 0)
                                return usage_error("--log-level=%s: expected debug, info, notice, warning or err",
                                                   optarg);
                        break;
                case ':':
                        return usage_error("%s: option needs a value", argv[optind - 1]);
                default:
                        return usage_error("%s: unknown option", argv[optind - 1]);
                }
        if (optind < argc)
                return usage_error("%s: unexpected argument", argv[optind]);
        return 1;
}

static const char *default_dir(const char *env, const char *fallback) {
        const char *e = getenv(env);
        /* systemd may pass several colon-separated directories: use the first. */
        if (!isempty(e) && !strchr(e, ':'))
                return e;
        return fallback;
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name, *old, *new;
        if (sd_bus_message_read(msg, "sss", &name, &old, &new) < 0 || name[0] != ':' || !isempty(new))
                return 0;
        caller_forget(m, name);
        return 0;
}

static void status_line(Manager *m, char *buf, size_t n) {
        snprintf(buf, n, "STATUS=Managing %u resource(s), %zu group(s), %zu charge(s).", m->engine->n_resources,
                 m->engine->groups.n_entries, m->engine->charges.n_entries);
}

static int connect_bus(Manager *m) {
        int r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus: %s", strerror(-r));
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the bus to the event loop: %s", strerror(-r));
        r = bus_manager_register(m);
        if (r >= 0)
                r = bus_group_register(m);
        if (r >= 0)
                r = bus_memory_register(m);
        if (r >= 0)
                r = sd_bus_add_object_manager(m->bus, NULL, "/org/resctl");
        if (r < 0)
                return log_error_errno(r, "Cannot register objects: %s", strerror(-r));
        r = sd_bus_match_signal_async(m->bus, &m->name_owner_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch bus names: %s", strerror(-r));
        /* Lost the bus (dbus-daemon restarted): exit with a failure, and
         * systemd's Restart= starts us again on the new bus. */
        (void) sd_bus_set_exit_on_disconnect(m->bus, true);
        return 0;
}

/* Called once the group tree follows systemd's (or without systemd): take
 * the name, which is what Type=dbus and bus activation wait for. */
static void on_ready(Manager *m) {
        int r = sd_bus_request_name(m->bus, RESCTL_BUS_NAME, 0);
        if (r < 0) {
                log_error_errno(r, "Cannot own %s on the system bus: %s", RESCTL_BUS_NAME, strerror(-r));
                (void) sd_event_exit(m->event, EXIT_FAILURE);
                return;
        }
        char status[256];
        status_line(m, status, sizeof(status));
        (void) sd_notifyf(false, "READY=1\n%s", status);
        log_info("%s", status + strlen("STATUS="));
}

/* Each process-owned charge's owner holds a pidfd, each caller one more:
 * as systemd does for itself, take every descriptor the hard limit allows
 * (sd-event uses epoll: no select() and its FD_SETSIZE here). */
static void rlimit_nofile_raise(void) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
                return;
        rlim_t soft = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_warning_errno(errno, "Cannot raise the limit of open files from %llu to %llu: %s",
                                  (unsigned long long) soft, (unsigned long long) rl.rlim_max, strerror(errno));
        else
                log_debug("Raised the limit of open files from %llu to %llu.", (unsigned long long) soft,
                          (unsigned long long) rl.rlim_max);
}

static int run(int argc, char *argv[]) {
        log_setup();
        int r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        rlimit_nofile_raise();

        _cleanup_(manager_freep) Manager *m = NULL;
        r = manager_new(&m);
        if (r < 0)
                return log_error_errno(r, "Cannot set up: %s", strerror(-r)), 1;
        m->hardware = arg_hardware;
        r = config_load(&m->config, arg_config_dir);
        if (r < 0)
                return log_error_errno(r, "Cannot read the configuration: %s", strerror(-r)), 1;
        m->state_dir = strdup(arg_state_dir ? arg_state_dir : default_dir("STATE_DIRECTORY", "/var/lib/resctl"));
        m->runtime_dir = strdup(arg_runtime_dir ? arg_runtime_dir : default_dir("RUNTIME_DIRECTORY", "/run/resctl"));
        m->cgroup_root = strdup(arg_cgroup_root);
        m->unit_path = arg_unit_path ? strdup(arg_unit_path) : NULL;
        m->control_dir = strdup(arg_control_dir);
        m->runtime_control_dir = strdup(arg_runtime_control_dir);
        if (!m->state_dir || !m->runtime_dir || !m->cgroup_root || !m->control_dir || !m->runtime_control_dir)
                return log_oom(), 1;

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        (void) sd_event_set_watchdog(m->event, true);

        /* Declared after m, so freed before it. */
        _cleanup_(manager_discovery_freep) Manager *discovery_owner = m;
        /* The sinks of the manager's events: records first, then signals. */
        const ManagerSink sinks[] = { journal_sink(m), bus_signals_sink(m) };
        r = manager_load_state(m, sinks, ELEMENTSOF(sinks));
        if (r < 0)
                return log_error_errno(r, "Cannot load state: %s", strerror(-r)), 1;
        if (connect_bus(m) < 0)
                return 1;
        if (m->hardware == HARDWARE_AUTO)
                (void) manager_discovery_start(m);
        if (manager_cgroupfs_start(m) < 0)
                return 1;
        /* Calls on_ready() when the unit tree is known. */
        (void) manager_systemd_start(m, on_ready);

        r = sd_event_loop(m->event);
        (void) sd_notify(false, "STOPPING=1");
        (void) manager_commit(m);
        /* What is held for bus peers; the tests check that it does not
         * only grow (parked calls answered, forgotten groups' limits). */
        log_debug("Exiting: %zu parked call(s) with a polkit question, %zu caller(s), %zu owner process(es), "
                  "%zu remembered runtime limit(s), %zu of forgotten groups, %zu group(s).",
                  m->auth_queries.n_entries, m->callers.n_entries, m->owners.map.n_entries, m->runtime_limits.n_entries,
                  m->orphan_limits.n_entries, m->engine->groups.n_entries);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %s", strerror(-r)), 1;
        return r == EXIT_FAILURE ? 1 : 0;
}

int main(int argc, char *argv[]) {
        return run(argc, argv);
}
