/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * bench-bus: resctld's cost per call on the bus, run by hand (bench/bus.sh
 * sets up a private bus and the daemon). Talks to org.resctl.Manager on the
 * bus of DBUS_SYSTEM_BUS_ADDRESS (else the system bus) and prints one
 * name=value per line, each rate measured over --duration seconds (3) after
 * --warmup seconds (1); the tests take turns in --rounds slices (6) of the
 * duration, so that all of them see the same phases of the machine:
 *
 *   ping_pairs_per_s_{sequential,pipelined}     two org.freedesktop.DBus.Peer.Ping
 *                                               (answered by sd-bus itself: the
 *                                               bus round trip, no daemon work)
 *   charge_pairs_per_s_{sequential,pipelined}   Charge("bench.slice", "misc/sev", 1, 0)
 *                                               + Uncharge(id, 0): process-owned,
 *                                               durable in --runtime-dir
 *   persist_pairs_per_s_{pipelined,sequential}  the same with flags 1 (PERSIST),
 *                                               durable in --state-dir
 *   ratio_sequential         charge seq / ping seq             (goal >= 0.85)
 *   ratio_pipelined          charge pipelined / ping pipelined (goal >= 0.75)
 *   ratio_persist_pipelined  persist pipelined / ping pipelined (goal >= 0.5)
 *
 * "sequential" waits for each reply before the next call; "pipelined" runs
 * --inflight chains (default 64), each issuing its next call from the reply
 * callback. Every reply is checked: a failed call aborts with one line on
 * stderr and exit status 1. misc/sev is (re)registered with capacity 10^9
 * first if its capacity is lower (needs root or manage-resources). Before and
 * after the run, ListCharges("bench.slice") must be empty. --only=TEST,...
 * runs some of the tests (to profile one of them).
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "bench.h"

#define GROUP "bench.slice"
#define KEY "misc/sev"
#define CAPACITY UINT64_C(1000000000)

static double arg_duration = 3.0, arg_warmup = 1.0;
static unsigned arg_inflight = 64;
static unsigned arg_rounds = 6;
static const char *arg_only;

const char *bench_name = "bench-bus";

typedef enum Kind {
        KIND_PING,
        KIND_CHARGE,
} Kind;

typedef struct Bench {
        sd_bus *bus;
        Kind kind;
        uint64_t flags;                 /* Charge flags */
        uint64_t warm_end, end;         /* the measured window */
        uint64_t counted;               /* pairs completed inside it */
        unsigned active;                /* chains still running */
} Bench;

typedef struct Chain {
        Bench *b;
        bool second;                    /* the next reply is the pair's second call */
        uint64_t id;
} Chain;

/* ---- sequential ---- */

static void call_checked(sd_bus *bus, const char *iface, const char *member, sd_bus_message **reply,
                         const char *types, ...) {
        va_list ap;
        va_start(ap, types);
        call_checkedv(bus, iface, member, 0, reply, types, ap);
        va_end(ap);
}

