/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * bench-scale: resctld with a large state, run by hand (bench/scale.sh sets
 * up a private bus and the daemon). Talks to org.resctl.Manager on the bus
 * of DBUS_SYSTEM_BUS_ADDRESS (else the system bus), as root. Three verbs,
 * each printing name=value lines:
 *
 *   bench-scale load [--groups=N] [--charges=N] [--inflight=N] [--key=KEY]
 *       Registers KEY (misc/bench) with capacity 10^12, then takes N PERSIST
 *       charges of 1 (owner-less: they live without client processes),
 *       spread round robin over the leaf slices "t<T>-u<U>.slice" of
 *       --groups/100 tenant slices "t<T>.slice" (99 leaves each, so that
 *       tenants + leaves = --groups). Calls are pipelined (--inflight chains,
 *       default 100, each issuing its next Charge from the reply callback).
 *       Prints load_seconds, load_charges_per_second.
 *
 *   bench-scale query [--groups=N] [--charges=N] [--rounds=N] [--key=KEY]
 *       Checks the state (ListResources: the root's usage of KEY is
 *       --charges; ListGroups holds every tenant and leaf) and times
 *       ListGroups (--rounds calls, default 7) and ReadFile of misc.current
 *       and misc.max on a leaf and misc.current on the root (--rounds * 100
 *       calls, sequential, round-trip each). Prints the medians as
 *       listgroups_ms, listgroups_entries, readfile_ms, and readfile_root_ms.
 *
 *   bench-scale start --pidfile=FILE --log=FILE -- RESCTLD [ARGS...]
 *       Starts the daemon with a private NOTIFY_SOCKET, in its own session,
 *       output to --log, and waits for READY=1 (sent once the state is
 *       loaded and the bus name is owned). Prints start_seconds, from the
 *       fork to READY=1, writes the daemon's pid to --pidfile and leaves it
 *       running. Exit status 1 if it dies or is not ready within 120 s.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "bench.h"

#define CAPACITY UINT64_C(1000000000000)
#define LEAVES_PER_TENANT 99u

static unsigned arg_groups = 100000;
static unsigned arg_charges = 1000000;
static unsigned arg_inflight = 100;
static unsigned arg_rounds = 7;
static const char *arg_key = "misc/bench";
static const char *arg_pidfile;
static const char *arg_log;

const char *bench_name = "bench-scale";

static unsigned n_tenants(void) {
        return arg_groups / (LEAVES_PER_TENANT + 1);
}

static unsigned n_leaves(void) {
        return n_tenants() * LEAVES_PER_TENANT;
}

static void leaf_name(unsigned i, char *buf, size_t n) {
        snprintf(buf, n, "t%u-u%u.slice", i % n_tenants(), i / n_tenants());
}

static sd_bus_message *call(sd_bus *bus, const char *member, const char *types, ...) {
        sd_bus_message *reply = NULL;
        va_list ap;
        va_start(ap, types);
        call_checkedv(bus, IFACE, member, 120 * UINT64_C(1000000), &reply, types, ap);
        va_end(ap);
        return reply;
}

/* ---- load ---- */

typedef struct Loader {
        sd_bus *bus;
        unsigned next;                  /* next charge to issue */
        unsigned done;
        unsigned active;
} Loader;

static int on_charge_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

static void issue(Loader *l) {
        char group[64];
        leaf_name(l->next % n_leaves(), group, sizeof(group));
        l->next++;
        int r = sd_bus_call_method_async(l->bus, NULL, DEST, PATH, IFACE, "Charge", on_charge_reply, l, "sstt", group,
                                         arg_key, UINT64_C(1), UINT64_C(1));
        if (r < 0)
                die_errno("sending Charge", r);
}

static int on_charge_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Loader *l = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (e)
                die_error("Charge", e);
        l->done++;
        if (l->next < arg_charges)
                issue(l);
        else
                l->active--;
        return 0;
}

static int verb_load(sd_bus *bus) {
        sd_bus_message_unref(call(bus, "RegisterResource", "st", arg_key, CAPACITY));
        Loader l = { .bus = bus };
        uint64_t t0 = now_ns();
        for (unsigned i = 0; i < arg_inflight && l.next < arg_charges; i++, l.active++)
                issue(&l);
        while (l.active > 0) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0)
                        die_errno("sd_bus_process", r);
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        die_errno("sd_bus_wait", r);
        }
        double s = (double) (now_ns() - t0) / 1e9;
        printf("load_groups=%u\n", n_tenants() + n_leaves());
        printf("load_charges=%u\n", l.done);
        printf("load_seconds=%.1f\n", s);
        printf("load_charges_per_second=%.0f\n", l.done / s);
        return 0;
}

