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

static void vfail_line(const char *fmt, va_list ap) {
        bool c = colors_enabled_stderr();
        if (c)
                fputs("\x1B[0;1;31m", stderr);
        vfprintf(stderr, fmt, ap);
        if (c)
                fputs("\x1B[0m", stderr);
        fputc('\n', stderr);
}

int fail(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfail_line(fmt, ap);
        va_end(ap);
        return EXIT_FAILURE;
}

int fail_usage(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfail_line(fmt, ap);
        va_end(ap);
        return EXIT_USAGE;
}

int fail_oom(void) {
        return fail("Out of memory.");
}

void hint(const char *fmt, ...) {
        bool c = colors_enabled_stderr();
        va_list ap;
        va_start(ap, fmt);
        if (c)
                fputs("\x1B[0;38;5;245m", stderr);
        vfprintf(stderr, fmt, ap);
        if (c)
                fputs("\x1B[0m", stderr);
        fputc('\n', stderr);
        va_end(ap);
}

int fail_bus(const char *what, const sd_bus_error *error, int r) {
        const char *msg = NULL;
        if (error && sd_bus_error_is_set(error))
                msg = error->message ? error->message : error->name;
        if (!msg)
                msg = strerror(r < 0 ? -r : r);
        /* Messages of resctld end with a period or not; either reads fine. */
        return fail("Failed to %s: %s", what, msg);
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
} VerbFlags;

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;    /* after the verb; UINT32_MAX: any number */
        VerbFlags flags;
        int (*run)(sd_bus *bus, int argc, char **argv);
        const char *synopsis;
} Verb;

#define MANY UINT32_MAX

static const Verb verbs[] = {
        { "status", 0, 0, VERB_JSON | VERB_PAGER, verb_status, "status" },
        { "list-resources", 0, 0, VERB_JSON | VERB_PAGER, verb_list_resources, "list-resources" },
        { "list-groups", 0, 0, VERB_JSON | VERB_PAGER, verb_list_groups, "list-groups" },
        { "list-charges", 0, 1, VERB_JSON | VERB_PAGER, verb_list_charges, "list-charges [GROUP]" },
        { "tree", 0, 1, VERB_JSON | VERB_PAGER, verb_tree, "tree [GROUP]" },
        { "show", 1, 1, VERB_JSON | VERB_PAGER, verb_show, "show GROUP" },
        { "cat", 2, 2, 0, verb_cat, "cat GROUP FILE" },
        { "write", 3, MANY, VERB_AUTH, verb_write, "write GROUP FILE TEXT..." },
        { "set-property", 2, MANY, VERB_AUTH | VERB_RUNTIME, verb_set_property,
          "set-property [--runtime] UNIT PROPERTY=VALUE..." },
        { "charge", 3, 3, VERB_JSON | VERB_AUTH | VERB_PERSIST, verb_charge,
          "charge [--persist|--until-stop] GROUP KEY AMOUNT" },
        { "uncharge", 1, 2, VERB_AUTH, verb_uncharge, "uncharge ID [AMOUNT]" },
        { "migrate", 2, MANY, VERB_JSON | VERB_AUTH | VERB_GROUP, verb_migrate,
          "migrate ID... DST or migrate --group SRC DST" },
        { "evict", 3, 3, VERB_JSON | VERB_AUTH | VERB_FORCE, verb_evict, "evict [--force] KEY GROUP AMOUNT" },
        { "register-resource", 2, 2, VERB_AUTH, verb_register_resource, "register-resource KEY CAPACITY" },
        { "unregister-resource", 1, 1, VERB_AUTH, verb_unregister_resource, "unregister-resource KEY" },
        { "set-capacity", 2, 2, VERB_AUTH, verb_set_capacity, "set-capacity KEY CAPACITY" },
        { "monitor", 0, 0, VERB_JSON, verb_monitor, "monitor" },
        { "export", 0, 0, VERB_EXPORT, verb_export,
          "export [--format=openmetrics|prometheus|nfd] [--output=FILE] [--follow]" },
        { "top", 0, 1, VERB_TOP, verb_top, "top [--order=usage|peak|max|refused|name] [--iterations=N] [--batch] [KEY]" },
        { "protect", 3, 3, VERB_AUTH | VERB_RUNTIME | VERB_MIN, verb_protect,
          "protect [--runtime] [--min] UNIT KEY AMOUNT|N%" },
        { "unprotect", 2, 2, VERB_AUTH | VERB_MIN, verb_unprotect, "unprotect [--min] UNIT KEY" },
        { "run", 1, MANY, VERB_AUTH, verb_run, "run [--group UNIT] --charge KEY=AMOUNT... [--] CMD [ARGS...]" },
};

