#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Workers learn their own streams: many at once, under live traffic, and
one leg's flood of new SSRCs does not starve the others.

mass_start: 100,000 streams (12,500 legs of 8 SSRCs, the default per-leg
    limit) begin within a quarter of a second (net_rtpgen at 400 kpps
    sends every flow's first packet before any flow's second). Pass: every
    stream learned, net_rtpgen's validator saw every packet it generated
    come back (0 lost), mrelay dropped nothing and returned every mbuf.

restart: dpdk-testpmd (memif server) sends 10,000 live streams through
    mrelay (memif client); mrelay is stopped and started again under that
    traffic. Pass, for the restarted relay: every packet it received after
    its port came up was relayed (rx = tx, no drop but what was in flight
    at its exit), all 10,000 streams learned.

flood: 200 sessions start while one leg's own remote sends a new SSRC in
    every packet (200 kpps) and another source sends new SSRCs at a
    session's endpoint (100 kpps), with streams_max = 4096 as in the
    report that found the starvation. Pass: the legitimate sessions got
    >= 99% of their packets through (the validator counts), the flooded
    leg holds at most its limit of streams, the flood is counted as
    leg_stream_limit / leg_new_stream_rate and source_mismatch, on the leg
    too (/mrelay/legs).

dispatch: two workers on a port that cannot steer by destination; the
    worker that receives a packet hands it to the endpoint's owner. Pass:
    both workers own streams, 0 lost, every packet counted once in rx.
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402
import test_memif as tm  # noqa: E402

MASS_STREAMS = 100000
MASS_LEGS = 12500           # A legs; 8 SSRCs each
MASS_RATE = 400000
RESTART_STREAMS = 10000
RESTART_RATE = 200000
# in flight at mrelay's exit: its TX buffers and the peer's ring
IN_FLIGHT_DROPS = ('shutdown', 'tx_full', 'port_paused')


def extra_args(ap):
    ap.add_argument('case', choices=('mass_start', 'restart', 'flood', 'dispatch'))
    ap.add_argument('--testpmd', default='dpdk-testpmd',
                    help='dpdk-testpmd executable, for restart (default: from PATH)')
    ap.add_argument('--rtpgen-so', default=None,
                    help='loadable net_rtpgen PMD for testpmd (default: '
                         'BUILD/drivers/net/rtpgen/librte_net_rtpgen.so)')


def pairs_conf(legs, streams_max, extra=''):
    return """[relay]
streams_max = %(smax)d
legs_max = %(lmax)d
rtp_port_min = 30000
rtp_port_max = %(pmax)d
%(extra)s
[port.0]
ipv4 = 10.0.0.1
nexthop_mac = 02:00:00:00:00:02

[pairs.p]
port = 0
count = %(n)d
a_local = 10.0.0.1:30000
a_remote = 10.1.0.1:20000
b_local = 10.0.0.1:%(bport)d
b_remote = 10.2.0.1:20000
""" % {"smax": streams_max, "lmax": 2 * legs + 16, "pmax": 30000 + 2 * legs - 1,
       "n": legs, "bport": 30000 + legs, "extra": extra}


def run_mrelay(args, work, name, conf, vdevs, seconds, during=None):
    """Run mrelay for `seconds` on `conf`; `during(prefix)` is called once its
    third statistics line is out. Returns (summary, output, during's value)."""
    cpath = work.file(name + '.conf')
    with open(cpath, 'w', encoding='utf-8') as f:
        f.write(conf)
    summary = work.file(name + '.json')
    prefix = 'mrdts_%s_%d' % (name, os.getpid())
    cmd = [args.mrelay, *dc.eal_mem(), '--no-pci', '-l', '0-1', '--file-prefix', prefix,
           '--log-level', 'mrelay.*:info']
    for v in vdevs:
        cmd += ['--vdev', v]
    cmd += ['--', '-c', cpath, '-d', str(seconds), '-s', summary]
    p = dc.Proc(name, cmd, work.file(name + '.log'))
    seen = None
    try:
        if during is not None:
            if not p.wait_output(r'\[\s*3\.0s\]', 30):
                raise dc.TestFailed('%s: mrelay did not run 3 s' % name)
            seen = during(prefix)
    finally:
        rc = p.wait(seconds + 60)
    if rc != 0:
        raise dc.TestFailed('%s: mrelay exit status %s' % (name, rc))
    return dc.load_summary(summary), p.output(), seen


