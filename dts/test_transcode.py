#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay transcodes on a transcoder lcore: Opus from net_rtpgen (opus=1)
on port 0 leaves port 1 (net_pcap) re-encoded.

Checks the daemon end to end: every RTP packet the worker took was handed
to the transcoder and came out as one packet with the profile's payload
type, the channel's own SSRC and a continuous sequence, sent from the B
leg to its remote; no drops; every mbuf back at exit. (The decoded audio
is compared with the source in the unit suite: relay/transcode and the
transcode suite.)
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

STREAMS = 3
RATE = 300          # packets per second over all streams
SECONDS = 3

CONF = """
[relay]
workers = 1
transcoders = 2

[port.0]
ipv4 = 10.0.0.1
nexthop_mac = 02:00:00:00:00:02

[port.1]
ipv4 = 10.0.1.1
nexthop_mac = 02:00:00:00:00:09

[profile.narrow]
in = opus
out = opus
out_pt = 96
bitrate = 16000
rate = 16000
ptime = 40
"""

LEG = """
[leg.a{i}]
session = s{i}
port = 0
local = 10.0.0.1:{a}
remote = 10.1.0.1:{r}
forward = b{i}
transcode = narrow

[leg.b{i}]
session = s{i}
port = 1
local = 10.0.1.1:{b}
remote = 10.2.0.1:{r}
"""


def pcap_packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        raise SystemExit('FAIL: %s is not a little-endian pcap' % path)
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--mrelay', required=True, help='the mrelay binary')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('SKIP: needs root')
        return 77
    work = tempfile.mkdtemp(prefix='mrelay-dts-tc-')
    conf = CONF + ''.join(LEG.format(i=i, a=30000 + i, b=32000 + i, r=20000 + i)
                          for i in range(STREAMS))
    with open(os.path.join(work, 'tc.conf'), 'w') as f:
        f.write(conf)
    # TX queue 0 is the worker's (nothing here: all RTP is transcoded),
    # queue 1 the transcoder's
    out0 = os.path.join(work, 'out_worker.pcap')
    out = os.path.join(work, 'out.pcap')
    empty = os.path.join(work, 'empty.pcap')  # port 1 receives nothing
    with open(empty, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    summary = os.path.join(work, 'summary.json')
    mem = os.environ.get('MR_EAL_MEM', '--no-huge -m 1024').split()
    cmd = [args.mrelay, *mem, '--no-pci', '--file-prefix', 'mrdts_tc_%d' % os.getpid(),
           '--lcores', '0@0,1@1,2@1', '--log-level', '*:notice',
           '--vdev', 'net_rtpgen0,streams=%d,rate=%d,opus=1' % (STREAMS, RATE),
           '--vdev', 'net_pcap1,rx_pcap=%s,tx_pcap=%s,tx_pcap=%s' % (empty, out0, out),
           '--', '-c', os.path.join(work, 'tc.conf'), '-d', str(SECONDS), '-s', summary, '-q']
    print('run:', ' '.join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        print('FAIL: mrelay exit status %d (files in %s)' % (p.returncode, work))
        return 1
    s = json.load(open(summary))
    c = s['counters']
    drops = {k: v for k, v in s['drops'].items() if v and k != 'shutdown'}
    failures = []
    if drops:
        failures.append('drops: %s' % drops)
    if s['mbufs_in_use_at_exit'] != 0:
        failures.append('mbufs in use at exit: %d' % s['mbufs_in_use_at_exit'])
    if c['rtp_pkts'] < RATE * (SECONDS - 1):
        failures.append('only %d RTP packets received' % c['rtp_pkts'])

    if sum(1 for _ in pcap_packets(out0)) != 0:
        failures.append('the worker sent packets of a transcoded leg itself')
    flows = {}
    for frame in pcap_packets(out):
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
        failures.append('%d packets out for %d in (want about %d)' % (total_out, c['rtp_pkts'], want))
    if sent_in & {0x10000000 + i for i in range(STREAMS)}:
        failures.append('output kept an input SSRC')
    print('in %d RTP packets, out %d in %d flows' % (c['rtp_pkts'], total_out, len(flows)))
    if failures:
        for f in failures:
            print('FAIL:', f)
        print('files kept in', work)
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
