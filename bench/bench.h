/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the bus benchmarks (bus.c, scale.c) share: the clock, failing with
 * one line on stderr, and checked calls to org.resctl.Manager. */

#include <stdarg.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#define DEST "org.resctl.Manager"
#define PATH "/org/resctl/Manager"
#define IFACE "org.resctl.Manager"

/* "bench-bus", "bench-scale": the start of every error line. */
extern const char *bench_name;

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/* "<bench_name>: <what> failed: ..." on stderr, then exit status 1. */
_Noreturn void die_errno(const char *what, int r);
_Noreturn void die_error(const char *what, const sd_bus_error *e);

/* Calls member of iface on DEST at PATH, waiting up to timeout_usec (0:
 * sd-bus's default); any failure dies. The reply goes to *reply when
 * reply is not NULL. */
void call_checkedv(sd_bus *bus, const char *iface, const char *member, uint64_t timeout_usec,
                   sd_bus_message **reply, const char *types, va_list ap);

/* The system bus (DBUS_SYSTEM_BUS_ADDRESS when set), or die. */
sd_bus *bench_bus_open(void);

/* Dies unless getopt left no argument. */
void bench_no_arguments(int argc, char **argv);
