#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay transcodes on a transcoder lcore: Opus from net_rtpgen (opus=1)
on port 0 leaves port 1 (net_pcap) re-encoded.

Case 'static' checks the daemon end to end: every RTP packet the worker
took was handed to the transcoder and came out as one packet with the
profile's payload type, the channel's own SSRC and a continuous sequence,
sent from the B leg to its remote; no drops; every mbuf back at exit. (The
decoded audio is compared with the source in the unit suite:
relay/transcode and the transcode suite.)

Case 'control' changes transcoding under traffic through the telemetry
socket (tools/mrelay-ctl): a leg moved to another profile (its channel
reset by reason "profile", output SSRC and sequence continuous, payload
type and ptime of the new profile from then on), a leg to no transcoding
and back (its stream deleted and learned again: the worker forwards it
as received, then a new channel), a profile changed with profile_set, and
bad requests answered with errors that change nothing; the same through
mrelay-ctl's subcommands (profiles and transcoders as tables and as JSON,
profile-set, leg-update transcode=) and its --help. Case 'none' checks
that a relay without transcoder lcores refuses transcode=PROFILE.
Without a case, all three run.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402
from mrelay.ini import Sections, write_ini  # noqa: E402
from mrelay.pcap import read_pcap, write_pcap  # noqa: E402

STREAMS = 3
RATE = 300          # packets per second over all streams
SECONDS = 3

Check = Callable[..., None]

CONF = [
    ('relay', {'workers': 1, 'transcoders': 2}),
    ('port.0', {'ipv4': '10.0.0.1', 'nexthop_mac': '02:00:00:00:00:02'}),
    ('port.1', {'ipv4': '10.0.1.1', 'nexthop_mac': '02:00:00:00:00:09'}),
    ('profile.narrow', {'in': 'opus', 'out': 'opus', 'out_pt': 96, 'bitrate': 16000,
                        'rate': 16000, 'ptime': 40}),
]


def legs(transcode: Optional[str] = 'narrow', b_port: int = 1) -> Sections:
    """Session i: leg a<i> on port 0 (net_rtpgen's flow i comes to it),
    forwarding to leg b<i> on port b_port (10.0.<b_port>.1:32000+i)."""
    out = []
    for i in range(STREAMS):
        out.append(('leg.a%d' % i, {'session': 's%d' % i, 'port': 0,
                                    'local': '10.0.0.1:%d' % (30000 + i),
                                    'remote': '10.1.0.1:%d' % (20000 + i),
                                    'forward': 'b%d' % i, 'transcode': transcode}))
        out.append(('leg.b%d' % i, {'session': 's%d' % i, 'port': b_port,
                                    'local': '10.0.%d.1:%d' % (b_port, 32000 + i),
                                    'remote': '10.2.0.1:%d' % (20000 + i)}))
    return out


def frames(path: str) -> List[bytes]:
    """The frames of a pcap net_pcap wrote."""
    try:
        return [f for _, f in read_pcap(path)]
    except (OSError, ValueError) as e:
        raise dc.TestFailed(str(e)) from e


def empty_pcap(work: dc.Workdir, name: str) -> str:
    """A pcap without packets: what port 1 receives."""
    path = work.file(name)
    write_pcap(path, [])
    return path


