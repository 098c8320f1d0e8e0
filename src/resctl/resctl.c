/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* resctl: the command line of org.resctl.Manager, shaped like systemctl.
 * This file has the options, the verb table, the bus connection and the
 * error lines; the verbs live in resctl-{list,ops,monitor,export}.c. */

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "resctl.h"

Args arg = {
        .json = JSON_OFF,
        .legend = true,
        .pager = true,
        .ask_password = true,
        .format = _EXPORT_FORMAT_INVALID,
};

/* ---- errors ---- */

static void json_line(const char *kind, const char *error_name, int status, const char *text) {
        Json j;
        json_init(&j, stderr, JSON_SHORT);
        json_begin_object(&j);
        if (error_name || status != 0) {
                json_key(&j, "error");
                if (error_name)
                        json_string(&j, error_name);
                else
                        json_null(&j);
        }
        json_field_string(&j, kind, text);
        if (status != 0)
                json_field_uint(&j, "exit_status", (uint64_t) status);
        json_end_object(&j);
        json_finish(&j);
}

static int vfail_line(int status, const char *error_name, const char *fmt, va_list ap) {
        char line[4096];
        vsnprintf(line, sizeof(line), fmt, ap);
        if (arg.json != JSON_OFF) {
                json_line("message", error_name, status, line);
                return status;
        }
        bool c = colors_enabled_stderr();
        fprintf(stderr, "%s%s%s\n", c ? "\x1B[0;1;31m" : "", line, c ? "\x1B[0m" : "");
        return status;
}

int fail_status(int status, const char *error_name, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = vfail_line(status, error_name, fmt, ap);
        va_end(ap);
        return r;
}

int fail_oom(void) {
        return fail("Out of memory.");
}

int fail_process(int r) {
        if (r == -ENOMEM)
                return fail_oom();
        return fail("Failed to process bus messages: %s", strerror(-r));
}

static void vnote(const char *color, const char *prefix, const char *fmt, va_list ap) {
        bool c = colors_enabled_stderr();
        fprintf(stderr, "%s%s", c ? color : "", prefix);
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "%s\n", c ? "\x1B[0m" : "");
}

void hint(const char *fmt, ...) {
        /* Hints are for people; a program reading --json gets none. */
        if (arg.json != JSON_OFF)
                return;
        va_list ap;
        va_start(ap, fmt);
        vnote("\x1B[0;38;5;245m", "", fmt, ap);
        va_end(ap);
}

void warning(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (arg.json != JSON_OFF) {
                char line[4096];
                vsnprintf(line, sizeof(line), fmt, ap);
                json_line("warning", NULL, 0, line);
        } else
                vnote("\x1B[0;1;33m", "Warning: ", fmt, ap);
        va_end(ap);
}

static const struct {
        const char *name;
        int status;
} error_statuses[] = {
        { "org.resctl.Error.InvalidArgument", EXIT_USAGE },
        { SD_BUS_ERROR_INVALID_ARGS, EXIT_USAGE },
        { SD_BUS_ERROR_ACCESS_DENIED, EXIT_NOPERMISSION },
        { SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, EXIT_NOPERMISSION },
        { "org.resctl.Error.NoSuchGroup", EXIT_NOSUCHGROUP },
        { SD_BUS_ERROR_SERVICE_UNKNOWN, EXIT_NOTRUNNING },
        { SD_BUS_ERROR_NAME_HAS_NO_OWNER, EXIT_NOTRUNNING },
        { "org.resctl.Error.LimitExceeded", EXIT_LIMIT_EXCEEDED },
        { "org.resctl.Error.CapacityExceeded", EXIT_CAPACITY_EXCEEDED },
        { "org.resctl.Error.QuotaExceeded", EXIT_QUOTA_EXCEEDED },
        { "org.resctl.Error.NoSuchResource", EXIT_NOSUCHRESOURCE },
        { "org.resctl.Error.NoSuchCharge", EXIT_NOSUCHCHARGE },
        { "org.resctl.Error.NoSuchFile", EXIT_NOSUCHFILE },
        { "org.resctl.Error.KernelManaged", EXIT_KERNEL_MANAGED },
        { "org.resctl.Error.KernelRefused", EXIT_KERNEL_REFUSED },
        { "org.resctl.Error.StorageFailed", EXIT_STORAGE_FAILED },
        { SD_BUS_ERROR_DISCONNECTED, EXIT_BUS },
        { SD_BUS_ERROR_NO_REPLY, EXIT_TIMEOUT },
        { SD_BUS_ERROR_TIMEOUT, EXIT_TIMEOUT },
};