/* ---- query ---- */

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
        qsort(v, n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t root_usage(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = call(bus, "ListResources", NULL);
        int r = sd_bus_message_enter_container(reply, 'a', "(stttt)");
        if (r < 0)
                die_errno("reading ListResources' reply", r);
        const char *key;
        uint64_t capacity, usage, peak, refused, found = UINT64_MAX;
        while ((r = sd_bus_message_read(reply, "(stttt)", &key, &capacity, &usage, &peak, &refused)) > 0)
                if (strcmp(key, arg_key) == 0)
                        found = usage;
        if (r < 0)
                die_errno("reading ListResources' reply", r);
        if (found == UINT64_MAX) {
                fprintf(stderr, "bench-scale: %s is not registered\n", arg_key);
                exit(EXIT_FAILURE);
        }
        return found;
}

/* Counts the entries and the tenant and leaf slices among them. */
static unsigned list_groups(sd_bus *bus, unsigned *ours) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = call(bus, "ListGroups", NULL);
        int r = sd_bus_message_enter_container(reply, 'a', "(sso)");
        if (r < 0)
                die_errno("reading ListGroups' reply", r);
        const char *name, *parent, *path;
        unsigned n = 0, k = 0;
        while ((r = sd_bus_message_read(reply, "(sso)", &name, &parent, &path)) > 0) {
                n++;
                if (name[0] == 't' && strstr(name, ".slice"))
                        k++;
        }
        if (r < 0)
                die_errno("reading ListGroups' reply", r);
        *ours = k;
        return n;
}

static double time_readfile(sd_bus *bus, const char *group, const char *file, unsigned n, const char *expect) {
        double *v = calloc(n, sizeof(*v));
        if (!v)
                die_errno("calloc", -ENOMEM);
        for (unsigned i = 0; i < n; i++) {
                uint64_t t0 = now_ns();
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = call(bus, "ReadFile", "ss", group, file);
                v[i] = (double) (now_ns() - t0) / 1e6;
                const char *text;
                int r = sd_bus_message_read(reply, "s", &text);
                if (r < 0)
                        die_errno("reading ReadFile's reply", r);
                if (expect && !strstr(text, expect)) {
                        fprintf(stderr, "bench-scale: %s %s reads '%s', expected it to contain '%s'\n", group, file,
                                text, expect);
                        exit(EXIT_FAILURE);
                }
        }
        double med = median(v, n);
        free(v);
        return med;
}

static int verb_query(sd_bus *bus) {
        uint64_t usage = root_usage(bus);
        if (usage != arg_charges) {
                fprintf(stderr, "bench-scale: the root's usage of %s is %" PRIu64 ", expected %u\n", arg_key, usage,
                        arg_charges);
                return EXIT_FAILURE;
        }
        printf("root_usage=%" PRIu64 "\n", usage);

        double *v = calloc(arg_rounds, sizeof(*v));
        if (!v)
                die_errno("calloc", -ENOMEM);
        unsigned entries = 0, ours = 0;
        for (unsigned i = 0; i < arg_rounds; i++) {
                uint64_t t0 = now_ns();
                entries = list_groups(bus, &ours);
                v[i] = (double) (now_ns() - t0) / 1e6;
        }
        /* Only leaves that hold a charge exist (api.md "Names"). */
        unsigned want = n_tenants() + (arg_charges < n_leaves() ? arg_charges : n_leaves());
        if (ours != want) {
                fprintf(stderr, "bench-scale: ListGroups lists %u of the bench's slices, expected %u\n", ours, want);
                return EXIT_FAILURE;
        }
        printf("listgroups_entries=%u\n", entries);
        printf("listgroups_ms=%.1f\n", median(v, arg_rounds));
        free(v);

        /* Each leaf holds charges/leaves (or one more) charges of 1. */
        char leaf[64], expect[96];
        leaf_name(0, leaf, sizeof(leaf));
        snprintf(expect, sizeof(expect), "%s %u\n", strchr(arg_key, '/') + 1,
                 arg_charges / n_leaves() + (arg_charges % n_leaves() > 0));
        unsigned n = arg_rounds * 100;
        double cur = time_readfile(bus, leaf, "misc.current", n, expect);
        double max = time_readfile(bus, leaf, "misc.max", n, NULL);
        snprintf(expect, sizeof(expect), "%s %u\n", strchr(arg_key, '/') + 1, arg_charges);
        double root = time_readfile(bus, "-.slice", "misc.current", n, expect);
        printf("readfile_ms=%.3f\n", cur);
        printf("readfile_max_ms=%.3f\n", max);
        printf("readfile_root_ms=%.3f\n", root);
        return 0;
}

/* ---- start ---- */

