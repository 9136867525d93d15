#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Pktgen-DPDK drives mrelay over net_memif, as docs/pktgen.md says.

    pktgen (memif server, port 0) ====memif====> mrelay (memif client)
          sent ------------------------------->  rx -> leg A -> leg B
          received <----------------------------  tx

The commands are the `sh` blocks of docs/pktgen.md, read from the page
and run with this test's socket, file prefixes, paths and durations put
in place of the page's (a block that no longer has what is replaced
fails the test): build pktgen from the shared source with
tools/pktgen/build-pktgen, write the pcap with mkpcap.py, then

  linkdown: mrelay first, no server for 6 s, then a memif server that
     accepts and never answers (no pktgen): the reconnect log's "link
     down for N s" must count from the start that connected (N <= 4.5),
     not from mrelay's start;
  pcap_pktgen_first: pcap replay, pktgen started first, mrelay connecting;
  pcap_mrelay_first: pcap replay, mrelay first, waiting for the server;
  range_mrelay_first: range mode (1000 flows with an RTP header);
  reset: pcap replay for 30 s with mrelay's main lcore on CPU 0 and its
     worker on CPU 1: 60 /mrelay/port_stats_reset under traffic, each of
     which must bring /ethdev/stats' ipackets and opackets down;
  bench: tools/bench/pktgen-bench, two short trials.

Pass, for the pktgen runs: pktgen's sent = mrelay's rx_pkts = rtp_pkts,
pktgen's received = mrelay's tx_pkts, sent - received = mrelay's drops
(and that is 0: the rate is modest), every stream learned (200, 1000),
every mbuf back, the summary's per-port rx/tx equal to its counters
(after the server has left: net_memif reports nothing once disconnected).
The rate is a 200-call mix (10000 pps) for a few seconds: this checks
the path and the accounting, never speed. --parts runs some of them.