static void pair_sequential(Bench *b) {
        if (b->kind == KIND_PING) {
                call_checked(b->bus, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL);
                call_checked(b->bus, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL);
                return;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t id;
        call_checked(b->bus, IFACE, "Charge", &reply, "sstt", GROUP, KEY, UINT64_C(1), b->flags);
        int r = sd_bus_message_read(reply, "t", &id);
        if (r < 0)
                die_errno("reading Charge's reply", r);
        call_checked(b->bus, IFACE, "Uncharge", NULL, "tt", id, UINT64_C(0));
}

static uint64_t run_sequential(Bench *b) {
        for (;;) {
                if (now_ns() >= b->end)
                        break;
                pair_sequential(b);
                uint64_t t = now_ns();
                if (t >= b->warm_end && t < b->end)
                        b->counted++;
        }
        return b->counted;
}

/* ---- pipelined ---- */

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

static void chain_issue(Chain *c) {
        Bench *b = c->b;
        int r;
        if (b->kind == KIND_PING)
                r = sd_bus_call_method_async(b->bus, NULL, DEST, PATH, "org.freedesktop.DBus.Peer", "Ping", on_reply,
                                             c, NULL);
        else if (!c->second)
                r = sd_bus_call_method_async(b->bus, NULL, DEST, PATH, IFACE, "Charge", on_reply, c, "sstt", GROUP,
                                             KEY, UINT64_C(1), b->flags);
        else
                r = sd_bus_call_method_async(b->bus, NULL, DEST, PATH, IFACE, "Uncharge", on_reply, c, "tt", c->id,
                                             UINT64_C(0));
        if (r < 0)
                die_errno("sending a call", r);
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Chain *c = userdata;
        Bench *b = c->b;
        const char *what = b->kind == KIND_PING ? "Ping" : c->second ? "Uncharge" : "Charge";
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (e)
                die_error(what, e);
        if (!c->second) {
                if (b->kind == KIND_CHARGE) {
                        int r = sd_bus_message_read(m, "t", &c->id);
                        if (r < 0)
                                die_errno("reading Charge's reply", r);
                }
                /* A pair once begun is finished, even after the window, so
                 * that no charge is left behind. */
                c->second = true;
                chain_issue(c);
                return 0;
        }
        c->second = false;
        uint64_t t = now_ns();
        if (t >= b->warm_end && t < b->end)
                b->counted++;
        if (t >= b->end) {
                b->active--;
                return 0;
        }
        chain_issue(c);
        return 0;
}

static uint64_t run_pipelined(Bench *b) {
        Chain *chains = calloc(arg_inflight, sizeof(*chains));
        if (!chains)
                die_errno("calloc", -ENOMEM);
        for (unsigned i = 0; i < arg_inflight; i++) {
                chains[i].b = b;
                chain_issue(&chains[i]);
        }
        b->active = arg_inflight;
        while (b->active > 0) {
                int r = sd_bus_process(b->bus, NULL);
                if (r < 0)
                        die_errno("sd_bus_process", r);
                if (r > 0)
                        continue;
                r = sd_bus_wait(b->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        die_errno("sd_bus_wait", r);
        }
        free(chains);
        return b->counted;
}

/* Pairs completed in [warm-up end, warm-up end + window]. */
static uint64_t measure(sd_bus *bus, Kind kind, uint64_t flags, bool pipelined, uint64_t warmup_ns,
                        uint64_t window_ns) {
        Bench b = {
                .bus = bus,
                .kind = kind,
                .flags = flags,
                .warm_end = now_ns() + warmup_ns,
        };
        b.end = b.warm_end + window_ns;
        return pipelined ? run_pipelined(&b) : run_sequential(&b);
}

/* ---- setup and checks ---- */

static void ensure_capacity(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        call_checked(bus, IFACE, "ListResources", &reply, NULL);
        int r = sd_bus_message_enter_container(reply, 'a', "(stttt)");
        if (r < 0)
                die_errno("reading ListResources' reply", r);
        const char *key;
        uint64_t capacity, usage, peak, refused;
        bool ok = false;
        while ((r = sd_bus_message_read(reply, "(stttt)", &key, &capacity, &usage, &peak, &refused)) > 0)
                if (strcmp(key, KEY) == 0)
                        ok = capacity >= CAPACITY;
        if (r < 0)
                die_errno("reading ListResources' reply", r);
        if (!ok)
                call_checked(bus, IFACE, "RegisterResource", NULL, "st", KEY, CAPACITY);
}

static unsigned count_charges(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        call_checked(bus, IFACE, "ListCharges", &reply, "s", GROUP);
        int r = sd_bus_message_enter_container(reply, 'a', "(tsstut)");
        if (r < 0)
                die_errno("reading ListCharges' reply", r);
        unsigned n = 0;
        while ((r = sd_bus_message_skip(reply, "(tsstut)")) > 0)
                n++;
        if (r < 0)
                die_errno("reading ListCharges' reply", r);
        return n;
}

/* --only=WORD[,WORD...]: a test runs if a word is its name without the
 * "_pairs_per_s" (e.g. charge_pipelined) or its kind (ping, charge, persist). */
static bool selected(const char *name, const char *kind) {
        if (!arg_only)
                return true;
        char full[64];
        const char *mode = strrchr(name, '_') + 1;
        snprintf(full, sizeof(full), "%s_%s", kind, mode);
        for (const char *w = arg_only; *w;) {
                size_t n = strcspn(w, ",");
                if ((strlen(kind) == n && strncmp(w, kind, n) == 0) || (strlen(full) == n && strncmp(w, full, n) == 0))
                        return true;
                w += n + (w[n] == ',');
        }
        return false;
}

static int help(void) {
        printf("bench-bus [--duration=SEC] [--warmup=SEC] [--rounds=N] [--inflight=N] [--only=TEST,...]\n\n"
               "Measure Ping and Charge+Uncharge pairs per second against org.resctl.Manager\n"
               "on the bus of DBUS_SYSTEM_BUS_ADDRESS. Each test: a warm-up, then its share of N\n"
               "interleaved rounds. Defaults: 3 s after a 1 s warm-up, 6 rounds, 64 in flight,\n"
               "all tests. TEST: ping, charge, persist, or one of them with _sequential or _pipelined.\n");
        return 0;
}

static double parse_double(const char *s, const char *opt) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || *end || end == s || v < 0 || (v == 0 && strcmp(opt, "--warmup") != 0)) {
                fprintf(stderr, "bench-bus: %s=%s: expected a positive number\n", opt, s);
                exit(EXIT_FAILURE);
        }
        return v;
}