def last_streams(output):
    """The stream count of mrelay's last statistics line."""
    counts = re.findall(r'streams (\d+)', output)
    return int(counts[-1]) if counts else -1


def case_mass_start(args, work):
    vdev = ('net_rtpgen0,streams=%d,endpoints=%d,rate=%d,src=10.1.0.1:20000,'
            'dst=10.0.0.1:30000' % (MASS_STREAMS, MASS_LEGS, MASS_RATE))
    # streams_max with room for a tenth more; 8 SSRCs per leg is the default limit
    summ, out, _ = run_mrelay(args, work, 'mass', pairs_conf(MASS_LEGS, 110000), [vdev], 3)
    dc.check_summary(summ, allowed_drops=('shutdown',))
    gen = dc.rtpgen_summary(out)
    if gen is None:
        raise dc.TestFailed('no rtpgen summary')
    learned = summ['counters']['learn_reqs']
    dc.log('%d streams learned; rtpgen generated %d, validated %d, lost %d; '
           'streams at the end %d' % (learned, gen['generated'], gen['valid'], gen['lost'],
                                      last_streams(out)))
    if learned != MASS_STREAMS:
        raise dc.TestFailed('learned %d streams, want %d' % (learned, MASS_STREAMS))
    # the generator sends every flow's first packet in the first quarter
    # second at its rate; the main lcore's first statistics line (at 1 s,
    # later on a loaded machine) must show them all
    first = re.search(r'\[\s*([0-9.]+)s\].* streams (\d+) ', out)
    dc.log('first statistics line: %s s, %s streams' % first.groups() if first else '?')
    if first is None or int(first.group(2)) != MASS_STREAMS:
        raise dc.TestFailed('not every stream was there at the first statistics line')
    shutdown = summ['drops'].get('shutdown', 0)
    if gen['valid'] + shutdown != gen['generated']:
        raise dc.TestFailed('generated %d, came back %d, %d dropped at exit'
                            % (gen['generated'], gen['valid'], shutdown))


def case_restart(args, work):
    if not os.path.isabs(args.testpmd):
        args.testpmd_path = dc.need_tool(args.testpmd)
    else:
        args.testpmd_path = args.testpmd
    so = args.rtpgen_so or os.path.join(args.build, 'drivers', 'net', 'rtpgen',
                                        'librte_net_rtpgen.so')
    plugin = dc.private_plugin(so)
    sock = '/run/mrelay-dts-streams-%d.sock' % os.getpid()
    tm.STREAMS, tm.RATE = RESTART_STREAMS, RESTART_RATE
    conf = pairs_conf(RESTART_STREAMS, 2 * RESTART_STREAMS)
    tp = tm.start_testpmd(args, work, plugin, sock, 'r')
    try:
        for run in (1, 2):
            summ, _, _ = run_mrelay(args, work, 'restart%d' % run, conf,
                                    ['net_memif0,role=client,socket=%s,id=0' % sock], 8)
            dropped = dc.check_summary(summ, allowed_drops=IN_FLIGHT_DROPS)
            c = summ['counters']
            dc.log('run %d: rx %d, tx %d, %d in flight at exit, %d streams learned'
                   % (run, c['rx_pkts'], c['tx_pkts'], dropped, c['learn_reqs']))
            if c['rx_pkts'] == 0 or c['rx_pkts'] != c['tx_pkts'] + dropped:
                raise dc.TestFailed('run %d: rx %d != tx %d + %d in flight'
                                    % (run, c['rx_pkts'], c['tx_pkts'], dropped))
            if dropped > 256:
                raise dc.TestFailed('run %d: %d dropped at exit' % (run, dropped))
            if c['learn_reqs'] != RESTART_STREAMS:
                raise dc.TestFailed('run %d: learned %d streams, want %d'
                                    % (run, c['learn_reqs'], RESTART_STREAMS))
    finally:
        tp.stop(10)
        shutil.rmtree(os.path.dirname(plugin), ignore_errors=True)


