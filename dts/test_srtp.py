#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""SRTP through the real daemon: the four modes, fan-out, wrap, floods, a key change.

    root namespace                          namespace mrsrtp_<pid>
    mrelay --vdev net_af_packet0,iface=R    N: 10.99.1.2/24, UDP sockets
    R: no IP, MAC 02:00:00:ab:00:01  <=veth=>  neighbour 10.99.1.1 -> R's MAC

In the namespace, tools/python/mrelay/srtp.py (python3-cryptography, not
libsrtp) protects what is sent and computes what must come back; every
datagram the relay sends is compared byte for byte (the kernel's UDP
sockets check the relay's IP and UDP lengths and checksums on the way):

  a -> b   terminate: SRTP in (AES_CM_128_HMAC_SHA1_80), plain out; the
           sequence crosses 65535 with loss; SRTCP in, RTCP out; a replay
           flood and a bit-flip flood mixed into the good packets (all
           good ones delivered; failures counted per reason, leg, stream)
  c -> d   originate: plain in, SRTP out (AES_CM_128_HMAC_SHA1_32); input
           sequence numbers from 40000: the output starts below 2^15
  e -> f   re-key: AEAD_AES_128_GCM in, AEAD_AES_256_GCM out, SRTCP both
  g -> h   pass-through: no keys, SRTP bytes unchanged
  i -> j+k fan-out to a plain (j) and an SRTP (k) destination
  m -> n   re-key, then leg_update gives m and n new keys mid-call: the
           packets sent after the update (new key) all come out under
           n's new key, none lost around the change
  r -> s   originate to a leg with ssrc_out: RTP and SRTCP (the sender
           SSRC rewritten to ssrc_out, the context's) both under s's key;
           then a new input SSRC with the same sequence numbers, then r
           moved to another local port (its streams deleted): s's one
           context goes on through both (sequence numbers 140.., 180..,
           SRTCP indexes increasing), never a second one at index 0
  p -> q   transcoded: SRTP in (AES_CM_128_HMAC_SHA1_80), PCMU to PCMA on
           the transcoder lcore, SRTP out (AEAD_AES_128_GCM) protected
           there: each datagram authenticates under q's key, its G.711
           payload is the A-law of the mu-law sent (audioop), and the
           same key protects the decrypted packet to the same bytes; p's
           RTCP (not transcoded) leaves as SRTCP under q's key with its own
           sender SSRC and index (1, 2, ...), protected by the worker
  v -> w   transcoded as p -> q (GCM-256 in, AES-CM out), w has ssrc_out:
           RTP under ssrc_out, RTCP still under v's input SSRC, unchanged

Run as root. Exit 77 when netns/veth cannot be made or a tool is missing.
"""

import base64
import hashlib
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

RELAY_IP = '10.99.1.1'
NS_IP = '10.99.1.2'
ROOT_MAC = '02:00:00:ab:00:01'
NS_MAC = '02:00:00:ab:00:02'
PY = '/usr/bin/python3'     # Debian's, with python3-cryptography
SHOWN = ('crypto_in', 'crypto_out', 'srtp_auth', 'srtp_replay')   # per leg, in the log


def key(name, suite):
    """A test key: deterministic material of the suite's length."""
    n = {'AES_CM_128_HMAC_SHA1_80': 30, 'AES_CM_128_HMAC_SHA1_32': 30,
         'AEAD_AES_128_GCM': 28, 'AEAD_AES_256_GCM': 44}[suite]
    material = hashlib.sha512(name.encode()).digest()[:n]
    return suite, material, '%s inline:%s' % (suite, base64.b64encode(material).decode())


KEYS = {
    'K1': key('K1', 'AES_CM_128_HMAC_SHA1_80'),
    'K2': key('K2', 'AES_CM_128_HMAC_SHA1_32'),
    'K3': key('K3', 'AEAD_AES_128_GCM'),
    'K4': key('K4', 'AEAD_AES_256_GCM'),
    'K5': key('K5', 'AES_CM_128_HMAC_SHA1_80'),
    'K6': key('K6', 'AES_CM_128_HMAC_SHA1_80'),
    'K7': key('K7', 'AES_CM_128_HMAC_SHA1_80'),
    'K8': key('K8', 'AES_CM_128_HMAC_SHA1_80'),
    'K9': key('K9', 'AES_CM_128_HMAC_SHA1_80'),      # pass-through: the relay never has it
    'K10': key('K10', 'AEAD_AES_128_GCM'),           # m's after the update
    'K11': key('K11', 'AES_CM_128_HMAC_SHA1_32'),    # n's after the update
    'K12': key('K12', 'AES_CM_128_HMAC_SHA1_80'),
    'K13': key('K13', 'AEAD_AES_128_GCM'),
    'K14': key('K14', 'AES_CM_128_HMAC_SHA1_80'),
    'K15': key('K15', 'AEAD_AES_256_GCM'),
    'K16': key('K16', 'AES_CM_128_HMAC_SHA1_80'),
}

# name: (local port, remote port, forward, crypto_in, crypto_out)
LEGS = {
    'a': (30000, 40000, 'b', 'K1', None),
    'b': (30002, 40002, None, None, None),
    'c': (30004, 40004, 'd', None, None),
    'd': (30006, 40006, None, None, 'K2'),
    'e': (30008, 40008, 'f', 'K3', None),
    'f': (30010, 40010, None, None, 'K4'),
    'g': (30012, 40012, 'h', None, None),
    'h': (30014, 40014, None, None, None),
    'i': (30016, 40016, 'j+k', 'K5', None),
    'j': (30018, 40018, None, None, None),
    'k': (30020, 40020, None, None, 'K6'),
    'm': (30022, 40022, 'n', 'K7', None),
    'n': (30024, 40024, None, None, 'K8'),
    'p': (30026, 40026, 'q', 'K12', None),
    'q': (30028, 40028, None, None, 'K13'),
    'r': (30030, 40030, 's', None, None),
    's': (30032, 40032, None, None, 'K14'),
    'v': (30034, 40034, 'w', 'K15', None),
    'w': (30036, 40036, None, None, 'K16'),
}
SSRC_OUT = {'s': 0x5A5A5A5A, 'w': 0x57575757}    # leg: ssrc_out
R_MOVED = 30038                                  # r's local port after it moves
TRANSCODED = {'p': 'g711', 'v': 'g711'}          # leg: profile
TC_OUT = {'q': ('p', 'K12', 0x71717171, 'K13'),     # transcoded: from, its key, SSRC, key out
          'w': ('v', 'K15', 0x76767676, 'K16')}
TC_PACKETS = 100


def config_text():
    lines = ['; written by dts/test_srtp.py', '[relay]', 'workers = 1', 'transcoders = 2',
             '', '[profile.g711]', 'in = pcmu', 'out = pcma', 'rate = 8000',
             '', '[port.0]', 'ipv4 = ' + RELAY_IP, 'nexthop_mac = ' + NS_MAC]
    for name, (lport, rport, fwd, kin, kout) in LEGS.items():
        lines += ['', '[leg.%s]' % name, 'session = s', 'port = 0',
                  'local = %s:%d' % (RELAY_IP, lport), 'remote = %s:%d' % (NS_IP, rport)]
        if fwd:
            lines.append('forward = ' + fwd)
        if kin:
            lines.append('crypto_in = ' + KEYS[kin][2])
        if kout:
            lines.append('crypto_out = ' + KEYS[kout][2])
        if name in SSRC_OUT:
            lines.append('ssrc_out = %d' % SSRC_OUT[name])
        if name in TRANSCODED:
            lines.append('transcode = ' + TRANSCODED[name])
    return '\n'.join(lines) + '\n'


def rtp(ssrc, seq, ts, i, n=160):
    body = bytes(((ssrc + i * 7 + k) & 0xff) for k in range(n))
    return struct.pack('!BBHII', 0x80, 0, seq & 0xffff, ts & 0xffffffff, ssrc) + body


def sr(ssrc, i):
    return struct.pack('!BBHIQIII', 0x80, 200, 6, ssrc, 0x1234567800000000 + i, i * 160,
                       i, i * 160)


def rewrite_seq(pkt, seq):
    return pkt[:2] + struct.pack('!H', seq & 0xffff) + pkt[4:]


# ---------------------------------------------------------------- netns side

def traffic(prefix, out_path):
    """Inside the namespace: send, control, receive, check. Writes a JSON report."""
    import faulthandler
    faulthandler.dump_traceback_later(60, exit=True)  # a hang says where
    from mrelay import srtp
    from mrelay.telemetry import Telemetry, columns_to_rows

    def sess(k):
        return srtp.Session(KEYS[k][0], KEYS[k][1])

    socks = {}
    for name, (_lp, rport, _f, _i, _o) in LEGS.items():
        sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sk.bind((NS_IP, rport))
        socks[name] = sk
    expect = {n: [] for n in LEGS}      # what each leg's remote must receive, in order
    sent = [0]

    def send(leg, data):
        socks[leg].sendto(data, (RELAY_IP, LEGS[leg][0]))
        sent[0] += 1
        if sent[0] % 8 == 0:
            time.sleep(0.001)

    # a -> b: terminate, wrap with loss, SRTCP, floods
    tx_a = sess('K1')
    flips = replays = 0
    a_sent = []
    for i in range(240):
        if i % 9 == 4:
            continue                    # lost before the relay
        seq = 65400 + i
        plain = rtp(0xA1A1A1A1, seq, 1000 + 160 * i, i)
        wire = tx_a.protect_rtp(plain)
        if i > 20 and i % 6 == 0:
            bad = bytearray(wire)
            bad[12 + (i % 100)] ^= 1 << (i % 8)   # payload bit: the SSRC's stream is found
            send('a', bytes(bad))
            flips += 1
        send('a', wire)
        expect['b'].append(plain)
        a_sent.append(wire)
        if i > 20 and i % 5 == 0:
            send('a', a_sent[-4])       # an index seen before
            replays += 1
        if i % 40 == 10:
            rep = sr(0xA1A1A1A1, i)
            send('a', tx_a.protect_rtcp(rep))
            expect['b'].append(rep)

    # c -> d: originate; 40000 >= 2^15, so 0x8000 is added on the way out
    tx_d = sess('K2')
    for i in range(100):
        plain = rtp(0xC1C1C1C1, 40000 + i, 7 + 160 * i, i)
        send('c', plain)
        expect['d'].append(tx_d.protect_rtp(rewrite_seq(plain, 40000 + i + 0x8000)))

    # e -> f: re-key GCM 128 -> GCM 256, with SRTCP
    tx_e = sess('K3')
    tx_f = sess('K4')
    e_rtcp = []
    for i in range(100):
        plain = rtp(0xE1E1E1E1, 1000 + i, 160 * i, i, n=80 + i)
        send('e', tx_e.protect_rtp(plain))
        expect['f'].append(tx_f.protect_rtp(plain))
        if i % 30 == 5:
            rep = sr(0xE1E1E1E1, i)
            send('e', tx_e.protect_rtcp(rep))
            expect['f'].append(('srtcp', rep, 'K4'))
            e_rtcp.append(rep)

    # g -> h: pass-through
    # (a third padded: the padding count the relay would see is a tag byte,
    # and SRTCP, whose compound is encrypted: both pass through unchanged)
    tx_g = sess('K9')
    bad_pad = 0
    for i in range(60):
        plain = rtp(0x61616161, 500 + i, 160 * i, i)
        if i % 3 == 1:
            plain = bytes([plain[0] | 0x20]) + plain[1:] + bytes([0, 0, 0, 4])
        wire = tx_g.protect_rtp(plain)
        if i % 3 == 1 and wire[-1] > len(wire) - 12:
            bad_pad += 1
        send('g', wire)
        expect['h'].append(wire)
        if i % 20 == 7:
            wire = tx_g.protect_rtcp(sr(0x61616161, i))
            send('g', wire)
            expect['h'].append(wire)

    # i -> j (plain) + k (SRTP)
    tx_i, tx_k = sess('K5'), sess('K6')
    for i in range(100):
        plain = rtp(0x11111111, 30000 + i, 160 * i, i)
        send('i', tx_i.protect_rtp(plain))
        expect['j'].append(plain)
        expect['k'].append(tx_k.protect_rtp(plain))

    # m -> n, phase 1 under K7 / K8
    tx_m, tx_n = sess('K7'), sess('K8')
    for i in range(50):
        plain = rtp(0x31313131, 20 + i, 160 * i, i)
        send('m', tx_m.protect_rtp(plain))
        expect['n'].append(tx_n.protect_rtp(plain))

    # r -> s: plain in, SRTP out with ssrc_out, RTCP too
    tx_s = sess('K14')
    s_rtcp = []
    for i in range(40):
        plain = rtp(0x52525252, 100 + i, 160 * i, i)
        send('r', plain)
        expect['s'].append(tx_s.protect_rtp(plain[:8] + struct.pack('!I', SSRC_OUT['s'])
                                            + plain[12:]))
        if i % 10 == 3:
            send('r', sr(0x52525252, i))
            expect['s'].append(('srtcp', sr(SSRC_OUT['s'], i), 'K14'))
    # a new source on r, with the same sequence numbers: s's context (key
    # K14, SSRC ssrc_out) goes on from 140, it does not start again
    for i in range(40):
        plain = rtp(0x53535353, 100 + i, 160 * i, i)
        send('r', plain)
        expect['s'].append(tx_s.protect_rtp(plain[:2] + struct.pack('!H', 140 + i) + plain[4:8]
                                            + struct.pack('!I', SSRC_OUT['s']) + plain[12:]))
        if i % 10 == 3:
            send('r', sr(0x53535353, i))
            expect['s'].append(('srtcp', sr(SSRC_OUT['s'], i), 'K14'))

    # p -> q, v -> w: transcoded, SRTP on both sides; RTCP (not transcoded) as SRTCP
    tc_plain = {n: [] for n in TC_OUT}
    tc_rtcp = {n: [] for n in TC_OUT}
    for out, (src, kin, ssrc, _kout) in TC_OUT.items():
        tx = sess(kin)
        for i in range(TC_PACKETS):
            body = bytes(((i * 13 + k * 7) ^ (k >> 2)) & 0xff for k in range(160))
            plain = struct.pack('!BBHII', 0x80, 0, 60000 + i, 160 * i, ssrc) + body
            send(src, tx.protect_rtp(plain))
            tc_plain[out].append(plain)
            if i % 25 == 7:
                rep = sr(ssrc, i)
                send(src, tx.protect_rtcp(rep))
                tc_rtcp[out].append(rep)

    got = {n: [] for n in LEGS}

    def drain(quiet=0.6):
        """Read every socket until none has had anything for quiet seconds."""
        names = {sk.fileno(): n for n, sk in socks.items()}
        while True:
            ready, _w, _x = select.select(list(socks.values()), [], [], quiet)
            if not ready:
                return
            for sk in ready:
                got[names[sk.fileno()]].append(sk.recv(2048))

    drain()
    # the key change: the owner swaps contexts; what is sent after the reply uses the new keys
    with Telemetry(prefix) as t:
        rep_m = t.command('/mrelay/leg_update,name=m,crypto_in=' + KEYS['K10'][2])
        rep_n = t.command('/mrelay/leg_update,name=n,crypto_out=' + KEYS['K11'][2])
    tx_m2, tx_n2 = sess('K10'), sess('K11')
    for i in range(50, 100):
        plain = rtp(0x31313131, 20 + i, 160 * i, i)
        send('m', tx_m2.protect_rtp(plain))
        expect['n'].append(tx_n2.protect_rtp(plain))
    # r moves to another local port: its streams are deleted; the source
    # goes on there and its new stream takes the deleted one's context
    # to s (index and SRTCP index continue: 180.., not 140.. again)
    with Telemetry(prefix) as t:
        rep_r = t.command('/mrelay/leg_update,name=r,local=%s:%d' % (RELAY_IP, R_MOVED))
    for i in range(40, 60):
        plain = rtp(0x53535353, 100 + i, 160 * i, i)
        socks['r'].sendto(plain, (RELAY_IP, R_MOVED))
        expect['s'].append(tx_s.protect_rtp(plain[:2] + struct.pack('!H', 140 + i) + plain[4:8]
                                            + struct.pack('!I', SSRC_OUT['s']) + plain[12:]))
        if i % 10 == 3:
            socks['r'].sendto(sr(0x53535353, i), (RELAY_IP, R_MOVED))
            expect['s'].append(('srtcp', sr(SSRC_OUT['s'], i), 'K14'))
        time.sleep(0.001)
    drain()

    # what telemetry says
    with Telemetry(prefix) as t:
        legs = columns_to_rows(t.command('/mrelay/legs,count=64'), 'name')
        st_a = t.command('/mrelay/stream,%s:30000,%d' % (RELAY_IP, 0xA1A1A1A1))
        leg_m = t.command('/mrelay/leg,m')
        srtp_tel = t.command('/mrelay/srtp')
    for sk in socks.values():
        sk.close()

    errors = []
    if rep_r.get('streams_deleted') != 2:
        errors.append('leg_update r (local moved): %r, expected 2 streams deleted' % rep_r)
    # one context for K14 and ssrc_out: SRTCP indexes never repeat
    s_idx = [struct.unpack('!I', d[-14:-10])[0] & 0x7fffffff
             for d in got['s'] if len(d) > 14 and 200 <= d[1] <= 204]
    if len(s_idx) != 10 or s_idx != sorted(set(s_idx)):
        errors.append('leg s: SRTCP indexes %s, expected 10 increasing' % s_idx)
    if bad_pad == 0:
        errors.append('pass-through: no padded packet whose tag byte reads as bad padding')
    tc_checked = {}
    for out, (_src, _kin, _ssrc, kout) in TC_OUT.items():
        rtcp = [d for d in got[out] if len(d) > 1 and 200 <= d[1] <= 204]
        rtp_ = [d for d in got[out] if d not in rtcp]
        errors += check_transcoded(srtp, out, kout, tc_plain[out], rtp_)
        errors += check_transcoded_rtcp(srtp, out, kout, tc_rtcp[out], rtcp)
        tc_checked[out] = (len(rtp_), len(rtcp))
    for n in LEGS:
        if n in TC_OUT or n in TRANSCODED:
            continue
        exp, rcv = expect[n], got[n]
        if len(exp) != len(rcv):
            errors.append('leg %s: received %d datagrams, expected %d' % (n, len(rcv), len(exp)))
        for k, (e, r) in enumerate(zip(exp, rcv)):
            if isinstance(e, tuple):        # SRTCP out: check it, then its exact bytes
                try:
                    p, idx, eflag = sess(e[2]).unprotect_rtcp(r)
                except srtp.SrtpError as x:
                    errors.append('leg %s #%d: SRTCP refused: %s' % (n, k, x))
                    continue
                again = sess(e[2]).protect_rtcp(e[1], index=idx)
                if p != e[1] or not eflag or again != r:
                    errors.append('leg %s #%d: SRTCP differs' % (n, k))
            elif e != r:
                errors.append('leg %s #%d: %d bytes differ from the %d expected (first %s)'
                              % (n, k, len(r), len(e), r[:16].hex()))
                if len(errors) > 20:
                    break
    # d's output started below 2^15
    if got['d'] and struct.unpack_from('!H', got['d'][0], 2)[0] >= 0x8000:
        errors.append('d: first sequence number %d is not below 2^15'
                      % struct.unpack_from('!H', got['d'][0], 2)[0])
    la = legs.get('a', {})
    if la.get('srtp_auth') != flips or la.get('srtp_replay') != replays:
        errors.append('leg a: srtp_auth %s srtp_replay %s, expected %d and %d'
                      % (la.get('srtp_auth'), la.get('srtp_replay'), flips, replays))
    if st_a.get('srtp_auth') != flips or st_a.get('srtp_replay') != replays:
        errors.append('stream of a: srtp_auth %s srtp_replay %s, expected %d and %d'
                      % (st_a.get('srtp_auth'), st_a.get('srtp_replay'), flips, replays))
    for n in LEGS:
        for col in ('srtp_malformed', 'srtp_no_room', 'srtp_error'):
            if legs.get(n, {}).get(col):
                errors.append('leg %s: %s = %s' % (n, col, legs[n][col]))
    # keys show as suite and fingerprint, never as material
    fp10 = srtp.fingerprint(KEYS['K10'][0], KEYS['K10'][1])
    if leg_m.get('crypto_in') != 'AEAD_AES_128_GCM fp:' + fp10:
        errors.append('leg m crypto_in shows %r' % leg_m.get('crypto_in'))
    errors += check_backend(srtp_tel)
    blob = json.dumps([legs, leg_m, st_a, rep_m, rep_n])
    for name, (_s, material, _t) in KEYS.items():
        if base64.b64encode(material).decode()[:16] in blob:
            errors.append('key %s appears in a telemetry reply' % name)
    report = {'sent': sent[0], 'errors': errors, 'tc_checked': tc_checked,
              'flips': flips, 'replays': replays,
              'received': {n: len(v) for n, v in got.items()},
              'legs': {n: {c: legs.get(n, {}).get(c) for c in SHOWN} for n in LEGS}}
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(report, f, indent=1)


def check_backend(tel):
    """/mrelay/srtp: running, and its backend is the one in libsrtp's kernel."""
    errors = []
    backend = tel.get('backend')
    want = os.environ.get('MR_SRTP_CRYPTO')
    if tel.get('state') != 'running' or backend not in ('openssl', 'libsrtp'):
        errors.append('/mrelay/srtp: %r' % tel)
    elif want and backend != want:
        errors.append('/mrelay/srtp: backend %s, MR_SRTP_CRYPTO=%s' % (backend, want))
    for t in ('aes_icm_128', 'aes_gcm_128', 'aes_gcm_256', 'hmac_sha1'):
        if ('OpenSSL' in str(tel.get(t))) != (backend == 'openssl'):
            errors.append('/mrelay/srtp: backend %s but %s is %r' % (backend, t, tel.get(t)))
    return errors


def check_transcoded(srtp, out, kout, sent_plain, received):
    """out's RTP datagrams: SRTP under kout, PCMA of what was sent in PCMU,
    in order, under out's ssrc_out when it has one."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        import audioop  # pylint: disable=deprecated-module
    errors = []
    # the transcoder may still hold the last frames of its reorder window
    if not TC_PACKETS - 4 <= len(received) <= TC_PACKETS:
        errors.append('leg %s: received %d datagrams, expected %d (up to 4 fewer)'
                      % (out, len(received), TC_PACKETS))
    rx, again = srtp.Session(KEYS[kout][0], KEYS[kout][1]), None
    ssrc = SSRC_OUT.get(out)
    for k, (sent, r) in enumerate(zip(sent_plain, received)):
        try:
            p = rx.unprotect_rtp(r)
        except srtp.SrtpError as x:
            errors.append('leg %s #%d: SRTP refused: %s' % (out, k, x))
            continue
        if again is None:
            again = srtp.Session(KEYS[kout][0], KEYS[kout][1])
            ssrc = ssrc or struct.unpack_from('!I', p, 8)[0]
        want = audioop.lin2alaw(audioop.ulaw2lin(sent[12:], 2), 2)
        if p[1] & 0x7f != 8 or p[12:] != want or struct.unpack_from('!I', p, 8)[0] != ssrc:
            errors.append('leg %s #%d: not PCMA of what was sent (pt %d, ssrc %08x, %s)'
                          % (out, k, p[1] & 0x7f, struct.unpack_from('!I', p, 8)[0],
                             p[12:20].hex()))
        elif again.protect_rtp(p) != r:
            errors.append('leg %s #%d: the same key protects it to other bytes' % (out, k))
        if len(errors) > 10:
            break
    return errors


def check_transcoded_rtcp(srtp, out, kout, sent, received):
    """out's SRTCP: the RTCP sent, unchanged (its sender SSRC is the input
    SSRC even when out has ssrc_out, as for a plain destination), under
    kout with E set and its own index from 1 up, byte for byte what
    srtp.py makes of it at that index."""
    errors = []
    if len(received) != len(sent):
        errors.append('leg %s: received %d SRTCP datagrams, expected %d'
                      % (out, len(received), len(sent)))
    rx = srtp.Session(KEYS[kout][0], KEYS[kout][1])
    for k, (e, r) in enumerate(zip(sent, received)):
        try:
            p, idx, eflag = rx.unprotect_rtcp(r)
        except srtp.SrtpError as x:
            errors.append('leg %s RTCP #%d: SRTCP refused: %s' % (out, k, x))
            continue
        again = srtp.Session(KEYS[kout][0], KEYS[kout][1]).protect_rtcp(e, index=idx)
        if p != e or not eflag or idx != k + 1 or again != r:
            errors.append('leg %s RTCP #%d: SRTCP differs (index %d, E %s)'
                          % (out, k, idx, eflag))
    return errors


# ---------------------------------------------------------------- root side

def run(work):
    args = dc.parse_args(__doc__.splitlines()[0])
    dc.need_root()
    dc.need_pmd('af_packet')
    r = subprocess.run([PY, '-c', 'import cryptography'], capture_output=True, check=False)
    if r.returncode != 0:
        raise dc.TestSkipped(PY + ' cannot import cryptography (python3-cryptography)')
    if not os.access(args.mrelay, os.X_OK):
        raise dc.TestFailed('mrelay not found: ' + args.mrelay)
    pid = os.getpid()
    ns, root_if, ns_if = 'mrsrtp_%d' % pid, 'mrs%dr' % pid, 'mrs%dn' % pid
    prefix = 'mrdts_srtp2_%d' % pid
    conf_path = work.file('mrelay.conf')
    with open(conf_path, 'w', encoding='utf-8') as f:
        f.write(config_text())
    summary_path = work.file('mrelay_summary.json')
    report_path = work.file('traffic.json')

    mr = None
    try:
        dc.netns_setup(ns, root_if, ns_if, ROOT_MAC, NS_MAC, RELAY_IP, NS_IP, tx_csum_off=True)
        mr = dc.Proc('mrelay', [
            args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix,
            '--lcores', '0@0,1@1,2@1', '--log-level', '*:notice', '--log-level', 'mrelay.*:info',
            '--vdev', 'net_af_packet0,iface=%s,qpairs=3' % root_if,
            '--', '-c', conf_path, '-s', summary_path, '-q'], work.file('mrelay.log'))
        if not mr.wait_output(r'worker\(s\)', 30):
            raise dc.TestFailed('mrelay did not start')
        tr = subprocess.run(['ip', 'netns', 'exec', ns, PY, os.path.abspath(__file__),
                             '--traffic', prefix, report_path],
                            capture_output=True, text=True, timeout=300, check=False)
        with open(work.file('traffic.log'), 'w', encoding='utf-8') as f:
            f.write(tr.stdout + tr.stderr)
        if tr.returncode != 0:
            raise dc.TestFailed('traffic in the namespace failed (status %d): %s'
                                % (tr.returncode, tr.stderr.strip()[-800:]))
        if not mr.alive():
            raise dc.TestFailed('mrelay exited early with status %s' % mr.p.returncode)
        mr_status = mr.stop(20)
    finally:
        if mr is not None:
            mr.stop(10)
        dc.netns_cleanup(ns, root_if)
    if mr_status != 0:
        raise dc.TestFailed('mrelay exited with status %s' % mr_status)
    with open(report_path, encoding='utf-8') as f:
        rep = json.load(f)
    dc.log('sent %d datagrams (%d bit flips, %d replays); received %s; transcoded SRTP and '
           'SRTCP checked: %s' % (rep['sent'], rep['flips'], rep['replays'], rep['received'],
                                  rep['tc_checked']))
    for n, v in rep['legs'].items():
        dc.log('leg %s: %s' % (n, v))
    if rep['errors']:
        raise dc.TestFailed('; '.join(rep['errors'][:12]))
    with open(work.file('mrelay.log'), encoding='utf-8', errors='replace') as f:
        said = re.search(r'mrelay\.srtp: .*crypto backend (\w+)', f.read())
    if said is None:
        raise dc.TestFailed('mrelay.log does not name the SRTP crypto backend')
    dc.log('SRTP crypto backend (log): %s' % said.group(1))
    summary = dc.load_summary(summary_path)
    drops = summary.get('drops', {})
    dc.log('mrelay drops: %s' % {k: v for k, v in drops.items() if v})
    if drops.get('srtp_auth') != rep['flips'] or drops.get('srtp_replay') != rep['replays']:
        raise dc.TestFailed('summary drops srtp_auth %s srtp_replay %s, expected %d and %d'
                            % (drops.get('srtp_auth'), drops.get('srtp_replay'),
                               rep['flips'], rep['replays']))
    dc.check_summary(summary, allowed_drops=('shutdown', 'srtp_auth', 'srtp_replay'))


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--traffic':
        traffic(sys.argv[2], sys.argv[3])
        sys.exit(0)
    dc.main(run)
