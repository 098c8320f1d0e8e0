/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

void die_errno(const char *what, int r) {
        fprintf(stderr, "%s: %s failed: %s\n", bench_name, what, strerror(r < 0 ? -r : r));
        exit(EXIT_FAILURE);
}

void die_error(const char *what, const sd_bus_error *e) {
        fprintf(stderr, "%s: %s failed: %s: %s\n", bench_name, what, e->name ? e->name : "?",
                e->message ? e->message : "(no message)");
        exit(EXIT_FAILURE);
}

void call_checkedv(sd_bus *bus, const char *iface, const char *member, uint64_t timeout_usec,
                   sd_bus_message **reply, const char *types, va_list ap) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r = sd_bus_message_new_method_call(bus, &call, DEST, PATH, iface, member);
        if (r >= 0 && types)
                r = sd_bus_message_appendv(call, types, ap);
        if (r < 0)
                die_errno(member, r);
        r = sd_bus_call(bus, call, timeout_usec, &e, reply);
        if (r < 0) {
                if (sd_bus_error_is_set(&e))
                        die_error(member, &e);
                die_errno(member, r);
        }
}

sd_bus *bench_bus_open(void) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);
        if (r < 0)
                die_errno("connecting to the system bus", r);
        return bus;
}

void bench_no_arguments(int argc, char **argv) {
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", bench_name, argv[optind]);
                exit(EXIT_FAILURE);
        }
}
