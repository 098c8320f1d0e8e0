/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* resctld.conf(5): DIR/resctld.conf, then DIR/resctld.conf.d/ *.conf in
 * the order of their names, each setting overriding the one read before,
 * as systemd reads its own configuration. A line that cannot be used is
 * logged and skipped; a file that cannot be read is logged. */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kparse.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

void config_defaults(Config *c) {
        *c = (Config) {
                .reply_size_max = CONFIG_REPLY_SIZE_MAX_DEFAULT,
                .quota[QUOTA_CHARGES] = 65536,
                .quota[QUOTA_OWNERS] = 4096,
                .quota[QUOTA_GROUPS] = 16384,
        };
}

static const char *const quota_names[_QUOTA_MAX] = {
        [QUOTA_CHARGES] = "ChargesPerUser",
        [QUOTA_OWNERS] = "OwnersPerUser",
        [QUOTA_GROUPS] = "GroupsPerUser",
};

const char *quota_to_string(Quota q) {
        return quota_names[q];
}

static char *strip(char *s) {
        s += strspn(s, " \t");
        char *e = s + strlen(s);
        while (e > s && strchr(" \t\r\n", e[-1]))
                *--e = 0;
        return s;
}

static void config_set(Config *c, const char *path, unsigned line, const char *section, const char *key,
                       const char *value) {
        uint64_t v;
        int r = rc_parse_size_unit(value, &v);
        if (streq(section, "Bus") && streq(key, "ReplySizeMax")) {
                if (r < 0 || v < CONFIG_REPLY_SIZE_MAX_MIN || v > CONFIG_REPLY_SIZE_MAX_MAX)
                        log_warning("%s:%u: ReplySizeMax=%s is not a size from 4K to 32M, ignored.", path, line,
                                    value);
                else
                        c->reply_size_max = v;
                return;
        }
        if (streq(section, "Quota"))
                for (Quota q = 0; q < _QUOTA_MAX; q++)
                        if (streq(key, quota_names[q])) {
                                if (r < 0)
                                        log_warning("%s:%u: %s=%s is not a number (or infinity), ignored.", path,
                                                    line, key, value);
                                else
                                        c->quota[q] = v;
                                return;
                        }
        log_warning("%s:%u: unknown setting [%s] %s=, ignored.", path, line, section, key);
}

static int config_parse_file(Config *c, const char *path) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT)
                        return 0;
                return log_warning_errno(errno, "Cannot read %s: %s", path, strerror(errno));
        }
        char buf[1024], section[64] = "";
        unsigned line = 0;
        while (fgets(buf, sizeof(buf), f)) {
                line++;
                char *l = strip(buf);
                if (*l == 0 || *l == '#' || *l == ';')
                        continue;
                if (*l == '[') {
                        char *e = strchr(l, ']');
                        if (!e || e[1] || (size_t) (e - l - 1) >= sizeof(section)) {
                                log_warning("%s:%u: malformed section header, ignored.", path, line);
                                continue;
                        }
                        *e = 0;
                        snprintf(section, sizeof(section), "%s", l + 1);
                        continue;
                }
                char *eq = strchr(l, '=');
                if (!eq) {
                        log_warning("%s:%u: not KEY=VALUE, ignored.", path, line);
                        continue;
                }
                *eq = 0;
                config_set(c, path, line, section, strip(l), strip(eq + 1));
        }
        return 0;
}

static int conf_filter(const struct dirent *d) {
        size_t n = strlen(d->d_name);
        return d->d_name[0] != '.' && n > 5 && streq(d->d_name + n - 5, ".conf");
}

int config_load(Config *c, const char *dir) {
        config_defaults(c);
        _cleanup_free_ char *main_path = NULL, *dropins = NULL;
        if (asprintf(&main_path, "%s/resctld.conf", dir) < 0 || asprintf(&dropins, "%s/resctld.conf.d", dir) < 0)
                return -ENOMEM;
        (void) config_parse_file(c, main_path);
        struct dirent **v = NULL;
        int n = scandir(dropins, &v, conf_filter, alphasort);
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", dropins, v[i]->d_name) >= 0)
                        (void) config_parse_file(c, p);
                free(v[i]);
        }
        free(v);
        log_debug("Configuration: ReplySizeMax=%" PRIu64 " ChargesPerUser=%" PRIu64 " OwnersPerUser=%" PRIu64
                  " GroupsPerUser=%" PRIu64 ".",
                  c->reply_size_max, c->quota[QUOTA_CHARGES], c->quota[QUOTA_OWNERS], c->quota[QUOTA_GROUPS]);
        return 0;
}
