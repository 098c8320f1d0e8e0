/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* resctl's Cockpit page. One read at the start (ListResources, ListGroups,
 * GetAll of each group object), then the daemon's signals only:
 * PropertiesChanged of the group objects updates the tree, the manager's
 * signals update the resources; every signal is listed in the event strip.
 * Limits are set with SetUnitProperties; polkit asks through Cockpit's
 * agent as for systemd's actions. Amounts of dmem regions are bytes,
 * misc and rdma amounts are counts. */

"use strict";

(function () {
    const SERVICE = "org.resctl.Manager";
    const PATH = "/org/resctl/Manager";
    const IFACE = "org.resctl.Manager";
    const GROUP_IFACE = "org.resctl.Group";
    const GROUP_PREFIX = "/org/resctl/group";
    const STATS = ["Usage", "Peak", "Max", "Min", "Low", "EffectiveMin", "EffectiveLow", "Events", "EventsLocal"];
    const MAX_EVENTS = 300;
    /* UINT64_MAX, "max". Cockpit's bridge carries a D-Bus uint64 as a JSON
     * int64: UINT64_MAX arrives as -1, and cannot be sent at all. */
    const U64_MAX = 18446744073709551615;

    let client = null;
    const resources = [];                /* { key, capacity, refused }, in the daemon's order */
    const groups = new Map();            /* name -> { name, parent, path, stats: { Usage: { key: n } } } */
    let selected = null;

    const $ = id => document.getElementById(id);

    function isMax(v) {
        return v < 0 || v >= 18446744073709549568;
    }

    function countsBytes(key) {
        return key.startsWith("dmem/");
    }

    function formatBytes(v) {
        const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        let i = 0;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        const s = (v >= 100 || Number.isInteger(v)) ? v.toFixed(0) : v.toFixed(1);
        return s.replace(/\.0$/, "") + " " + units[i];
    }

    function formatAmount(key, v) {
        if (v === undefined || v === null)
            return "—";
        if (isMax(v))
            return "max";
        return countsBytes(key) ? formatBytes(v) : String(v);
    }

    function el(tag, attrs, ...children) {
        const e = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (k === "class")
                e.className = v;
            else if (k.startsWith("data-") || k === "title" || k === "value")
                e.setAttribute(k, v);
            else
                e[k] = v;
        }
        for (const c of children)
            e.append(c instanceof Node ? c : String(c));
        return e;
    }

    function setStatus(text, error) {
        const s = $("status");
        s.textContent = text;
        s.className = error ? "error" : "";
    }

    function stat(g, name, key, def) {
        const s = g.stats[name];
        return s && key in s ? s[key] : def;
    }

    function resourceOf(key) {
        return resources.find(r => r.key === key);
    }

    function root() {
        return groups.get("-.slice");
    }

    /* ---- drawing ---- */

    /* usage against the group's max, else against the capacity. */
    function bar(key, usage, max, capacity) {
        const limit = !isMax(max) ? max : capacity;
        const frac = limit && !isMax(limit) ? Math.min(usage / limit, 1) : 0;
        const fill = el("div", { class: "fill" + (frac >= 1 ? " full" : frac >= 0.9 ? " high" : "") });
        fill.style.width = (frac * 100).toFixed(1) + "%";
        const text = formatAmount(key, usage) + " / " + formatAmount(key, isMax(max) ? capacity : max);
        return el("div", { class: "bar", title: text }, fill, el("span", { class: "label" }, text));
    }

    function drawResources() {
        const body = $("resources").tBodies[0];
        body.replaceChildren();
        const r0 = root();
        for (const r of resources) {
            const used = r0 ? stat(r0, "Usage", r.key, 0) : 0;
            body.append(el("tr", { "data-key": r.key },
                           el("td", {}, r.key),
                           el("td", {}, bar(r.key, used, r.capacity, r.capacity)),
                           el("td", { class: "num" }, formatAmount(r.key, r.capacity)),
                           el("td", { class: "num" }, r.refused)));
        }
        const select = $("filter-resource");
        const chosen = select.value;
        select.replaceChildren(el("option", { value: "" }, "All resources"));
        for (const r of resources)
            select.append(el("option", { value: r.key }, r.key));
        select.value = resources.some(r => r.key === chosen) ? chosen : "";
    }

    /* The groups in tree order: each slice followed by its children, by name. */
    function treeOrder() {
        const children = new Map();
        for (const g of groups.values()) {
            const p = g.parent || "";
            if (!children.has(p))
                children.set(p, []);
            children.get(p).push(g);
        }
        const out = [];
        const seen = new Set();
        const walk = (name, depth) => {
            for (const g of (children.get(name) || []).sort((a, b) => a.name.localeCompare(b.name))) {
                if (seen.has(g.name))
                    continue;
                seen.add(g.name);
                out.push({ g, depth });
                walk(g.name, depth + 1);
            }
        };
        walk("", 0);
        /* A group whose parent is not listed (yet): at the top. */
        for (const g of groups.values())
            if (!seen.has(g.name)) {
                seen.add(g.name);
                out.push({ g, depth: 0 });
                walk(g.name, 1);
            }
        return out;
    }

    function drawTree() {
        const head = $("tree").tHead;
        head.replaceChildren(el("tr", {}, el("th", {}, "Group"), ...resources.map(r => el("th", {}, r.key))));
        const body = $("tree").tBodies[0];
        body.replaceChildren();
        for (const { g, depth } of treeOrder()) {
            const name = el("span", { class: "group-name" }, g.name);
            name.style.paddingLeft = (depth * 16) + "px";
            name.addEventListener("click", () => select(g.name));
            const row = el("tr", { class: "group" + (g.name === selected ? " selected" : ""), "data-group": g.name },
                           el("td", {}, name));
            for (const r of resources) {
                const usage = stat(g, "Usage", r.key, 0);
                const max = stat(g, "Max", r.key, U64_MAX);
                row.append(el("td", {
                    class: "res",
                    "data-key": r.key,
                    "data-usage": String(usage),
                    "data-max": isMax(max) ? "max" : String(max),
                    "data-capacity": isMax(r.capacity) ? "max" : String(r.capacity),
                }, bar(r.key, usage, max, r.capacity)));
            }
            body.append(row);
        }
    }

    function drawDetail() {
        if (!selected)
            return;
        const g = groups.get(selected);
        $("detail-name").textContent = selected;
        $("detail-body").hidden = false;
        if (!g) {
            $("detail-parent").textContent = "Not known to resctld (no charge, limit or child).";
            $("detail-stats").tBodies[0].replaceChildren();
            return;
        }
        $("detail-parent").textContent = g.parent ? "Parent: " + g.parent : "The root of the tree.";
        const cols = ["Usage", "Peak", "Max", "Min", "Low", "EffectiveMin", "EffectiveLow", "Events", "EventsLocal"];
        const labels = ["Usage", "Peak", "Max", "Min", "Low", "Eff. min", "Eff. low", "Refused", "Refused here"];
        $("detail-stats").tHead.replaceChildren(el("tr", {}, el("th", {}, "Resource"),
                                                   ...labels.map(l => el("th", { class: "num" }, l))));
        const body = $("detail-stats").tBodies[0];
        body.replaceChildren();
        for (const r of resources) {
            const row = el("tr", { "data-key": r.key }, el("td", {}, r.key));
            for (const c of cols) {
                const v = stat(g, c, r.key, undefined);
                const counter = c === "Events" || c === "EventsLocal";
                row.append(el("td", { class: "num", "data-stat": c },
                              v === undefined ? "—" : counter ? String(v) : formatAmount(r.key, v)));
            }
            body.append(row);
        }
        limitKeys();
    }

    function drawCharges(charges) {
        const body = $("detail-charges").tBodies[0];
        body.replaceChildren();
        for (const [id, , key, amount, pid, flags] of charges)
            body.append(el("tr", { "data-charge": String(id) },
                           el("td", { class: "num" }, id),
                           el("td", {}, key),
                           el("td", { class: "num" }, formatAmount(key, amount)),
                           el("td", { class: "num" }, pid || "—"),
                           el("td", {}, flags & 1 ? "yes" : "no")));
        if (charges.length === 0)
            body.append(el("tr", {}, el("td", { colSpan: 5, class: "muted" }, "No charges held by this group itself.")));
    }

    function loadCharges() {
        if (!selected)
            return;
        const name = selected;
        client.call(PATH, IFACE, "ListCharges", [name])
                .then(([charges]) => {
                    if (name === selected)
                        drawCharges(charges);
                })
                .catch(ex => setStatus("ListCharges: " + ex.message, true));
    }

    function select(name) {
        selected = name;
        $("limit-status").textContent = "";
        drawTree();
        drawDetail();
        loadCharges();
    }

    /* ---- the event strip ---- */

    function pad(n, w) {
        return String(n).padStart(w, "0");
    }

    function timestamp() {
        const d = new Date();
        return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2) + "." +
            pad(d.getMilliseconds(), 3);
    }

    function eventVisible(li) {
        const g = $("filter-group").value.trim();
        const k = $("filter-resource").value;
        if (g && !li.dataset.group.includes(g))
            return false;
        if (k && !li.dataset.keys.split(" ").includes(k))
            return false;
        return true;
    }

    function applyFilters() {
        for (const li of $("events").children)
            li.hidden = !eventVisible(li);
    }

    function addEvent(signal, group, keys, text) {
        const li = el("li", { "data-signal": signal, "data-group": group || "", "data-keys": keys.join(" ") },
                      el("span", { class: "time" }, timestamp()),
                      el("span", { class: "signal" }, signal),
                      text);
        li.hidden = !eventVisible(li);
        const list = $("events");
        list.prepend(li);
        while (list.children.length > MAX_EVENTS)
            list.lastElementChild.remove();
    }

    /* ---- reading ---- */

    function unwrap(props) {
        const out = {};
        for (const [k, v] of Object.entries(props))
            out[k] = v && typeof v === "object" && "v" in v ? v.v : v;
        return out;
    }

    function loadGroup(name, path) {
        return client.call(path, "org.freedesktop.DBus.Properties", "GetAll", [GROUP_IFACE])
                .then(([props]) => {
                    const p = unwrap(props);
                    const g = groups.get(name) || { name, path, stats: {} };
                    g.parent = p.Parent || "";
                    for (const s of STATS)
                        if (s in p)
                            g.stats[s] = p[s];
                    groups.set(name, g);
                    return g;
                })
                .catch(ex => {
                    /* Gone between the listing and the read. */
                    if (ex.name !== "org.freedesktop.DBus.Error.UnknownObject")
                        throw ex;
                });
    }

    function loadAll() {
        return Promise.all([client.call(PATH, IFACE, "ListResources", []),
            client.call(PATH, IFACE, "ListGroups", [])])
                .then(([[res], [list]]) => {
                    resources.length = 0;
                    for (const [key, capacity, , , refused] of res)
                        resources.push({ key, capacity, refused });
                    return Promise.all(list.map(([name, , path]) => loadGroup(name, path)));
                });
    }

    let drawQueued = false;

    function redraw() {
        if (drawQueued)
            return;
        drawQueued = true;
        window.requestAnimationFrame(() => {
            drawQueued = false;
            drawResources();
            drawTree();
            drawDetail();
        });
    }

    function groupName(path) {
        /* sd_bus_path_encode(): "_" + two hex digits for every other byte. */
        const enc = path.slice(GROUP_PREFIX.length + 1);
        return enc === "_" ? "" : enc.replace(/_([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    }

    function onPropertiesChanged(path, iface, signal, args) {
        const [ifc, changed, invalidated] = args;
        if (ifc !== GROUP_IFACE)
            return;
        const name = groupName(path);
        const g = groups.get(name);
        const p = unwrap(changed);
        const keys = new Set();
        const parts = [];
        for (const s of STATS) {
            if (!(s in p))
                continue;
            const before = g ? g.stats[s] || {} : {};
            const diffs = [];
            for (const [k, v] of Object.entries(p[s]))
                if (before[k] !== v) {
                    keys.add(k);
                    diffs.push(k + " " + (k in before ? formatAmount(k, before[k]) + "→" : "") + formatAmount(k, v));
                }
            if (diffs.length)
                parts.push(s + ": " + diffs.join(", "));
        }
        if (invalidated && invalidated.length)
            parts.push("recomputed: " + invalidated.join(", "));
        /* Ancestors are announced with the group that changed: only news is listed. */
        if (parts.length)
            addEvent("PropertiesChanged", name, [...keys], name + " " + parts.join("; "));
        /* New group, or values the signal only names: read them. */
        if (!g || (invalidated && invalidated.length)) {
            loadGroup(name, path).then(redraw);
            return;
        }
        for (const s of STATS)
            if (s in p)
                g.stats[s] = p[s];
        if ("Parent" in p)
            g.parent = p.Parent;
        redraw();
    }

    function onManagerSignal(path, iface, signal, args) {
        let group = "", keys = [], text = "";
        switch (signal) {
        case "LimitHit": {
            const [grp, key, requested, limitGroup, limit] = args;
            group = grp;
            keys = [key];
            text = `${grp} asked ${formatAmount(key, requested)} of ${key}; ${limitGroup} allows ${formatAmount(key, limit)}`;
            const r = resourceOf(key);
            if (r)
                r.refused++;
            break;
        }
        case "ChargeReleased": {
            const [id, grp, key, amount, reason] = args;
            group = grp;
            keys = [key];
            text = `charge ${id} of ${grp}: ${formatAmount(key, amount)} of ${key} (${reason})`;
            if (grp === selected)
                loadCharges();
            break;
        }
        case "EvictionRequested": {
            const [id, grp, key, amount] = args;
            group = grp;
            keys = [key];
            text = `charge ${id} of ${grp}: give back ${formatAmount(key, amount)} of ${key}`;
            break;
        }
        case "ResourceAdded":
        case "CapacityChanged": {
            const [key, capacity] = args;
            keys = [key];
            text = `${key} capacity ${formatAmount(key, capacity)}`;
            const r = resourceOf(key);
            if (r)
                r.capacity = capacity;
            else
                resources.push({ key, capacity, refused: 0 });
            break;
        }
        case "ResourceRemoved": {
            const [key] = args;
            keys = [key];
            text = key;
            const i = resources.findIndex(r => r.key === key);
            if (i >= 0)
                resources.splice(i, 1);
            break;
        }
        default:
            text = JSON.stringify(args);
        }
        addEvent(signal, group, keys, text);
        redraw();
    }

    /* ---- setting a limit ---- */

    const CONTROLLER = { MiscMax: "misc", DMemMax: "dmem", DMemLow: "dmem", DMemMin: "dmem", RdmaMax: "rdma" };

    function limitKeys() {
        const prop = $("limit-property").value;
        const select = $("limit-key");
        const chosen = select.value;
        const prefix = CONTROLLER[prop] + "/";
        select.replaceChildren();
        for (const r of resources)
            if (r.key.startsWith(prefix)) {
                const k = r.key.slice(prefix.length);
                select.append(el("option", { value: k }, k));
            }
        if ([...select.options].some(o => o.value === chosen))
            select.value = chosen;
    }

    /* "8", "4G", "1.5G", "max": the unit files' syntax (base 1024). */
    function parseAmount(text) {
        const t = text.trim();
        if (t === "max" || t === "infinity")
            return U64_MAX;
        const m = /^([0-9]+(?:\.[0-9]+)?)([KMGT]?)$/i.exec(t);
        if (!m)
            return null;
        const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2].toUpperCase()];
        const v = Math.floor(parseFloat(m[1]) * mult);
        return Number.isSafeInteger(v) ? v : null;
    }

    function limitStatus(text, ok) {
        const s = $("limit-status");
        s.textContent = text;
        s.className = ok ? "ok" : "error";
    }

    function applyLimit(ev) {
        ev.preventDefault();
        const unit = selected;
        const prop = $("limit-property").value;
        const key = $("limit-key").value;
        const value = parseAmount($("limit-value").value);
        if (!unit || !key)
            return limitStatus("Choose a group and a resource.", false);
        if (value === null)
            return limitStatus("Give a number with an optional K, M, G or T, or max.", false);
        const runtime = $("limit-runtime").checked;
        let props = [[prop, { t: "a(st)", v: [[key, value]] }]];
        if (value === U64_MAX) {
            /* "max" cannot travel (see U64_MAX): reset the property, then
             * set its other keys again to the values the group has now. */
            if (!prop.endsWith("Max"))
                return limitStatus("Protection takes an amount, not max.", false);
            const prefix = CONTROLLER[prop] + "/";
            const g = groups.get(unit);
            const others = Object.entries(g ? g.stats.Max || {} : {})
                    .filter(([k, v]) => k.startsWith(prefix) && k !== prefix + key && !isMax(v))
                    .map(([k, v]) => [k.slice(prefix.length), v]);
            props = [[prop, { t: "a(st)", v: [] }]];
            if (others.length)
                props.push([prop, { t: "a(st)", v: others }]);
        }
        client.call(PATH, IFACE, "SetUnitProperties", [unit, runtime, props])
                .then(() => limitStatus(`${prop}=${key}:${$("limit-value").value.trim()} set on ${unit}.`, true))
                .catch(ex => limitStatus(ex.message || String(ex), false));
    }

    /* ---- start ---- */

    function start() {
        client = cockpit.dbus(SERVICE, { bus: "system", superuser: "try" });
        client.addEventListener("close", (ev, options) =>
            setStatus("Lost the connection to resctld" + (options && options.problem ? ": " + options.problem : "."), true));
        /* Subscribed before the first read, so that nothing between is lost. */
        client.subscribe({ interface: IFACE, path: PATH }, onManagerSignal);
        client.subscribe({ interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged",
            path_namespace: GROUP_PREFIX }, onPropertiesChanged);
        $("filter-group").addEventListener("input", applyFilters);
        $("filter-resource").addEventListener("change", applyFilters);
        $("limit-property").addEventListener("change", limitKeys);
        $("limit-form").addEventListener("submit", applyLimit);
        loadAll()
                .then(() => {
                    setStatus(`${resources.length} resources, ${groups.size} groups; live.`, false);
                    document.body.dataset.ready = "1";
                    redraw();
                })
                .catch(ex => setStatus("Cannot read resctld: " + (ex.message || ex), true));
    }

    document.addEventListener("DOMContentLoaded", start);
}());
