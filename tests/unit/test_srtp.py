#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""lib/srtp against an implementation that is not libsrtp.

1. tools/python/mrelay/srtp.py (python3-cryptography) against the RFC
   vectors: RFC 3711 B.2 (AES-CM keystream) and B.3 (key derivation),
   libsrtp's own AES_CM_128_HMAC_SHA1_80 packet (test/srtp_driver.c: the
   B.3 master key through a whole packet), RFC 7714 16.1, 16.2, 17.1-17.4.
2. The same module against lib/srtp through srtp_xcheck (tests/unit/
   srtp_xcheck.c), both ways, every suite, byte for byte: Python protects
   and lib/srtp unprotects; lib/srtp protects, Python protects the same
   packet at the same index and gets the same bytes, and unprotects them.
   RTP with CSRCs, header extensions and padding across the 16-bit wrap
   with loss and reordering; SRTCP with the E flag set and clear; tampered
   and replayed packets; SDES key parameters and fingerprints.

Usage: test_srtp.py --xcheck BUILD/tests/unit/srtp_xcheck [unittest args]
Exit 77 (skip) when python3-cryptography is missing: run it with
/usr/bin/python3, where Debian installs it.
"""

import argparse
import os
import random
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                '..', '..', 'tools', 'python'))
try:
    from mrelay import srtp  # noqa: E402
except ImportError as e:
    print('SKIP: %s (install python3-cryptography, run with /usr/bin/python3)' % e)
    sys.exit(77)

XCHECK = ''
h = bytes.fromhex

# RFC 3711 B.3 master key and salt
B3_MATERIAL = h('E1F97A0D3E018BE0D64FA32C06DE4139' '0EC675AD498AFEEBB6960B3AABE6')
# RFC 7714 16-17: session keys, not master keys
GCM_SALT = h('517569642070726f2071756f')
GCM_RTP = h('8040f17b8041f8d35501a0b2'
            '47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573')
GCM_RTCP = h('81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61'
             'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef')
GCM_VECTORS = {
    'AEAD_AES_128_GCM': (
        bytes(range(16)),
        # 16.1.1
        '8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f'
        '42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce',
        # 17.1
        '81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1'
        '730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4',
        # 17.3: tag only, E flag clear
        '841dd9683dd78ec92ae58790125f62b3000005d4'),
    'AEAD_AES_256_GCM': (
        bytes(range(32)),
        # 16.2.1
        '8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3'
        'b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13',
        # 17.2
        '81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1'
        '110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4',
        # 17.4
        '91db4afbfeee5a978fab4393ed2615fe000005d4'),
}


class Vectors(unittest.TestCase):

    def test_rfc3711_b2_keystream(self):
        key = h('2B7E151628AED2A6ABF7158809CF4F3C')
        salt = h('F0F1F2F3F4F5F6F7F8F9FAFBFCFD')
        self.assertEqual(srtp.aes_cm_keystream(key, salt + h('0000'), 48), h(
            'E03EAD0935C95E80E166B16DD92B4EB4' 'D23513162B02D0F72A43A2FE4A5F97AB'
            '41E95B3BB0A2E8DD477901E4FCA894C0'))
        self.assertEqual(srtp.aes_cm_keystream(key, salt + h('FEFF'), 48), h(
            'EC8CDF7398607CB0F2D21675EA9EA1E4' '362B7C3C6773516318A077D7FC5073AE'
            '6A2CC3787889374FBEB4C81B17BA6C44'))
        # the same through the SRTP IV: SSRC 0, index 0, session salt as is
        s = srtp.Session('AES_CM_128_HMAC_SHA1_80',
                         keys=srtp.Keys(key, bytes(20), salt, key, bytes(20), salt))
        out = s.protect_rtp(h('800000000000000000000000') + bytes(48))
        self.assertEqual(out[12:60], srtp.aes_cm_keystream(key, salt + h('0000'), 48))

    def test_rfc3711_b3_key_derivation(self):
        mk, ms = B3_MATERIAL[:16], B3_MATERIAL[16:]
        self.assertEqual(srtp.kdf(mk, ms, 0, 16), h('C61E7A93744F39EE10734AFE3FF7A087'))
        self.assertEqual(srtp.kdf(mk, ms, 2, 14), h('30CBBC08863D8C85D49DB34A9AE1'))
        self.assertEqual(srtp.kdf(mk, ms, 1, 94), h(
            'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE'
            'E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25'
            '6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2'))
        keys = srtp.derive(srtp.SUITES['AES_CM_128_HMAC_SHA1_80'], B3_MATERIAL)
        self.assertEqual(keys.rtp_enc, h('C61E7A93744F39EE10734AFE3FF7A087'))
        self.assertEqual(keys.rtp_auth, srtp.kdf(mk, ms, 1, 94)[:20])

    def test_b3_key_through_a_packet(self):
        # libsrtp test/srtp_driver.c: SSRC cafebabe, seq 0x1234, 16 x 0xab
        rtp = h('800f1234decafbadcafebabe') + b'\xab' * 16
        want = h('800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402'
                 'b78d6acc99ea179b8dbb')
        for suite, n in (('AES_CM_128_HMAC_SHA1_80', 10), ('AES_CM_128_HMAC_SHA1_32', 4)):
            out = srtp.Session(suite, B3_MATERIAL).protect_rtp(rtp)
            self.assertEqual(out, want[:28 + n], suite)
            self.assertEqual(srtp.Session(suite, B3_MATERIAL).unprotect_rtp(out), rtp)

    def test_rfc7714(self):
        for suite, (key, rtp_v, rtcp_v, tag_only) in GCM_VECTORS.items():
            keys = srtp.Keys(key, b'', GCM_SALT, key, b'', GCM_SALT)
            s = srtp.Session(suite, keys=keys)
            self.assertEqual(s.protect_rtp(GCM_RTP).hex(), rtp_v, suite)
            self.assertEqual(s.protect_rtcp(GCM_RTCP, index=0x5d4).hex(), rtcp_v, suite)
            self.assertEqual(s.protect_rtcp(GCM_RTCP, index=0x5d4, encrypt=False).hex(),
                             GCM_RTCP.hex() + tag_only, suite)
            r = srtp.Session(suite, keys=keys)
            self.assertEqual(r.unprotect_rtp(h(rtp_v)), GCM_RTP)
            self.assertEqual(r.unprotect_rtcp(h(rtcp_v)), (GCM_RTCP, 0x5d4, True))
            bad = bytearray(h(rtp_v))
            bad[20] ^= 1
            with self.assertRaises(srtp.SrtpError) as cm:
                srtp.Session(suite, keys=keys).unprotect_rtp(bytes(bad))
            self.assertEqual(cm.exception.reason, 'auth')


class XCheck:
    """srtp_xcheck over pipes: one request line, one reply line."""

    def __init__(self, path: str):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def ask(self, line: str) -> str:
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        reply = self.p.stdout.readline()
        if not reply:
            raise RuntimeError('srtp_xcheck exited (rc %s) at %r' % (self.p.poll(), line[:60]))
        return reply.strip()

    def ok(self, line: str) -> str:
        reply = self.ask(line)
        if not reply.startswith('ok'):
            raise AssertionError('%r -> %r' % (line[:80], reply))
        return reply[3:]

    def packet(self, op: str, cid: int, pkt: bytes) -> str:
        """'ok <hex>' becomes the bytes' hex; a failure its result name."""
        reply = self.ask('%s %d %s' % (op, cid, pkt.hex()))
        return reply[3:] if reply.startswith('ok ') else '!' + reply

    def close(self) -> None:
        self.p.stdin.close()
        self.p.wait(timeout=30)


