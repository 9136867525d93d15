#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""tools/mrelay-inspect against real relays: quiet on a healthy one, a rule
fires on an overloaded one, no relay is exit 3.

Healthy: the embedded default on net_rtpgen at 5000 pps; mrelay-inspect
must exit 0 and write a report (build id, host, file prefix, time,
fingerprint) and a Prometheus textfile that parses. Overloaded: the
generator at unlimited rate keeps the worker busy in every 1 ms window,
so busy_lcore must fire and inspect exit 1.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSPECT = os.path.join(ROOT, 'tools', 'mrelay-inspect')
PROM_NAME = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*$')


def start_relay(args, work, tag, rate):
    prefix = 'mrdts_insp_%s_%d' % (tag, os.getpid())
    relay = dc.Proc('mrelay-' + tag, [
        args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix, '-l', '0-1',
        '--log-level', '*:notice',
        '--vdev', 'net_rtpgen0,streams=50,rate=%d' % rate,
        '--', '-d', '40', '-q'], work.file('mrelay-%s.log' % tag))
    try:
        relay.wait_telemetry(20)
    except RuntimeError as e:
        relay.stop()
        raise dc.TestFailed('relay %s: %s' % (tag, e))
    time.sleep(2)  # past learning
    return relay, prefix


def inspect(work, prefix, tag, samples=5):
    report = work.file('report-%s.json' % tag)
    prom = work.file('metrics-%s.prom' % tag)
    cmd = [sys.executable, INSPECT, '-f', prefix, '-i', '1', '-n', str(samples),
           '-o', report, '--prom', prom]
    dc.log('run: ' + ' '.join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    dc.log('inspect %s: exit %d; %s' % (tag, p.returncode, p.stderr.strip()[-600:]))
    return p.returncode, report, prom


def check_prom(path, fired_rule=None):
    """promtool check metrics (when installed) and our own parse; with
    fired_rule, mrelay_inspect_rule_firing must name it."""
    promtool = shutil.which('promtool')
    if promtool is not None:
        with open(path) as f:
            p = subprocess.run([promtool, 'check', 'metrics'], stdin=f, capture_output=True,
                               text=True, timeout=60)
        if p.returncode != 0 or p.stdout.strip() or p.stderr.strip():
            raise dc.TestFailed('promtool check metrics %s: exit %d: %s%s'
                                % (path, p.returncode, p.stdout, p.stderr))
    with open(path) as f:
        text = f.read()
    if fired_rule is not None and not re.search(
            r'^mrelay_inspect_rule_firing\{[^}]*rule="%s"\} 1$' % fired_rule, text, re.M):
        raise dc.TestFailed('%s: no mrelay_inspect_rule_firing for %s' % (path, fired_rule))
    seen_help, seen_type, samples = set(), set(), 0
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line:
                continue
            if line.startswith('# HELP ') or line.startswith('# TYPE '):
                name = line.split()[2]
                if not PROM_NAME.match(name):
                    raise dc.TestFailed('bad Prometheus metric name %r' % name)
                seen = seen_help if line.startswith('# HELP') else seen_type
                if name in seen:
                    raise dc.TestFailed('two %s lines for %s' % (line[2:6], name))
                seen.add(name)
                continue
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$', line)
            if m is None:
                raise dc.TestFailed('bad Prometheus sample line %r' % line)
            float(m.group(3))
            if m.group(1) not in seen_type and not any(
                    m.group(1).startswith(t) for t in seen_type):
                raise dc.TestFailed('sample %s without a TYPE line' % m.group(1))
            samples += 1
    if samples == 0:
        raise dc.TestFailed('no samples in %s' % path)
    return samples


def fired(report_path):
    with open(report_path) as f:
        rep = json.load(f)
    for key in ('build_id', 'host', 'time', 'fingerprint'):
        if not json.dumps(rep).count('"%s"' % key):
            raise dc.TestFailed('report lacks %s' % key)
    names = set()

    def walk(x):
        if isinstance(x, dict):
            if x.get('fired') is True and 'name' in x:
                names.add(x['name'])
            if 'rule' in x and x.get('fired', True) is True and isinstance(x['rule'], str):
                names.add(x['rule'])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(rep)
    return rep, names


def run(work):
    args = dc.parse_args(__doc__.splitlines()[0])
    dc.need_root()

    relay, prefix = start_relay(args, work, 'healthy', 5000)
    try:
        rc, report, prom = inspect(work, prefix, 'healthy')
    finally:
        relay.stop()
    if rc != 0:
        raise dc.TestFailed('healthy relay: inspect exit %d, want 0' % rc)
    rep, names = fired(report)
    if prefix not in json.dumps(rep):
        raise dc.TestFailed('report does not name the file prefix')
    dc.log('healthy: %d Prometheus samples, no rule fired' % check_prom(prom))

    relay, prefix = start_relay(args, work, 'overload', 0)
    try:
        rc, report, prom = inspect(work, prefix, 'overload')
    finally:
        relay.stop()
    rep, names = fired(report)
    if rc != 1 or 'busy_lcore' not in names:
        raise dc.TestFailed('overloaded relay: inspect exit %d, rules fired %s; want 1 with '
                            'busy_lcore' % (rc, sorted(names)))
    check_prom(prom, 'busy_lcore')
    dc.log('overload: exit 1, fired %s' % sorted(names))

    # -p: the old spelling of -f still works
    p = subprocess.run([sys.executable, INSPECT, '-p', 'mrdts_no_such_relay', '-n', '1'],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 3:
        raise dc.TestFailed('no relay: inspect exit %d, want 3' % p.returncode)


if __name__ == '__main__':
    dc.main(run)
