/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* resctl run [--group UNIT] --charge KEY=AMOUNT... [--] CMD [ARGS...]:
 * takes the charges as this process, then becomes CMD with exec(). A
 * charge without PERSIST belongs to its taker's pid and start time, which
 * exec() keeps, so the charges live exactly as long as CMD, like a lock
 * that flock(1) or systemd-inhibit(1) hold for their command.
 *
 * All or none: the charges are taken one by one and, on the first refusal,
 * the ones already taken are released before resctl exits; CMD never runs
 * then. Were resctl killed in between, the daemon releases them anyway
 * (their owner exited). */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "resctl.h"

#define EXIT_EXEC_NOT_FOUND 127         /* as env(1) and the shells */
#define EXIT_EXEC_FAILED 126

typedef struct RunCharge {
        const char *spec;
        char *key;
        uint64_t amount;
        uint64_t id;
        bool taken;
} RunCharge;

static int parse_charge(const char *spec, RunCharge *ret) {
        const char *eq = strrchr(spec, '=');
        if (!eq || eq == spec || !eq[1])
                return fail_usage("Invalid --charge '%s': use KEY=AMOUNT (e.g. --charge sev=1).", spec);
        int r = parse_size(eq + 1, &ret->amount);
        if (r == -ERANGE)
                return fail_usage("Invalid --charge '%s': '%s' does not fit in 64 bits.", spec, eq + 1);
        if (r < 0)
                return fail_usage("Invalid --charge '%s': '%s' is not a number with an optional K, M, G or T suffix.",
                                  spec, eq + 1);
        ret->key = strndup(spec, (size_t) (eq - spec));
        if (!ret->key)
                return fail_oom();
        ret->spec = spec;
        return EXIT_SUCCESS;
}

static void release_taken(sd_bus *bus, RunCharge *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (v[i].taken) {
                        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                        /* Failing here changes little: the charge is still
                         * released when this process exits. */
                        (void) manager_call(bus, "Uncharge", &error, NULL, "tt", v[i].id, (uint64_t) 0);
                        v[i].taken = false;
                }
}

static void run_charges_free(RunCharge *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i].key);
        free(v);
}

int run_verb_index(int argc, char **argv) {
        static const char *const with_value[] = { "-H", "-M", "--host", "--machine", "--json", "--format", "--output" };
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return argc;
                if (argv[i][0] != '-' || !argv[i][1])
                        return streq(argv[i], "run") ? i : argc;
                for (size_t k = 0; k < ELEMENTSOF(with_value); k++)
                        if (streq(argv[i], with_value[k])) {
                                i++;
                                break;
                        }
        }
        return argc;
}

int verb_run(sd_bus *bus, int argc, char **argv) {
        const char *group = "";
        int cmd = -1;
        RunCharge *v = calloc((size_t) argc + 1, sizeof(RunCharge));
        size_t n = 0;
        int q = v ? EXIT_SUCCESS : fail_oom();
        for (int i = 0; q == EXIT_SUCCESS && i < argc && cmd < 0; i++) {
                const char *a = argv[i], *value = NULL;
                bool is_group = streq(a, "--group") || strneq(a, "--group=", 8);
                bool is_charge = streq(a, "--charge") || strneq(a, "--charge=", 9);
                if (streq(a, "--")) {
                        cmd = i + 1;
                        break;
                }
                if (!is_group && !is_charge) {
                        if (a[0] == '-')
                                q = fail_usage("Unknown option '%s' for run: use --group UNIT and --charge KEY=AMOUNT, "
                                               "then the command.",
                                               a);
                        else
                                cmd = i;
                        continue;
                }
                if (strchr(a, '='))
                        value = strchr(a, '=') + 1;
                else if (i + 1 < argc)
                        value = argv[++i];
                else {
                        q = fail_usage("Option '%s' needs an argument; see 'resctl --help'.", a);
                        continue;
                }
                if (is_group)
                        group = value;
                else
                        q = parse_charge(value, &v[n++]);
        }
        if (q == EXIT_SUCCESS && (cmd < 0 || cmd >= argc))
                q = fail_usage("No command given: resctl run [--group UNIT] --charge KEY=AMOUNT... -- CMD [ARGS...]");
        if (q == EXIT_SUCCESS && n == 0)
                q = fail_usage("No --charge given: resctl run [--group UNIT] --charge KEY=AMOUNT... -- CMD [ARGS...]");
        if (q != EXIT_SUCCESS) {
                run_charges_free(v, n);
                return q;
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int r = manager_call(bus, "Charge", &error, &reply, "sstt", group, v[i].key, v[i].amount,
                                     (uint64_t) 0);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "t", &v[i].id);
                if (r < 0) {
                        release_taken(bus, v, n);
                        _cleanup_free_ char *what = NULL;
                        q = asprintf(&what, "charge %s (nothing was run)", v[i].spec) < 0
                                    ? fail_oom()
                                    : fail_bus(what, &error, r);
                        run_charges_free(v, n);
                        return q;
                }
                v[i].taken = true;
        }

        /* Nothing of ours may outlive the exec but the charges. */
        polkit_agent_close();
        (void) sd_bus_flush(bus);
        fflush(stdout);
        execvp(argv[cmd], argv + cmd);
        int e = errno;
        release_taken(bus, v, n);
        run_charges_free(v, n);
        fail("Failed to execute %s: %s", argv[cmd], strerror(e));
        return e == ENOENT ? EXIT_EXEC_NOT_FOUND : EXIT_EXEC_FAILED;
}