static void help(void) {
        const char *b = ansi_bold(), *n = ansi_normal();
        printf("%sresctl%s [OPTIONS...] COMMAND ...\n\n"
               "Query and control resctld: scarce host resources (SEV ASIDs, GPU memory,\n"
               "RDMA objects) per systemd unit, with the kernel's cgroup semantics.\n"
               "\n%sQuery Commands:%s\n"
               "  status                          Show the daemon and its resources (default)\n"
               "  list-resources                  List resources: capacity, usage, peak, free\n"
               "  list-groups                     List groups and their parents\n"
               "  list-charges [GROUP]            List charges, of all groups or of one\n"
               "  tree [GROUP]                    Show the slice tree with usage, max, peak\n"
               "  show GROUP                      Show all properties of a group\n"
               "  cat GROUP FILE                  Print a cgroup interface file (misc.max, ...)\n"
               "  monitor                         Print every signal as it comes, until ^C\n"
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
               "                                  held exactly as long as CMD runs (all or none)\n"
               "\n%sOptions:%s\n"
               "  -h --help                       Show this help\n"
               "     --version                    Show package version\n"
               "     --json=pretty|short|off      Print listings as JSON\n"
               "     --no-legend                  Print no column headers and footers\n"
               "     --no-pager                   Do not pipe output into a pager\n"
               "  -H --host=[USER@]HOST           Operate on a remote host (over ssh)\n"
               "  -M --machine=CONTAINER          Operate on a local container\n"
               "     --no-ask-password            Do not ask for a password (polkit)\n"
               "     --runtime                    set-property, protect: until the next reboot only\n"
               "     --min                        protect, unprotect: min instead of low\n"
               "     --persist                    charge: keep the charge after resctl exits\n"
               "     --until-stop                 charge: keep it while the unit GROUP runs\n"
               "     --force                      evict: release the victims' charges now\n"
               "     --group                      migrate: move all charges of a group\n"
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
               "\nSee the resctl(1) man page for details.\n",
               b, n, b, n, b, n, b, n);
}

static const Verb *verb_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_NO_LEGEND,
        ARG_NO_PAGER,
        ARG_NO_ASK_PASSWORD,
        ARG_RUNTIME,
        ARG_PERSIST,
        ARG_FORCE,
        ARG_GROUP,
        ARG_FORMAT,
        ARG_OUTPUT,
        ARG_ORDER,
        ARG_FOLLOW,
        ARG_MIN,
        ARG_UNTIL_STOP,
};

/* Which verb flag each verb-specific option needs, for the error line. */
static struct {
        bool set;
        const char *name;
        VerbFlags needs;
} verb_options[] = {
        { false, "--runtime", VERB_RUNTIME },
        { false, "--persist", VERB_PERSIST },
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
};

static void mark_option(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verb_options); i++)
                if (streq(verb_options[i].name, name))
                        verb_options[i].set = true;
}

