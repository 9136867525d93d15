#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""QUIC connections through mrelay's life cycle: relatch, RoQ<->RoQ, churn, bad input.

    root namespace                          namespace mrtest_<pid>
    mrelay --vdev net_af_packet0,iface=R    N: 10.99.0.2/24
    R: 10.99.0.1 (no kernel IP)  <=veth=>   roq-client(s) -> 10.99.0.1:4433 / :4434
                                            echo: UDP 10.99.0.2:40000 <-> 10.99.0.1:30000

One mrelay, two QUIC endpoints (roq on 4433; ret on 4434 with
retry_above = 1) and three sessions: q (quic = roq, flow 7) <-> u (UDP, to
an echo socket in the namespace), and a (flow 8) <-> b (flow 9), RoQ to
RoQ, and o (flow 10) <-> ov (UDP). roq-client is quic-go (no code
shared with ngtcp2). In order:

1. relatch: a client on flow 7 gets its RTP back through u and closes;
   as soon as its connection drains, leg q is unlatched (its streams
   gone); then 3 connections back to back on flow 7, each taking the leg
   within the previous one's draining period: all RTP back, no drop.
2. RoQ <-> RoQ: a client on flow 9 reflects what it receives (-echo);
   a client on flow 8 sends 500 packets, which cross the relay twice
   (a -> b, b -> a) and all come back: counted at both clients.
3. churn: 400 connections (MR_QUIC_CHURN_CONNS) on flow 7, back to back
   (two RTP packets each, echoed, none source_mismatch), a NAT rebinding
   in every fourth: /mrelay/quic connections, mbufs in use
   (/mrelay/mempools), streams (/mrelay/info) back to where they were
   after a warm-up connection, and the process's RSS within 4 MiB of it.
4. bad input from a Python socket in the namespace while a RoQ call on
   flow 7 keeps flowing (2500 packets, all back): garbage, truncated and
   oversized-CID long headers, short headers with unknown CIDs (random,
   another server ID, an owner beyond the workers, ours with no connection:
   stateless reset), 1472-octet datagrams, an Initial flood with
   undecryptable payloads, unknown versions (Version Negotiation), RTP from
   a UDP leg too big for its RoQ leg's datagrams (roq_too_big); with one
   connection held on ret, Initials there get Retry; a real client Initial
   replayed from an address that never answers gets at most 3 times its
   size back (anti-amplification). Every bad datagram counted under a quic
   name, mrelay alive.

