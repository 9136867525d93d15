#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""A real Prometheus server scrapes `mrelay-inspect --listen` on a relay
under traffic, and agrees with the relay's own counters.

The relay runs the embedded default on net_rtpgen (--no-huge). The
exporter's /metrics must pass `promtool check metrics`; every metric name
in tools/grafana/mrelay.json and tools/prometheus/mrelay-alerts.yml must be
in it. Debian's prometheus (own configuration, storage directory and port
on 127.0.0.1, started and stopped here by pid) loads the alerting rules and
scrapes every second. Over the same 20 s window the test then compares
  the stored samples and rate() of forwarded packets with the relay's tx
  counter read directly at the window's ends (every sample between them;
  the rate's increase at least what the samples moved, at most what the
  relay counted: on a loaded machine the forwarding rate is uneven, so a
  fixed percentage would test the machine, not the exporter),
  histogram_quantile() over the per-core packet-time histogram (both the
  cumulative histogram and its rate) with the percentile computed from the
  relay's own /mrelay/hist buckets: both must fall in the same Prometheus
  bucket or its neighbour (the buckets are the relay's, four per power of two).
"""

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402
from mrelay import prom  # noqa: E402
from mrelay.dpdk import Proc  # noqa: E402
from mrelay.telemetry import Telemetry, TelemetryError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSPECT = os.path.join(ROOT, 'tools', 'mrelay-inspect')
DASHBOARD = os.path.join(ROOT, 'tools', 'grafana', 'mrelay.json')
ALERTS = os.path.join(ROOT, 'tools', 'prometheus', 'mrelay-alerts.yml')
WINDOW = 20  # seconds
WORKER = '1'
QUANTILES = (0.5, 0.9)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


def prom_query(base, expr, at):
    url = '%s/api/v1/query?%s' % (base, urllib.parse.urlencode({'query': expr, 'time': at}))
    _, body = http_get(url)
    d = json.loads(body)
    if d.get('status') != 'success':
        raise dc.TestFailed('query %s: %s' % (expr, body[:300]))
    res = d['data']['result']
    if len(res) != 1:
        raise dc.TestFailed('query %s at %.3f: %d series, want 1: %s' % (expr, at, len(res),
                                                                         body[:300]))
    return float(res[0]['value'][1])


def metric_names(text):
    """mrelay_* names used by PromQL expressions in text."""
    return set(re.findall(r'\b(mrelay_[a-z0-9_]+)', text))


def check_names(used, families, where):
    missing = []
    for n in sorted(used):
        base = re.sub(r'_(bucket|sum|count)$', '', n)
        if n not in families and not (base in families and families[base] == 'histogram'):
            missing.append(n)
    if missing:
        raise dc.TestFailed('%s uses metrics the exporter does not write: %s' % (where, missing))
    dc.log('%s: all %d metric names are in the exporter output' % (where, len(used)))


def relay_tx(tel):
    """The worker lcore's tx counter."""
    d = tel.command('/mrelay/lcores')
    return d['tx_pkts'][d['lcore'].index(int(WORKER))]


def relay_hist(tel):
    d = tel.command('/mrelay/hist,pkt_time,' + WORKER)
    return {le: c for le, c in zip(d['bucket_le'], d['bucket_count'])}


def nearest_rank(buckets, q):
    """The upper bound (ns) of the bucket holding rank ceil(q * count)."""
    total = sum(buckets.values())
    rank, cum = max(1, math.ceil(q * total)), 0
    for le in sorted(buckets):
        cum += buckets[le]
        if cum >= rank:
            return le
    raise dc.TestFailed('empty histogram')


def bucket_index(bounds, v):
    """Index of the Prometheus bucket (ascending upper bounds) holding v."""
    for i, le in enumerate(bounds):
        if v <= le * (1 + 1e-9):
            return i
    return len(bounds)


def run(work):
    args = dc.parse_args(__doc__.splitlines()[0])
    dc.need_root()
    prometheus = dc.need_tool('prometheus')
    promtool = dc.need_tool('promtool')

    prefix = 'mrdts_prom_%d' % os.getpid()
    procs = []
    try:
        relay = Proc('mrelay', [
            args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix, '-l', '0-1',
            '--log-level', '*:notice', '--vdev', 'net_rtpgen0,streams=50,rate=5000',
            '--', '-d', '120', '-q'], work.file('mrelay.log'))
        procs.append(relay)
        try:
            relay.wait_telemetry(20)
        except RuntimeError as e:
            raise dc.TestFailed(str(e))
        # a second relay that is not running: mrelay_up 0 for it, the rest unharmed
        absent = prefix + '_absent'
        exp = Proc('exporter', [sys.executable, INSPECT, '--listen', '127.0.0.1:0', '-f', prefix,
                                '-f', absent], work.file('exporter.log'))
        procs.append(exp)
        if not exp.wait_output(r'serving http://127\.0\.0\.1:(\d+)/metrics', 15):
            raise dc.TestFailed('the exporter did not start listening')
        eport = int(re.search(r'serving http://127\.0\.0\.1:(\d+)/', exp.output()).group(1))
        time.sleep(2)  # past learning

        status, text = http_get('http://127.0.0.1:%d/metrics' % eport)
        with open(work.file('metrics.txt'), 'w') as f:
            f.write(text)
        p = subprocess.run([promtool, 'check', 'metrics'], input=text, capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0 or p.stdout.strip() or p.stderr.strip():
            raise dc.TestFailed('promtool check metrics: exit %d: %s%s'
                                % (p.returncode, p.stdout, p.stderr))
        families = {}
        for line in text.splitlines():
            if line.startswith('# TYPE '):
                families[line.split()[2]] = line.split()[3]
        samples = prom.parse_exposition(text)
        if samples.get('mrelay_up') != [({'relay': prefix}, 1.0), ({'relay': absent}, 0.0)]:
            raise dc.TestFailed('mrelay_up: %s' % samples.get('mrelay_up'))
        dc.log('exporter: %d families, %d lines, promtool check metrics clean'
               % (len(families), len(text.splitlines())))
        with open(DASHBOARD) as f:
            dash = json.load(f)
        exprs = [t['expr'] for pnl in dash['panels'] for t in pnl.get('targets', [])]
        exprs += [v['definition'] for v in dash['templating']['list'] if 'definition' in v]
        check_names(metric_names('\n'.join(exprs)), families, 'tools/grafana/mrelay.json')
        with open(ALERTS) as f:
            check_names(metric_names(f.read()), families, 'tools/prometheus/mrelay-alerts.yml')

        # the reply size bound: a reply larger than max_reply is refused
        with Telemetry(prefix, max_reply=200) as tel:
            try:
                tel.command('/mrelay/info')
                raise dc.TestFailed('a /mrelay/info reply fit in 200 bytes?')
            except TelemetryError as e:
                if 'larger than 200 bytes' not in str(e):
                    raise dc.TestFailed('max_reply: %s' % e)
                dc.log('reply bound: %s' % e)

        pport = free_port()
        conf = work.file('prometheus.yml')
        with open(conf, 'w') as f:
            f.write('global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
                    'rule_files:\n  - %s\n'
                    'scrape_configs:\n  - job_name: mrelay\n    static_configs:\n'
                    '      - targets: ["127.0.0.1:%d"]\n' % (ALERTS, eport))
        server = Proc('prometheus', [
            prometheus, '--config.file=' + conf, '--storage.tsdb.path=' + work.file('tsdb'),
            '--web.listen-address=127.0.0.1:%d' % pport, '--log.level=warn'],
            work.file('prometheus.log'))
        procs.append(server)
        base = 'http://127.0.0.1:%d' % pport
        deadline = time.monotonic() + 30
        while True:
            try:
                if http_get(base + '/-/ready', 2)[0] == 200:
                    break
            except OSError:
                pass
            if not server.alive() or time.monotonic() > deadline:
                raise dc.TestFailed('prometheus did not become ready')
            time.sleep(0.5)
        _, body = http_get(base + '/api/v1/rules')
        rules = [r for g in json.loads(body)['data']['groups'] for r in g['rules']]
        bad = [r['name'] for r in rules if r.get('health') not in ('ok', 'unknown')]
        # the relays' series are told apart by label; the absent one has only mrelay_up
        if any(lab.get('relay') == absent for n, ss in samples.items() if n != 'mrelay_up'
               for lab, _ in ss):
            raise dc.TestFailed('series other than mrelay_up for the absent relay')
        if len(rules) != 8 or bad:
            raise dc.TestFailed('alerting rules loaded: %d (want 8), unhealthy %s'
                                % (len(rules), bad))
        dc.log('prometheus on %s: 8 alerting rules loaded' % base)
        time.sleep(4)  # a few scrapes before the window opens

        with Telemetry(prefix) as tel:
            tx0, h0, t0 = relay_tx(tel), relay_hist(tel), time.time()
            time.sleep(WINDOW)
            tx1, h1, t1 = relay_tx(tel), relay_hist(tel), time.time()
        time.sleep(2.5)  # let Prometheus scrape past t1
        own_rate = (tx1 - tx0) / (t1 - t0)
        sel = 'relay="%s"' % prefix
        wsel = '%s,lcore="%s"' % (sel, WORKER)
        win = '%dms' % int((t1 - t0) * 1000)  # the window the relay's counters cover
        prom_rate = prom_query(base, 'rate(mrelay_lcore_tx_packets_total{%s}[%s])'
                               % (wsel, win), t1)
        _, raw = http_get('%s/api/v1/query?%s' % (base, urllib.parse.urlencode(
            {'query': 'mrelay_lcore_tx_packets_total{%s}[%s]' % (wsel, win), 'time': t1})))
        res = json.loads(raw)['data']['result']
        if len(res) != 1 or len(res[0]['values']) < 3:
            raise dc.TestFailed('fewer than 3 samples of the tx counter in %s: %s'
                                % (win, raw[:300]))
        pts = [(float(ts), float(v)) for ts, v in res[0]['values']]
        dc.log('forwarded packets (worker lcore %s): relay %.1f/s over %.2f s, Prometheus '
               'rate() %.1f/s from %d scrapes (load %.1f)'
               % (WORKER, own_rate, t1 - t0, prom_rate, len(pts), os.getloadavg()[0]))
        if own_rate < 100:
            raise dc.TestFailed('the relay forwarded only %.1f packets/s' % own_rate)
        # What Prometheus stored is what the relay counted: every sample of
        # the window lies between the relay's own readings at its ends, and
        # never goes down. A sample is read a moment after its timestamp, so
        # the last second of the window is left out of the upper bound.
        prev = tx0
        for ts, v in pts:
            if v < prev or (ts < t1 - 1 and v > tx1):
                raise dc.TestFailed('sample %s at %.3f outside the relay\'s counters '
                                    '(%d at the start, %d at the end, previous %d)'
                                    % (v, ts, tx0, tx1, prev))
            prev = v
        # rate() extrapolates the scraped increase to the window: at least
        # what the samples moved, at most (bar the extrapolation of an
        # uneven rate, 5%) what the relay's counter moved in the window.
        inc, sampled = prom_rate * (t1 - t0), pts[-1][1] - pts[0][1]
        if not sampled * 0.999 <= inc <= (tx1 - tx0) * 1.05:
            raise dc.TestFailed('Prometheus rate() %.1f/s: increase %.0f outside [%.0f scraped, '
                                '%.0f counted by the relay]' % (prom_rate, inc, sampled,
                                                                tx1 - tx0))
        up = prom_query(base, 'up{job="mrelay"}', t1)
        if up != 1:
            raise dc.TestFailed('up{job="mrelay"} = %s' % up)

        _, text = http_get('http://127.0.0.1:%d/metrics' % eport)
        bounds = [float(lab['le']) for lab, _ in
                  prom.parse_exposition(text)['mrelay_packet_time_seconds_bucket']
                  if lab.get('lcore') == WORKER and lab['le'] != '+Inf']
        delta = {le: c - h0.get(le, 0) for le, c in h1.items() if c - h0.get(le, 0) > 0}
        hsel = '%s,lcore="%s"' % (sel, WORKER)
        for q in QUANTILES:
            for what, expr, own in (
                    ('cumulative', 'histogram_quantile(%g, mrelay_packet_time_seconds_bucket{%s})'
                     % (q, hsel), nearest_rank(h1, q)),
                    ('rate', 'histogram_quantile(%g, sum by (le) (rate('
                     'mrelay_packet_time_seconds_bucket{%s}[%s])))' % (q, hsel, win),
                     nearest_rank(delta, q))):
                pq = prom_query(base, expr, t1)
                own_s = own / 1e9
                ib, io = bucket_index(bounds, pq), bucket_index(bounds, own_s)
                dc.log('packet time p%g (%s): Prometheus %.1f ns (bucket %d), relay %d ns '
                       '(bucket %d)' % (q * 100, what, pq * 1e9, ib, own, io))
                if not math.isfinite(pq) or abs(ib - io) > 1:
                    raise dc.TestFailed('histogram_quantile %s p%g: %.1f ns, relay %d ns: '
                                        'not in the same or a neighbouring bucket'
                                        % (what, q * 100, pq * 1e9, own))
    finally:
        for pr in reversed(procs):
            rc = pr.stop()
            if pr.name == 'exporter' and rc not in (0, None):
                dc.log('exporter exited %s' % rc)


if __name__ == '__main__':
    dc.main(run)