static int verb_start(char **argv) {
        if (!arg_pidfile || !arg_log || !argv[0]) {
                fprintf(stderr, "bench-scale start: --pidfile, --log and a command are needed\n");
                return EXIT_FAILURE;
        }
        char dir[] = "/tmp/bench-scale.XXXXXX";
        if (!mkdtemp(dir))
                die_errno("mkdtemp", -errno);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                die_errno("binding the notify socket", -errno);
        int logfd = open(arg_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (logfd < 0)
                die_errno(arg_log, -errno);

        uint64_t t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0)
                die_errno("fork", -errno);
        if (pid == 0) {
                setsid();
                int null = open("/dev/null", O_RDONLY);
                if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
                        _exit(127);
                setenv("NOTIFY_SOCKET", sa.sun_path, 1);
                execv(argv[0], argv);
                _exit(127);
        }
        close(logfd);
        bool ready = false;
        uint64_t deadline = t0 + 120 * UINT64_C(1000000000);
        while (!ready) {
                int status;
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        fprintf(stderr, "bench-scale: %s exited before READY=1 (see %s)\n", argv[0], arg_log);
                        return EXIT_FAILURE;
                }
                uint64_t t = now_ns();
                if (t >= deadline) {
                        fprintf(stderr, "bench-scale: %s not ready in 120 s (see %s)\n", argv[0], arg_log);
                        kill(pid, SIGKILL);
                        return EXIT_FAILURE;
                }
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 100) <= 0)
                        continue;
                char buf[4096];
                ssize_t k = recv(fd, buf, sizeof(buf) - 1, 0);
                if (k <= 0)
                        continue;
                buf[k] = 0;
                for (char *line = buf, *save = NULL; (line = strtok_r(line, "\n", &save)); line = NULL)
                        ready = ready || strcmp(line, "READY=1") == 0;
        }
        double s = (double) (now_ns() - t0) / 1e9;
        close(fd);
        unlink(sa.sun_path);
        rmdir(dir);
        FILE *f = fopen(arg_pidfile, "we");
        if (!f || fprintf(f, "%d\n", (int) pid) < 0 || fclose(f) != 0)
                die_errno(arg_pidfile, -errno);
        printf("start_seconds=%.3f\n", s);
        return 0;
}

/* ---- command line ---- */

static unsigned parse_unsigned(const char *s, const char *opt, unsigned min) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || end == s || v < min || v > 100000000) {
                fprintf(stderr, "bench-scale: --%s=%s: expected a number from %u\n", opt, s, min);
                exit(EXIT_FAILURE);
        }
        return (unsigned) v;
}

/* The options that take a number: where it goes, and its least value.
 * getopt_long() returns the index here for them. */
static const struct {
        const char *name;
        unsigned *value;
        unsigned min;
} number_options[] = {
        { "groups", &arg_groups, LEAVES_PER_TENANT + 1 },
        { "charges", &arg_charges, 1 },
        { "inflight", &arg_inflight, 1 },
        { "rounds", &arg_rounds, 1 },
};

int main(int argc, char **argv) {
        struct option options[ELEMENTSOF(number_options) + 4] = {
                { "key", required_argument, NULL, 'k' },
                { "pidfile", required_argument, NULL, 'p' },
                { "log", required_argument, NULL, 'l' },
        };
        for (size_t i = 0; i < ELEMENTSOF(number_options); i++)
                options[3 + i] = (struct option) { number_options[i].name, required_argument, NULL, (int) i };
        if (argc < 2 || argv[1][0] == '-') {
                if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                        printf("bench-scale load|query [--groups=N] [--charges=N] [--inflight=N] [--rounds=N] [--key=KEY]\n"
                               "bench-scale start --pidfile=FILE --log=FILE -- RESCTLD [ARGS...]\n"
                               "See the comment at the top of bench/scale.c.\n");
                        return 0;
                }
                fprintf(stderr, "bench-scale: expected a verb: load, query or start\n");
                return EXIT_FAILURE;
        }
        const char *verb = argv[1];
        argc--;
        argv++;
        int c;
        while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0) {
                if ((size_t) c < ELEMENTSOF(number_options)) {
                        *number_options[c].value = parse_unsigned(optarg, number_options[c].name, number_options[c].min);
                        continue;
                }
                switch (c) {
                case 'k':
                        if (strncmp(optarg, "misc/", 5) != 0 || !optarg[5]) {
                                fprintf(stderr, "bench-scale: --key=%s: expected misc/NAME\n", optarg);
                                return EXIT_FAILURE;
                        }
                        arg_key = optarg;
                        break;
                case 'p':
                        arg_pidfile = optarg;
                        break;
                case 'l':
                        arg_log = optarg;
                        break;
                default:
                        return EXIT_FAILURE;
                }
        }
        if (strcmp(verb, "start") == 0)
                return verb_start(argv + optind);
        bench_no_arguments(argc, argv);
        if (strcmp(verb, "load") != 0 && strcmp(verb, "query") != 0) {
                fprintf(stderr, "bench-scale: unknown verb '%s'\n", verb);
                return EXIT_FAILURE;
        }
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = bench_bus_open();
        int r = strcmp(verb, "load") == 0 ? verb_load(bus) : verb_query(bus);
        return r == 0 && fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
