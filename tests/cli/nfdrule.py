#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the shape of a NodeFeatureRule and evaluates it against a
feature file, as nfd-master does for the local.feature feature.

usage: nfdrule.py [--strict] RULE.yaml FEATURE-FILE
--strict: every feature the rule names must be in the file (a typo
otherwise reads as "no match").
Prints the extended resources and labels the node gets, "name=value" a
line, sorted; exits 1 with one line on a rule of the wrong shape."""

import re
import sys

import yaml

OPS = {'In': None, 'NotIn': None, 'InRegexp': None, 'Exists': 0, 'DoesNotExist': 0, 'Gt': 1, 'Ge': 1,
       'Lt': 1, 'Le': 1, 'GtLt': 2, 'GeLe': 2, 'IsTrue': 0, 'IsFalse': 0}
INT_OPS = {'Gt', 'Ge', 'Lt', 'Le', 'GtLt', 'GeLe'}
# A qualified name: DNS subdomain prefix, and a name of at most 63 characters.
QUALIFIED = re.compile(r'^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')
INTEGER = re.compile(r'^-?[0-9]+$')


def die(msg):
    print(f'nfdrule: {msg}', file=sys.stderr)
    sys.exit(1)


def read_features(path):
    features = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        name, _, value = line.partition('=')
        features[name] = value if _ else 'true'
    return features


def matches(expr_key, expr, features):
    op, values = expr['op'], [str(v) for v in expr.get('value', [])]
    have = expr_key in features
    v = features.get(expr_key)
    if op == 'Exists':
        return have
    if op == 'DoesNotExist':
        return not have
    if not have:
        return False
    if op == 'IsTrue':
        return v == 'true'
    if op == 'IsFalse':
        return v == 'false'
    if op == 'In':
        return v in values
    if op == 'NotIn':
        return v not in values
    if op == 'InRegexp':
        return any(re.search(x, v) for x in values)
    if not INTEGER.match(v):
        return False
    n, b = int(v), [int(x) for x in values]
    return {'Gt': lambda: n > b[0], 'Ge': lambda: n >= b[0], 'Lt': lambda: n < b[0], 'Le': lambda: n <= b[0],
            'GtLt': lambda: b[0] < n < b[1], 'GeLe': lambda: b[0] <= n <= b[1]}[op]()


def main():
    args = sys.argv[1:]
    strict = args[0] == '--strict'
    if strict:
        args = args[1:]
    doc = yaml.safe_load(open(args[0]))
    features = read_features(args[1])
    if doc.get('apiVersion') != 'nfd.k8s-sigs.io/v1alpha1' or doc.get('kind') != 'NodeFeatureRule':
        die('not an nfd.k8s-sigs.io/v1alpha1 NodeFeatureRule')
    if not isinstance(doc.get('metadata', {}).get('name'), str):
        die('metadata.name is missing')
    rules = doc.get('spec', {}).get('rules')
    if not isinstance(rules, list) or not rules:
        die('spec.rules is not a list of rules')
    out = {}
    for rule in rules:
        if not isinstance(rule.get('name'), str):
            die('a rule has no name')
        known = {'name', 'labels', 'extendedResources', 'matchFeatures', 'vars', 'annotations', 'taints'}
        if set(rule) - known:
            die(f'rule {rule["name"]}: unknown fields {sorted(set(rule) - known)}')
        if not rule.get('labels') and not rule.get('extendedResources'):
            die(f'rule {rule["name"]}: creates nothing')
        ok = True
        for term in rule.get('matchFeatures', []):
            if set(term) - {'feature', 'matchExpressions', 'matchName'}:
                die(f'rule {rule["name"]}: unknown fields in a matchFeatures term')
            if term.get('feature') != 'local.feature':
                die(f'rule {rule["name"]}: matches {term.get("feature")}, not local.feature')
            for key, expr in term.get('matchExpressions', {}).items():
                if not isinstance(expr, dict) or expr.get('op') not in OPS:
                    die(f'rule {rule["name"]}: {key}: no valid op')
                n = OPS[expr['op']]
                values = expr.get('value', [])
                if not isinstance(values, list) or (n is not None and len(values) != n) or (n is None and not values):
                    die(f'rule {rule["name"]}: {key}: {expr["op"]} takes {n if n is not None else "1 or more"} values')
                if expr['op'] in INT_OPS and not all(INTEGER.match(str(x)) for x in values):
                    die(f'rule {rule["name"]}: {key}: {expr["op"]} compares integers')
                if key not in features and strict:
                    die(f'rule {rule["name"]}: {key} is not in the feature file')
                if expr['op'] in INT_OPS and key in features and not INTEGER.match(features[key]):
                    die(f'rule {rule["name"]}: {key}={features[key]} is not an integer')
                ok = ok and matches(key, expr, features)
        for name, value in {**rule.get('labels', {}), **rule.get('extendedResources', {})}.items():
            if not QUALIFIED.match(name) or name.split('/')[0].endswith('kubernetes.io'):
                die(f'rule {rule["name"]}: {name} is not a name NFD may create')
            if not isinstance(value, str):
                die(f'rule {rule["name"]}: the value of {name} is not a string')
        if not ok:
            continue
        out.update(rule.get('labels', {}))
        for name, value in rule.get('extendedResources', {}).items():
            if value.startswith('@'):
                domain, feature, element = value[1:].split('.', 2)
                if f'{domain}.{feature}' != 'local.feature' or element not in features:
                    die(f'rule {rule["name"]}: {value} names no feature of the file')
                value = features[element]
            if not INTEGER.match(value):
                die(f'rule {rule["name"]}: extended resource {name}={value} is not a quantity')
            out[name] = value
    for name in sorted(out):
        print(f'{name}={out[name]}')


main()