def case_static(args: argparse.Namespace, work: dc.Workdir) -> int:
    conf = write_ini(work.file('static.conf'), CONF + legs())
    # TX queue 0 is the worker's (nothing here: all RTP is transcoded),
    # queue 1 the transcoder's
    out0 = work.file('static_out_worker.pcap')
    out = work.file('static_out.pcap')
    empty = empty_pcap(work, 'static_empty.pcap')  # port 1 receives nothing
    summary = work.file('static_summary.json')
    cmd = [args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', 'mrdts_tc_%d' % os.getpid(),
           '--lcores', '0@0,1@1,2@1', '--log-level', '*:notice',
           '--vdev', 'net_rtpgen0,streams=%d,rate=%d,opus=1' % (STREAMS, RATE),
           '--vdev', 'net_pcap1,rx_pcap=%s,tx_pcap=%s,tx_pcap=%s' % (empty, out0, out),
           '--', '-c', conf, '-d', str(SECONDS), '-s', summary, '-q']
    rc = dc.Proc('static', cmd, work.file('static.log')).wait(60)
    if rc != 0:
        dc.log('FAIL: mrelay exit status %s' % rc)
        return 1
    s = dc.load_summary(summary)
    c = s['counters']
    drops = {k: v for k, v in s['drops'].items() if v and k != 'shutdown'}
    failures = []
    if drops:
        failures.append('drops: %s' % drops)
    if s['mbufs_in_use_at_exit'] != 0:
        failures.append('mbufs in use at exit: %d' % s['mbufs_in_use_at_exit'])
    if c['rtp_pkts'] < RATE * (SECONDS - 1):
        failures.append('only %d RTP packets received' % c['rtp_pkts'])

    if frames(out0):
        failures.append('the worker sent packets of a transcoded leg itself')
    flows = {}
    for frame in frames(out):
        if len(frame) < 14 + 20 + 8 + 12 or frame[12:14] != b'\x08\x00':
            failures.append('not an IPv4 frame out')
            break
        ip = frame[14:34]
        src = '%d.%d.%d.%d' % tuple(ip[12:16])
        dst = '%d.%d.%d.%d' % tuple(ip[16:20])
        sport, dport = struct.unpack('!HH', frame[34:38])
        rtp = frame[42:]
        pt = rtp[1] & 0x7f
        seq, ts, ssrc = struct.unpack('!HII', rtp[2:12])
        if src != '10.0.1.1' or dst != '10.2.0.1' or not 32000 <= sport < 32000 + STREAMS \
                or dport != 20000 + (sport - 32000):
            failures.append('bad addresses %s:%d -> %s:%d' % (src, sport, dst, dport))
            break
        if pt != 96:
            failures.append('payload type %d, want 96' % pt)
            break
        flows.setdefault(sport, []).append((seq, ts, ssrc))
    if len(flows) != STREAMS:
        failures.append('%d output flows, want %d' % (len(flows), STREAMS))
    sent_in = set()
    total_out = 0
    for port, pk in flows.items():
        total_out += len(pk)
        ssrcs = {x[2] for x in pk}
        if len(ssrcs) != 1:
            failures.append('flow %d: %d SSRCs' % (port, len(ssrcs)))
        sent_in |= ssrcs
        for a, b in zip(pk, pk[1:]):
            if (a[0] + 1) & 0xffff != b[0] or (b[1] - a[1]) & 0xffffffff != 1920:
                failures.append('flow %d: seq %d -> %d, ts step %d (want +1, 1920 = 40 ms)'
                                % (port, a[0], b[0], (b[1] - a[1]) & 0xffffffff))
                break
    # 20 ms in, 40 ms out: about half as many packets, minus what the
    # reorder window and the last half-full frame held at shutdown
    want = c['rtp_pkts'] // 2
    if not want - 4 * STREAMS <= total_out <= want:
        failures.append('%d packets out for %d in (want about %d)'
                        % (total_out, c['rtp_pkts'], want))
    if sent_in & {0x10000000 + i for i in range(STREAMS)}:
        failures.append('output kept an input SSRC')
    dc.log('in %d RTP packets, out %d in %d flows' % (c['rtp_pkts'], total_out, len(flows)))
    if failures:
        for f in failures:
            dc.log('FAIL: ' + f)
        return 1
    dc.log('static: PASS')
    return 0


CTL_CONF = CONF + [('profile.wide', {'in': 'opus', 'out': 'opus', 'out_pt': 97,
                                     'bitrate': 24000, 'ptime': 20})]

CTL_SECONDS = 60     # upper bound: the case stops the relay (SIGINT) when done


