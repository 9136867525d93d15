#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""RoQ legs with SRTP and transcoding on the other side, through the daemon.

    root namespace                          namespace mrqm_<pid>
    mrelay --vdev net_af_packet0,iface=R    N: 10.99.2.2/24
    R: no IP, MAC 02:00:00:ac:00:01  <=veth=>  roq-client -> 10.99.2.1:4433 (QUIC)
    (main lcore, 1 worker, 1 transcoder)       UDP sockets 10.99.2.2:4000x

One mrelay, one QUIC endpoint, four sessions; roq-client (quic-go) is the
RoQ side, a Python UDP socket per UDP leg the other, and
tools/python/mrelay/srtp.py (python3-cryptography, not libsrtp) says what
each byte must be. roq-client -dump records every packet it sends and
every datagram it receives, so both directions are compared byte for byte:

  q7 (flow 7) <-> s7   s7 has crypto_out (AES_CM_128_HMAC_SHA1_80) and
           crypto_in (AEAD_AES_128_GCM). RoQ -> SRTP: 200 RTP from
           sequence 1000 and an RTCP SR after every 50th, each datagram s7's
           peer gets is what srtp.py makes of the packet sent (SRTCP: at
           the index it carries, from 1 up). SRTP -> RoQ: once s7's peer
           hears from the relay, it sends 150 SRTP and 3 SRTCP packets
           under the crypto_in key, with bit-flipped and replayed copies
           mixed in: the client receives the plain packets, in order, byte
           for byte, and none of the bad ones (counted srtp_auth and
           srtp_replay on s7).
  q8 (flow 8) -> o8    o8 has crypto_out (AEAD_AES_128_GCM) and ssrc_out;
           the client starts at sequence 65486 (at or above 2^15, and it
           wraps): the relay adds 0x8000 (docs/srtp.md), so the output
           starts below 2^15; RTP and SRTCP under ssrc_out. While the
           connection is up, /mrelay/stream shows q8's stream: 100
           packets, none lost, extended sequence number 65585 (past the
           wrap), 2 RTCP.
  q9 (flow 9) <-> t9   both legs transcode = g711 (PCMU -> PCMA, on the
           transcoder lcore). RoQ -> UDP: t9's peer gets PT 8 whose payload
           is audioop's A-law of the mu-law sent, up to 4 fewer at the end
           (the transcoder's reorder window); RTCP unchanged. UDP -> RoQ:
           t9's peer sends 100 PCMU packets, the client gets their PCMA.
  q10 (flow 10) <-> u10   SRTP inside the RoQ leg: q10 has crypto_in
           (AES_CM_128_HMAC_SHA1_80) and crypto_out (AEAD_AES_128_GCM),
           u10 is plain. The client sends SRTP made by srtp.py (roq-client
           -packets), with bit flips and replays: u10's peer gets the plain
           packets, in order, none of the bad ones (counted on q10). Once
           q10 has latched, u10's peer sends plain RTP from sequence 40000
           and RTCP: the client gets SRTP and SRTCP under q10's crypto_out,
           byte for byte. u10's peer sends one packet before q10 latches
           (no_dest, the usual order in a call): its stream, made then, gets
           its SRTP context for q10 at its first packet after the latch
           (until that was fixed, everything after was srtp_error; --u10-late
           starts u10 only once q10 has latched).

Run as root. Exit 77 (skip) when go is not installed (no roq-client),
python3-cryptography or ethtool are missing, netns/veth cannot be made or
net_af_packet is missing. --udp is the part that runs in the namespace.
"""

import argparse
import base64
import hashlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'quic'))
import dts_common as dc  # noqa: E402
from mrelay.telemetry import columns_to_rows  # noqa: E402
import run_roq  # noqa: E402  (the test certificate)
import test_quic as tq  # noqa: E402  (the command line)

with warnings.catch_warnings():
    warnings.simplefilter('ignore', DeprecationWarning)
    import audioop  # noqa: E402  pylint: disable=deprecated-module

RELAY_IP = '10.99.2.1'
NS_IP = '10.99.2.2'
ROOT_MAC = '02:00:00:ac:00:01'
NS_MAC = '02:00:00:ac:00:02'
QUIC_PORT = 4433
SRTP_PY = '/usr/bin/python3'    # Debian's, with python3-cryptography (srtp.py)

SUITE_LEN = {'AES_CM_128_HMAC_SHA1_80': 30, 'AEAD_AES_128_GCM': 28}


def key(name: str, suite: str) -> Tuple[str, bytes, str]:
    """A test key: deterministic material of the suite's length, and its inline form."""
    material = hashlib.sha512(name.encode()).digest()[:SUITE_LEN[suite]]
    return suite, material, '%s inline:%s' % (suite, base64.b64encode(material).decode())


K_S7_OUT = key('qm-s7-out', 'AES_CM_128_HMAC_SHA1_80')
K_S7_IN = key('qm-s7-in', 'AEAD_AES_128_GCM')
K_O8_OUT = key('qm-o8-out', 'AEAD_AES_128_GCM')
K_Q10_IN = key('qm-q10-in', 'AES_CM_128_HMAC_SHA1_80')
K_Q10_OUT = key('qm-q10-out', 'AEAD_AES_128_GCM')
SSRC_OUT_O8 = 0x0808A5A5

# UDP legs: name -> (local port, remote port)
UDP_LEGS = {'s7': (30000, 40000), 'o8': (30002, 40002), 't9': (30004, 40004),
            'u10': (30006, 40006)}

# the clients: flow -> (SSRC, first sequence number, RTP packets, RTCP every)
CLIENTS = {7: (0x07070707, 1000, 200, 50), 8: (0x08080808, 65486, 100, 40),
           9: (0x09090909, 20000, 100, 40)}
S7_SSRC = 0x5E5E5E5E          # what s7's peer sends (SRTP) towards q7
S7_PACKETS = 150
T9_SSRC = 0x7A7A7A7A          # what t9's peer sends (PCMU) towards q9
T9_PACKETS = 100
Q10_SSRC = 0x10101010        # the client's SRTP on flow 10
Q10_PACKETS = 100
U10_SSRC = 0x1A1A1A1A         # what u10's peer sends (plain) towards q10
U10_PACKETS = 100
TC_WINDOW = 4                 # transcoded frames the reorder window may still hold at the end


def config_text(cert: str, key_path: str) -> str:
    lines = ['; written by dts/test_quic_media.py',
             '[relay]', 'workers = 1', 'transcoders = 2', '',
             '[profile.g711]', 'in = pcmu', 'out = pcma', 'rate = 8000', '',
             '[port.0]', 'ipv4 = ' + RELAY_IP, 'nexthop_mac = ' + NS_MAC, '',
             '[quic.roq]', 'port = 0', 'local = %s:%d' % (RELAY_IP, QUIC_PORT),
             'cert = ' + cert, 'key = ' + key_path, 'idle_timeout_ms = 5000', '',
             '[leg.q7]', 'session = s1', 'quic = roq', 'flow = 7', 'forward = s7', '',
             '[leg.s7]', 'session = s1', 'forward = q7',
             'crypto_out = ' + K_S7_OUT[2], 'crypto_in = ' + K_S7_IN[2], '',
             '[leg.q8]', 'session = s2', 'quic = roq', 'flow = 8', 'forward = o8', '',
             '[leg.o8]', 'session = s2', 'crypto_out = ' + K_O8_OUT[2],
             'ssrc_out = %d' % SSRC_OUT_O8, '',
             '[leg.q9]', 'session = s3', 'quic = roq', 'flow = 9', 'forward = t9',
             'transcode = g711', '',
             '[leg.t9]', 'session = s3', 'forward = q9', 'transcode = g711', '',
             '[leg.q10]', 'session = s4', 'quic = roq', 'flow = 10', 'forward = u10',
             'crypto_in = ' + K_Q10_IN[2], 'crypto_out = ' + K_Q10_OUT[2], '',
             '[leg.u10]', 'session = s4', 'forward = q10', '']
    out = []
    for ln in lines:
        out.append(ln)
        name = ln[5:-1] if ln.startswith('[leg.') else None
        if name in UDP_LEGS:
            lport, rport = UDP_LEGS[name]
            out += ['port = 0', 'local = %s:%d' % (RELAY_IP, lport),
                    'remote = %s:%d' % (NS_IP, rport)]
    return '\n'.join(out) + '\n'


def rtp(ssrc: int, seq: int, ts: int, payload: bytes, pt: int = 0) -> bytes:
    return struct.pack('!BBHII', 0x80, pt, seq & 0xffff, ts & 0xffffffff, ssrc) + payload


def sr(ssrc: int, i: int) -> bytes:
    return struct.pack('!BBHIQIII', 0x80, 200, 6, ssrc, 0xAB00000000000000 + i, i * 160, i,
                       i * 160)


def is_rtcp(pkt: bytes) -> bool:
    return len(pkt) > 1 and 200 <= pkt[1] <= 204


def roq_decode(d: bytes) -> Tuple[int, bytes]:
    """A RoQ datagram: (flow identifier, packet); the flow is a QUIC varint."""
    n = 1 << (d[0] >> 6)
    flow = d[0] & 0x3f
    for b in d[1:n]:
        flow = flow << 8 | b
    return flow, d[n:]


def pcma_of(pcmu: bytes) -> bytes:
    return audioop.lin2alaw(audioop.ulaw2lin(pcmu, 2), 2)


# ---------------------------------------------------------------- netns side

def udp_side(plan_path: str, out_path: str) -> None:
    """Inside the namespace: a socket per UDP leg's remote, recording what
    the relay sends; the datagrams planned for a leg go out (2 ms apart)
    once the relay has sent the first one there (the RoQ leg has latched),
    or for the legs in plan['on_signal'], at SIGUSR1; plan['early'] goes
    out at once."""
    with open(plan_path, encoding='utf-8') as f:
        plan = json.load(f)
    socks = {}
    for name, (_lport, rport) in UDP_LEGS.items():
        sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sk.bind((NS_IP, rport))
        socks[name] = sk
    got: Dict[str, List[str]] = {n: [] for n in UDP_LEGS}
    other = [0]
    senders: Dict[str, threading.Thread] = {}
    sent: Dict[str, int] = {}
    stop = threading.Event()

    def on_term(_s: int, _f: object) -> None:
        stop.set()
    signal.signal(signal.SIGTERM, on_term)
    go = threading.Event()
    signal.signal(signal.SIGUSR1, lambda _s, _f: go.set())

    def send(name: str) -> None:
        dst = (RELAY_IP, UDP_LEGS[name][0])
        n = 0
        for h in plan.get(name, []):
            if stop.is_set():
                break
            socks[name].sendto(bytes.fromhex(h), dst)
            n += 1
            time.sleep(0.002)
        sent[name] = n

    names = {sk.fileno(): n for n, sk in socks.items()}
    deadline = time.monotonic() + 60
    for name, h in plan['early'].items():
        socks[name].sendto(bytes.fromhex(h), (RELAY_IP, UDP_LEGS[name][0]))

    def start(name: str) -> None:
        if name in plan and name not in senders:
            senders[name] = threading.Thread(target=send, args=(name,))
            senders[name].start()

    while not stop.is_set() and time.monotonic() < deadline:
        if go.is_set():
            for name in plan['on_signal']:
                start(name)
        try:
            ready, _w, _x = select.select(list(socks.values()), [], [], 0.05)
        except InterruptedError:
            continue
        for sk in ready:
            data, src = sk.recvfrom(2048)
            name = names[sk.fileno()]
            if src != (RELAY_IP, UDP_LEGS[name][0]):
                other[0] += 1
                continue
            got[name].append(data.hex())
            if name not in plan['on_signal']:
                start(name)
    stop.set()
    for t in senders.values():
        t.join()
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump({'received': got, 'sent': sent, 'other': other[0]}, f)


# ---------------------------------------------------------------- root side

def with_bad(srtp, k: Tuple[str, bytes, str], plain: List[bytes]) -> Tuple[List[bytes], int, int]:
    """SRTP (and SRTCP) of the plain packets, in order, with a bit-flipped
    copy before every 10th from the 13th and a replay of an earlier
    packet after every 10th from the 17th: (wire, flips, replays)."""
    tx = srtp.Session(k[0], k[1])
    wire: List[bytes] = []
    good: List[bytes] = []
    flips = replays = 0
    for i, p in enumerate(plain):
        w = tx.protect_rtcp(p) if is_rtcp(p) else tx.protect_rtp(p)
        if i >= 10 and i % 10 == 3 and not is_rtcp(p):
            bad = bytearray(w)
            bad[12 + i % 100] ^= 1 << (i % 8)     # a payload bit: authentication fails
            wire.append(bytes(bad))
            flips += 1
        wire.append(w)
        if not is_rtcp(p):
            good.append(w)
        if i >= 10 and i % 10 == 7:
            wire.append(good[-5])                # an index already seen
            replays += 1
    return wire, flips, replays


class Plan:
    """What s7's, t9's and u10's peers and the client on flow 10 send, and
    what must come out of it."""

    def __init__(self, srtp) -> None:
        # plain, what the client gets on flow 7
        self.q7_expect: List[bytes] = []
        for i in range(S7_PACKETS):
            body = bytes(((i * 11 + k * 3) ^ 0x5a) & 0xff for k in range(120 + i % 40))
            self.q7_expect.append(rtp(S7_SSRC, 50000 + i, 4000 + 160 * i, body, pt=96))
            if i % 50 == 25:
                self.q7_expect.append(sr(S7_SSRC, i))
        # on the wire, in order
        self.s7, self.flips, self.replays = with_bad(srtp, K_S7_IN, self.q7_expect)
        # the client's SRTP on flow 10, and the plain packets u10's peer gets
        self.u10_expect: List[bytes] = []
        for i in range(Q10_PACKETS):
            body = bytes(((i * 7 + k * 13) ^ 0xa5) & 0xff for k in range(160))
            self.u10_expect.append(rtp(Q10_SSRC, 3000 + i, 160 * i, body, pt=111))
            if i % 40 == 20:
                self.u10_expect.append(sr(Q10_SSRC, i))
        self.q10, self.flips10, self.replays10 = with_bad(srtp, K_Q10_IN, self.u10_expect)
        # plain from u10's peer (seq >= 2^15: the SRTP to q10 gets 0x8000 added)
        self.u10: List[bytes] = []
        for i in range(U10_PACKETS):
            body = bytes(((i * 3 + k * 17) ^ 0x3c) & 0xff for k in range(100 + i % 60))
            self.u10.append(rtp(U10_SSRC, 40000 + i, 160 * i, body, pt=111))
            if i % 40 == 30:
                self.u10.append(sr(U10_SSRC, i))
        self.t9: List[bytes] = []
        for i in range(T9_PACKETS):
            body = bytes(((i * 29 + k * 5) ^ (k >> 3)) & 0xff for k in range(160))
            self.t9.append(rtp(T9_SSRC, 7000 + i, 160 * i, body))

    def json(self, u10_early: bool) -> Dict:
        """For udp_side(); u10_early: u10's source starts before q10 latches."""
        early = rtp(U10_SSRC, 39999, 0, b'early')
        return {'s7': [p.hex() for p in self.s7], 't9': [p.hex() for p in self.t9],
                'u10': [p.hex() for p in self.u10], 'on_signal': ['u10'],
                'early': {'u10': early.hex()} if u10_early else {}}


def read_dump(path: str) -> Tuple[List[Tuple[int, bytes]], List[Tuple[int, bytes]]]:
    """roq-client -dump: (sent [(flow, packet)], received [(flow, packet)])."""
    tx: List[Tuple[int, bytes]] = []
    rx: List[Tuple[int, bytes]] = []
    with open(path, encoding='ascii') as f:
        for line in f:
            w = line.split()
            if w[0] == 'tx':
                tx.append((int(w[1]), bytes.fromhex(w[2])))
            elif w[0] == 'rx':
                rx.append(roq_decode(bytes.fromhex(w[1])))
    return tx, rx


def run_client(nsx: List[str], client: str, cert: str, flow: int, dump: str,
               hold: str, probe: Optional[Callable[[], bool]] = None,
               packets: Optional[Tuple[str, int]] = None) -> Dict:
    """One roq-client connection on flow, sending CLIENTS[flow]'s RTP or
    packets (file, count); probe() is called every 0.1 s while it runs,
    until it returns True."""
    cmd = nsx + [client, '-addr', '%s:%d' % (RELAY_IP, QUIC_PORT), '-ca', cert,
                 '-flow', str(flow), '-interval', '2ms', '-dump', dump, '-hold', hold]
    if packets is None:
        ssrc, seq, n, rtcp_every = CLIENTS[flow]
        cmd += ['-ssrc', str(ssrc), '-seq', str(seq), '-n', str(n),
                '-rtcp-every', str(rtcp_every)]
    else:
        cmd += ['-packets', packets[0]]
        n = packets[1]
    t0 = time.monotonic()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as cl:
        try:
            while probe is not None and cl.poll() is None and not probe():
                time.sleep(0.1)
            out, err = cl.communicate(timeout=60)
        except subprocess.TimeoutExpired as e:
            cl.kill()
            raise dc.TestFailed('roq-client on flow %d hung' % flow) from e
    lines = [ln for ln in out.splitlines() if ln.startswith('{')]
    res = json.loads(lines[-1]) if lines else {}
    dc.log('roq-client flow %d (%.1f s, exit %d): %s'
           % (flow, time.monotonic() - t0, cl.returncode, json.dumps(res)))
    if cl.returncode != 0 or not res or res.get('opened') != 1 or res.get('sent') != n:
        raise dc.TestFailed('roq-client on flow %d: exit %d, %s %s'
                            % (flow, cl.returncode, res, err.strip()[-600:]))
    return res


def check_srtp_out(srtp, leg: str, k: Tuple[str, bytes, str], sent: List[bytes],
                   got: List[bytes], ssrc_out: Optional[int]) -> List[str]:
    """leg's peer got, in order, srtp.py's protection of each packet sent:
    RTP with 0x8000 added to its sequence numbers when the first is at or
    above 2^15, SSRC (RTP's and RTCP's sender) ssrc_out when set; SRTCP at
    the index it carries, indexes 1, 2, ..."""
    errors: List[str] = []
    if len(got) != len(sent):
        errors.append('%s: received %d datagrams, expected %d' % (leg, len(got), len(sent)))
    tx = srtp.Session(k[0], k[1])
    first = next(struct.unpack_from('!H', p, 2)[0] for p in sent if not is_rtcp(p))
    offset = 0x8000 if first >= 0x8000 else 0
    rtcp_idx = 0
    for i, (p, r) in enumerate(zip(sent, got)):
        if is_rtcp(p):
            rtcp_idx += 1
            want = p if ssrc_out is None else p[:4] + struct.pack('!I', ssrc_out) + p[8:]
            try:
                plain, idx, eflag = srtp.Session(k[0], k[1]).unprotect_rtcp(r)
            except srtp.SrtpError as x:
                errors.append('%s #%d: SRTCP refused: %s' % (leg, i, x))
                continue
            again = srtp.Session(k[0], k[1]).protect_rtcp(want, index=idx)
            if plain != want or not eflag or idx != rtcp_idx or again != r:
                errors.append('%s #%d: SRTCP differs (index %d, E %s)' % (leg, i, idx, eflag))
            continue
        seq = (struct.unpack_from('!H', p, 2)[0] + offset) & 0xffff
        want = p[:2] + struct.pack('!H', seq) + p[4:8]
        want += struct.pack('!I', ssrc_out) if ssrc_out is not None else p[8:12]
        want = tx.protect_rtp(want + p[12:])
        if want != r:
            errors.append('%s #%d: %d bytes differ from the %d expected (got %s, want %s)'
                          % (leg, i, len(r), len(want), r[:16].hex(), want[:16].hex()))
        if len(errors) > 10:
            break
    if got and not is_rtcp(got[0]) and struct.unpack_from('!H', got[0], 2)[0] >= 0x8000:
        errors.append('%s: first sequence number %d is not below 2^15'
                      % (leg, struct.unpack_from('!H', got[0], 2)[0]))
    return errors


def check_transcoded(what: str, sent: List[bytes], got: List[bytes]) -> List[str]:
    """got: PT 8, each payload the A-law of the mu-law sent, in order, one
    SSRC, consecutive sequence numbers; up to TC_WINDOW fewer at the end."""
    errors: List[str] = []
    if not len(sent) - TC_WINDOW <= len(got) <= len(sent):
        errors.append('%s: %d transcoded packets, expected %d (up to %d fewer)'
                      % (what, len(got), len(sent), TC_WINDOW))
    ssrc = seq0 = None
    for i, (p, r) in enumerate(zip(sent, got)):
        r_ssrc = struct.unpack_from('!I', r, 8)[0]
        r_seq = struct.unpack_from('!H', r, 2)[0]
        if ssrc is None:
            ssrc, seq0 = r_ssrc, r_seq
        if (r[1] & 0x7f != 8 or r[12:] != pcma_of(p[12:]) or r_ssrc != ssrc
                or r_seq != (seq0 + i) & 0xffff):
            errors.append('%s #%d: not PCMA of what was sent (pt %d, ssrc %08x, seq %d, %s)'
                          % (what, i, r[1] & 0x7f, r_ssrc, r_seq, r[12:20].hex()))
        if len(errors) > 10:
            break
    return errors


def subsequence_missing(want: List[bytes], got: List[bytes]) -> Optional[int]:
    """How many of want are missing from got, if got is want in order with
    some left out; None when got has anything else or another order."""
    j = 0
    for g in got:
        while j < len(want) and want[j] != g:
            j += 1
        if j == len(want):
            return None
        j += 1
    return len(want) - len(got)


def run(work: dc.Workdir) -> None:
    def extra(ap: argparse.ArgumentParser) -> None:
        ap.add_argument('--u10-late', action='store_true',
                        help="u10's peer starts only once q10 has latched (by default it sends "
                             'one packet before: no_dest, and its stream exists before the '
                             'latch)')
    args = tq.client_args(__doc__.splitlines()[0], extra)
    try:
        from mrelay import srtp
    except ImportError as e:
        raise dc.TestSkipped('%s cannot import srtp.py: %s (python3-cryptography)'
                             % (sys.executable, e)) from e

    pid = os.getpid()
    ns, root_if, ns_if = 'mrqm_%d' % pid, 'mrq%dr' % pid, 'mrq%dn' % pid
    prefix = 'mrdts_quicmedia_%d' % pid
    cert, key_path = run_roq.make_cert(work.path)
    conf_path = work.file('mrelay.conf')
    with open(conf_path, 'w', encoding='utf-8') as f:
        f.write(config_text(cert, key_path))
    summary_path = work.file('mrelay_summary.json')
    plan = Plan(srtp)
    plan_path = work.file('plan.json')
    with open(plan_path, 'w', encoding='utf-8') as f:
        json.dump(plan.json((not args.u10_late)), f)
    q10_path = work.file('q10.hex')
    with open(q10_path, 'w', encoding='ascii') as f:
        f.write(''.join(p.hex() + '\n' for p in plan.q10))
    udp_out = work.file('udp.json')
    dumps = {flow: work.file('flow%d.dump' % flow) for flow in (7, 8, 9, 10)}

    mr = udp_p = None
    nsx = ['ip', 'netns', 'exec', ns]
    res = {}
    t_start = time.monotonic()
    try:
        dc.netns_setup(ns, root_if, ns_if, ROOT_MAC, NS_MAC, RELAY_IP, NS_IP, tx_csum_off=True)
        mr = dc.Proc('mrelay', [
            args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix,
            '--lcores', '0@0,1@1,2@1', '--log-level', '*:notice',
            '--log-level', 'mrelay.*:info',
            '--vdev', 'net_af_packet0,iface=%s,qpairs=3' % root_if,
            '--', '-c', conf_path, '-s', summary_path, '-q'], work.file('mrelay.log'))
        if not mr.wait_output(r'worker\(s\)', 30):
            raise dc.TestFailed('mrelay did not start: ' + mr.tail())
        mr.wait_telemetry()
        udp_p = subprocess.Popen(nsx + [sys.executable, os.path.abspath(__file__),
                                        '--udp', plan_path, udp_out])
        time.sleep(0.5)
        # flow 7: 0.4 s of sending, then held while s7's peer sends (0.35 s)
        res[7] = run_client(nsx, args.client, cert, 7, dumps[7], '1500ms')
        with dc.Telemetry(prefix) as t:
            q8_local = columns_to_rows(t.command('/mrelay/legs,count=16'), 'name')['q8']['local']
        st8: Dict = {}

        def probe8() -> bool:
            """q8's stream, once it has every RTP packet (it goes with the connection)."""
            with dc.Telemetry(prefix) as t:
                rep = t.command('/mrelay/stream,%s,%d' % (q8_local, CLIENTS[8][0]))
            st8.clear()
            if isinstance(rep, dict):
                st8.update(rep)
            return st8.get('pkts', 0) >= CLIENTS[8][2]
        res[8] = run_client(nsx, args.client, cert, 8, dumps[8], '1000ms', probe8)
        res[9] = run_client(nsx, args.client, cert, 9, dumps[9], '1500ms')

        def probe10() -> bool:
            """q10 latched (u10 republished with it as a destination): u10's peer may start."""
            with dc.Telemetry(prefix) as t:
                rows = columns_to_rows(t.command('/mrelay/legs,count=16'), 'name')
            if rows.get('q10', {}).get('remote', 'latch') == 'latch':
                return False
            udp_p.send_signal(signal.SIGUSR1)
            return True
        res[10] = run_client(nsx, args.client, cert, 10, dumps[10], '1500ms',
                             probe=probe10,
                             packets=(q10_path, len(plan.q10)))
        time.sleep(0.3)
        with dc.Telemetry(prefix) as t:
            legs = columns_to_rows(t.command('/mrelay/legs,count=16'), 'name')
            quic = t.command('/mrelay/quic')
        udp_p.send_signal(signal.SIGTERM)
        udp_p.wait(10)
        udp_p = None
        if not mr.alive():
            raise dc.TestFailed('mrelay exited early with status %s' % mr.p.returncode)
        mr_status = mr.stop(20)
    finally:
        if udp_p is not None:
            udp_p.kill()
        if mr is not None:
            mr.stop(10)
        dc.netns_cleanup(ns, root_if)
    elapsed = time.monotonic() - t_start

    with open(udp_out, encoding='utf-8') as f:
        udp = json.load(f)
    got = {n: [bytes.fromhex(h) for h in v] for n, v in udp['received'].items()}
    summary = dc.load_summary(summary_path)
    drops = {k: v for k, v in summary.get('drops', {}).items() if v}
    errors: List[str] = []
    if mr_status != 0:
        errors.append('mrelay exited with status %s' % mr_status)
    if udp['other']:
        errors.append('UDP side: %d datagrams from elsewhere' % udp['other'])
    sent = {}
    rcvd = {}
    for flow, path in dumps.items():
        tx, rx = read_dump(path)
        sent[flow] = [p for fl, p in tx if fl == flow]
        rcvd[flow] = [p for fl, p in rx if fl == flow]
        if len(rx) != len(rcvd[flow]):
            errors.append('flow %d: %d datagrams on another flow'
                          % (flow, len(rx) - len(rcvd[flow])))

    # 1. RoQ -> SRTP: byte for byte
    errors += check_srtp_out(srtp, 's7', K_S7_OUT, sent[7], got['s7'], None)
    errors += check_srtp_out(srtp, 'o8', K_O8_OUT, sent[8], got['o8'], SSRC_OUT_O8)
    # 2. SRTP -> RoQ: the plain packets, in order, none of the bad ones; a
    # datagram QUIC's congestion control would not take is counted roq_congested
    congested = drops.get('roq_congested', 0)
    missing = subsequence_missing(plan.q7_expect, rcvd[7])
    if udp['sent'].get('s7') != len(plan.s7):
        errors.append("s7's peer sent %s of %d" % (udp['sent'].get('s7'), len(plan.s7)))
    if missing is None or missing > congested:
        errors.append('flow 7: the client got %d packets, not the %d plain ones in order '
                      '(missing %s, roq_congested %d)'
                      % (len(rcvd[7]), len(plan.q7_expect), missing, congested))
    ls7 = legs.get('s7', {})
    if ls7.get('srtp_auth') != plan.flips or ls7.get('srtp_replay') != plan.replays:
        errors.append('leg s7: srtp_auth %s srtp_replay %s, expected %d and %d'
                      % (ls7.get('srtp_auth'), ls7.get('srtp_replay'), plan.flips,
                         plan.replays))
    flips, replays = plan.flips + plan.flips10, plan.replays + plan.replays10
    if drops.get('srtp_auth') != flips or drops.get('srtp_replay') != replays:
        errors.append('drops srtp_auth %s srtp_replay %s, expected %d and %d'
                      % (drops.get('srtp_auth'), drops.get('srtp_replay'), flips, replays))
    # 3. RoQ -> transcode -> UDP (RTCP unchanged), and UDP -> transcode -> RoQ
    t9_rtp = [p for p in got['t9'] if not is_rtcp(p)]
    t9_rtcp = [p for p in got['t9'] if is_rtcp(p)]
    errors += check_transcoded('t9 (from flow 9)', [p for p in sent[9] if not is_rtcp(p)],
                               t9_rtp)
    if t9_rtcp != [p for p in sent[9] if is_rtcp(p)]:
        errors.append('t9: RTCP %d datagrams, not the %d sent unchanged'
                      % (len(t9_rtcp), len([p for p in sent[9] if is_rtcp(p)])))
    if udp['sent'].get('t9') != T9_PACKETS:
        errors.append("t9's peer sent %s of %d" % (udp['sent'].get('t9'), T9_PACKETS))
    errors += check_transcoded('flow 9 (from t9)', plan.t9, rcvd[9])
    if rcvd[8]:
        errors.append('flow 8: %d datagrams back, o8 forwards nowhere' % len(rcvd[8]))
    # received: RFC 3550 A.1 counts from the end of probation, the 2nd packet
    n8 = CLIENTS[8][2]
    want8 = {'leg': 'q8', 'pkts': n8, 'received': n8 - 1, 'lost': 0,
             'ext_seq': CLIENTS[8][1] + n8 - 1, 'rtcp_pkts': n8 // CLIENTS[8][3]}
    if any(st8.get(k) != v for k, v in want8.items()):
        errors.append("/mrelay/stream of q8's SSRC while connected: %s; expected %s"
                      % (st8, want8))
    # 4. SRTP inside the RoQ leg: in (with bad packets) to plain UDP, plain UDP out as SRTP
    if got['u10'] != plan.u10_expect:
        errors.append("u10's peer got %d datagrams, not the %d plain ones in order"
                      % (len(got['u10']), len(plan.u10_expect)))
    lq10 = legs.get('q10', {})
    if lq10.get('srtp_auth') != plan.flips10 or lq10.get('srtp_replay') != plan.replays10:
        errors.append('leg q10: srtp_auth %s srtp_replay %s, expected %d and %d'
                      % (lq10.get('srtp_auth'), lq10.get('srtp_replay'), plan.flips10,
                         plan.replays10))
    if udp['sent'].get('u10') != len(plan.u10):
        errors.append("u10's peer sent %s of %d" % (udp['sent'].get('u10'), len(plan.u10)))
    errors += check_srtp_out(srtp, 'flow 10', K_Q10_OUT, plan.u10, rcvd[10], None)
    # every datagram the clients sent entered the relay, every one it wrote arrived
    roq_in, roq_out = sum(quic.get('roq_in', [])), sum(quic.get('roq_out', []))
    n_sent = sum(len(v) for v in sent.values())
    n_rcvd = sum(len(v) for v in rcvd.values())
    if quic.get('handshakes_total') != 4 or roq_in != n_sent or roq_out != n_rcvd:
        errors.append('/mrelay/quic: handshakes %s, roq_in %d, roq_out %d; expected 4, %d '
                      '(the clients sent), %d (they received)'
                      % (quic.get('handshakes_total'), roq_in, roq_out, n_sent, n_rcvd))
    try:
        dc.check_summary(summary, allowed_drops=('shutdown', 'srtp_auth', 'srtp_replay',
                                                 'roq_congested')
                         + (('no_dest',) if (not args.u10_late) else ()))
    except dc.TestFailed as e:
        errors.append(str(e))

    dc.log('s7 (RoQ -> SRTP): %d SRTP/SRTCP datagrams checked; o8 (ssrc_out): %d; '
           'flow 7 (SRTP -> RoQ): %d plain of %d sent (%d bit flips, %d replays)'
           % (len(got['s7']), len(got['o8']), len(rcvd[7]), len(plan.s7), plan.flips,
              plan.replays))
    dc.log('t9 (RoQ -> PCMA): %d RTP + %d RTCP; flow 9 (PCMU from t9 -> PCMA): %d of %d'
           % (len(t9_rtp), len(t9_rtcp), len(rcvd[9]), T9_PACKETS))
    dc.log('q10 (SRTP in the RoQ leg): the client sent %d (%d bit flips, %d replays), '
           "u10's peer got %d plain; u10's peer sent %d plain, the client got %d SRTP/SRTCP"
           % (len(plan.q10), plan.flips10, plan.replays10, len(got['u10']), len(plan.u10),
              len(rcvd[10])))
    dc.log("q8's stream while connected: %s" % {c: st8.get(c) for c in (
        'local', 'leg', 'pkts', 'received', 'ext_seq', 'lost', 'rtcp_pkts',
        'srtp_out_contexts', 'source')})
    for n in ('q7', 's7', 'q8', 'o8', 'q9', 't9', 'q10', 'u10'):
        row = legs.get(n, {})
        shown = ('remote', 'streams', 'srtp_auth', 'srtp_replay')
        dc.log('leg %s: %s' % (n, {c: row.get(c) for c in shown if c in row}))
    dc.log('/mrelay/quic: handshakes %s, roq_in %d (clients sent %d), roq_out %d (clients '
           'received %d)' % (quic.get('handshakes_total'), roq_in, n_sent, roq_out, n_rcvd))
    dc.log('mrelay drops: %s; whole test %.1f s' % (drops, elapsed))
    if errors:
        raise dc.TestFailed('; '.join(errors[:15]))


def debian_python() -> None:
    """Run again under Debian's interpreter when this one has no
    cryptography (python3 first on PATH may be another)."""
    try:
        import cryptography  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        if os.path.realpath(sys.executable) != SRTP_PY and os.access(SRTP_PY, os.X_OK):
            os.execv(SRTP_PY, [SRTP_PY] + sys.argv)


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--udp':
        udp_side(sys.argv[2], sys.argv[3])
        sys.exit(0)
    debian_python()
    dc.main(run)