int exit_status_from_bus_error(const sd_bus_error *error, int r) {
        if (error && sd_bus_error_is_set(error))
                for (size_t i = 0; i < ELEMENTSOF(error_statuses); i++)
                        if (sd_bus_error_has_name(error, error_statuses[i].name))
                                return error_statuses[i].status;
        switch (r < 0 ? -r : r) {
        case ECONNREFUSED:
        case ECONNRESET:
        case ENOTCONN:
        case EPIPE:
        case ENOENT:
                return EXIT_BUS;
        case ETIMEDOUT:
                return EXIT_TIMEOUT;
        case EACCES:
        case EPERM:
                return EXIT_NOPERMISSION;
        default:
                return EXIT_FAILURE;
        }
}

static bool always = true, runtime_given, no_ask_password;

/* Endings of the daemon's messages that name what to set in the bus call,
 * and what that is on resctl's command line. */
static const struct {
        const char *error;
        const char *suffix;
        const bool *applies;
        const char *instead;
} translations[] = {
        { "org.resctl.Error.NoSuchGroup", "; set the Charge flag 0x2 (CREATE) to charge it anyway.", &always,
          "; use --create to charge it anyway." },
        { "org.resctl.Error.InvalidArgument", "; make the change persistent instead", &runtime_given,
          "; drop --runtime to change the persistent setting" },
        { SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
          ", and the call does not allow interactive authorization.", &no_ask_password,
          "; drop --no-ask-password to be asked for a password." },
};

int fail_bus(const char *what, const sd_bus_error *error, int r) {
        runtime_given = arg.runtime;
        no_ask_password = !arg.ask_password;
        const char *msg = NULL, *name = NULL;
        if (error && sd_bus_error_is_set(error)) {
                name = error->name;
                msg = error->message ? error->message : error->name;
        }
        if (!msg)
                msg = strerror(r < 0 ? -r : r);
        int status = exit_status_from_bus_error(error, r);
        /* The daemon speaks of the bus API; say it with resctl's own flags. */
        size_t keep = strlen(msg);
        const char *instead = "";
        for (size_t i = 0; name && i < ELEMENTSOF(translations); i++) {
                const char *suffix = translations[i].suffix;
                size_t n = strlen(msg), k = strlen(suffix);
                if (streq(name, translations[i].error) && n >= k && streq(msg + n - k, suffix) &&
                    *translations[i].applies) {
                        keep = n - k;
                        instead = translations[i].instead;
                        break;
                }
        }
        /* Messages of resctld end with a period or not; either reads fine. */
        return fail_status(status, name, "Failed to %s: %.*s%s", what, (int) keep, msg, instead);
}

/* ---- calls ---- */

int manager_call(sd_bus *bus, const char *method, sd_bus_error *error, sd_bus_message **reply, const char *types,
                 ...) {
        va_list ap;
        va_start(ap, types);
        int r = sd_bus_call_methodv(bus, RESCTL_SERVICE, RESCTL_PATH, RESCTL_IFACE, method, error, reply, types, ap);
        va_end(ap);
        return r;
}

int manager_new_call(sd_bus *bus, const char *method, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(bus, ret, RESCTL_SERVICE, RESCTL_PATH, RESCTL_IFACE, method);
}

/* ---- verbs ---- */

typedef enum VerbFlags {
        VERB_JSON = 1 << 0,             /* --json applies */
        VERB_PAGER = 1 << 1,            /* output may go through the pager */
        VERB_AUTH = 1 << 2,             /* may need polkit: start the agent */
        VERB_RUNTIME = 1 << 3,          /* --runtime applies */
        VERB_PERSIST = 1 << 4,          /* --persist applies */
        VERB_FORCE = 1 << 5,            /* --force applies */
        VERB_GROUP = 1 << 6,            /* --group applies */
        VERB_EXPORT = 1 << 7,           /* --format, --output apply */
        VERB_TOP = 1 << 8,              /* --order, --iterations, --batch apply */
        VERB_MIN = 1 << 9,              /* --min applies */
        VERB_CREATE = 1 << 10,           /* --create applies */
        VERB_VERBOSE = 1 << 11,          /* --verbose applies */
        VERB_PROPERTY = 1 << 12,        /* --property, --value apply */
        VERB_LISTING = VERB_JSON | VERB_PAGER, /* the output is a listing */
} VerbFlags;

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;    /* after the verb; UINT32_MAX: any number */
        VerbFlags flags;
        int (*run)(sd_bus *bus, int argc, char **argv);
        const char *synopsis;           /* NULL: the name alone, the verb takes no arguments */
        const char *description;        /* for "resctl VERB --help"; NULL: see resctl --help */
} Verb;