class Relay:
    """mrelay with the control socket; stopped by its pid only."""

    def __init__(self, args: argparse.Namespace, work: dc.Workdir, name: str, conf: Sections,
                 lcores: str, vdevs: List[str], seconds: int) -> None:
        self.ctl_path = args.ctl
        self.prefix = 'mrdts_tc_%s_%d' % (name, os.getpid())
        self.summary = work.file(name + '_summary.json')
        path = write_ini(work.file(name + '.conf'), conf)
        cmd = [args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', self.prefix,
               '--lcores', lcores, '--log-level', '*:notice']
        for v in vdevs:
            cmd += ['--vdev', v]
        cmd += ['--', '-c', path, '-d', str(seconds), '-s', self.summary, '-q']
        self.proc = dc.Proc(name, cmd, work.file(name + '.log'))
        deadline = time.time() + 20
        while time.time() < deadline:
            rc, info = self.raw('/mrelay/info')
            if rc == 0 and info.get('streams', 0) >= STREAMS:
                return
            if not self.proc.alive():
                break
            time.sleep(0.2)
        self.stop()
        raise dc.TestFailed('mrelay did not come up')

    def raw(self, cmd: str) -> Tuple[int, Any]:
        p = subprocess.run([sys.executable, self.ctl_path, '-f', self.prefix, '--json', 'raw', cmd],
                           capture_output=True, text=True, timeout=30)
        out = p.stdout.strip()
        try:
            return p.returncode, json.loads(out)
        except ValueError:
            return p.returncode, {'error': out + p.stderr}

    def ctl(self, *args: str) -> Tuple[int, str, str]:
        """tools/mrelay-ctl with a subcommand: (exit status, stdout, stderr)."""
        p = subprocess.run([sys.executable, self.ctl_path, '-f', self.prefix, *args],
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def ctlj(self, *args: str) -> Tuple[int, Any]:
        rc, out, err = self.ctl('--json', *args)
        try:
            return rc, json.loads(out)
        except ValueError:
            return rc, {'error': out + err}

    def stop(self) -> Optional[int]:
        """SIGINT, SIGKILL after 15 s; the exit status."""
        return self.proc.stop(15)


def tc_sum(relay: Relay, field: str) -> int:
    rc, t = relay.raw('/mrelay/transcoders')
    return sum(t[field]) if rc == 0 and field in t else -1


def wait_tc(relay: Relay, field: str, want: int, timeout: float = 5.0) -> int:
    """The transcoder applies control requests on its next poll: wait for it."""
    deadline = time.time() + timeout
    v = tc_sum(relay, field)
    while v != want and time.time() < deadline:
        time.sleep(0.05)
        v = tc_sum(relay, field)
    return v


PROFILE_COLS = ['name', 'in', 'in_pt', 'out', 'out_pt', 'channels', 'ptime', 'bitrate', 'rate',
                'complexity', 'fec', 'dtx', 'loss_perc', 'reorder', 'plc_only', 'out_ssrc', 'legs']


def profiles_text(out: str) -> Optional[Tuple[str, Dict[str, Dict[str, str]]]]:
    """mrelay-ctl profiles: 'transcoders: N', a header, one row per profile
    -> (transcoders, {name: {column: text}}), or None if not that shape."""
    lines = out.splitlines()
    if len(lines) < 2 or not lines[0].startswith('transcoders: ') or \
            lines[1].split() != PROFILE_COLS:
        return None
    rows = {}
    for ln in lines[2:]:
        v = ln.split()
        if len(v) != len(PROFILE_COLS):
            return None
        rows[v[0]] = dict(zip(PROFILE_COLS, v))
    return lines[0].split(': ', 1)[1], rows


def kv_text(out: str) -> Dict[str, str]:
    """mrelay-ctl's 'key: value' lines -> {key: value}."""
    d = {}
    for ln in out.splitlines():
        k, sep, v = ln.partition(':')
        if sep:
            d[k.strip()] = v.strip()
    return d


def transcoders_text(out: str) -> Optional[Tuple[List[int], Dict[str, List[int]]]]:
    """mrelay-ctl transcoders: a header 'lcore N ...', then 'counter v v ...'
    -> ([lcore ids], {counter: [values]}), or None if not that shape."""
    lines = out.splitlines()
    if not lines:
        return None
    head = lines[0].split()
    if len(head) < 2 or len(head) % 2 or head[0::2] != ['lcore'] * (len(head) // 2):
        return None
    lcores = [int(x) for x in head[1::2]]
    rows = {}
    for ln in lines[1:]:
        v = ln.split()
        if len(v) != 1 + len(lcores):
            return None
        rows[v[0]] = [int(x) for x in v[1:]]
    return lcores, rows


def check_help(args: argparse.Namespace, check: Check) -> None:
    """mrelay-ctl --help lists the transcoding subcommands and transcode=."""
    def helptext(*a: str) -> Tuple[int, str]:
        p = subprocess.run([sys.executable, args.ctl, *a, '--help'], capture_output=True,
                           text=True, timeout=30)
        return p.returncode, p.stdout
    rc, out = helptext()
    check(rc == 0 and all(('\n    %s ' % c) in out for c in ('profiles', 'transcoders',
                                                             'profile-set')),
          'mrelay-ctl --help lists profiles, transcoders, profile-set')
    rc, out = helptext('profile-set')
    check(rc == 0 and 'NAME KEY=VALUE' in out and
          all(k in out for k in ('ptime=10|20|40|60', 'bitrate=', 'loss_perc=')),
          'mrelay-ctl profile-set --help: usage and the keys')
    for c in ('leg-add', 'leg-update'):
        rc, out = helptext(c)
        check(rc == 0 and 'transcode=PROFILE|none' in out, 'mrelay-ctl %s --help: transcode=' % c)
    rc, out = helptext()
    check('transcode=PROFILE|none' in out, 'mrelay-ctl --help: leg-add lists transcode=')


def segments(pk: List[Tuple[int, int, int, int]]) -> List[List[Any]]:
    """Runs of consecutive packets with the same (PT, SSRC, ts step); a
    run's first step (the one into it) is not counted in it."""
    segs = []
    for a, b in zip(pk, pk[1:]):
        key = (b[3], b[2], (b[1] - a[1]) & 0xffffffff)
        if segs and segs[-1][0] == key:
            segs[-1][1] += 1
        else:
            segs.append([key, 1])
    return segs


def flows_of(path: str, sport_base: int) -> Dict[int, List[Tuple[int, int, int, int]]]:
    """(seq, ts, SSRC, PT) of the RTP packets in a pcap by flow (UDP source
    port - sport_base)."""
    flows: Dict[int, List[Tuple[int, int, int, int]]] = {}
    for frame in frames(path):
        if len(frame) < 14 + 20 + 8 + 12 or frame[12:14] != b'\x08\x00':
            continue
        sport = struct.unpack('!H', frame[34:36])[0]
        rtp = frame[42:]
        seq, ts, ssrc = struct.unpack('!HII', rtp[2:12])
        flows.setdefault(sport - sport_base, []).append((seq, ts, ssrc, rtp[1] & 0x7f))
    return flows


def case_control(args: argparse.Namespace, work: dc.Workdir) -> int:
    fails = []

    def check(cond: bool, what: str, detail: str = '') -> None:
        dc.log(('ok   ' if cond else 'FAIL ') + what)
        if not cond:
            if detail:
                print(detail, flush=True)
            fails.append(what)

    check_help(args, check)
    out0 = work.file('ctl_out_worker.pcap')
    out = work.file('ctl_out.pcap')
    empty = empty_pcap(work, 'ctl_empty.pcap')
    r = Relay(args, work, 'ctl', CTL_CONF + legs(), '0@0,1@1,2@1',
              ['net_rtpgen0,streams=%d,rate=%d,opus=1' % (STREAMS, RATE),
               'net_pcap1,rx_pcap=%s,tx_pcap=%s,tx_pcap=%s' % (empty, out0, out)],
              CTL_SECONDS)
    try:
        time.sleep(2)
        rc, pr = r.raw('/mrelay/profiles')
        rows = {n: i for i, n in enumerate(pr.get('name', []))} if rc == 0 else {}
        check(rc == 0 and set(rows) == {'narrow', 'wide'} and pr['transcoders'] == 1,
              'profiles: narrow and wide, 1 transcoder (%s)' % pr)
        if rows:
            n, w = rows['narrow'], rows['wide']
            check([pr[k][n] for k in ('in', 'in_pt', 'out', 'out_pt', 'ptime', 'bitrate', 'rate',
                                      'channels', 'reorder', 'legs')]
                  == ['opus', 111, 'opus', 96, 40, 16000, 16000, 1, 3, STREAMS] and
                  [pr[k][w] for k in ('out_pt', 'ptime', 'bitrate', 'rate', 'legs')]
                  == [97, 20, 24000, 48000, 0],
                  'profiles: every parameter as configured, defaults filled, legs using each')
        rc, lg = r.raw('/mrelay/leg,a0')
        check(rc == 0 and lg.get('transcode') == 'narrow', 'leg a0: transcode narrow')

        # the subcommands: profiles and transcoders as tables, --json as the relay sent it
        rc, prj = r.ctlj('profiles')
        check(rc == 0 and prj == pr, 'mrelay-ctl --json profiles: the relay\'s reply')
        rc, txt, err = r.ctl('profiles')
        t = profiles_text(txt)
        check(rc == 0 and t is not None and t[0] == '1' and set(t[1]) == {'narrow', 'wide'} and
              all(t[1][nm][k] == str(pr[k][rows[nm]]) for nm in t[1] for k in PROFILE_COLS),
              'mrelay-ctl profiles: narrow and wide, every parameter as /mrelay/profiles', txt)
        if t is not None and 'narrow' in t[1]:
            check([t[1]['narrow'][k] for k in ('in', 'out', 'out_pt', 'ptime', 'bitrate', 'rate',
                                               'legs')]
                  == ['opus', 'opus', '96', '40', '16000', '16000', str(STREAMS)],
                  'mrelay-ctl profiles: narrow as configured, used by %d legs' % STREAMS)
        rc, tcj = r.raw('/mrelay/transcoders')
        rc2, txt, err = r.ctl('transcoders')
        t = transcoders_text(txt)
        check(rc2 == 0 and t is not None and rc == 0 and t[0] == tcj['lcore'] and len(t[0]) == 1
              and sum(t[1].get('creates', [-1])) == STREAMS and
              t[1].get('resets_profile') == [0] and
              set(t[1]) == {k for k, v in tcj.items() if isinstance(v, list)} - {'lcore'},
              'mrelay-ctl transcoders: one lcore, every counter, %d channels created'
              % STREAMS, txt)
        rc, tcj2 = r.ctlj('transcoders')
        check(rc == 0 and tcj2.get('lcore') == tcj['lcore'] and
              set(tcj2) == set(tcj), 'mrelay-ctl --json transcoders: the relay\'s reply')

        # profile-set on a profile no leg uses: updated, no channel touched
        rc, txt, err = r.ctl('profile-set', 'wide', 'complexity=5', 'bitrate=32000')
        d = kv_text(txt)
        check(rc == 0 and d.get('result') == 'updated' and d.get('profile') == 'wide' and
              d.get('channels_updated') == '0' and d.get('channels_failed') == '0',
              'mrelay-ctl profile-set wide complexity=5 bitrate=32000: updated', txt + err)
        rc, txt, err = r.ctl('profiles')
        t = profiles_text(txt)
        if t is not None and {'narrow', 'wide'} <= set(t[1]):
            w, n = t[1]['wide'], t[1]['narrow']
            check([w[k] for k in ('complexity', 'bitrate', 'out_pt', 'ptime', 'rate', 'legs')] ==
                  ['5', '32000', '97', '20', '48000', '0'] and
                  all(n[k] == str(pr[k][rows['narrow']]) for k in PROFILE_COLS),
                  'mrelay-ctl profiles: wide complexity 5 bitrate 32000, the rest kept; '
                  'narrow unchanged')
        else:
            check(False, 'mrelay-ctl profiles after profile-set', txt + err)
        rc, pr = r.raw('/mrelay/profiles')
        check(rc == 0 and tc_sum(r, 'resets_profile') == 0, 'no channel reset by it')

        rc, legs_before = r.raw('/mrelay/legs')
        creates0 = tc_sum(r, 'creates')
        check(creates0 == STREAMS and tc_sum(r, 'resets_profile') == 0,
              'transcoders: %d channels created, no profile reset yet' % creates0)

        # bad requests change nothing
        bad = [
            ('/mrelay/leg_update,name=a0,transcode=nosuch', "transcode: no profile named 'nosuch'"),
            ('/mrelay/leg_update,name=a0,transcode=', "transcode: '' is not a profile"),
            ('/mrelay/leg_add,name=n1,session=s9,port=0,local=auto,remote=latch,transcode=nosuch',
             "transcode: no profile named 'nosuch'"),
            ('/mrelay/leg_add,name=a0,session=s0,port=0,local=10.0.0.1:30000,'
             'remote=10.1.0.1:20000,forward=b0,transcode=wide', 'exists with another transcode'),
            ('/mrelay/profile_set,name=nosuch,ptime=20', "name: no profile named 'nosuch'"),
            ('/mrelay/profile_set,name=wide,ptime=30', "ptime: '30' is not"),
            ('/mrelay/profile_set,name=wide,out=g729', "out: 'g729' is not"),
            ('/mrelay/profile_set,name=wide', 'give at least one field'),
            ('/mrelay/profile_set,name=wide,out=pcmu,rate=16000', 'does not support'),
        ]
        for cmd, want in bad:
            rc, d = r.raw(cmd)
            check(rc == 1 and d.get('status') == 'error' and want in d.get('error', ''),
                  '%s -> error %r (%s)' % (cmd, want, d.get('error')))
        # the same through the subcommands: exit 1, the relay's error on stderr
        bad_ctl = [
            (['profile-set', 'wide', 'ptime=30'], "ptime: '30' is not 10, 20, 40 or 60"),
            (['profile-set', 'wide', 'rate=16000', 'out=pcmu'], 'does not support'),
            (['profile-set', 'nosuch', 'ptime=20'], "name: no profile named 'nosuch'"),
            (['profile-set', 'wide', 'fec=2'], "fec: '2' is not 0 or 1"),
            (['leg-update', 'name=a0', 'transcode=nosuch'], "transcode: no profile named 'nosuch'"),
        ]
        for argv, want in bad_ctl:
            rc, txt, err = r.ctl(*argv)
            check(rc == 1 and txt == '' and err.startswith('mrelay-ctl: error: ') and want in err,
                  'mrelay-ctl %s -> exit 1, %r (%d: %s)' % (' '.join(argv), want, rc, err.strip()))
        rc, d = r.ctlj('profile-set', 'wide', 'ptime=30')
        check(rc == 1 and d.get('status') == 'error' and "ptime: '30'" in d.get('error', ''),
              'mrelay-ctl --json profile-set wide ptime=30 -> exit 1, the error as JSON')
        for argv in (['profile-set', 'wide'], ['profile-set', 'wide', 'ptime'],
                     ['profile-set', 'wide', 'name=narrow', 'ptime=20'],
                     ['profile-set', 'wide', 'ptime=20,fec=1']):
            rc, txt, err = r.ctl(*argv)
            check(rc == 2 and txt == '', 'mrelay-ctl %s -> usage, exit 2' % ' '.join(argv))
        nbad = len(bad) + len(bad_ctl) + 5
        rc, legs_after = r.raw('/mrelay/legs')
        rc2, pr2 = r.raw('/mrelay/profiles')
        check(legs_after == legs_before and pr2 == pr and tc_sum(r, 'resets_profile') == 0 and
              tc_sum(r, 'creates') == creates0, 'nothing changed after %d bad requests' % nbad)

        # profile A -> profile B: the channel stays, reset by reason profile
        rc, d = r.raw('/mrelay/leg_update,name=a1,transcode=wide')
        check(rc == 0 and d.get('result') == 'updated' and d.get('transcode') == 'wide' and
              d.get('channels_updated') == 1 and d.get('channels_failed') == 0 and
              d.get('streams_deleted') == 0,
              'leg_update a1 narrow -> wide: 1 channel updated (%s)' % d)
        v = wait_tc(r, 'resets_profile', 1)
        check(v == 1, 'transcoders: resets_profile 1 (%d)' % v)
        rc, d = r.raw('/mrelay/leg_update,name=a1,transcode=wide')
        check(rc == 0 and d.get('result') == 'unchanged' and d.get('channels_updated') == 0,
              'the same again: unchanged')
        rc, d = r.ctlj('leg-update', 'name=a1', 'transcode=wide')
        check(rc == 0 and d.get('result') == 'unchanged' and d.get('transcode') == 'wide',
              'mrelay-ctl leg-update name=a1 transcode=wide: passed through, unchanged')
        # profile -> none: the stream goes, the worker forwards it as received
        rc, d = r.raw('/mrelay/leg_update,name=a2,transcode=none')
        check(rc == 0 and d.get('result') == 'updated' and d.get('transcode') == 'none' and
              d.get('streams_deleted') == 1 and d.get('channels_updated') == 0,
              'leg_update a2 narrow -> none: its stream deleted (%s)' % d)
        rc, lg1 = r.raw('/mrelay/leg,a1')
        rc2, lg2 = r.raw('/mrelay/leg,a2')
        check(lg1.get('transcode') == 'wide' and lg2.get('transcode') == 'none',
              'leg: a1 wide, a2 none')
        time.sleep(1.5)
        # a profile's parameters: every channel using it is updated
        rc, d = r.raw('/mrelay/profile_set,name=narrow,ptime=60')
        check(rc == 0 and d.get('result') == 'updated' and d.get('channels_updated') == 1 and
              d.get('channels_failed') == 0, 'profile_set narrow ptime=60: a0\'s channel (%s)' % d)
        v = wait_tc(r, 'resets_profile', 2)
        check(v == 2, 'transcoders: resets_profile 2 (%d)' % v)
        rc, d = r.raw('/mrelay/profile_set,name=narrow,ptime=60,bitrate=16000')
        check(rc == 0 and d.get('result') == 'unchanged' and d.get('channels_updated') == 0,
              'profile_set with the current values: unchanged')
        rc, d = r.raw('/mrelay/leg_add,name=n2,session=s9,port=0,local=auto,remote=latch,'
                      'transcode=wide')
        rc2, lg = r.raw('/mrelay/leg,n2')
        rc3, d3 = r.raw('/mrelay/leg_delete,name=n2')
        check(rc == 0 and d.get('result') == 'added' and d.get('transcode') == 'wide' and
              lg.get('transcode') == 'wide' and rc3 == 0, 'leg_add with transcode=wide, deleted')
        rc, pr3 = r.raw('/mrelay/profiles')
        if rc == 0:
            n, w = pr3['name'].index('narrow'), pr3['name'].index('wide')
            check(pr3['ptime'][n] == 60 and pr3['bitrate'][n] == 16000 and pr3['legs'][n] == 1 and
                  pr3['legs'][w] == 1, 'profiles: narrow ptime 60, other fields kept; 1 leg each')
        rc, txt, err = r.ctl('profiles')
        t = profiles_text(txt)
        check(rc == 0 and t is not None and t[1].get('narrow', {}).get('ptime') == '60' and
              t[1]['narrow']['legs'] == '1' and t[1].get('wide', {}).get('legs') == '1',
              'mrelay-ctl profiles: narrow ptime 60, 1 leg each', txt)
        # none -> profile: the stream is learned again with a new channel
        rc, d = r.raw('/mrelay/leg_update,name=a2,transcode=wide')
        check(rc == 0 and d.get('streams_deleted') == 1 and d.get('transcode') == 'wide',
              'leg_update a2 none -> wide: its stream deleted (%s)' % d)
        time.sleep(0.5)
        check(wait_tc(r, 'creates', creates0 + 1) == creates0 + 1,
              'a2\'s stream learned again: one more channel')
        rc, st = r.raw('/mrelay/stream,10.0.0.1:30002,%d' % (0x10000002))
        check(rc == 0 and st.get('leg') == 'a2' and st.get('received', 0) > 0,
              'a2\'s stream is back (%s)' % st.get('received'))
        time.sleep(1.5)
        destroys = tc_sum(r, 'destroys')
        check(0 <= destroys <= 1, 'transcoders: a2\'s first channel destroyed at most once (%d; '
              'at the reclamation of its stream)' % destroys)
    finally:
        code = r.stop()
    check(code == 0, 'mrelay exits 0')
    s = dc.load_summary(r.summary)
    drops = {k: v for k, v in s['drops'].items() if v and k != 'shutdown'}
    check(not drops, 'no drops (%s)' % drops)
    check(s['mbufs_in_use_at_exit'] == 0, 'every mbuf back at exit (%d in use)'
          % s['mbufs_in_use_at_exit'])

    # what went out: (pt, ssrc, ts step) runs per flow
    tc = flows_of(out, 32000)
    wk = flows_of(out0, 32000)
    for i in range(STREAMS):
        pk = tc.get(i, [])
        gaps = [(a[0], b[0]) for a, b in zip(pk, pk[1:]) if (a[0] + 1) & 0xffff != b[0]]
        segs = [(k, n) for k, n in segments(pk) if n >= 5]
        dc.log('flow %d: %d packets from the transcoder, %d from the worker; runs %s'
               % (i, len(pk), len(wk.get(i, [])), segs))
        if i == 0:
            check(len({p[2] for p in pk}) == 1 and not gaps, 'flow 0: one SSRC, continuous seq')
            check([(k[0], k[2]) for k, _ in segs] == [(96, 1920), (96, 2880)],
                  'flow 0: PT 96 at 40 ms, then at 60 ms after profile_set')
        elif i == 1:
            check(len({p[2] for p in pk}) == 1 and not gaps,
                  'flow 1: one SSRC, continuous seq across the profile change')
            check([(k[0], k[2]) for k, _ in segs] == [(96, 1920), (97, 960)],
                  'flow 1: PT 96 at 40 ms, then PT 97 at 20 ms')
        else:
            ssrcs = []
            for p in pk:
                if not ssrcs or ssrcs[-1] != p[2]:
                    ssrcs.append(p[2])
            check(len(ssrcs) == 2 and len(set(ssrcs)) == 2 and
                  [(k[0], k[2]) for k, _ in segs] == [(96, 1920), (97, 960)],
                  'flow 2: narrow channel, then a new channel (new SSRC) with wide')
            w2 = wk.get(i, [])
            check(len(w2) >= RATE // STREAMS and {p[3] for p in w2} == {111} and
                  {p[2] for p in w2} == {0x10000000 + i},
                  'flow 2 without transcoding: forwarded by the worker as received '
                  '(%d packets, PT 111, input SSRC)' % len(w2))
    check(set(wk) <= {2}, 'the worker sent only the untranscoded leg\'s packets')
    return 1 if fails else 0


NONE_CONF = [
    ('relay', {'workers': 1}),
    ('port.0', {'ipv4': '10.0.0.1', 'nexthop_mac': '02:00:00:00:00:02'}),
    ('profile.narrow', {'out': 'opus', 'ptime': 40}),
]


def case_none(args: argparse.Namespace, work: dc.Workdir) -> int:
    """transcode=PROFILE on a relay without transcoder lcores: an error, nothing changed."""
    fails = []
    r = Relay(args, work, 'none', NONE_CONF + legs(None, 0), '0@0,1@1',
              ['net_rtpgen0,streams=%d,rate=%d' % (STREAMS, RATE)], 30)
    try:
        rc, before = r.raw('/mrelay/legs')
        for cmd in ('/mrelay/leg_update,name=a0,transcode=narrow',
                    '/mrelay/leg_add,name=n1,session=s9,local=auto,remote=latch,transcode=narrow'):
            rc, d = r.raw(cmd)
            ok = rc == 1 and 'transcode:' in d.get('error', '') and \
                'no transcoder lcores' in d.get('error', '')
            dc.log(('ok   ' if ok else 'FAIL ') + '%s -> %s' % (cmd, d.get('error')))
            if not ok:
                fails.append(cmd)
        rc, d = r.raw('/mrelay/leg_update,name=a0,transcode=none')
        rc2, lg = r.raw('/mrelay/leg,a0')
        rc3, after = r.raw('/mrelay/legs')
        rc4, pr = r.raw('/mrelay/profiles')
        ok = rc == 0 and d.get('result') == 'unchanged' and lg.get('transcode') == 'none' and \
            before == after and pr.get('transcoders') == 0 and pr.get('name') == ['narrow']
        dc.log(('ok   ' if ok else 'FAIL ') + 'transcode=none accepted, unchanged; legs as before')
        if not ok:
            fails.append('none')
    finally:
        code = r.stop()
    if code != 0:
        fails.append('exit %s' % code)
    dc.log('none: %d failure(s)' % len(fails))
    return 1 if fails else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('case', nargs='?', choices=['static', 'control', 'none'],
                    help='one case (default: all)')
    ap.add_argument('--mrelay', required=True, help='the mrelay binary')
    ap.add_argument('--ctl', default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  '..', 'tools', 'mrelay-ctl'),
                    help='tools/mrelay-ctl (default: the one of this source tree)')
    args = ap.parse_args()

    def run(work: dc.Workdir) -> None:
        dc.need_root()
        failed = []
        for name in ([args.case] if args.case else ['static', 'control', 'none']):
            dc.log('--- case %s' % name)
            if globals()['case_' + name](args, work):
                failed.append(name)
        if failed:
            raise dc.TestFailed('case(s) %s' % ', '.join(failed))
    dc.main(run)


if __name__ == '__main__':
    main()
