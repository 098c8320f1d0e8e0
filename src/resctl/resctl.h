/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* resctl, the command-line client of org.resctl.Manager: what the verbs,
 * the formatting helpers and the exporters share. Verbs return an exit
 * status (resctl(1) "EXIT STATUS"): LSB's codes where they fit, one of
 * 150..199 (LSB's range for applications) for each other error of the
 * daemon or the transport; each failure prints exactly one line on stderr
 * (one JSON object with --json). */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>

#define RESCTL_SERVICE "org.resctl.Manager"
#define RESCTL_PATH "/org/resctl/Manager"
#define RESCTL_IFACE "org.resctl.Manager"
#define RESCTL_GROUP_IFACE "org.resctl.Group"
#define RESCTL_GROUP_PREFIX "/org/resctl/group"

#define EXIT_USAGE 2                    /* also org.resctl.Error.InvalidArgument */
#define EXIT_NOPERMISSION 4             /* AccessDenied, InteractiveAuthorizationRequired */
#define EXIT_NOSUCHGROUP 5              /* NoSuchGroup: systemctl's "unit not found" */
#define EXIT_NOTRUNNING 7               /* resctld is not on the bus */
#define EXIT_LIMIT_EXCEEDED 150
#define EXIT_CAPACITY_EXCEEDED 151
#define EXIT_QUOTA_EXCEEDED 152
#define EXIT_NOSUCHRESOURCE 153
#define EXIT_NOSUCHCHARGE 154
#define EXIT_NOSUCHFILE 155
#define EXIT_KERNEL_MANAGED 156
#define EXIT_KERNEL_REFUSED 157
#define EXIT_STORAGE_FAILED 158
#define EXIT_BUS 159                    /* cannot connect to the bus, or it went away */
#define EXIT_TIMEOUT 160                /* no reply in time */

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
} JsonMode;

typedef enum ExportFormat {
        EXPORT_OPENMETRICS,
        EXPORT_PROMETHEUS,
        EXPORT_NFD,
        _EXPORT_FORMAT_INVALID = -1,
} ExportFormat;

typedef enum TopOrder {
        TOP_ORDER_USAGE,
        TOP_ORDER_PEAK,
        TOP_ORDER_MAX,
        TOP_ORDER_REFUSED,
        TOP_ORDER_NAME,
        _TOP_ORDER_MAX,
        _TOP_ORDER_INVALID = -1,
} TopOrder;

typedef struct Args {
        JsonMode json;
        bool legend;
        bool pager;
        bool ask_password;
        const char *host;
        const char *machine;
        bool runtime;                   /* set-property */
        bool persist;                   /* charge */
        bool until_stop;                /* charge */
        bool force;                     /* evict */
        bool group;                     /* migrate */
        ExportFormat format;            /* export */
        const char *output;             /* export */
        bool follow;                    /* export */
        TopOrder top_order;             /* top */
        unsigned top_iterations;        /* top: 0 = until ^C or q */
        bool top_batch;                 /* top */
        bool min;                       /* protect, unprotect */
        bool create;                    /* charge */
        bool verbose;                   /* monitor */
        char **properties;              /* show -p */
        size_t n_properties;
        bool value;                     /* show --value */
} Args;

extern Args arg;

/* ---- resctl.c: errors and calls ---- */

/* The exit status for a failed call: by the D-Bus error's name, else by
 * the errno of the transport. */
int exit_status_from_bus_error(const sd_bus_error *error, int r);
/* "Failed to <what>: <message>" on stderr (red on a terminal); returns
 * exit_status_from_bus_error(). */
int fail_bus(const char *what, const sd_bus_error *error, int r);
/* One line on stderr (a JSON object with --json); return EXIT_FAILURE,
 * EXIT_USAGE, or status. */