Skips (exit 77), loudly, when the shared pktgen source
(../shared/third_party/pktgen-23.06.1.tar.gz) is absent.
"""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, 'docs', 'pktgen.md')
PPS = 10000
SECONDS = 3
PCAP_STREAMS = 200
RANGE_FLOWS = 1000
RESETS = 60
PARTS = ('linkdown', 'pcap_pktgen_first', 'pcap_mrelay_first', 'range_mrelay_first',
         'reset', 'bench')
RESULT_RE = re.compile(r'mode=(\S+) pps=(\d+) seconds=\S+ link_mbps=(\d+) rate_pct=\S+ '
                       r'sent=(\d+) received=(\d+)')


def extra_args(ap):
    ap.add_argument('--seconds', type=float, default=SECONDS,
                    help='seconds pktgen sends in each run (default %(default)s)')
    ap.add_argument('--pps', type=int, default=PPS,
                    help='packets per second pktgen sends (default %(default)s)')
    ap.add_argument('--parts', default=','.join(PARTS),
                    help='comma-separated parts to run (default: all: %(default)s)')


def doc_blocks():
    """The `sh` blocks of docs/pktgen.md that follow a <!-- test: NAME -->."""
    with open(DOC, encoding='utf-8') as f:
        text = f.read()
    blocks = dict(re.findall(r'<!-- test: (\S+) -->\s*```sh\n(.*?)```', text, re.S))
    for name in ('build', 'pcap', 'pktgen-pcap', 'pktgen-range', 'mrelay', 'bench'):
        if name not in blocks:
            raise dc.TestFailed('docs/pktgen.md has no block "%s"' % name)
    return blocks


def edit(blocks, name, replacements):
    """Block NAME with each (old, new) replaced; old must be in it."""
    text = blocks[name]
    for old, new in replacements:
        if old not in text:
            raise dc.TestFailed('docs/pktgen.md block "%s" no longer contains %r: '
                                'update the test with the page' % (name, old))
        text = text.replace(old, new, 1)
    return text


def shell(name, text, logpath, env, prefix, tty=False):
    """A doc block run by bash (under script(1) when it needs a terminal), in
    a process group of its own, which stop() ends; prefix is the DPDK file
    prefix the block uses (its runtime directory goes when it ends)."""
    cmd = ['bash', '-c', text]
    if tty:
        # pktgen exits at once without a terminal on stdin
        cmd = ['script', '-qefc', text, '/dev/null']
    dc.log('doc block %s: %s' % (name, text.strip().replace('\\\n', ' ')))
    return dc.Proc(name, cmd, logpath, env=dict(os.environ, SHELL='/bin/bash', **env),
                   cwd=ROOT, group=True, prefix=prefix)


def build_pktgen(blocks, work):
    r = subprocess.run(['bash', '-c', 'set -e\n' + blocks['build'] + '\nprintf "%s\\n" "$PKTGEN"'],
                       cwd=ROOT, capture_output=True, text=True, check=False)
    with open(work.file('build-pktgen.log'), 'w', encoding='utf-8') as f:
        f.write(r.stdout + r.stderr)
    path = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ''
    if r.returncode != 0 or not os.access(path, os.X_OK):
        raise dc.TestFailed('tools/pktgen/build-pktgen failed (status %d): %s'
                            % (r.returncode, r.stderr.strip()[-2000:]))
    dc.log('pktgen: ' + path)
    return path


class Run:
    """One pktgen + mrelay pair on its own socket and prefixes."""

    def __init__(self, args, blocks, work, pktgen, tag):
        self.args, self.blocks, self.work, self.pktgen, self.tag = args, blocks, work, pktgen, tag
        pid = os.getpid()
        self.sock = '/run/pktgen_dts_%d_%s.sock' % (pid, tag)
        self.pg_prefix = 'pktgen_dts_pg_%d_%s' % (pid, tag)
        self.mr_prefix = 'pktgen_dts_mr_%d_%s' % (pid, tag)
        self.result = work.file('result_%s.txt' % tag)
        self.summary = work.file('summary_%s.json' % tag)
        self.mrelay_lcores = None     # the page's
        self.pktgen_lcores = None
        self.stats_reset = False      # the reset part resets the port's stats
        self.seconds = args.seconds

    def start_pktgen(self, block):
        text = edit(self.blocks, block, [
            ("--lcores '0@1,1@0'", "--lcores '%s'" % (self.pktgen_lcores or '0@1,1@0')),
            ('PKTGEN_PPS=10000', 'PKTGEN_PPS=%d' % self.args.pps),
            ('PKTGEN_SECONDS=10', 'PKTGEN_SECONDS=%g' % self.seconds),
            ('--file-prefix pktgen', '--file-prefix ' + self.pg_prefix),
            ('socket=/run/mrelay-memif.sock', 'socket=' + self.sock),
        ] + ([('-s 0:rtp.pcap', '-s 0:' + self.work.file('rtp.pcap'))]
             if block == 'pktgen-pcap' else []))
        env = {'PKTGEN': self.pktgen, 'PKTGEN_QUIT': '1', 'PKTGEN_RESULT': self.result,
               'PKTGEN_LINK_WAIT': '40'}
        return shell('pktgen_' + self.tag, text, self.work.file('pktgen_%s.log' % self.tag),
                     env, self.pg_prefix, tty=True)

    def start_mrelay(self, lcores=None):
        text = 'exec ' + edit(self.blocks, 'mrelay', [
            ('build/app/mrelay/mrelay', shlex.quote(self.args.mrelay)),
            ("--lcores '0@1,1@1'",
             "--lcores '%s'" % (lcores or self.mrelay_lcores or '0@1,1@1')),
            ('--file-prefix mrelay', '--file-prefix ' + self.mr_prefix),
            ('socket=/run/mrelay-memif.sock', 'socket=' + self.sock),
            ('-s summary.json', '-s ' + self.summary),
        ])
        mr = shell('mrelay_' + self.tag, text, self.work.file('mrelay_%s.log' % self.tag), {},
                   self.mr_prefix)
        if not mr.wait_output(r'worker\(s\)', 30):
            mr.stop()
            raise dc.TestFailed('%s: mrelay did not start' % self.tag)
        return mr

    def run(self, block, pktgen_first, during=None, mrelay_wait=1):
        """Both processes, in that order; during(self, mr) runs while pktgen sends."""
        pg = mr = None
        try:
            if pktgen_first:
                pg = self.start_pktgen(block)
                deadline = time.monotonic() + 60
                while not dc.unix_socket_listed(self.sock):
                    if time.monotonic() > deadline or not pg.alive():
                        raise dc.TestFailed('%s: pktgen did not open the memif socket'
                                            % self.tag)
                    time.sleep(0.2)
                mr = self.start_mrelay()
            else:
                mr = self.start_mrelay()
                time.sleep(mrelay_wait)
                pg = self.start_pktgen(block)
            if during is not None:
                during(self, mr)
            pg_status = pg.wait(self.seconds + 120)
            if not mr.alive():
                raise dc.TestFailed('%s: mrelay exited under traffic' % self.tag)
            mr_status = mr.stop()
        finally:
            for x in (pg, mr):
                if x is not None:
                    x.stop(10)
        if pg_status != 0 or mr_status != 0:
            raise dc.TestFailed('%s: exit status pktgen %s, mrelay %s'
                                % (self.tag, pg_status, mr_status))
        return self.check()

    def check(self):
        try:
            with open(self.result, encoding='utf-8') as f:
                line = f.read().strip()
        except OSError as e:
            raise dc.TestFailed('%s: pktgen wrote no result: %s' % (self.tag, e)) from e
        m = RESULT_RE.search(line)
        if m is None:
            raise dc.TestFailed('%s: pktgen result %r' % (self.tag, line))
        mode, sent, received = m.group(1), int(m.group(4)), int(m.group(5))
        s = dc.load_summary(self.summary)
        dc.check_summary(s)   # no drop of any reason; every mbuf back
        c = s['counters']
        drops = sum(s['drops'].values())
        streams = len(s.get('streams', []))
        dc.log('%s: pktgen sent %d received %d; mrelay rx %d tx %d rtp %d drops %d streams %d'
               % (self.tag, sent, received, c['rx_pkts'], c['tx_pkts'], c['rtp_pkts'],
                  drops, streams))
        want = int(self.args.pps * self.seconds / 2)
        if sent < want:
            raise dc.TestFailed('%s: pktgen sent %d packets, expected >= %d'
                                % (self.tag, sent, want))
        if c['rx_pkts'] != sent or c['rtp_pkts'] != sent:
            raise dc.TestFailed('%s: pktgen sent %d, mrelay received %d (%d RTP)'
                                % (self.tag, sent, c['rx_pkts'], c['rtp_pkts']))
        if c['tx_pkts'] != received:
            raise dc.TestFailed('%s: mrelay sent %d, pktgen received %d'
                                % (self.tag, c['tx_pkts'], received))
        if sent - received != drops or drops != 0:
            raise dc.TestFailed('%s: %d lost, mrelay counted %d drops'
                                % (self.tag, sent - received, drops))
        expect = PCAP_STREAMS if mode == 'pcap' else RANGE_FLOWS
        if streams != expect:
            raise dc.TestFailed('%s: mrelay learned %d streams, expected %d'
                                % (self.tag, streams, expect))
        port = s['ports'][0]
        if self.stats_reset:
            # the port's view restarted at each reset: a part of the run
            if not 0 < port['rx'] < c['rx_pkts'] or not 0 < port['tx'] < c['tx_pkts']:
                raise dc.TestFailed('%s: after resets, summary ports rx %d tx %d, counters '
                                    'rx %d tx %d' % (self.tag, port['rx'], port['tx'],
                                                     c['rx_pkts'], c['tx_pkts']))
        elif port['rx'] != c['rx_pkts'] or port['tx'] != c['tx_pkts']:
            raise dc.TestFailed('%s: summary ports rx %d tx %d, counters rx %d tx %d'
                                % (self.tag, port['rx'], port['tx'], c['rx_pkts'],
                                   c['tx_pkts']))
        return sent, received


def telemetry(prefix, cmd):
    """One command on a DPDK process's telemetry socket: its reply's value."""
    try:
        return dc.telemetry(prefix, cmd, timeout=10)
    except dc.TelemetryError as e:
        raise dc.TestFailed('telemetry %s of %s: %s' % (cmd, prefix, e)) from e


def reset_checks(n):
    """A during() hook: n port stats resets while traffic flows; each must
    bring port 0's ipackets and opackets below what they were."""
    def during(run, mr):
        deadline = time.monotonic() + 40
        while True:
            st = telemetry(run.mr_prefix, '/ethdev/stats,0')
            if st and st.get('ipackets', 0) > 1000:
                break
            if time.monotonic() > deadline:
                raise dc.TestFailed('%s: no traffic reached mrelay' % run.tag)
            time.sleep(0.2)
        failed = []
        done = 0
        for i in range(n):
            before = telemetry(run.mr_prefix, '/ethdev/stats,0')
            reply = telemetry(run.mr_prefix, '/mrelay/port_stats_reset')
            after = telemetry(run.mr_prefix, '/ethdev/stats,0')
            if not isinstance(reply, dict) or reply.get('error'):
                raise dc.TestFailed('%s: /mrelay/port_stats_reset: %s' % (run.tag, reply))
            if before['ipackets'] == 0:
                break   # pktgen has stopped sending (the last reset took)
            done += 1
            if (after['ipackets'] >= before['ipackets'] or
                    (before['opackets'] and after['opackets'] >= before['opackets'])):
                failed.append((i, before['ipackets'], after['ipackets'],
                               before['opackets'], after['opackets']))
            time.sleep(0.05)
        dc.log('%s: %d port stats resets under traffic, main lcore and worker on '
               'different CPUs; %d did not take' % (run.tag, done, len(failed)))
        if done < n // 2:
            raise dc.TestFailed('%s: only %d resets under traffic, expected >= %d'
                                % (run.tag, done, n // 2))
        if failed:
            raise dc.TestFailed('%s: port stats resets that left the counts '
                                '(i, ipackets before, after, opackets before, after): %s'
                                % (run.tag, failed[:10]))
    return during


def link_down_duration(args, blocks, work):
    """mrelay first, no server for 6 s, then a server that accepts the
    connection but never answers: the reconnect log must count the link's
    downtime from the start that connected, not from mrelay's start."""
    run = Run(args, blocks, work, None, 'linkdown')
    mr = run.start_mrelay()
    listener = None
    try:
        time.sleep(6)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        listener.bind('\0' + run.sock)     # net_memif's abstract socket
        listener.listen(4)
        t0 = time.monotonic()
        if not mr.wait_output(r'started again', 20):
            raise dc.TestFailed('linkdown: mrelay did not connect to the silent server')
        if not mr.wait_output(r'link down for [\d.]+ s', 20):
            raise dc.TestFailed('linkdown: no "link down for" line after a start that '
                                'found no handshake')
        found = [float(x) for x in re.findall(r'link down for ([\d.]+) s', mr.output())]
        since = time.monotonic() - t0
        dc.log('linkdown: "link down for %s s" %.1f s after the server came, '
               '%.1f s after mrelay started' % (found[0], since, since + 6))
        if found[0] > 4.5:
            raise dc.TestFailed('linkdown: "link down for %.1f s": counted from before the '
                                'start that connected (at most the 2 s grace, or 4 s once '
                                'refused, expected)' % found[0])
        status = mr.stop()
    finally:
        mr.stop(10)
        if listener is not None:
            listener.close()
    if status != 0:
        raise dc.TestFailed('linkdown: mrelay exited with status %s' % status)


def bench(args, blocks, work, pktgen):
    out = work.file('pktgen-bench.json')
    text = edit(blocks, 'bench', [
        ('tools/bench/pktgen-bench', 'tools/bench/pktgen-bench --mrelay '
         + shlex.quote(args.mrelay)),
        ('--steps 6', '--steps 2'),
        ('--seconds 5', '--seconds 2'),
        ('--json pktgen-bench.json', '--json ' + out),
    ])
    b = shell('pktgen-bench', text, work.file('pktgen-bench.log'), {'PKTGEN': pktgen}, None)
    status = b.wait(300)
    if status != 0:
        raise dc.TestFailed('pktgen-bench exited with status %s' % status)
    with open(out, encoding='utf-8') as f:
        res = json.load(f)
    trials = res.get('trials', [])
    if not 1 <= len(trials) <= 2:
        raise dc.TestFailed('pktgen-bench: %d trials, expected 1 or 2' % len(trials))
    for t in trials:
        # each trial's verdict is recomputed here from its raw counts
        ok = (t['received'] == t['sent'] and t['mrelay_drops'] == 0 and t['sent'] > 0
              and t['mrelay_rx'] == t['sent'])
        if ok != t['zero_loss']:
            raise dc.TestFailed('pktgen-bench: trial verdict %s does not follow from %s'
                                % (t['zero_loss'], t))
    passed = [t['sent_pps'] for t in trials if t['zero_loss']]
    if res.get('zero_loss_pps') != (max(passed) if passed else None):
        raise dc.TestFailed('pktgen-bench: zero-loss rate %s, trials passed at %s'
                            % (res.get('zero_loss_pps'), passed))
    dc.log('pktgen-bench: zero-loss rate %s pps%s over %d trials'
           % (res.get('zero_loss_pps'), ' (generator-limited)' if res['generator_limited']
              else '', len(trials)))


def run(work):
    args = dc.parse_args(__doc__.splitlines()[0], extra_args)
    args.mrelay = os.path.abspath(args.mrelay)   # the blocks run in the source tree
    dc.need_root()
    dc.need_pmd('memif')
    dc.need_tool('script')
    dc.need_scapy()
    src = subprocess.run(['bash', '-c', '. tools/pktgen/pktgen-source.sh; mr_pktgen_source'],
                         cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    if not os.path.exists(src):
        bar = '!' * 72
        print('%s\n!!! dts_pktgen SKIPPED: the Pktgen-DPDK source is missing:\n!!!   %s\n'
              '!!! (docs/pktgen.md, "Build"; tools/pktgen/build-pktgen --source)\n%s'
              % (bar, src, bar), flush=True)
        raise dc.TestSkipped('pktgen source missing: ' + src)
    blocks = doc_blocks()
    pktgen = build_pktgen(blocks, work)

    pcap = edit(blocks, 'pcap', [('-o rtp.pcap', '-o ' + work.file('rtp.pcap')),
                                 ('--packets 500', '--packets 100')])
    r = subprocess.run(['bash', '-c', pcap], cwd=ROOT, capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        raise dc.TestFailed('mkpcap.py failed: ' + r.stderr)
    dc.log(r.stdout.strip())

    parts = args.parts.split(',')
    for p in parts:
        if p not in PARTS:
            raise dc.TestFailed('unknown part %r (known: %s)' % (p, ', '.join(PARTS)))
    if 'linkdown' in parts:
        link_down_duration(args, blocks, work)
    for tag, block, pktgen_first in (('pcap_pktgen_first', 'pktgen-pcap', True),
                                     ('pcap_mrelay_first', 'pktgen-pcap', False),
                                     ('range_mrelay_first', 'pktgen-range', False)):
        if tag in parts:
            Run(args, blocks, work, pktgen, tag).run(block, pktgen_first)
    if 'reset' in parts:
        # main lcore and worker on different CPUs, resets under traffic
        r = Run(args, blocks, work, pktgen, 'reset')
        # mrelay's main lcore alone on CPU 0 (with the telemetry thread and
        # pktgen's sleeping main lcore), its worker and pktgen's port lcore on 1
        r.mrelay_lcores = '0@0,1@1'
        r.pktgen_lcores = '0@0,1@1'
        r.stats_reset = True
        r.seconds = 30
        r.run('pktgen-pcap', False, during=reset_checks(RESETS))
    if 'bench' in parts:
        bench(args, blocks, work, pktgen)


if __name__ == '__main__':
    dc.main(run)