static unsigned parse_count(const char *s, const char *opt, unsigned max) {
        double v = parse_double(s, opt);
        if (v < 1 || v > max || v != (unsigned) v) {
                fprintf(stderr, "bench-bus: %s=%s: expected 1..%u\n", opt, s, max);
                exit(EXIT_FAILURE);
        }
        return (unsigned) v;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "duration", required_argument, NULL, 'd' },
                { "warmup", required_argument, NULL, 'w' },
                { "inflight", required_argument, NULL, 'n' },
                { "rounds", required_argument, NULL, 'r' },
                { "only", required_argument, NULL, 'o' },
                { NULL, 0, NULL, 0 }
        };
        int c;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case 'd':
                        arg_duration = parse_double(optarg, "--duration");
                        break;
                case 'w':
                        arg_warmup = parse_double(optarg, "--warmup");
                        break;
                case 'n':
                        arg_inflight = parse_count(optarg, "--inflight", 65536);
                        break;
                case 'r':
                        arg_rounds = parse_count(optarg, "--rounds", 1000);
                        break;
                case 'o':
                        arg_only = optarg;
                        break;
                default:
                        return EXIT_FAILURE;
                }
        bench_no_arguments(argc, argv);

        static const struct {
                const char *name, *kind;
                Kind k;
                uint64_t flags;
                bool pipelined;
        } tests[] = {
                { "ping_pairs_per_s_sequential", "ping", KIND_PING, 0, false },
                { "ping_pairs_per_s_pipelined", "ping", KIND_PING, 0, true },
                { "charge_pairs_per_s_sequential", "charge", KIND_CHARGE, 0, false },
                { "charge_pairs_per_s_pipelined", "charge", KIND_CHARGE, 0, true },
                { "persist_pairs_per_s_pipelined", "persist", KIND_CHARGE, 1, true },
                { "persist_pairs_per_s_sequential", "persist", KIND_CHARGE, 1, false },
        };
        bool any = false;
        for (size_t i = 0; i < 6; i++)
                any = any || selected(tests[i].name, tests[i].kind);
        if (!any) {
                fprintf(stderr, "bench-bus: --only=%s selects no test\n", arg_only);
                return EXIT_FAILURE;
        }

        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = bench_bus_open();

        ensure_capacity(bus);
        unsigned left = count_charges(bus);
        if (left > 0) {
                fprintf(stderr, "bench-bus: %u charge(s) of " GROUP " exist before the run; uncharge them first\n",
                        left);
                return EXIT_FAILURE;
        }

        /* Each test warms up once, then the tests take turns in --rounds
         * slices, so that a slow or fast phase of the machine (scheduling of
         * the three processes on the CPUs) is shared by all of them. */
        for (size_t i = 0; i < 6; i++)
                if (selected(tests[i].name, tests[i].kind))
                        (void) measure(bus, tests[i].k, tests[i].flags, tests[i].pipelined,
                                       (uint64_t) (arg_warmup * 1e9), 0);
        uint64_t slice_ns = (uint64_t) (arg_duration * 1e9 / arg_rounds), pairs[6] = { 0 };
        for (unsigned round = 0; round < arg_rounds; round++)
                for (size_t i = 0; i < 6; i++)
                        if (selected(tests[i].name, tests[i].kind))
                                pairs[i] += measure(bus, tests[i].k, tests[i].flags, tests[i].pipelined, 0, slice_ns);
        double rate[6];
        for (size_t i = 0; i < 6; i++)
                rate[i] = (double) pairs[i] * 1e9 / (double) (slice_ns * arg_rounds);

        left = count_charges(bus);
        if (left > 0) {
                fprintf(stderr, "bench-bus: %u charge(s) of " GROUP " left after the run\n", left);
                return EXIT_FAILURE;
        }

        for (size_t i = 0; i < 6; i++)
                if (selected(tests[i].name, tests[i].kind))
                        printf("%s=%.0f\n", tests[i].name, rate[i]);
        bool sel[6];
        for (size_t i = 0; i < 6; i++)
                sel[i] = selected(tests[i].name, tests[i].kind);
        if (sel[0] && sel[2])
                printf("ratio_sequential=%.3f\n", rate[2] / rate[0]);
        if (sel[1] && sel[3])
                printf("ratio_pipelined=%.3f\n", rate[3] / rate[1]);
        if (sel[1] && sel[4])
                printf("ratio_persist_pipelined=%.3f\n", rate[4] / rate[1]);
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