int fail_status(int status, const char *error_name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define fail(...) fail_status(EXIT_FAILURE, NULL, __VA_ARGS__)
#define fail_usage(...) fail_status(EXIT_USAGE, NULL, __VA_ARGS__)
int fail_oom(void);
/* A failed sd_bus_process() of a verb that stays (export --follow, top). */
int fail_process(int r);
/* A hint on stderr (grey on a terminal); none with --json. */
void hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "Warning: ..." on stderr (yellow on a terminal); {"warning": ...} with --json. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* sd_bus_call_method() on the manager object. */
int manager_call(sd_bus *bus, const char *method, sd_bus_error *error, sd_bus_message **reply,
                 const char *types, ...);
/* A method call message on the manager, with interactive authorization as
 * the options say, for callers that build the arguments themselves. */
int manager_new_call(sd_bus *bus, const char *method, sd_bus_message **ret);

/* ---- resctl-format.c ---- */

#define FORMAT_VALUE_MAX 32

bool colors_enabled(void);              /* decided once, before a pager takes stdout */
bool colors_enabled_stderr(void);
const char *ansi_bold(void);
const char *ansi_underline(void);
const char *ansi_green(void);
const char *ansi_red(void);
const char *ansi_grey(void);
const char *ansi_normal(void);
bool utf8_enabled(void);

/* CLOCK_MONOTONIC in microseconds, for the live verbs' redraw timing. */
uint64_t now_monotonic_usec(void);

/* dmem keys count bytes, misc and rdma keys count items. */
bool key_counts_bytes(const char *key);
/* Sizes as systemd prints them: "4G", "1.5G", "512B"; UINT64_MAX is "max". */
const char *format_bytes(char buf[static FORMAT_VALUE_MAX], uint64_t v);
/* An amount of key: bytes for dmem, a plain number otherwise; "max" for UINT64_MAX. */
const char *format_amount(char buf[static FORMAT_VALUE_MAX], const char *key, uint64_t v);
/* A raw number, "max" for UINT64_MAX. */
const char *format_raw(char buf[static FORMAT_VALUE_MAX], uint64_t v);

/* Numbers and sizes on the command line: decimal, optional K M G T suffix
 * (base 1024), "max"/"infinity" for UINT64_MAX. 0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, uint64_t *ret);
/* A charge id: decimal digits only. */
int parse_id(const char *s, uint64_t *ret);

typedef struct Table Table;
/* headers: n_columns strings. Columns whose header is in right_aligned (a
 * bitmask) are aligned right. */
Table *table_new(unsigned n_columns, const char *const *headers, unsigned right_aligned);
/* The same, the first column a tree: table_set_parent() hangs a row (0 is
 * the first after the headers) below an earlier one. */
Table *table_new_tree(unsigned n_columns, const char *const *headers, unsigned right_aligned);
int table_set_parent(Table *t, size_t row, size_t parent);
int table_add(Table *t, const char *cell);
size_t table_rows(const Table *t);
/* Prints the header (unless --no-legend) and the rows, columns aligned,
 * cut to columns() when that is known (names and keys first, with "…").
 * 0 or a negative errno. */
int table_print(const Table *t, FILE *f);
/* The width to fit tables in: $COLUMNS, else the terminal's; 0 when
 * stdout is neither (a pipe: nothing is cut). Decided once, before a pager
 * takes stdout. */
unsigned columns(void);
void table_free(Table *t);
static inline void table_freep(Table **t) {
        table_free(*t);
}

/* A list of rows on stdout: a JSON array of objects with --json, else a
 * table. */
typedef struct Listing Listing;
/* A small streaming JSON writer, short (one line) or pretty. */
typedef struct Json {
        FILE *f;
        JsonMode mode;
        unsigned depth;
        bool first;                     /* nothing written yet at this depth */
        bool after_key;
} Json;

void json_init(Json *j, FILE *f, JsonMode mode);
void json_begin_object(Json *j);
void json_end_object(Json *j);
void json_begin_array(Json *j);
void json_end_array(Json *j);
void json_key(Json *j, const char *key);
void json_string(Json *j, const char *s);
void json_uint(Json *j, uint64_t v);
/* UINT64_MAX ("max", no limit) is written as null. */
void json_limit(Json *j, uint64_t v);
void json_bool(Json *j, bool b);
void json_null(Json *j);
/* A member of an object: the key, then its value. */
void json_field_string(Json *j, const char *key, const char *s);
void json_field_uint(Json *j, const char *key, uint64_t v);
void json_field_limit(Json *j, const char *key, uint64_t v);
void json_field_bool(Json *j, const char *key, bool b);
/* Ends the document with a newline. */
void json_finish(Json *j);

struct Listing {
        Json json;
        Table *table;
};

/* 0, or -ENOMEM with nothing written. */
int listing_begin(Listing *l, unsigned n_columns, const char *const *headers, unsigned right_aligned);
/* Closes the array, or prints the table. */
void listing_end(Listing *l);
void listing_done(Listing *l);

/* ---- resctl-data.c: reading the daemon's state ---- */

typedef struct Resource {
        char *key;
        uint64_t capacity, usage, peak, refused;
        bool kernel;            /* the kernel charges it (KernelResources) */
} Resource;

typedef struct KeyValue {
        char *key;
        uint64_t value;
} KeyValue;

typedef struct Stats {
        KeyValue *v;
        size_t n;
} Stats;

typedef enum GroupStat {
        STAT_USAGE,
        STAT_PEAK,
        STAT_MAX,
        STAT_MIN,
        STAT_LOW,
        STAT_EFFECTIVE_MIN,
        STAT_EFFECTIVE_LOW,
        STAT_EVENTS,
        STAT_EVENTS_LOCAL,
        _STAT_MAX,
} GroupStat;

typedef struct Group {
        char *name;
        char *parent;
        char *path;
        Stats stats[_STAT_MAX];         /* filled by group_load_stats() */
        bool loaded;
} Group;

const char *group_stat_to_string(GroupStat s);
GroupStat group_stat_from_string(const char *s);
/* The value of key in s, or def when the daemon sent none. */
uint64_t stats_get(const Stats *s, const char *key, uint64_t def);
/* The value of key in the group's stat s; when the daemon sent none, what
 * none means: no limit (UINT64_MAX) for Max, 0 for the others. */
uint64_t group_stat(const Group *g, GroupStat s, const char *key);

/* ---- resctl-status.c ---- */

/* Usage above max on key (the limit was lowered below the usage). */
bool group_over_max(const Group *g, const char *key);
/* Warnings (stderr) for every key of unit, or for key, whose usage is above
 * its max or capacity, saying what follows. */
void warn_over_max(sd_bus *bus, const char *unit);
void warn_over_capacity(sd_bus *bus, const char *key);
int verb_status_groups(sd_bus *bus, int argc, char **argv);

int resources_list(sd_bus *bus, Resource **ret, size_t *n_ret, sd_bus_error *error);
void resources_free(Resource *v, size_t n);
/* Both read every page of ListGroupsPaged / ListChargesPaged: no single
 * reply needs to hold them all. */
int groups_list(sd_bus *bus, Group **ret, size_t *n_ret, sd_bus_error *error);
void groups_free(Group *v, size_t n);
/* The same for a verb: EXIT_SUCCESS, or the exit status of the failure,
 * said on stderr ("Failed to list resources: ..."). */
int resources_get(sd_bus *bus, Resource **ret, size_t *n_ret);
int groups_get(sd_bus *bus, Group **ret, size_t *n_ret);

typedef struct Charge {
        uint64_t id, amount, flags;
        uint32_t pid;
        char *group, *key;
} Charge;

int charges_list(sd_bus *bus, const char *group, Charge **ret, size_t *n_ret, sd_bus_error *error);
void charges_free(Charge *v, size_t n);
/* GetAll on the group's object. */
int group_load_stats(sd_bus *bus, Group *g, sd_bus_error *error);
/* Adds delta to the value of key in s, appending key if it is new. */
int stats_add(Stats *s, const char *key, uint64_t delta);
/* Reads an a{st} from m into s. */
int stats_read(sd_bus_message *m, Stats *s);
/* Enters the next {sv} entry of the a{sv} m is in: its name, and the
 * signature of its value. 1 entered, 0 at the end, or a negative errno. */
int property_next(sd_bus_message *m, const char **ret_name, const char **ret_contents);
/* Leaves the entry, its value read or skipped; in_variant: from inside the
 * value's variant. */
int property_done(sd_bus_message *m, bool in_variant);
/* A property entered by property_next() that is one of the group's stats
 * (Usage, Max, ...): its value read into g, 1; else 0 and nothing read. */
int group_stat_read(sd_bus_message *m, Group *g, const char *name, const char *contents);
void stats_done(Stats *s);

/* Everything an export needs, read in one go: the resources, the groups
 * with their properties, and per group the number of charges it holds
 * itself (charges[i] belongs to groups[i]). */
typedef struct Snapshot {
        Resource *res;
        size_t n_res;
        Group *groups;
        size_t n_groups;
        Stats *charges;
} Snapshot;

/* 0, or a negative errno with error set by the bus when it has one. */
int snapshot_load(sd_bus *bus, Snapshot *s, sd_bus_error *error);
void snapshot_done(Snapshot *s);

/* ---- resctl-nfd.c ---- */

/* A node-feature-discovery feature file: capability labels of s, expiring
 * at expiry (seconds since the epoch). */
int nfd_write(FILE *f, const Snapshot *s, uint64_t expiry);

/* ---- resctl-property.c: PROP=VALUE as unit files say it ---- */

/* Appends one (sv) of SetUnitProperties for "NAME=VALUE". On a syntax
 * error returns -EINVAL and sets *why to a line saying what to fix
 * (free it); other negative errnos are the bus's. */
int property_append(sd_bus_message *m, const char *assignment, char **why);

/* ---- the verbs ---- */

int verb_status(sd_bus *bus, int argc, char **argv);
int verb_list_resources(sd_bus *bus, int argc, char **argv);
int verb_list_groups(sd_bus *bus, int argc, char **argv);
int verb_list_charges(sd_bus *bus, int argc, char **argv);
int verb_tree(sd_bus *bus, int argc, char **argv);
int verb_show(sd_bus *bus, int argc, char **argv);
int verb_cat(sd_bus *bus, int argc, char **argv);
int verb_write(sd_bus *bus, int argc, char **argv);
int verb_set_property(sd_bus *bus, int argc, char **argv);
int verb_charge(sd_bus *bus, int argc, char **argv);
int verb_uncharge(sd_bus *bus, int argc, char **argv);
int verb_migrate(sd_bus *bus, int argc, char **argv);
int verb_evict(sd_bus *bus, int argc, char **argv);
int verb_register_resource(sd_bus *bus, int argc, char **argv);
int verb_unregister_resource(sd_bus *bus, int argc, char **argv);
int verb_set_capacity(sd_bus *bus, int argc, char **argv);
int verb_monitor(sd_bus *bus, int argc, char **argv);
int verb_export(sd_bus *bus, int argc, char **argv);
int verb_top(sd_bus *bus, int argc, char **argv);

TopOrder top_order_from_string(const char *s);
const char *top_order_to_string(TopOrder o);

int verb_run(sd_bus *bus, int argc, char **argv);
int verb_protect(sd_bus *bus, int argc, char **argv);
int verb_unprotect(sd_bus *bus, int argc, char **argv);
/* resctl-run.c: run's options follow it and its command follows them, so
 * the global option parser stops at "run": its index in argv, or argc. */
int run_verb_index(int argc, char **argv);

/* ---- resctl-spawn.c: the pager and the polkit agent ---- */

void pager_open(void);
void pager_close(void);
void polkit_agent_open(void);
void polkit_agent_close(void);