#define MANY UINT32_MAX

static const Verb verbs[] = {
        { "status", 0, MANY, VERB_LISTING, verb_status, "status [GROUP...]",
          "Show the daemon and its resources, or the usage, limits, events and charges\n"
          "of each GROUP; groups over their max are marked." },
        { "list-resources", 0, 0, VERB_LISTING, verb_list_resources, NULL,
          "List resources: capacity, usage, peak, free, refused charges." },
        { "list-groups", 0, 0, VERB_LISTING, verb_list_groups, NULL,
          "List groups and their parents." },
        { "list-charges", 0, 1, VERB_LISTING, verb_list_charges, "list-charges [GROUP]",
          "List charges, of all groups or of GROUP." },
        { "tree", 0, 1, VERB_LISTING, verb_tree, "tree [GROUP]",
          "Show the slice tree (from GROUP down) with usage, peak and max; groups over\n"
          "their max are marked." },
        { "show", 1, 1, VERB_LISTING | VERB_PROPERTY, verb_show, "show [-p NAME...] [--value] GROUP",
          "Show the properties of the group object of GROUP (org.resctl.Group)." },
        { "cat", 2, 2, 0, verb_cat, "cat GROUP FILE",
          "Print a cgroup interface file of GROUP (misc.max, dmem.current, ...)." },
        { "write", 3, MANY, VERB_JSON | VERB_AUTH, verb_write, "write GROUP FILE TEXT...",
          "Write a cgroup interface file of GROUP (a runtime setting)." },
        { "set-property", 2, MANY, VERB_JSON | VERB_AUTH | VERB_RUNTIME, verb_set_property,
          "set-property [--runtime] UNIT PROPERTY=VALUE...",
          "Set MiscMax, DMemMin, DMemLow, DMemMax, RdmaMax or Slice of UNIT as unit\n"
          "files say them; warns when a max is below the usage." },
        { "charge", 3, 3, VERB_JSON | VERB_AUTH | VERB_PERSIST | VERB_CREATE, verb_charge,
          "charge [--persist|--until-stop] [--create] GROUP KEY AMOUNT",
          "Charge AMOUNT of KEY to GROUP and print the charge's id. Under systemd,\n"
          "GROUP must be a unit systemd knows, unless --create is given; with\n"
          "--until-stop the charge lasts as long as the unit GROUP runs." },
        { "uncharge", 1, 2, VERB_JSON | VERB_AUTH, verb_uncharge, "uncharge ID [AMOUNT]",
          "Release a charge, or AMOUNT of it." },
        { "migrate", 2, MANY, VERB_JSON | VERB_AUTH | VERB_GROUP, verb_migrate,
          "migrate ID... DST or migrate --group SRC DST",
          "Move charges to group DST, all or none." },
        { "evict", 3, 3, VERB_JSON | VERB_AUTH | VERB_FORCE, verb_evict, "evict [--force] KEY GROUP AMOUNT",
          "Ask holders of a dmem region to make room for GROUP to charge AMOUNT." },
        { "register-resource", 2, 2, VERB_JSON | VERB_AUTH, verb_register_resource, "register-resource KEY CAPACITY",
          "Register a resource, or set its capacity." },
        { "unregister-resource", 1, 1, VERB_JSON | VERB_AUTH, verb_unregister_resource, "unregister-resource KEY",
          "Unregister a resource, releasing its charges." },
        { "set-capacity", 2, 2, VERB_JSON | VERB_AUTH, verb_set_capacity, "set-capacity KEY CAPACITY",
          "Change the capacity of a resource; warns when it is below the usage." },
        { "monitor", 0, 2, VERB_JSON | VERB_VERBOSE, verb_monitor, "monitor [GROUP] [KEY]",
          "Print the daemon's signals and group changes as they come, until ^C; only\n"
          "those of GROUP (and its children) and of KEY when given." },
        { "export", 0, 0, VERB_EXPORT, verb_export,
          "export [--format=openmetrics|prometheus|nfd] [--output=FILE] [--follow]",
          "Write metrics of every group and resource." },
        { "top", 0, 1, VERB_TOP, verb_top, "top [--order=usage|peak|max|refused|name] [--iterations=N] [--batch] [KEY]",
          "Show groups ordered by their use of KEY, updated as resctld signals changes." },
        { "protect", 3, 3, VERB_AUTH | VERB_RUNTIME | VERB_MIN, verb_protect,
          "protect [--runtime] [--min] UNIT KEY AMOUNT|N%",
          "Raise dmem low (or min) along UNIT's ancestry so that its effective\n"
          "protection of KEY reaches AMOUNT." },
        { "unprotect", 2, 2, VERB_AUTH | VERB_MIN, verb_unprotect, "unprotect [--min] UNIT KEY",
          "Take back what protect added for UNIT and KEY." },
        { "run", 1, MANY, VERB_AUTH, verb_run, "run [--group UNIT] --charge KEY=AMOUNT... [--] CMD [ARGS...]",
          "Take the charges as this process, then execute CMD: they are held while it runs." },
};

