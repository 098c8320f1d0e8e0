/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* SetUnitProperties' a(sv) (api.md "SetUnitProperties"): read and checked
 * into UnitChanges, which unit_settings_set() then writes and applies.
 * Nothing changes here. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-unit-properties.h"
#include "macro.h"
#include "manager.h"
#include "unit-settings.h"

/* a(st), or a(ss) whose values are written as in unit files ("4G", "max",
 * "10%"): the only way to pass a percentage. */
static int read_list_property(rc_engine *e, const char *unit, sd_bus_message *msg, UnitChange *c, bool text,
                              sd_bus_error *error) {
        const char *prop = unit_conf_property_to_string(c->prop);
        rc_controller controller = unit_conf_property_controller(c->prop);
        int r = sd_bus_message_enter_container(msg, 'a', text ? "(ss)" : "(st)");
        if (r < 0)
                return r;
        for (;;) {
                const char *key, *s = NULL;
                uint64_t value;
                bool percent = false;
                r = text ? sd_bus_message_read(msg, "(ss)", &key, &s) : sd_bus_message_read(msg, "(st)", &key, &value);
                if (r <= 0)
                        break;
                rc_key k;
                rc_err err = { { 0 } };
                r = unit_conf_parse_key(c->prop, key, &k, &err);
                if (r < 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "%s: %s", unit, err.msg);
                if (c->prop == UNIT_CONF_RDMA_MAX && k.kind < 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                 "%s: RdmaMax key '%s' needs a kind: %s/hca_handle or %s/hca_object",
                                                 unit, key, k.name, k.name);
                r = s ? unit_conf_parse_value(c->prop, s, &value, &percent, &err)
                      : unit_conf_check_value(c->prop, value, &err);
                if (r < 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "%s: %s", unit, err.msg);
                const rc_resource *res = rc_resource_find(e, controller, k.name);
                if (!res)
                        return sd_bus_error_setf(error, RESCTL_ERROR_NO_SUCH_RESOURCE,
                                                 "%s: %s %s/%s is not registered (see ListResources)", unit, prop,
                                                 rc_controller_to_string(controller), k.name);
                if (percent && res->capacity == RC_MAX)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                 "%s: %s %s is a percentage, but %s has no capacity (max); give an "
                                                 "absolute value",
                                                 unit, prop, s, res->key);
                r = unit_conf_set_full(&c->add, c->prop, k.name, k.kind < 0 ? 0 : (rc_rdma_kind) k.kind, value,
                                       percent);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

/* Reads a(sv) and checks all of it; nothing changes here. */
static int read_changes(rc_engine *e, const char *unit, sd_bus_message *msg, UnitChange **ret, size_t *n_ret,
                        sd_bus_error *error) {
        UnitChange *v = NULL;
        size_t n = 0;
        int r = sd_bus_message_enter_container(msg, 'a', "(sv)");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'r', "sv")) > 0) {
                const char *name, *contents;
                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        break;
                UnitConfProperty p = unit_conf_property_from_string(name);
                if (p < 0) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s: unknown property '%s': use MiscMax, DMemMin, DMemLow, DMemMax, "
                                              "RdmaMax or Slice",
                                              unit, name);
                        break;
                }
                const char *want = p == UNIT_CONF_SLICE ? "s" : "a(st)";
                r = sd_bus_message_peek_type(msg, NULL, &contents);
                if (r < 0)
                        break;
                bool text = p != UNIT_CONF_SLICE && contents && streq(contents, "a(ss)");
                if (text)
                        want = "a(ss)";
                if (!contents || !streq(contents, want)) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s: %s takes a variant of type %s, not %s", unit, name, want,
                                              contents ? contents : "?");
                        break;
                }
                if (p != UNIT_CONF_SLICE && streq(unit, RC_ROOT_GROUP)) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s takes no %s: the root cgroup has no limits or protection; "
                                              "set it on a slice below",
                                              unit, name);
                        break;
                }
                if (p == UNIT_CONF_SLICE && rc_unit_name_is_slice(unit)) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s: a slice's parent follows from its name; Slice is for other units",
                                              unit);
                        break;
                }
                UnitChange *nv = realloc(v, (n + 1) * sizeof(UnitChange));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                UnitChange *c = &v[n++];
                *c = (UnitChange) { .prop = p };
                r = sd_bus_message_enter_container(msg, 'v', want);
                if (r < 0)
                        break;
                if (p == UNIT_CONF_SLICE) {
                        const char *slice;
                        r = sd_bus_message_read(msg, "s", &slice);
                        if (r < 0)
                                break;
                        /* "" resets, as an empty Slice= line does. */
                        if (*slice && !rc_slice_name_is_valid(slice)) {
                                r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                      "%s: '%s' is not a valid slice name (e.g. tenant-a.slice)",
                                                      unit, slice);
                                break;
                        }
                        r = unit_conf_set_slice(&c->add, *slice ? slice : NULL);
                } else
                        r = read_list_property(e, unit, msg, c, text, error);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r < 0) {
                unit_changes_free(v, n);
                return r;
        }
        *ret = v;
        *n_ret = n;
        return 0;
}

int bus_unit_properties_set(Manager *m, const char *unit, bool runtime, sd_bus_message *properties,
                            sd_bus_error *error) {
        if (!rc_unit_name_is_valid(unit))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "'%.255s' is not a valid unit name (e.g. tenant-a.slice, vm42.scope)", unit);
        _cleanup_(unit_changes_done) UnitChanges changes = { 0 };
        int r = read_changes(m->engine, unit, properties, &changes.v, &changes.n, error);
        if (r < 0 || changes.n == 0)
                return r;       /* an empty call changes nothing, and creates no directory */
        return unit_settings_set(m, unit, runtime, &changes, error);
}