def rtp_packet(rnd: random.Random, seq: int, ssrc: int) -> bytes:
    """An RTP packet with a random shape: CSRCs, extension, padding."""
    cc = rnd.choice((0, 0, 1, 3, 15))
    ext = rnd.random() < 0.3
    pad = rnd.choice((0, 0, 0, 1, 4, 13))
    b0 = 0x80 | (0x20 if pad else 0) | (0x10 if ext else 0) | cc
    p = struct.pack('!BBHII', b0, rnd.randrange(128), seq, rnd.getrandbits(32), ssrc)
    p += rnd.randbytes(4 * cc)
    if ext:
        words = rnd.randrange(4)
        p += struct.pack('!HH', 0xBEDE, words) + rnd.randbytes(4 * words)
    p += rnd.randbytes(rnd.choice((0, 1, 20, 160, rnd.randrange(1200))))
    if pad:
        p += bytes(pad - 1) + bytes([pad])
    return p


def rtcp_packet(rnd: random.Random, ssrc: int) -> bytes:
    """A sender report with 0-3 report blocks, maybe an SDES after it."""
    n = rnd.randrange(4)
    p = struct.pack('!BBHI', 0x80 | n, 200, 6 + 6 * n, ssrc) + rnd.randbytes(20 + 24 * n)
    if rnd.random() < 0.5:
        p += struct.pack('!BBHI', 0x81, 202, 2, ssrc) + b'\x01\x02ab'
    return p