static const char *verb_synopsis(const Verb *v) {
        return v->synopsis ? v->synopsis : v->name;
}

static void help(void) {
        const char *b = ansi_bold(), *n = ansi_normal();
        printf("%sresctl%s [OPTIONS...] COMMAND ...\n\n"
               "Query and control resctld: scarce host resources (SEV ASIDs, GPU memory,\n"
               "RDMA objects) per systemd unit, with the kernel's cgroup semantics.\n"
               "\n%sQuery Commands:%s\n"
               "  status [GROUP...]               Show the daemon and its resources (default),\n"
               "                                  or usage, limits and charges of groups\n"
               "  list-resources                  List resources: capacity, usage, peak, free\n"
               "  list-groups                     List groups and their parents\n"
               "  list-charges [GROUP]            List charges, of all groups or of one\n"
               "  tree [GROUP]                    Show the slice tree with usage, max, peak\n"
               "  show GROUP                      Show all properties of a group\n"
               "  cat GROUP FILE                  Print a cgroup interface file (misc.max, ...)\n"
               "  monitor [GROUP] [KEY]           Print signals as they come, until ^C\n"
               "  top [KEY]                       Show groups ordered by their use of KEY, live\n"
               "  export                          Write metrics (see --format, --output)\n"
               "\n%sControl Commands:%s\n"
               "  write GROUP FILE TEXT...        Write a cgroup interface file (runtime)\n"
               "  set-property UNIT PROP=VALUE... Set MiscMax, DMemMin, DMemLow, DMemMax,\n"
               "                                  RdmaMax or Slice as unit files do\n"
               "  charge GROUP KEY AMOUNT         Charge AMOUNT of KEY to GROUP, print its id\n"
               "  uncharge ID [AMOUNT]            Release a charge, or AMOUNT of it\n"
               "  migrate ID... DST               Move charges to group DST (all or none)\n"
               "  migrate --group SRC DST         Move the charges of group SRC to DST\n"
               "  evict KEY GROUP AMOUNT          Ask holders of a dmem region to make room\n"
               "  register-resource KEY CAPACITY  Register a resource, or set its capacity\n"
               "  unregister-resource KEY         Unregister a resource, releasing its charges\n"
               "  set-capacity KEY CAPACITY       Change the capacity of a resource\n"
               "  protect UNIT KEY AMOUNT|N%%      Protect AMOUNT of a dmem region for UNIT,\n"
               "                                  raising low (min) along its ancestry\n"
               "  unprotect UNIT KEY              Take back what protect added\n"
               "  run [--group UNIT] --charge KEY=AMOUNT... -- CMD [ARGS...]\n"
               "                                  Take the charges, then become CMD: they are\n"
               "                                  held exactly as long as CMD runs (all or none)\n",
               b, n, b, n, b, n);
        printf("\n%sOptions:%s\n"
               "  -h --help                       Show this help (resctl COMMAND --help: of COMMAND)\n"
               "     --version                    Show package version\n"
               "     --json=pretty|short|off      Print listings (and errors) as JSON\n"
               "     --no-legend                  Print no column headers and footers\n"
               "     --no-pager                   Do not pipe output into a pager\n"
               "  -H --host=[USER@]HOST           Operate on a remote host (over ssh)\n"
               "  -M --machine=CONTAINER          Operate on a local container\n"
               "     --no-ask-password            Do not ask for a password (polkit)\n"
               "     --runtime                    set-property, protect: until the next reboot only\n"
               "     --min                        protect, unprotect: min instead of low\n"
               "     --persist                    charge: keep the charge after resctl exits\n"
               "     --until-stop                 charge: keep it while the unit GROUP runs\n"
               "     --create                     charge: a unit systemd does not know, too\n"
               "     --force                      evict: release the victims' charges now\n"
               "     --group                      migrate: move all charges of a group\n"
               "  -p --property=NAME              show: only these properties\n"
               "     --value                      show: print values only\n"
               "  -v --verbose                    monitor: every group change, in full\n"
               "     --format=FORMAT              export: openmetrics (default), prometheus\n"
               "                                  (node-exporter textfile) or nfd\n"
               "     --output=FILE                export: replace FILE atomically (- for stdout)\n"
               "     --follow                     export: stay, rewrite FILE on changes, count\n"
               "                                  releases and eviction requests\n"
               "     --order=ORDER                top: usage (default), peak, max, refused, name\n"
               "  -n --iterations=N               top: exit after N updates\n"
               "  -b --batch                      top: plain output for scripts, no keys\n"
               "\nA charge taken without --persist belongs to the resctl process and is\n"
               "released when resctl exits, i.e. at once.\n"
               "\nKEY is a resource key: misc/sev (or sev), dmem/drm/0000:03:00.0/vram0,\n"
               "rdma/mlx5_0/hca_handle. AMOUNT and CAPACITY take K, M, G, T (base 1024);\n"
               "max or infinity means no limit.\n"
               "\nExit status: 0 on success, 2 for a wrong command line or argument, 4 when\n"
               "not authorized, 5 for an unknown group, 7 when resctld is not running,\n"
               "150 and up for the daemon's other errors; see resctl(1).\n"
               "\nSee the resctl(1) man page for details.\n",
               b, n);
}