def legs_all(prefix):
    """Every row of /mrelay/legs, page after page, as a dict of columns."""
    cols, start = {}, 0
    while start >= 0:
        page = tm.telemetry(prefix, '/mrelay/legs,start=%d' % start)
        if 'error' in page:
            raise dc.TestFailed('/mrelay/legs: %s' % page['error'])
        for k, v in page.items():
            if isinstance(v, list):
                cols.setdefault(k, []).extend(v)
        start = page['next']
    return cols


def case_flood(args, work):
    conf = pairs_conf(200, 4096) + """
[port.1]
ipv4 = 10.0.1.1
nexthop_mac = 02:00:00:00:00:02

[port.2]
ipv4 = 10.0.2.1
nexthop_mac = 02:00:00:00:00:02

[leg.fa]
session = flood
port = 1
local = 10.0.1.1:30390
remote = 10.5.0.1:20000
forward = fb

[leg.fb]
session = flood
port = 1
local = 10.0.1.1:30391
remote = 10.6.0.1:20000
forward = fa
"""
    vdevs = [
        # the sessions, starting while the floods run
        'net_rtpgen0,streams=200,rate=20000,src=10.1.0.1:20000,dst=10.0.0.1:30000',
        # a leg's own remote, a new SSRC per packet
        'net_rtpgen1,streams=1,rate=200000,ssrc_change=1,src=10.5.0.1:20000,'
        'dst=10.0.1.1:30390,src_mac=02:00:00:00:00:12',
        # another source, new SSRCs at a session's endpoint
        'net_rtpgen2,streams=1,rate=100000,ssrc_change=1,src=10.9.0.1:20000,'
        'dst=10.0.0.1:30005,src_mac=02:00:00:00:00:22',
    ]
    inspect = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           'tools', 'mrelay-inspect')
    report_path = work.file('inspect.json')

    def during(prefix):
        rows = legs_all(prefix)
        # the inspection rule for it fires (exit 1: a rule fired)
        r = subprocess.run([sys.executable, inspect, '-f', prefix, '-i', '0.3', '-n', '4',
                            '-q', '-o', report_path], capture_output=True, text=True,
                           timeout=60, check=False)
        return rows, r.returncode

    summ, out, seen = run_mrelay(args, work, 'flood', conf, vdevs, 8, during=during)
    legs, inspect_rc = seen
    gens = {}
    for line in out.splitlines():
        g = dc.rtpgen_summary(line)
        if g is not None:
            gens[g['port'].rstrip(':')] = g
    legit = gens.get('net_rtpgen0')
    if legit is None:
        raise dc.TestFailed('no summary of net_rtpgen0: %s' % list(gens))
    share = legit['valid'] / max(1, legit['generated'])
    drops = {k: v for k, v in summ['drops'].items() if v}
    cols = legs['name']
    fa = cols.index('fa')
    row = {k: legs[k][fa] for k in legs if isinstance(legs[k], list) and len(legs[k]) == len(cols)}
    dc.log('sessions: generated %d, came back %d (%.4f), lost %d; drops %s; leg fa %s'
           % (legit['generated'], legit['valid'], share, legit['lost'], drops, row))
    if share < 0.99:
        raise dc.TestFailed('the sessions got %.2f%% of their packets through' % (100 * share))
    if summ['counters']['learn_reqs'] < 200:
        raise dc.TestFailed('learned %d streams: not every session'
                            % summ['counters']['learn_reqs'])
    if row['streams'] > row['streams_max'] or row['streams_max'] != 8:
        raise dc.TestFailed('leg fa: %d streams, limit %d' % (row['streams'], row['streams_max']))
    if row['leg_stream_limit'] + row['leg_new_stream_rate'] < 100000:
        raise dc.TestFailed('leg fa: the flood is not counted on the leg: %s' % row)
    if drops.get('source_mismatch', 0) < 100000:
        raise dc.TestFailed('the other source\'s flood is not counted as source_mismatch')
    a5 = legs['name'].index('p_a5')
    if legs['source_mismatch'][a5] < 100000:
        raise dc.TestFailed('leg p_a5: the other source\'s flood is not counted on the leg')
    if summ['mbufs_in_use_at_exit'] != 0:
        raise dc.TestFailed('mbufs_in_use_at_exit = %d' % summ['mbufs_in_use_at_exit'])
    with open(report_path, encoding='utf-8') as f:
        report = f.read()
    dc.log('mrelay-inspect exit %d; leg_stream_limits in its report: %s'
           % (inspect_rc, 'leg_stream_limits' in report))
    if inspect_rc != 1 or '"leg_stream_limits"' not in report:
        raise dc.TestFailed('mrelay-inspect: rule leg_stream_limits did not fire (exit %d)'
                            % inspect_rc)


