/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* resctl protect [--runtime] [--min] UNIT KEY AMOUNT|N%, resctl unprotect
 * [--min] UNIT KEY: the Protect and Unprotect methods. A percentage is of
 * the region's size as ListResources reports it now, rounded down, as
 * unit settings round theirs. */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kparse.h"
#include "macro.h"
#include "resctl.h"

#define PROTECT_RUNTIME UINT64_C(0x1)
#define PROTECT_MIN UINT64_C(0x2)

static int capacity_of(sd_bus *bus, const char *key, uint64_t *ret) {
        Resource *v = NULL;
        size_t n = 0;
        int r = resources_get(bus, &v, &n);
        if (r != EXIT_SUCCESS)
                return r;
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
                if (streq(v[i].key, key)) {
                        *ret = v[i].capacity;
                        found = true;
                }
        resources_free(v, n);
        if (!found)
                return fail("Cannot take a percentage of %s: no such resource (see 'resctl list-resources').", key);
        return EXIT_SUCCESS;
}

int verb_protect(sd_bus *bus, int argc, char **argv) {
        const char *unit = argv[0], *key = argv[1], *a = argv[2];
        uint64_t amount;
        if (strchr(a, '%')) {
                uint64_t parts, capacity = 0;
                int r = rc_parse_percent(a, &parts);
                if (r < 0)
                        return fail_usage("Invalid amount '%s': %s.", a,
                                          r == -ERANGE ? "more than 100%" : "use e.g. 50% or 12.5%");
                r = capacity_of(bus, key, &capacity);
                if (r != EXIT_SUCCESS)
                        return r;
                amount = rc_percent_of(capacity, parts);
        } else {
                int r = parse_size(a, &amount);
                if (r < 0)
                        return fail_usage("Invalid amount '%s': use a number with an optional K, M, G or T suffix, "
                                          "or a percentage.",
                                          a);
        }
        uint64_t flags = (arg.runtime ? PROTECT_RUNTIME : 0) | (arg.min ? PROTECT_MIN : 0), effective;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = manager_call(bus, "Protect", &error, &reply, "sstt", unit, key, amount, flags);
        if (r < 0)
                return fail_bus("protect", &error, r);
        r = sd_bus_message_read(reply, "t", &effective);
        if (r < 0)
                return fail_bus("protect", NULL, r);
        char b[FORMAT_VALUE_MAX];
        printf("%s\n", format_amount(b, key, effective));
        if (effective < amount)
                hint("%s uses less than %s of %s now: its effective %s protection is what it uses.", unit, a, key,
                     arg.min ? "min" : "low");
        return EXIT_SUCCESS;
}

int verb_unprotect(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_call(bus, "Unprotect", &error, NULL, "sst", argv[0], argv[1], arg.min ? PROTECT_MIN : 0);
        if (r < 0)
                return fail_bus("unprotect", &error, r);
        return EXIT_SUCCESS;
}