static const struct {
        VerbFlags flag;
        const char *text;
} verb_option_help[] = {
        { VERB_RUNTIME, "     --runtime           Until the next reboot only (a runtime drop-in)\n" },
        { VERB_PERSIST, "     --persist           Keep the charge after resctl exits\n" },
        { VERB_CREATE, "     --create            Charge a unit systemd does not know, too\n" },
        { VERB_FORCE, "     --force             Release the victims' charges now\n" },
        { VERB_GROUP, "     --group             Move all charges of group SRC\n" },
        { VERB_PROPERTY, "  -p --property=NAME      Only this property (repeat, or NAME,NAME)\n"
                         "     --value             Print the values only\n" },
        { VERB_VERBOSE, "  -v --verbose            Every group change, in full, also before a LimitHit\n" },
        { VERB_EXPORT, "     --format=FORMAT     openmetrics (default), prometheus or nfd\n"
                       "     --output=FILE       Replace FILE atomically\n" },
        { VERB_JSON, "     --json=pretty|short Print the output as JSON\n" },
};

static void verb_help(const Verb *v) {
        const char *b = ansi_bold(), *n = ansi_normal();
        printf("%sresctl%s [OPTIONS...] %s\n\n%s\n", b, n, verb_synopsis(v),
               v->description ? v->description : "See 'resctl --help'.");
        bool any = false;
        for (size_t i = 0; i < ELEMENTSOF(verb_option_help); i++)
                if (v->flags & verb_option_help[i].flag) {
                        if (!any)
                                printf("\n%sOptions:%s\n", b, n);
                        any = true;
                        fputs(verb_option_help[i].text, stdout);
                }
        printf("\nSee 'resctl --help' for the options of every command, and resctl(1).\n");
}

static const Verb *verb_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

/* The verb of a command line getopt has not finished with: the first word
 * that names one. */
static const Verb *verb_guess(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return i + 1 < argc ? verb_find(argv[i + 1]) : NULL;
                const Verb *v = argv[i][0] != '-' ? verb_find(argv[i]) : NULL;
                if (v)
                        return v;
        }
        return NULL;
}