Run as root. Exit 77 (skip) when go is not installed (no roq-client),
netns/veth cannot be made or net_af_packet is missing. --echo and --bad
are the parts that run inside the namespace.
"""

import argparse
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time
from typing import Any, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'quic'))
import dts_common as dc  # noqa: E402
import test_af_packet as afp  # noqa: E402  (addresses of the veth + netns set-up)
import test_quic as tq  # noqa: E402  (the UDP echo in the namespace)
import run_roq  # noqa: E402  (the test certificate)

QUIC_PORT = 4433
RETRY_PORT = 4434
OV_LOCAL = 30002      # leg ov (UDP) <-> leg o (RoQ flow 10): RTP too big for a datagram
OV_REMOTE = 40002
OVERSIZED = 20
BIG_RTP = 1400        # over the client's max_datagram_frame_size
GOOD_PKTS = 2500      # the RoQ call that keeps flowing through the bad input (2 ms apart)
SERVER_ID = b'\x5a\xa5'  # roq's QUIC-LB server ID: our CIDs are 0b 5a a5 <owner> <8 nonce>
# CI's churn; MR_QUIC_CHURN_CONNS=5000 (say) for a long one offline
CHURN_CONNS = int(os.environ.get('MR_QUIC_CHURN_CONNS', '400'))
CHURN_REBIND_EVERY = 4
RSS_SLACK_KIB = 4096
# source_mismatch in a churn: a hold that outlived ROQ_HOLD_MS (50 ms) on a loaded VM
HANDOVER_SLACK = 2
SSRC = 0x51c0ffee


def config_text(cert: str, key: str) -> str:
    quic = ['port = 0', 'cert = ' + cert, 'key = ' + key, 'idle_timeout_ms = 5000',
            'handshake_timeout_ms = 3000', 'handshakes_per_poll = 4']
    return '\n'.join([
        '; written by dts/test_quic_life.py',
        '[port.0]', 'ipv4 = ' + afp.RELAY_IP, 'nexthop_mac = ' + afp.NS_MAC, '',
        '[quic.roq]', 'local = %s:%d' % (afp.RELAY_IP, QUIC_PORT), *quic,
        'server_id = %s' % SERVER_ID.hex(), '',
        '[quic.ret]', 'local = %s:%d' % (afp.RELAY_IP, RETRY_PORT), *quic, 'retry_above = 1',
        '',
        # every connection of the churn starts a stream on q: no new-stream rate
        '[leg.q]', 'session = s1', 'quic = roq', 'flow = 7', 'forward = u',
        'new_streams_per_s = 0', '',
        '[leg.u]', 'session = s1', 'port = 0', 'local = %s:%d' % (afp.RELAY_IP, tq.U_LOCAL),
        'remote = %s:%d' % (afp.NS_IP, tq.U_REMOTE), 'forward = q', '',
        '[leg.a]', 'session = s2', 'quic = roq', 'flow = 8', 'forward = b', '',
        '[leg.b]', 'session = s2', 'quic = roq', 'flow = 9', 'forward = a', '',
        '[leg.o]', 'session = s3', 'quic = roq', 'flow = 10', 'forward = ov', '',
        '[leg.ov]', 'session = s3', 'port = 0', 'local = %s:%d' % (afp.RELAY_IP, OV_LOCAL),
        'remote = %s:%d' % (afp.NS_IP, OV_REMOTE), 'forward = o', ''])


# ---------------------------------------------------------------- netns side

def our_cid(owner: int, server_id: bytes = SERVER_ID) -> bytes:
    """A CID of roq's format (QUIC-LB plaintext, docs/quic.md) for @owner."""
    return bytes([len(server_id) + 9]) + server_id + bytes([owner]) + os.urandom(8)


def long_header(ptype: int, version: int, dcid: bytes, scid: bytes, rest: bytes) -> bytes:
    return (bytes([0xc0 | ptype << 4]) + struct.pack('!I', version) + bytes([len(dcid)]) +
            dcid + bytes([len(scid)]) + scid + rest)


def initial(dcid: bytes, size: int = 1200) -> bytes:
    """A v1 Initial whose header is well formed and whose payload is noise."""
    head = long_header(0, 1, dcid, os.urandom(8), b'\x00')  # token length 0
    body = size - len(head) - 2
    return head + struct.pack('!H', 0x4000 | body) + os.urandom(body)