/* > 0: go on; 0: done (help, version); < 0: usage error, printed. */
static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", required_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "host", required_argument, NULL, 'H' },
                { "machine", required_argument, NULL, 'M' },
                { "no-ask-password", no_argument, NULL, ARG_NO_ASK_PASSWORD },
                { "runtime", no_argument, NULL, ARG_RUNTIME },
                { "persist", no_argument, NULL, ARG_PERSIST },
                { "force", no_argument, NULL, ARG_FORCE },
                { "group", no_argument, NULL, ARG_GROUP },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "output", required_argument, NULL, ARG_OUTPUT },
                { "order", required_argument, NULL, ARG_ORDER },
                { "follow", no_argument, NULL, ARG_FOLLOW },
                { "iterations", required_argument, NULL, 'n' },
                { "batch", no_argument, NULL, 'b' },
                { "min", no_argument, NULL, ARG_MIN },
                { "until-stop", no_argument, NULL, ARG_UNTIL_STOP },
                { NULL, 0, NULL, 0 },
        };
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hH:M:n:b", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("resctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON:
                        if (streq(optarg, "short"))
                                arg.json = JSON_SHORT;
                        else if (streq(optarg, "pretty"))
                                arg.json = JSON_PRETTY;
                        else if (streq(optarg, "off"))
                                arg.json = JSON_OFF;
                        else if (streq(optarg, "help")) {
                                puts("short\npretty\noff");
                                return 0;
                        } else
                                return -fail_usage("Unknown JSON mode '%s': use --json=short, pretty or off.", optarg);
                        if (arg.json != JSON_OFF)
                                mark_option("--json");
                        break;
                case ARG_NO_LEGEND:
                        arg.legend = false;
                        break;
                case ARG_NO_PAGER:
                        arg.pager = false;
                        break;
                case 'H':
                        arg.host = optarg;
                        break;
                case 'M':
                        arg.machine = optarg;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        arg.ask_password = false;
                        break;
                case ARG_RUNTIME:
                        arg.runtime = true;
                        mark_option("--runtime");
                        break;
                case ARG_PERSIST:
                        arg.persist = true;
                        mark_option("--persist");
                        break;
                case ARG_FORCE:
                        arg.force = true;
                        mark_option("--force");
                        break;
                case ARG_GROUP:
                        arg.group = true;
                        mark_option("--group");
                        break;
                case ARG_FORMAT:
                        if (streq(optarg, "openmetrics"))
                                arg.format = EXPORT_OPENMETRICS;
                        else if (streq(optarg, "prometheus"))
                                arg.format = EXPORT_PROMETHEUS;
                        else if (streq(optarg, "nfd"))
                                arg.format = EXPORT_NFD;
                        else if (streq(optarg, "help")) {
                                puts("openmetrics\nprometheus\nnfd");
                                return 0;
                        } else
                                return -fail_usage("Unknown export format '%s': use --format=openmetrics, prometheus or nfd.",
                                                   optarg);
                        mark_option("--format");
                        break;
                case ARG_OUTPUT:
                        if (!*optarg)
                                return -fail_usage("--output= needs a file name.");
                        arg.output = optarg;
                        mark_option("--output");
                        break;
                case ARG_FOLLOW:
                        arg.follow = true;
                        mark_option("--follow");
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
                case 'b':
                        arg.top_batch = true;
                        mark_option("--batch");
                        break;
                case ARG_UNTIL_STOP:
                        arg.until_stop = true;
                        mark_option("--until-stop");
                        break;
                case ARG_MIN:
                        arg.min = true;
                        mark_option("--min");
                        break;
                case ':':
                        return -fail_usage("Option '%s' needs an argument; see 'resctl --help'.", argv[optind - 1]);
                case '?':
                default:
                        if (optopt)
                                return -fail_usage("Unknown option '-%c'; see 'resctl --help'.", optopt);
                        return -fail_usage("Unknown option '%s'; see 'resctl --help'.", argv[optind - 1]);
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
                        return fail("Failed to connect to the system bus of %s: %s", arg.host, strerror(-r));
                if (arg.machine)
                        return fail("Failed to connect to the system bus of container %s: %s", arg.machine,
                                    strerror(-r));
                return fail("Failed to connect to the system bus: %s", strerror(-r));
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
        if (!v)
                return fail_usage("Unknown command verb '%s'; see 'resctl --help'.", name);
        int n = optind < argc ? argc - optind - 1 : 0;
        char **args = argv + optind + (optind < argc);
        if ((unsigned) n < v->min_args)
                return fail_usage("Too few arguments: resctl %s", v->synopsis);
        if (v->max_args != MANY && (unsigned) n > v->max_args)
                return fail_usage("Too many arguments: resctl %s", v->synopsis);
        for (size_t i = 0; i < ELEMENTSOF(verb_options); i++)
                if (verb_options[i].set && !(v->flags & verb_options[i].needs))
                        return fail_usage("%s does not apply to '%s'.", verb_options[i].name, v->name);

        /* Decided while stdout is still ours, before a pager takes it. */
        (void) colors_enabled();
        (void) colors_enabled_stderr();

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