/* Which verb flag each verb-specific option needs, for the error line. */
static struct {
        bool set;
        const char *name;
        VerbFlags needs;
} verb_options[] = {
        { false, "--runtime", VERB_RUNTIME },
        { false, "--persist", VERB_PERSIST },
        { false, "--create", VERB_CREATE },
        { false, "--force", VERB_FORCE },
        { false, "--group", VERB_GROUP },
        { false, "--format", VERB_EXPORT },
        { false, "--output", VERB_EXPORT },
        { false, "--follow", VERB_EXPORT },
        { false, "--order", VERB_TOP },
        { false, "--iterations", VERB_TOP },
        { false, "--batch", VERB_TOP },
        { false, "--json", VERB_JSON },
        { false, "--min", VERB_MIN },
        { false, "--until-stop", VERB_PERSIST },
        { false, "--verbose", VERB_VERBOSE },
        { false, "--property", VERB_PROPERTY },
        { false, "--value", VERB_PROPERTY },
};

static void mark_option(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verb_options); i++)
                if (streq(verb_options[i].name, name))
                        verb_options[i].set = true;
}

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_FORMAT,
        ARG_OUTPUT,
        ARG_ORDER,
        ARG_FLAG,                       /* ARG_FLAG + i: flag_options[i] */
};

/* The options that only switch a flag, getopt's value for each: its short
 * name, or ARG_FLAG + its index. Those that only some verbs take are marked
 * (mark_option()) for the error line. */
static const struct {
        const char *name;
        char short_name;
        bool *flag;
        bool value;
        bool mark;
} flag_options[] = {
        { "no-legend", 0, &arg.legend, false, false },
        { "no-pager", 0, &arg.pager, false, false },
        { "no-ask-password", 0, &arg.ask_password, false, false },
        { "runtime", 0, &arg.runtime, true, true },
        { "persist", 0, &arg.persist, true, true },
        { "create", 0, &arg.create, true, true },
        { "force", 0, &arg.force, true, true },
        { "group", 0, &arg.group, true, true },
        { "value", 0, &arg.value, true, true },
        { "verbose", 'v', &arg.verbose, true, true },
        { "follow", 0, &arg.follow, true, true },
        { "batch", 'b', &arg.top_batch, true, true },
        { "until-stop", 0, &arg.until_stop, true, true },
        { "min", 0, &arg.min, true, true },
};

static int flag_option_value(size_t i) {
        return flag_options[i].short_name ? flag_options[i].short_name : ARG_FLAG + (int) i;
}

/* Sets the flag of option c, if c is one of flag_options: true, else false. */
static bool flag_option_set(int c) {
        for (size_t i = 0; i < ELEMENTSOF(flag_options); i++) {
                if (flag_option_value(i) != c)
                        continue;
                *flag_options[i].flag = flag_options[i].value;
                if (flag_options[i].mark) {
                        char name[32];
                        snprintf(name, sizeof(name), "--%s", flag_options[i].name);
                        mark_option(name);
                }
                return true;
        }
        return false;
}

static int add_properties(const char *list) {
        _cleanup_free_ char *copy = strdup(list);
        if (!copy)
                return -ENOMEM;
        for (char *p = copy, *w; (w = strsep(&p, ","));) {
                if (!*w)
                        continue;
                char **v = realloc(arg.properties, (arg.n_properties + 1) * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                arg.properties = v;
                if (!(v[arg.n_properties] = strdup(w)))
                        return -ENOMEM;
                arg.n_properties++;
        }
        return 0;
}

/* --json before anything else: a usage error is then JSON too. */
static void parse_json_early(int argc, char *argv[]) {
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++) {
                const char *v = NULL;
                if (strneq(argv[i], "--json=", 7))
                        v = argv[i] + 7;
                else if (streq(argv[i], "--json") && i + 1 < argc)
                        v = argv[i + 1];
                if (v && streq(v, "short"))
                        arg.json = JSON_SHORT;
                else if (v && streq(v, "pretty"))
                        arg.json = JSON_PRETTY;
        }
}

static bool arg_help;

#define CHOICE_HELP (-2)

/* The index of s in names; CHOICE_HELP for "help", after printing the
 * names one a line; or -1. */