def capture_initial(client: str, cert: str) -> bytes:
    """A real client Initial (quic-go's, ClientHello for roq-14), sent to a socket here."""
    sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sk.bind((afp.NS_IP, 0))
    sk.settimeout(3.0)
    cl = subprocess.Popen([client, '-addr', '%s:%d' % sk.getsockname(), '-ca', cert,
                           '-n', '0', '-timeout', '500ms'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        data, _src = sk.recvfrom(4096)
    finally:
        cl.wait(10)
        sk.close()
    if len(data) < 1200 or not data[0] & 0x80:
        raise RuntimeError('captured %d octets, not an Initial' % len(data))
    return data


def bad(out_path: str, client: str, cert: str) -> None:
    """Inside the namespace: the bad datagrams, and what came back."""
    rnd = random.Random(15)
    sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sk.bind((afp.NS_IP, 0))
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    main = (afp.RELAY_IP, QUIC_PORT)
    res: Dict[str, Any] = {}
    # leg o latched to a client on flow 10 whose one packet comes out of ov here
    ov = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ov.bind((afp.NS_IP, OV_REMOTE))
    ov.settimeout(5.0)
    big = subprocess.Popen([client, '-addr', '%s:%d' % main, '-ca', cert, '-flow', '10',
                            '-n', '1', '-hold', '4s'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ov.recvfrom(4096)
    initial_pkt = capture_initial(client, cert)
    kinds: Dict[str, List[bytes]] = {
        'garbage': [bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 60)))
                    for _ in range(300)],
        'truncated_long': [long_header(0, 1, os.urandom(8), b'', b'')[:n]
                           for n in range(1, 14) for _ in range(10)],
        'cid_too_long': [long_header(0, 1, os.urandom(21), b'', b'').ljust(1200, b'\0')
                         for _ in range(50)],
        'short_unknown': [bytes([0x40]) + os.urandom(40) for _ in range(300)],
        # CIDs of our format: another server, an owner beyond the workers, and
        # ours with no connection (a stateless reset, smaller than the packet)
        'short_other_server': [bytes([0x40]) + our_cid(0, b'\x01\x02') + os.urandom(40)
                               for _ in range(50)],
        'short_bad_owner': [bytes([0x40]) + our_cid(9) + os.urandom(40) for _ in range(50)],
        'short_ours_gone': [bytes([0x40]) + our_cid(0) + os.urandom(40) for _ in range(20)],
        # as large as the link carries (1500 MTU): unknown CIDs all the same
        'short_unknown_max': [bytes([0x40]) + os.urandom(1471) for _ in range(50)],
        'initial_small': [initial(os.urandom(8), 600) for _ in range(50)],
        'initial_flood': [initial(os.urandom(8)) for _ in range(1000)],
        'version_unknown': [long_header(0, 0x1a2a3a4a, os.urandom(8), os.urandom(8),
                                        b'').ljust(1200, b'\0') for _ in range(20)],
    }
    sent = {}
    for name, pkts in kinds.items():
        for p in pkts:
            sk.sendto(p, main)
        sent[name] = len(pkts)
        time.sleep(0.2)
    # RTP for leg o too big for a DATAGRAM frame: roq_too_big
    for i in range(OVERSIZED):
        ov.sendto(struct.pack('!BBHII', 0x80, 0, i, i * 160, 0x0ba5e) + bytes(BIG_RTP - 12),
                  (afp.RELAY_IP, OV_LOCAL))
    sent['oversized_rtp'] = OVERSIZED
    # Retry: the held connection puts ret's worker at retry_above
    for _ in range(20):
        sk.sendto(initial(os.urandom(8)), (afp.RELAY_IP, RETRY_PORT))
    sent['retry_probe'] = 20
    # anti-amplification: a real Initial from an address that never answers;
    # the server may send it at most 3 times what it got (RFC 9000 8.1)
    amp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    amp.bind((afp.NS_IP, 0))
    amp.sendto(initial_pkt, main)
    amp_rx = amp_pkts = 0
    end = time.monotonic() + 3.5  # past the handshake timeout (3 s)
    while time.monotonic() < end:
        amp.settimeout(max(end - time.monotonic(), 0.01))
        try:
            data, _src = amp.recvfrom(4096)
        except socket.timeout:
            break
        amp_rx += len(data)
        amp_pkts += 1
    res['amplification'] = {'sent': len(initial_pkt), 'received': amp_rx, 'packets': amp_pkts}
    got: Dict[str, int] = {'version_negotiation': 0, 'retry': 0, 'reset': 0, 'other': 0}
    sk.settimeout(0.5)
    while True:
        try:
            data, _src = sk.recvfrom(4096)
        except socket.timeout:
            break
        if data[0] & 0x80 and data[1:5] == b'\0\0\0\0':
            got['version_negotiation'] += 1
        elif data[0] & 0x80 and (data[0] >> 4) & 3 == 3:
            got['retry'] += 1
        elif not data[0] & 0x80:
            got['reset'] += 1
        else:
            got['other'] += 1
    big.wait(30)
    res.update({'sent': sent, 'got': got, 'big_exit': big.returncode})
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(res, f)


# ---------------------------------------------------------------- root side

def rss_kib(pid: int) -> int:
    with open('/proc/%d/status' % pid, encoding='utf-8') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise dc.TestFailed('no VmRSS for pid %d' % pid)


def figures(prefix: str, pid: int) -> Dict[str, Any]:
    """What must come back after a churn: connections, mbufs, streams, RSS."""
    q = dc.telemetry(prefix, '/mrelay/quic')
    mp = dc.telemetry(prefix, '/mrelay/mempools')
    info = dc.telemetry(prefix, '/mrelay/info')
    return {'connections': q.get('connections'),
            'mbufs_in_use': dict(zip(mp['name'], mp['in_use'])),
            'streams': info.get('streams'), 'rss_kib': rss_kib(pid)}


def quic_sum(prefix: str, field: str) -> int:
    q = dc.telemetry(prefix, '/mrelay/quic')
    return sum(q.get(field, []))


def drops(prefix: str) -> Dict[str, int]:
    d = dc.telemetry(prefix, '/mrelay/drops')
    return {k: v for k, v in d.items() if isinstance(v, int) and v and k != 'total'}


class Run:
    """The relay and the namespace, and the client runs against them."""

    def __init__(self, args: argparse.Namespace, work: dc.Workdir, cert: str) -> None:
        self.args = args
        self.work = work
        self.cert = cert
        pid = os.getpid()
        self.ns = 'mrtest_%d' % pid
        self.nsx = ['ip', 'netns', 'exec', self.ns]
        self.prefix = 'mrdts_quic3_%d' % pid
        self.mr: Any = None

    def client(self, flow: int, *extra: str, port: int = QUIC_PORT,
               timeout: float = 60) -> Dict[str, Any]:
        cmd = self.nsx + [self.args.client, '-addr', '%s:%d' % (afp.RELAY_IP, port),
                          '-ca', self.cert, '-flow', str(flow), *extra]
        cl = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        return self.result(cl.stdout, cl.stderr, cl.returncode)

    def client_bg(self, flow: int, *extra: str, port: int = QUIC_PORT) -> subprocess.Popen:
        cmd = self.nsx + [self.args.client, '-addr', '%s:%d' % (afp.RELAY_IP, port),
                          '-ca', self.cert, '-flow', str(flow), *extra]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def result(out: str, err: str, rc: int) -> Dict[str, Any]:
        lines = [ln for ln in out.splitlines() if ln.startswith('{')]
        if not lines:
            raise dc.TestFailed('roq-client printed no result (exit %d): %s'
                                % (rc, err.strip()[-800:]))
        res = json.loads(lines[-1])
        res['exit'] = rc
        return res

    def released(self, seconds: float = 5) -> Dict[str, Any]:
        """/mrelay/quic once every connection is released (closing period: 3 PTO)."""
        deadline = time.monotonic() + seconds
        st = dc.telemetry(self.prefix, '/mrelay/quic')
        while st.get('connections') != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
            st = dc.telemetry(self.prefix, '/mrelay/quic')
        if st.get('connections') != 0:
            raise dc.TestFailed('connections not released: %s' % st)
        return st

    def leg(self, name: str) -> Dict[str, Any]:
        return dc.telemetry(self.prefix, '/mrelay/leg,' + name)

    def unlatched(self, name: str, seconds: float = 3) -> Dict[str, Any]:
        deadline = time.monotonic() + seconds
        lg = self.leg(name)
        while lg.get('latched') and time.monotonic() < deadline:
            time.sleep(0.1)
            lg = self.leg(name)
        return lg


def expect(errors: List[str], ok: bool, what: str) -> None:
    if not ok:
        errors.append(what)


def phase_relatch(rn: Run, errors: List[str]) -> None:
    first = rn.client(7, '-n', '200', '-interval', '1ms')
    # unlatched when the connection starts draining, not 3 PTO later at its release
    lg = rn.unlatched('q')
    before = drops(rn.prefix)
    # back to back in one process: each connection's handshake falls in the
    # previous one's draining period, and it takes flow 7 at once
    b2b = rn.client(7, '-n', '200', '-interval', '1ms', '-conns', '3', '-ssrc', str(SSRC))
    rn.released()
    delta = {k: v - before.get(k, 0) for k, v in drops(rn.prefix).items()
             if v != before.get(k, 0)}
    unlatch = quic_sum(rn.prefix, 'roq_unlatch')
    dc.log('relatch: first %d/%d back, leg q after its close: latched %s remote %s; '
           '3 connections back to back: %d/%d back; drops %s; roq_unlatch %d'
           % (first['received'], first['sent'], lg.get('latched'), lg.get('remote'),
              b2b['received'], b2b['sent'], delta, unlatch))
    expect(errors, first['received'] == 200 and first['exit'] == 0,
           'relatch: first client %s' % first)
    expect(errors, not lg.get('latched'), 'relatch: leg q still latched: %s' % lg)
    # a new connection's frames wait for the unlatch (roq_held) instead of
    # being source_mismatch; at release, 3 PTO later, it was about 60 a handover
    delta.pop('quic_closing', 0)  # the client's last ACKs to a draining connection
    expect(errors, b2b['received'] == 600 and b2b['exit'] == 0,
           'relatch: back-to-back connections on flow 7 got %s' % b2b)
    expect(errors, not delta, 'relatch: drops %s' % delta)
    expect(errors, unlatch >= 4, 'relatch: roq_unlatch %d' % unlatch)


def phase_roq_roq(rn: Run, errors: List[str]) -> None:
    before = drops(rn.prefix)
    # the reflector's 3 packets latch b; they go to a, not latched yet: counted
    refl = rn.client_bg(9, '-echo', '-n', '3', '-hold', '6s')
    time.sleep(1.5)
    sender = rn.client(8, '-n', '500', '-interval', '2ms', '-wait', '2s')
    out, err = refl.communicate(timeout=30)
    rres = Run.result(out, err, refl.returncode)
    rn.released()
    after = drops(rn.prefix)
    delta = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
    dc.log('roq<->roq: sender %d sent, %d back (lost %d); reflector echoed %d; drops %s'
           % (sender['sent'], sender['received'], sender['lost'], rres['echoed'], delta))
    # the sender's first packets latch a; a reflection can come back to a
    # before the main lcore has latched it: no_dest, every packet counted
    late = delta.pop('no_dest', 0) - 3
    expect(errors, sender['sent'] == 500 and sender['received'] + max(late, 0) == 500 and
           0 <= late <= 2, 'roq<->roq: sender %s, %d no_dest beyond 3' % (sender, late))
    expect(errors, rres['echoed'] == 500 and rres['exit'] == 0,
           'roq<->roq: reflector %s' % rres)
    expect(errors, not delta, 'roq<->roq: drops %s' % delta)


def phase_churn(rn: Run, errors: List[str]) -> None:
    # warm-up: the first connection's one-time allocations, u's stream of SSRC
    rn.client(7, '-n', '1', '-ssrc', str(SSRC))
    rn.released()
    rn.unlatched('q')
    time.sleep(0.5)
    base = figures(rn.prefix, rn.mr.pid)
    hs0 = quic_sum(rn.prefix, 'handshakes')
    paths0 = quic_sum(rn.prefix, 'path_changes')
    before = drops(rn.prefix)
    t0 = time.monotonic()
    # 2 packets a connection, the second from a new port in every fourth
    res = rn.client(7, '-n', '2', '-interval', '1ms', '-conns', str(CHURN_CONNS),
                    '-ssrc', str(SSRC), '-rebind-at', '1', '-rebind-every',
                    str(CHURN_REBIND_EVERY), '-wait', '300ms',
                    timeout=30 + CHURN_CONNS * 0.1)
    wall = time.monotonic() - t0
    mid = figures(rn.prefix, rn.mr.pid)
    rn.released(10)
    rn.unlatched('q')
    time.sleep(0.5)
    end = figures(rn.prefix, rn.mr.pid)
    hs = quic_sum(rn.prefix, 'handshakes') - hs0
    paths = quic_sum(rn.prefix, 'path_changes') - paths0
    delta = {k: v - before.get(k, 0) for k, v in drops(rn.prefix).items()
             if v != before.get(k, 0)}
    mismatch = delta.pop('source_mismatch', 0)
    delta.pop('quic_closing', 0)  # the client's last ACKs to a draining connection
    # QUIC's own loss: an echo that found the congestion window, or a new
    # path's amplification limit before its validation, full
    congested = delta.pop('roq_congested', 0)
    dc.log('churn: %d connections in %.1f s (handshake %.2f ms avg), %d rebinds, %d/%d '
           'echoed; handshakes %d; path changes %d; roq_held %d; drops: source_mismatch %d, '
           'roq_congested %d, other %s'
           % (res['opened'], wall, res['handshake_ms_avg'], res['rebinds'], res['received'],
              res['sent'], hs, paths, quic_sum(rn.prefix, 'roq_held'), mismatch, congested,
              delta))
    dc.log('churn figures before: %s' % json.dumps(base))
    dc.log('churn figures right after the client: %s' % json.dumps(mid))
    dc.log('churn figures after release: %s' % json.dumps(end))
    expect(errors, res['opened'] == CHURN_CONNS and res['exit'] == 0,
           'churn: client %s' % res)
    expect(errors, res['rebinds'] == CHURN_CONNS // CHURN_REBIND_EVERY,
           'churn: %s rebinds' % res['rebinds'])
    # handovers as in phase_relatch; the rest of the loss is QUIC's and the kernel's
    expect(errors, res['received'] >= res['sent'] * 0.99,
           'churn: %s of %s echoed' % (res['received'], res['sent']))
    expect(errors, mismatch <= HANDOVER_SLACK, 'churn: %d source_mismatch' % mismatch)
    expect(errors, not delta, 'churn: drops %s' % delta)
    expect(errors, hs == CHURN_CONNS, 'churn: %d handshakes' % hs)
    expect(errors, paths >= res['rebinds'], 'churn: %d path changes' % paths)
    for k in ('connections', 'mbufs_in_use', 'streams'):
        expect(errors, end[k] == base[k], 'churn: %s %s -> %s' % (k, base[k], end[k]))
    expect(errors, end['rss_kib'] - base['rss_kib'] <= RSS_SLACK_KIB,
           'churn: RSS %d -> %d KiB' % (base['rss_kib'], end['rss_kib']))


QUIC_DROPS = ('quic_', 'roq_')


def phase_bad(rn: Run, errors: List[str]) -> None:
    hold = rn.client_bg(0, '-n', '0', '-hold', '6s', port=RETRY_PORT)
    # the good call: RTP on flow 7 through u and back, all through the bad input
    good = rn.client_bg(7, '-n', str(GOOD_PKTS), '-interval', '2ms', '-wait', '2s')
    time.sleep(1.5)
    before = drops(rn.prefix)
    q0 = dc.telemetry(rn.prefix, '/mrelay/quic')
    out = rn.work.file('bad.json')
    subprocess.run(rn.nsx + [sys.executable, os.path.abspath(__file__), '--bad', out,
                             rn.args.client, rn.cert], timeout=120, check=True)
    gout, gerr = good.communicate(timeout=60)
    gres = Run.result(gout, gerr, good.returncode)
    hout, herr = hold.communicate(timeout=30)
    hres = Run.result(hout, herr, hold.returncode)
    st = rn.released()
    after = drops(rn.prefix)
    with open(out, encoding='utf-8') as f:
        res = json.load(f)
    delta = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
    keys = ('retries_sent', 'vn_sent', 'resets_sent', 'handshakes', 'released_dropped',
            'released_handshake_timeout')
    qd = {k: sum(st[k]) - sum(q0[k]) for k in keys if k in st and k in q0}
    sent = res['sent']
    amp = res['amplification']
    counted = sum(v for k, v in delta.items() if k.startswith(QUIC_DROPS))
    dc.log('bad input: sent %s' % sent)
    dc.log('bad input: replies %s; /mrelay/quic %s' % (res['got'], qd))
    dc.log('bad input: drops %s' % delta)
    dc.log('bad input: anti-amplification: a real Initial of %d octets from a silent address '
           'got %d octets back in %d packets (%.2fx)'
           % (amp['sent'], amp['received'], amp['packets'], amp['received'] / amp['sent']))
    dc.log('bad input: the good call on flow 7: %d sent, %d back (lost %d)'
           % (gres['sent'], gres['received'], gres['lost']))
    expect(errors, rn.mr.alive(), 'bad input: mrelay died')
    expect(errors, hres['opened'] == 1, 'bad input: held connection %s' % hres)
    expect(errors, res['big_exit'] == 0, 'bad input: the flow 10 client failed')
    expect(errors, gres['exit'] == 0 and gres['received'] == GOOD_PKTS,
           'bad input: the good call %s' % gres)
    expect(errors, all(k.startswith(QUIC_DROPS) for k in delta),
           'bad input: drops under other names: %s' % delta)
    # every datagram is a counted drop but those answered (VN, Retry) and the real Initial
    expect(errors, counted >= sum(sent.values()) - sent['retry_probe']
           - sent['version_unknown'],
           'bad input: %d counted of %d' % (counted, sum(sent.values())))
    expect(errors, delta.get('roq_too_big', 0) == OVERSIZED,
           'bad input: roq_too_big %s' % delta.get('roq_too_big'))
    expect(errors, delta.get('quic_unroutable_server', 0) >= sent['short_other_server'] and
           delta.get('quic_unroutable_owner', 0) == sent['short_bad_owner'] and
           delta.get('quic_unknown_cid', 0) >= sent['short_ours_gone'],
           'bad input: CIDs of our format not counted as such: %s' % delta)
    expect(errors, 0 < res['got']['reset'] == qd.get('resets_sent'),
           'bad input: stateless resets %s, resets_sent +%s'
           % (res['got'], qd.get('resets_sent')))
    expect(errors, res['got']['version_negotiation'] == sent['version_unknown'],
           'bad input: Version Negotiation: %s' % res['got'])
    expect(errors, qd.get('retries_sent', 0) == sent['retry_probe'] and
           res['got']['retry'] == sent['retry_probe'],
           'bad input: Retry from ret: retries_sent +%s, got %s' % (qd.get('retries_sent'),
                                                                    res['got']))
    expect(errors, 0 < amp['received'] <= 3 * amp['sent'],
           'bad input: amplification %s' % amp)


def run(work: dc.Workdir) -> None:
    def extra(ap: argparse.ArgumentParser) -> None:
        ap.add_argument('--phases', default='relatch,roq_roq,churn,bad',
                        help='phases to run, in order (comma separated): relatch, roq_roq, '
                             'churn, bad')
    args = tq.client_args(__doc__.splitlines()[0], extra)
    phases = {'relatch': phase_relatch, 'roq_roq': phase_roq_roq, 'churn': phase_churn,
              'bad': phase_bad}
    pid = os.getpid()
    root_if = 'mrv%dr' % pid
    ns_if = 'mrv%dn' % pid
    cert, key = run_roq.make_cert(work.path)
    rn = Run(args, work, cert)
    conf_path = work.file('mrelay.conf')
    with open(conf_path, 'w', encoding='utf-8') as f:
        f.write(config_text(cert, key))
    summary_path = work.file('mrelay_summary.json')
    echo_out = work.file('echo.json')

    echo_p = None
    errors: List[str] = []
    try:
        dc.netns_setup(rn.ns, root_if, ns_if, afp.ROOT_MAC, afp.NS_MAC, afp.RELAY_IP,
                       afp.NS_IP)
        rn.mr = dc.Proc('mrelay', [
            args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', rn.prefix,
            '-l', '0-1', '--log-level', '*:notice', '--log-level', 'mrelay.*:info',
            '--vdev', 'net_af_packet0,iface=%s,qpairs=2' % root_if,
            '--', '-c', conf_path, '-s', summary_path, '-q'], work.file('mrelay.log'))
        if not rn.mr.wait_output(r'worker\(s\)', 30):
            raise dc.TestFailed('mrelay did not start: ' + rn.mr.tail())
        rn.mr.wait_telemetry()
        echo_p = subprocess.Popen(rn.nsx + [sys.executable, tq.__file__, '--echo', echo_out,
                                            '1200'])
        time.sleep(0.5)
        for name in args.phases.split(','):
            t0 = time.monotonic()
            phases[name](rn, errors)
            dc.log('phase %s: %.1f s' % (name, time.monotonic() - t0))
            if not rn.mr.alive():
                raise dc.TestFailed('mrelay exited during %s: %s' % (name, rn.mr.tail()))
        echo_p.send_signal(signal.SIGTERM)
        echo_p.wait(10)
        echo_p = None
        mr_status = rn.mr.stop(20)
    finally:
        if echo_p is not None:
            echo_p.kill()
        if rn.mr is not None:
            rn.mr.stop(10)
        dc.netns_cleanup(rn.ns, root_if)
    if mr_status != 0:
        errors.append('mrelay exited with status %s' % mr_status)
    summary = dc.load_summary(summary_path)
    if summary.get('mbufs_in_use_at_exit') != 0:
        errors.append('mbufs_in_use_at_exit = %s' % summary.get('mbufs_in_use_at_exit'))
    if errors:
        raise dc.TestFailed('; '.join(errors))


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == '--bad':
        bad(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(0)
    dc.main(run)
