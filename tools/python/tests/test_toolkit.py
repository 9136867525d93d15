#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Unit tests of tools/python/mrelay (stdlib unittest; no relay needed).

The histogram test records values the way lib/metrics/mr_hist.h does,
builds the reply the way lib/ctl/mr_ctl_hist.c does (non-empty buckets,
merged groups, TSC converted to ns) and checks that every Prometheus
bucket counts exactly the recorded values at or below its bound.
"""

import io
import os
import random
import socket
import struct
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), '..'))
from mrelay import (bencode, drops, exporter, ini, log, pcap, prom,  # noqa: E402
                    rtpgen, telemetry)


def relay_reply(values, tsc_hz, max_groups=200):
    """What /mrelay/hist answers for these TSC values (unit ns)."""
    buckets = [0] * prom.HIST_BUCKETS
    for v in values:
        buckets[prom.bucket_of(v)] += 1
    merge = 1

    def groups(m):
        return [sum(buckets[b:b + m]) for b in range(0, prom.HIST_BUCKETS, m)]
    while sum(1 for g in groups(merge) if g) > max_groups:
        merge *= 2
    le, cnt = [], []
    for i, g in enumerate(groups(merge)):
        if g:
            last = min((i + 1) * merge, prom.HIST_BUCKETS) - 1
            le.append(prom.tsc_to_ns(prom.bucket_hi(last), tsc_hz))
            cnt.append(g)
    return {'unit': 'ns', 'count': len(values),
            'sum': prom.tsc_to_ns(sum(values), tsc_hz),
            'bucket_merge': merge, 'bucket_le': le, 'bucket_count': cnt}


class HistTest(unittest.TestCase):

    def test_bucket_layout(self):
        # as mr_hist.h: exact below 32, 16 buckets per power of two after
        for v in range(32):
            self.assertEqual(prom.bucket_of(v), v)
        for b in range(prom.HIST_BUCKETS - 1):
            self.assertEqual(prom.bucket_hi(b) + 1, prom.bucket_lo(b + 1))
            self.assertEqual(prom.bucket_of(prom.bucket_lo(b)), b)
            self.assertEqual(prom.bucket_of(prom.bucket_hi(b)), b)
        self.assertEqual(prom.bucket_hi(prom.HIST_BUCKETS - 1), (1 << 64) - 1)

    def check_exact(self, values, tsc_hz, step, max_groups=200):
        reply = relay_reply(values, tsc_hz, max_groups)
        buckets, total, count = prom.hist_buckets(reply, 1e9, tsc_hz, step)
        self.assertEqual(count, len(values))
        self.assertAlmostEqual(total, prom.tsc_to_ns(sum(values), tsc_hz) / 1e9)
        prev_le, prev_c = -1.0, 0
        for le, c in buckets:
            self.assertGreater(le, prev_le)
            self.assertGreaterEqual(c, prev_c)
            # exact: the values at or below the last relay bucket (of an
            # aligned group) whose bound, in ns as the relay rounds it, is le
            hi = max(prom.bucket_hi(b) for b in range(prom.HIST_BUCKETS)
                     if (b + 1) % max(step, reply['bucket_merge']) == 0
                     and prom.tsc_to_ns(prom.bucket_hi(b), tsc_hz) / 1e9 == le)
            want = sum(1 for v in values if v <= hi)
            self.assertEqual(c, want, 'le=%r' % le)
            prev_le, prev_c = le, c
        self.assertEqual(buckets[-1][1], len(values))

    def test_exact_cumulative(self):
        rnd = random.Random(7)
        values = [int(rnd.lognormvariate(7, 1.2)) for _ in range(5000)] + [0, 1, 31, 32, 33]
        for hz in (2_100_000_000, 2_994_374_000):
            for step in (1, 4, 16):
                self.check_exact(values, hz, step)

    def test_exact_with_merged_groups(self):
        rnd = random.Random(11)
        values = [rnd.randrange(1, 1 << 40) for _ in range(3000)]
        reply = relay_reply(values, 3e9, max_groups=20)
        self.assertGreater(reply['bucket_merge'], 4)
        self.check_exact(values, 3e9, 4, max_groups=20)

    def test_counts_unit(self):
        reply = {'unit': 'count', 'count': 3, 'sum': 35, 'bucket_merge': 1,
                 'bucket_le': [1, 2, 32], 'bucket_count': [1, 1, 1]}
        buckets, total, count = prom.hist_buckets(reply, 1, None, 4)
        self.assertEqual((total, count), (35.0, 3))
        self.assertEqual(buckets[0], (3, 2))
        self.assertEqual(buckets[-1], (39, 3))  # bucket 35 holds 38..39


class ExpositionTest(unittest.TestCase):

    def test_text_and_parse(self):
        ex = prom.Exposition()
        ex.family('x_total', 'counter', 'a "help"\nline')
        ex.family('h_seconds', 'histogram', 'h')
        ex.sample('x_total', {'relay': 'a"b\\c'}, 5)
        ex.histogram('h_seconds', {'lcore': '1'}, [(0.5, 1), (1.0, 2)], 1.25, 3)
        text = ex.text()
        self.assertIn('# HELP x_total a "help"\\nline', text)
        parsed = prom.parse_exposition(text)
        self.assertEqual(parsed['x_total'][0], ({'relay': 'a\\"b\\\\c'}, 5.0))
        self.assertEqual([s[1] for s in parsed['h_seconds_bucket']], [1.0, 2.0, 3.0])
        self.assertEqual(parsed['h_seconds_bucket'][-1][0]['le'], '+Inf')
        self.assertEqual(list(prom.family_names(text)), ['x_total', 'h_seconds'])

    def test_refuses_bad_names(self):
        ex = prom.Exposition()
        self.assertRaises(ValueError, ex.family, 'bad-name', 'gauge', '')
        self.assertRaises(ValueError, ex.family, 'ok', 'gaug', '')
        ex.family('ok', 'gauge', '')
        self.assertRaises(ValueError, ex.family, 'ok', 'counter', '')
        self.assertRaises(ValueError, ex.sample, 'ok', {'1x': 1}, 1)
        self.assertRaises(ValueError, ex.sample, 'undeclared', {}, 1)

    def test_parse_listen(self):
        self.assertEqual(exporter.parse_listen('127.0.0.1:9417'), ('127.0.0.1', 9417))
        self.assertEqual(exporter.parse_listen(':9417'), ('0.0.0.0', 9417))
        self.assertEqual(exporter.parse_listen('[::1]:80'), ('::1', 80))
        self.assertRaises(ValueError, exporter.parse_listen, '127.0.0.1')
        self.assertRaises(ValueError, exporter.parse_listen, 'x:70000')


class PcapTest(unittest.TestCase):

    def test_roundtrip(self):
        frames = [(1.5, b'\x01' * 60), (2.000001, b'\x02' * 1514)]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'a.pcap')
            self.assertEqual(pcap.write_pcap(path, frames), 2)
            got = pcap.read_pcap(path)
            with open(path, 'rb') as f:
                data = f.read()
            with open(path, 'ab') as f:
                f.write(b'\0' * 5)
            self.assertRaises(ValueError, pcap.read_pcap, path)
        self.assertEqual([f for _, f in got], [f for _, f in frames])
        self.assertAlmostEqual(got[1][0], 2.000001, places=6)
        self.assertEqual(struct.unpack('<I', data[:4])[0], pcap.MAGIC_US)

    def test_checksums(self):
        # RFC 1071's example words sum to 0xddf2
        self.assertEqual(pcap.cksum16(bytes.fromhex('0001f203f4f5f6f7')), 0xDDF2)
        hdr = bytearray(bytes.fromhex('450000730000400040110000c0a80001c0a800c7'))
        c = pcap.inet_checksum(bytes(hdr))
        self.assertEqual(c, 0xB861)  # the well-known textbook header
        hdr[10:12] = struct.pack('!H', c)
        self.assertTrue(pcap.ipv4_header_ok(bytes(hdr)))
        src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
        udp = bytearray(struct.pack('!HHHH', 5000, 6000, 12, 0) + b'abcd')
        udp[6:8] = struct.pack('!H', pcap.udp_checksum(src, dst, bytes(udp)))
        self.assertTrue(pcap.udp_checksum_ok(src, dst, bytes(udp)))
        udp[9] ^= 1
        self.assertFalse(pcap.udp_checksum_ok(src, dst, bytes(udp)))
        s6, d6 = bytes(15) + b'\1', bytes(15) + b'\2'
        udp6 = bytearray(struct.pack('!HHHH', 1, 2, 9, 0) + b'x')
        udp6[6:8] = struct.pack('!H', pcap.udp_checksum(s6, d6, bytes(udp6)))
        self.assertTrue(pcap.udp_checksum_ok(s6, d6, bytes(udp6)))


class IniTest(unittest.TestCase):

    def test_text(self):
        text = ini.ini_text([('relay', {'burst': 32, 'x': None, 'on': True}),
                             ('leg.a', {'forward': ['b', 'c']})], comment='generated')
        self.assertEqual(text, '; generated\n\n[relay]\nburst = 32\non = 1\n\n'
                               '[leg.a]\nforward = b c\n')
        self.assertEqual(ini.parse_ini(text), {'relay': {'burst': '32', 'on': '1'},
                                               'leg.a': {'forward': 'b c'}})
        self.assertRaises(ValueError, ini.ini_text, {'relay': {'k': 'a\nb'}})


class BencodeTest(unittest.TestCase):
    def test_round_trip(self):
        body = {'command': 'offer', 'flags': ['trust-address'], 'n': -12, 'sdp': 'v=0\r\n'}
        msg = bencode.ng_message('5323_1', body)
        cookie, payload = bencode.split_ng(msg)
        self.assertEqual(cookie, b'5323_1')
        self.assertEqual(payload, b'd7:command5:offer5:flagsl13:trust-addresse'
                                  b'1:ni-12e3:sdp5:v=0\r\ne')
        self.assertEqual(bencode.to_text(bencode.decode(payload))['flags'], ['trust-address'])

    def test_refused(self):
        for bad in (b'i03e', b'i-0e', b'i+1e', b'01:a', b'd1:ai1e1:ai2ee', b'de ',
                    b'l', b'5:abc', b'di1ei2ee'):
            with self.assertRaises(bencode.BencodeError, msg=bad):
                bencode.decode(bad)
        with self.assertRaises(ValueError):
            bencode.split_ng(b'd7:command4:pinge')


class DropsTest(unittest.TestCase):

    REPLY = {'id': [1, 2, 4], 'name': ['multiseg', 'mbuf_exhausted', 'runt'],
             'library': ['metrics', 'metrics', 'pkt'],
             'description': ['a', 'b', 'c']}

    def test_rows(self):
        rows = drops.from_columns(self.REPLY)
        self.assertEqual(drops.names(rows), ['multiseg', 'mbuf_exhausted', 'runt'])
        self.assertEqual(rows[2], {'id': 4, 'name': 'runt', 'library': 'pkt',
                                   'description': 'c'})

    def test_refused(self):
        bad = [None, [], {'status': 'error', 'error': 'x'}, {'id': [1]},
               dict(self.REPLY, name=['a', 'b']),
               dict(self.REPLY, id=[1, 1, 2]),
               dict(self.REPLY, id=[0, 1, 2]),
               dict(self.REPLY, name=['a', 'B', 'c']),
               dict(self.REPLY, name=['a', 'b', 'a']),
               {c: [] for c in drops.COLUMNS}]
        for reply in bad:
            with self.assertRaises(drops.DropReasonsError, msg=repr(reply)):
                drops.from_columns(reply)


class RtpgenTest(unittest.TestCase):
    # drivers/net/rtpgen/rtpgen_ethdev.c's rtpgen_summary(), as logged
    LINE = ('RTPGEN: net_rtpgen0: generated 1200 RTP packets (0 malformed, 3 dropped, '
            '0 reordered, 0 duplicated); validated 1195 valid, 0 bad magic, 0 bad checksum, '
            '0 bad UDP checksum, 0 not RTP, 1 unknown flow; 2 lost, 4 reordered, 5 duplicate, '
            '0 SSRC changes; latency p50 2616 ns, p99 3868 ns, p99.9 9000 ns, max 12000 ns')

    def test_summary(self):
        text = 'noise\n' + self.LINE.replace('1200', '7') + '\n' + self.LINE + '\n'
        s = rtpgen.summary(text)
        self.assertEqual((s['port'], s['generated'], s['valid'], s['lost'], s['reordered'],
                          s['duplicate'], s['dropped'], s['unknown_flow']),
                         ('net_rtpgen0', 1200, 1195, 2, 4, 5, 3, 1))
        self.assertEqual((s['p50_ns'], s['p99_ns'], s['p999_ns'], s['max_ns']),
                         (2616, 3868, 9000, 12000))
        # without the latency part: the counters, no latency keys
        s = rtpgen.summary(self.LINE.split('; latency')[0])
        self.assertEqual(s['valid'], 1195)
        self.assertNotIn('p99_ns', s)
        self.assertIsNone(rtpgen.summary('no summary here'))

    def test_bench_config(self):
        self.assertEqual([rtpgen.next_pow2(n) for n in (0, 1, 2, 3, 2000, 2048)],
                         [1, 1, 2, 4, 2048, 2048])
        conf = ini.parse_ini(ini.ini_text(rtpgen.bench_sections(1000, 1000, 'x')))
        self.assertEqual(conf['relay'], {'streams_max': '2048', 'legs_max': '2000',
                                         'leg_streams_max': '65535',
                                         'leg_new_streams_per_s': '0',
                                         'rtp_port_min': '30000', 'rtp_port_max': '31999'})
        self.assertEqual(conf['pairs.x'], {'port': '0', 'count': '1000',
                                           'a_local': '10.0.0.1:30000',
                                           'a_remote': '10.1.0.1:20000',
                                           'b_local': '10.0.0.1:31000',
                                           'b_remote': '10.2.0.1:20000'})
        self.assertEqual(ini.parse_ini(ini.ini_text(rtpgen.bench_sections(
            1, 4000000, 'x')))['relay']['streams_max'], '8388608')
        self.assertEqual(rtpgen.vdev(50), 'net_rtpgen0,streams=50,src=10.1.0.1:20000,'
                                          'dst=10.0.0.1:30000')
        self.assertEqual(rtpgen.vdev(50, 10, 5000), 'net_rtpgen0,streams=50,endpoints=10,'
                                                    'src=10.1.0.1:20000,dst=10.0.0.1:30000,'
                                                    'rate=5000')


class TelemetryTest(unittest.TestCase):
    """The client against a server of this test: DPDK's greeting, then
    replies as given (None: none at all)."""

    def serve(self, replies):
        d = tempfile.mkdtemp()
        self.addCleanup(lambda: os.rmdir(d))
        path = os.path.join(d, 'sock')
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        srv.bind(path)
        srv.listen(1)
        self.addCleanup(os.unlink, path)
        self.addCleanup(srv.close)
        got = []

        def run():
            c, _ = srv.accept()
            with c:
                c.send(b'{"version": "DPDK 22.11", "pid": 1, "max_output_len": 16384}')
                for r in replies:
                    got.append(c.recv(2048))
                    if r is None:
                        c.recv(2048)   # until the client gives up
                        return
                    c.send(r)
        t = threading.Thread(target=run, daemon=True)
        t.start()
        self.addCleanup(t.join, 5)
        return path, got

    def test_replies(self):
        raw = b'{"/x": {"error": "a\x80"}}'
        path, got = self.serve([b'{"/mrelay/info": {"streams": 3}}', raw, b'{"/y": null}'])
        with telemetry.Telemetry(path=path, timeout=5) as t:
            self.assertEqual(t.pid, 1)
            self.assertEqual(t.command('/mrelay/info'), {'streams': 3})
            self.assertEqual(t.raw_reply(b'/x,\xff'), raw)
            self.assertIsNone(t.command('/y'))
        self.assertEqual(got, [b'/mrelay/info', b'/x,\xff', b'/y'])

    def test_timeout(self):
        path, _ = self.serve([None])
        with telemetry.Telemetry(path=path, timeout=0.3) as t:
            with self.assertRaises(telemetry.TelemetryTimeout) as e:
                t.command('/mrelay/info')
        self.assertEqual(e.exception.code, 3)

    def test_no_socket(self):
        with self.assertRaises(telemetry.TelemetryError) as e:
            telemetry.Telemetry(path='/nonexistent/dpdk_telemetry.v2', timeout=0.3)
        self.assertNotIsInstance(e.exception, telemetry.TelemetryTimeout)


class LogTest(unittest.TestCase):

    def tearDown(self):
        log.set_tag('mrelay')

    def test_prefix(self):
        out = io.StringIO()
        log.set_tag('dts', out)
        log.log('one')
        log.set_prefix('== ', out)
        log.log('two')
        other = io.StringIO()
        log.log('three', file=other)
        self.assertEqual(out.getvalue(), '[dts] one\n== two\n')
        self.assertEqual(other.getvalue(), '== three\n')


if __name__ == '__main__':
    unittest.main()