static int choice(const char *s, const char *const *names, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(s, names[i]))
                        return (int) i;
        if (!streq(s, "help"))
                return -1;
        for (size_t i = 0; i < n; i++)
                puts(names[i]);
        return CHOICE_HELP;
}

/* > 0: go on; 0: done (help, version); < 0: usage error, printed. */
static int parse_argv(int argc, char *argv[]) {
        static const struct option with_argument[] = {
                { "json", required_argument, NULL, ARG_JSON },
                { "host", required_argument, NULL, 'H' },
                { "machine", required_argument, NULL, 'M' },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "output", required_argument, NULL, ARG_OUTPUT },
                { "order", required_argument, NULL, ARG_ORDER },
                { "iterations", required_argument, NULL, 'n' },
                { "property", required_argument, NULL, 'p' },
        };
        /* help, version, the flags, those with an argument, the end. */
        struct option options[2 + ELEMENTSOF(flag_options) + ELEMENTSOF(with_argument) + 1] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
        };
        for (size_t i = 0; i < ELEMENTSOF(flag_options); i++)
                options[2 + i] = (struct option) { flag_options[i].name, no_argument, NULL, flag_option_value(i) };
        memcpy(options + 2 + ELEMENTSOF(flag_options), with_argument, sizeof(with_argument));
        int c;
        opterr = 0;
        parse_json_early(argc, argv);
        while ((c = getopt_long(argc, argv, ":hH:M:n:bp:v", options, NULL)) >= 0) {
                if (flag_option_set(c))
                        continue;
                switch (c) {
                case 'h':
                        arg_help = true;
                        break;
                case ARG_VERSION:
                        printf("resctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON: {
                        static const char *const names[] = { "short", "pretty", "off" };
                        static const JsonMode modes[] = { JSON_SHORT, JSON_PRETTY, JSON_OFF };
                        int i = choice(optarg, names, ELEMENTSOF(names));
                        if (i == CHOICE_HELP)
                                return 0;
                        if (i < 0)
                                return -fail_usage("Unknown JSON mode '%s': use --json=short, pretty or off.", optarg);
                        arg.json = modes[i];
                        if (arg.json != JSON_OFF)
                                mark_option("--json");
                        break;
                }
                case 'H':
                        arg.host = optarg;
                        break;
                case 'M':
                        arg.machine = optarg;
                        break;
                case 'p':
                        if (add_properties(optarg) < 0)
                                return -fail_oom();
                        mark_option("--property");
                        break;
                case ARG_FORMAT: {
                        /* In the order of ExportFormat. */
                        static const char *const names[] = { "openmetrics", "prometheus", "nfd" };
                        int i = choice(optarg, names, ELEMENTSOF(names));
                        if (i == CHOICE_HELP)
                                return 0;
                        if (i < 0)
                                return -fail_usage("Unknown export format '%s': use --format=openmetrics, prometheus or nfd.",
                                                   optarg);
                        arg.format = (ExportFormat) i;
                        mark_option("--format");
                        break;
                }
                case ARG_OUTPUT:
                        if (!*optarg)
                                return -fail_usage("--output= needs a file name.");
                        arg.output = optarg;
                        mark_option("--output");
                        break;
                case ARG_ORDER:
                        if (streq(optarg, "help")) {
                                for (int i = 0; i < _TOP_ORDER_MAX; i++)
                                        puts(top_order_to_string((TopOrder) i));
                                return 0;
                        }
                        arg.top_order = top_order_from_string(optarg);
                        if (arg.top_order == _TOP_ORDER_INVALID)
                                return -fail_usage("Unknown order '%s': use --order=usage, peak, max, refused or name.",
                                                   optarg);
                        mark_option("--order");
                        break;
                case 'n': {
                        uint64_t v;
                        if (parse_id(optarg, &v) < 0 || v == 0 || v > UINT32_MAX)
                                return -fail_usage("Invalid number of iterations '%s': use a number from 1.", optarg);
                        arg.top_iterations = (unsigned) v;
                        mark_option("--iterations");
                        break;
                }
                case ':':
                        return -fail_usage("Option '%s' needs an argument; see 'resctl --help'.", argv[optind - 1]);
                case '?':
                default: {
                        char opt[3] = { '-', (char) optopt, 0 };
                        const char *name = optopt ? opt : argv[optind - 1];
                        const Verb *v = verb_guess(argc, argv);
                        if (v)
                                return -fail_usage("Unknown option '%s' for '%s'; see 'resctl %s --help'.", name,
                                                   v->name, v->name);
                        return -fail_usage("Unknown option '%s'; see 'resctl --help'.", name);
                }
                }
        }
        if (arg.host && arg.machine)
                return -fail_usage("Use either --host= or --machine=, not both.");
        if (arg.persist && arg.until_stop)
                return -fail_usage("Use either --persist or --until-stop, not both.");
        return 1;
}

