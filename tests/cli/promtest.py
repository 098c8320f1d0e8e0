#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes a "promtool test rules" file from files "resctl export" wrote.

usage: promtest.py RULES STEPS MINUTE:FILE... < expectations.yml > test.yml

Each FILE is what node-exporter serves from minute MINUTE on, until the
next FILE: the scraped series are its samples with the labels a scrape
adds (instance, job), held until the next file replaces them, as the
textfile collector does. resctl_export_last_success_timestamp_seconds is
moved to the test's clock: the file's minute. The expectations (the
alert_rule_test list, YAML on stdin) are the caller's."""

import re
import sys

import yaml

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def read_export(path):
    samples = {}
    for line in open(path):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            sys.exit(f'{path}: not a sample line: {line}')
        samples[(m.group(1), m.group(2) or '')] = m.group(3)
    return samples


def with_scrape_labels(name, labels):
    extra = 'instance="node1",job="node"'
    if not labels:
        return f'{name}{{{extra}}}'
    return f'{name}{{{labels[1:-1]},{extra}}}'


def main():
    rules, steps = sys.argv[1], int(sys.argv[2])
    files = []
    for a in sys.argv[3:]:
        minute, path = a.split(':', 1)
        files.append((int(minute), read_export(path)))
    files.sort(key=lambda f: f[0])
    series = {}
    for name_labels in {k for _, s in files for k in s}:
        values = []
        for step in range(steps + 1):
            current = [f for f in files if f[0] <= step]
            if not current or name_labels not in current[-1][1]:
                values.append('_')
                continue
            minute, samples = current[-1]
            if name_labels[0] == 'resctl_export_last_success_timestamp_seconds':
                values.append(str(minute * 60))
            else:
                values.append(samples[name_labels])
        series[with_scrape_labels(*name_labels)] = ' '.join(values)
    test = {
        'rule_files': [rules],
        'evaluation_interval': '1m',
        'tests': [{
            'interval': '1m',
            'input_series': [{'series': k, 'values': v} for k, v in sorted(series.items())],
            'alert_rule_test': yaml.safe_load(sys.stdin),
        }],
    }
    yaml.safe_dump(test, sys.stdout, sort_keys=False, width=1000)


main()