def case_dispatch(args, work):
    """Two workers on a port that cannot steer (net_rtpgen rss=none: all on
    queue 0): the receiving worker hands each endpoint's packets to its
    owner. Lcores 1 and 2 share a CPU: a functional test, not a speed one."""
    vdev = 'net_rtpgen0,streams=200,rate=20000,rss=none'
    cpath = work.file('dispatch.conf')
    with open(cpath, 'w', encoding='utf-8') as f:
        f.write(pairs_conf(200, 4096))
    summary = work.file('dispatch.json')
    cmd = [args.mrelay, *dc.eal_mem(), '--no-pci', '--lcores', '0@0,1@1,2@1',
           '--file-prefix', 'mrdts_dispatch_%d' % os.getpid(), '--log-level', 'mrelay.*:info',
           '--vdev', vdev, '--', '-c', cpath, '-d', '4', '-s', summary]
    p = dc.Proc('dispatch', cmd, work.file('dispatch.log'))
    rc = p.wait(60)
    out = p.output()
    if rc != 0:
        raise dc.TestFailed('mrelay exit status %s' % rc)
    if 'steering by local endpoint: software dispatch' not in out:
        raise dc.TestFailed('port 0 is not in software dispatch')
    summ = dc.load_summary(summary)
    dc.check_summary(summ, allowed_drops=('shutdown',))
    gen = dc.rtpgen_summary(out)
    per_lcore = {}
    for st in summ['streams']:
        per_lcore[st['lcore']] = per_lcore.get(st['lcore'], 0) + 1
    dc.log('streams per worker lcore %s; rtpgen generated %d, came back %d, lost %d; rx %d tx %d'
           % (per_lcore, gen['generated'], gen['valid'], gen['lost'],
              summ['counters']['rx_pkts'], summ['counters']['tx_pkts']))
    if sorted(per_lcore) != [1, 2] or min(per_lcore.values()) < 50:
        raise dc.TestFailed('streams not shared by both workers: %s' % per_lcore)
    if gen['lost'] != 0 or gen['valid'] + summ['drops'].get('shutdown', 0) != gen['generated']:
        raise dc.TestFailed('rtpgen validator: %s' % gen)
    if summ['counters']['rx_pkts'] != gen['generated']:
        raise dc.TestFailed('rx_pkts %d counts dispatched packets twice?'
                            % summ['counters']['rx_pkts'])


def main():
    args = dc.parse_args(__doc__.splitlines()[0], extra_args)
    dc.need_root()
    case = {'mass_start': case_mass_start, 'restart': case_restart,
            'flood': case_flood, 'dispatch': case_dispatch}[args.case]
    dc.main(lambda work: case(args, work))


if __name__ == '__main__':
    main()