static int bus_open(sd_bus **ret) {
        int r;
        if (arg.host)
                r = sd_bus_open_system_remote(ret, arg.host);
        else if (arg.machine)
                r = sd_bus_open_system_machine(ret, arg.machine);
        else
                r = sd_bus_open_system(ret);
        if (r < 0) {
                if (arg.host)
                        return fail_status(EXIT_BUS, NULL, "Failed to connect to the system bus of %s: %s", arg.host,
                                           strerror(-r));
                if (arg.machine)
                        return fail_status(EXIT_BUS, NULL, "Failed to connect to the system bus of container %s: %s",
                                           arg.machine, strerror(-r));
                return fail_status(EXIT_BUS, NULL, "Failed to connect to the system bus: %s", strerror(-r));
        }
        (void) sd_bus_set_allow_interactive_authorization(*ret, arg.ask_password);
        return 0;
}

/* The root group "-.slice" (and any "-." argument) is a unit name, not an
 * option: hide it from getopt behind a mark, and take the mark off after. */
#define ARG_MARK '\x01'

static int protect_unit_args(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        break;
                if (!strneq(argv[i], "-.", 2))
                        continue;
                char *s = malloc(strlen(argv[i]) + 2);
                if (!s)
                        return -ENOMEM;
                s[0] = ARG_MARK;
                strcpy(s + 1, argv[i]);
                argv[i] = s;    /* lives as long as the process */
        }
        return 0;
}

static void unprotect_unit_args(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++)
                if (argv[i][0] == ARG_MARK)
                        argv[i]++;
}

int main(int argc, char *argv[]) {
        setlocale(LC_ALL, "");
        if (protect_unit_args(argc, argv) < 0)
                return fail_oom();
        /* Global options end at "run": what follows is its own. */
        int run_at = run_verb_index(argc, argv);
        int r = parse_argv(run_at, argv);
        unprotect_unit_args(argc, argv);
        if (r <= 0)
                return r < 0 ? -r : EXIT_SUCCESS;
        if (run_at < argc)
                optind = run_at;

        const char *name = optind < argc ? argv[optind] : "status";
        const Verb *v = verb_find(name);
        if (arg_help) {
                if (optind < argc && v)
                        verb_help(v);
                else
                        help();
                return EXIT_SUCCESS;
        }
        if (!v)
                return fail_usage("Unknown command verb '%s'; see 'resctl --help'.", name);
        int n = optind < argc ? argc - optind - 1 : 0;
        char **args = argv + optind + (optind < argc);
        if ((unsigned) n < v->min_args)
                return fail_usage("Too few arguments: resctl %s", verb_synopsis(v));
        if (v->max_args != MANY && (unsigned) n > v->max_args)
                return fail_usage("Too many arguments: resctl %s", verb_synopsis(v));
        for (size_t i = 0; i < ELEMENTSOF(verb_options); i++)
                if (verb_options[i].set && !(v->flags & verb_options[i].needs))
                        return fail_usage("%s does not apply to '%s'; see 'resctl %s --help'.", verb_options[i].name,
                                          v->name, v->name);

        /* Decided while stdout is still ours, before a pager takes it. */
        (void) colors_enabled();
        (void) colors_enabled_stderr();
        (void) columns();

        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        r = bus_open(&bus);
        if (r != 0)
                return r;
        if ((v->flags & VERB_PAGER) && arg.pager)
                pager_open();
        if ((v->flags & VERB_AUTH) && arg.ask_password && !arg.host)
                polkit_agent_open();
        r = v->run(bus, n, args);
        polkit_agent_close();
        if (fflush(stdout) != 0 && r == EXIT_SUCCESS && errno != EPIPE)
                r = fail("Failed to write output: %s", strerror(errno));
        pager_close();
        return r;
}