def delivery(rnd: random.Random, n: int):
    """Indices 0..n-1 in arrival order: about 5% lost, some swapped with a
    neighbour up to 5 places away, a few late by up to 40."""
    order = [i for i in range(n) if rnd.random() >= 0.05]
    for i in range(len(order) - 1):
        if rnd.random() < 0.1:
            j = min(len(order) - 1, i + rnd.randrange(1, 6))
            order[i], order[j] = order[j], order[i]
    for _ in range(n // 50):
        i = rnd.randrange(len(order))
        x = order.pop(i)
        order.insert(min(len(order), i + rnd.randrange(1, 41)), x)
    return order


class CrossCheck(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.x = XCheck(XCHECK)

    @classmethod
    def tearDownClass(cls):
        cls.x.close()

    def test_backend(self):
        """The crypto backend under libsrtp is the one MR_SRTP_CRYPTO asks for."""
        got = self.x.ok('backend')
        self.assertIn(got, ('openssl', 'libsrtp'))
        want = os.environ.get('MR_SRTP_CRYPTO')
        if want:
            self.assertEqual(got, want)

    def material(self, rnd, suite):
        return rnd.randbytes(srtp.SUITES[suite].material_len)

    def test_keys_and_fingerprints(self):
        rnd = random.Random(1)
        for suite in srtp.SUITES:
            m = self.material(rnd, suite)
            inline = srtp.make_inline(m)
            self.assertEqual(srtp.parse_inline(inline), m)
            for params in (inline, inline.rstrip('='), inline + '|2^31', inline + '|1000'):
                fp = self.x.ok('in 0 %s %s' % (suite, params))
                self.assertEqual(fp, srtp.fingerprint(suite, m), params)
        self.assertEqual(srtp.fingerprint('AES_CM_128_HMAC_SHA1_80', B3_MATERIAL), 'b2d4790f68d6')
        m = self.material(rnd, 'AES_CM_128_HMAC_SHA1_80')
        inline = srtp.make_inline(m)
        for params, words in ((inline + '|2^20|1:4', 'MKI'), (inline + '|1:4', 'MKI'),
                              (inline[:-2], 'bytes'), ('inline:' + 'A' * 38 + '*A', 'base64'),
                              (inline.replace('inline:', 'inlined:'), 'inline:'),
                              (inline + '|2^49', 'lifetime')):
            reply = self.x.ask('in 0 AES_CM_128_HMAC_SHA1_80 %s' % params)
            self.assertTrue(reply.startswith('err') and words in reply, (params, reply))
            self.assertNotIn(params[7:20], reply)
        reply = self.x.ask('in 0 AES_CM_256_HMAC_SHA1_80 %s' % inline)
        self.assertIn('unknown', reply)

    def roundtrip_rtp(self, suite, seed):
        """Python and lib/srtp both ways over the wrap, one SSRC each."""
        rnd = random.Random(seed)
        m = self.material(rnd, suite)
        inline = srtp.make_inline(m)
        ssrc = rnd.getrandbits(32)
        first = 65536 - 150
        pkts = [rtp_packet(rnd, (first + i) & 0xFFFF, ssrc) for i in range(400)]

        # Python protects, lib/srtp unprotects, in a lossy, reordered order
        py_tx = srtp.Session(suite, m)
        sent = [py_tx.protect_rtp(p) for p in pkts]
        self.assertEqual(py_tx.roc(ssrc), 1)
        self.x.ok('in 1 %s %s' % (suite, inline))
        order = delivery(rnd, len(pkts))
        for i in order:
            self.assertEqual(self.x.packet('unprotect_rtp', 1, sent[i]), pkts[i].hex(),
                             '%s: packet %d (seq %d)' % (suite, i, (first + i) & 0xFFFF))
        self.assertEqual(self.x.ok('roc 1 %d' % ssrc), '1')
        # a replay, one far behind, and a tampered packet are refused
        self.assertEqual(self.x.packet('unprotect_rtp', 1, sent[order[-1]]), '!replay')
        self.assertEqual(self.x.packet('unprotect_rtp', 1, sent[0]), '!replay')
        nxt = rtp_packet(rnd, (first + len(pkts)) & 0xFFFF, ssrc)
        fresh = py_tx.protect_rtp(nxt)
        for pos in (len(fresh) - 1, 12, 2):
            bad = bytearray(fresh)
            bad[pos] ^= 0x10
            # a sequence number 4096 away may fall left of the window first
            want = ('!auth', '!replay') if pos == 2 else ('!auth',)
            self.assertIn(self.x.packet('unprotect_rtp', 1, bytes(bad)), want, pos)
        self.assertEqual(self.x.packet('unprotect_rtp', 1, fresh), nxt.hex())

        # lib/srtp protects; Python makes the same bytes and reads them back
        self.x.ok('out 2 %s %s %d' % (suite, inline, ssrc))
        py_tx = srtp.Session(suite, m)
        py_rx = srtp.Session(suite, m)
        for i, p in enumerate(pkts):
            c_out = h(self.x.packet('protect_rtp', 2, p))
            self.assertEqual(c_out, py_tx.protect_rtp(p), '%s: packet %d' % (suite, i))
            self.assertEqual(len(c_out), len(p) + srtp.SUITES[suite].rtp_tag)
            self.assertEqual(py_rx.unprotect_rtp(c_out), p)
        self.assertEqual(self.x.ok('roc 2 %d' % ssrc), '1')
        self.assertEqual(py_rx.roc(ssrc), 1)

    def roundtrip_rtcp(self, suite, seed):
        rnd = random.Random(seed)
        m = self.material(rnd, suite)
        inline = srtp.make_inline(m)
        ssrc = rnd.getrandbits(32)
        pkts = [rtcp_packet(rnd, ssrc) for _ in range(60)]
        self.x.ok('out 3 %s %s %d' % (suite, inline, ssrc))
        self.x.ok('in 4 %s %s' % (suite, inline))
        py_tx = srtp.Session(suite, m)
        py_rx = srtp.Session(suite, m)
        for i, p in enumerate(pkts):
            c_out = h(self.x.packet('protect_rtcp', 3, p))
            self.assertEqual(len(c_out), len(p) + srtp.SUITES[suite].rtcp_overhead)
            plain, index, e = py_rx.unprotect_rtcp(c_out)
            self.assertEqual((plain, index, e), (p, i + 1, True), suite)
            self.assertEqual(py_tx.protect_rtcp(p, index=index), c_out)
        # Python protects at indices of its choosing, lib/srtp unprotects
        for i, p in enumerate(pkts):
            self.assertEqual(self.x.packet('unprotect_rtcp', 4,
                                           py_tx.protect_rtcp(p, index=1000 + 7 * i)), p.hex())
        self.assertEqual(self.x.packet('unprotect_rtcp', 4,
                                       py_tx.protect_rtcp(pkts[0], index=1000)), '!replay')
        bad = bytearray(py_tx.protect_rtcp(pkts[0], index=5000))
        bad[9] ^= 1
        self.assertEqual(self.x.packet('unprotect_rtcp', 4, bytes(bad)), '!auth')
        # E flag clear: GCM authenticates it (RFC 7714 9.2), AES-CM contexts refuse
        clear = py_tx.protect_rtcp(pkts[1], index=6000, encrypt=False)
        want = pkts[1].hex() if srtp.SUITES[suite].aead else '!malformed'
        self.assertEqual(self.x.packet('unprotect_rtcp', 4, clear), want)

    def test_all_suites(self):
        for n, suite in enumerate(srtp.SUITES):
            with self.subTest(suite=suite):
                self.roundtrip_rtp(suite, 100 + n)
                self.roundtrip_rtcp(suite, 200 + n)

    def test_many_ssrcs_one_inbound(self):
        """One inbound context, several senders interleaved, one removed."""
        rnd = random.Random(5)
        suite = 'AEAD_AES_128_GCM'
        m = self.material(rnd, suite)
        self.x.ok('in 5 %s %s' % (suite, srtp.make_inline(m)))
        tx = srtp.Session(suite, m)
        ssrcs = [rnd.getrandbits(32) for _ in range(5)]
        seqs = {s: rnd.randrange(65536) for s in ssrcs}
        kept = {}
        for _ in range(300):
            s = rnd.choice(ssrcs)
            p = rtp_packet(rnd, seqs[s], s)
            seqs[s] = (seqs[s] + 1) & 0xFFFF
            out = tx.protect_rtp(p)
            kept.setdefault(s, out)
            self.assertEqual(self.x.packet('unprotect_rtp', 5, out), p.hex())
        gone = ssrcs[0]
        self.assertEqual(self.x.packet('unprotect_rtp', 5, kept[gone]), '!replay')
        self.assertEqual(self.x.ask('remove 5 %d' % gone), 'ok')
        self.assertEqual(self.x.ask('remove 5 %d' % gone), 'enoent')
        self.assertEqual(self.x.ask('roc 5 %d' % gone), 'enoent')
        # state forgotten: its first packet is new again
        self.assertNotEqual(self.x.packet('unprotect_rtp', 5, kept[gone])[0], '!')
        self.assertEqual(self.x.packet('unprotect_rtp', 5, kept[ssrcs[1]]), '!replay')


def main() -> int:
    global XCHECK
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--xcheck', required=True, help='path of the srtp_xcheck executable')
    args, rest = ap.parse_known_args()
    XCHECK = args.xcheck
    prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
