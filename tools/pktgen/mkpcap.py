#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Write RTP voice streams to a pcap for Pktgen-DPDK's pcap replay (-s P:file).

Stream i (0..N-1) goes from SRC ip, port SRC_PORT+i to DST ip, port DST_PORT+i
with SSRC SSRC_BASE+i; every stream has PACKETS packets whose sequence number
advances by 1 and timestamp by clock*ptime/1000. Packets are interleaved
round-robin (one packet of every stream, then the next round), and the pcap
timestamps advance by PTIME per round, as a real call mix would. The defaults
match mrelay's embedded default configuration and tools/pktgen/mrelay-pktgen.conf.

Exit status: 0 written, 2 bad arguments.
Needs scapy (Debian: python3-scapy), hence /usr/bin/python3.
"""

import argparse
import ipaddress
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap  # noqa: E402
from scapy.layers.rtp import RTP  # noqa: E402


def endpoint(text):
    try:
        host, port = text.rsplit(':', 1)
        ipaddress.IPv4Address(host)
        port = int(port)
    except ValueError as e:
        raise argparse.ArgumentTypeError('expected a.b.c.d:port, got %r' % text) from e
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError('port out of range in %r' % text)
    return host, port


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('-o', '--out', required=True, help='pcap file to write')
    ap.add_argument('-n', '--streams', type=int, default=200,
                    help='number of RTP streams (default %(default)s)')
    ap.add_argument('--packets', type=int, default=500,
                    help='packets per stream (default %(default)s: 10 s at 20 ms)')
    ap.add_argument('--src', type=endpoint, default='10.1.0.1:20000',
                    help='source of stream 0; stream i uses port+i (default %(default)s)')
    ap.add_argument('--dst', type=endpoint, default='10.0.0.1:30000',
                    help='destination (the relay) of stream 0; stream i uses port+i '
                         '(default %(default)s)')
    ap.add_argument('--src-mac', default='02:00:00:00:00:02',
                    help='Ethernet source: the pktgen port (default %(default)s)')
    ap.add_argument('--dst-mac', default='02:00:00:00:00:01',
                    help='Ethernet destination: the relay port (default %(default)s)')
    ap.add_argument('--ssrc-base', type=lambda s: int(s, 0), default=0x10000000,
                    help='SSRC of stream 0, stream i has base+i (default 0x10000000)')
    ap.add_argument('--seq-start', type=int, default=0,
                    help='first sequence number of every stream (default %(default)s; '
                         'e.g. 65400 to cross the 16-bit wrap)')
    ap.add_argument('--ptime', type=int, default=20,
                    help='packet time in ms (default %(default)s)')
    ap.add_argument('--clock', type=int, default=48000,
                    help='RTP clock rate in Hz (default %(default)s)')
    ap.add_argument('--pt', type=int, default=111,
                    help='RTP payload type (default %(default)s)')
    ap.add_argument('--payload', type=int, default=146,
                    help='RTP payload bytes (default %(default)s: with the headers, '
                         '200-byte frames without FCS)')
    a = ap.parse_args()

    errors = []
    if not 1 <= a.streams <= 65535:
        errors.append('--streams must be 1..65535')
    if a.packets < 1:
        errors.append('--packets must be >= 1')
    if a.src[1] + a.streams - 1 > 65535 or a.dst[1] + a.streams - 1 > 65535:
        errors.append('port + streams - 1 passes 65535')
    if not (0 <= a.ssrc_base and a.ssrc_base + a.streams - 1 <= 0xffffffff):
        errors.append('--ssrc-base + streams - 1 passes 2^32 - 1')
    if not 0 <= a.seq_start <= 65535:
        errors.append('--seq-start must be 0..65535')
    if not 0 <= a.pt <= 127:
        errors.append('--pt must be 0..127')
    if a.ptime < 1 or a.clock < 1000:
        errors.append('--ptime must be >= 1 and --clock >= 1000')
    if not 0 <= a.payload <= 1400:
        errors.append('--payload must be 0..1400')
    if errors:
        for e in errors:
            print('mkpcap: ' + e, file=sys.stderr)
        return 2

    step = a.clock * a.ptime // 1000
    pkts = []
    t0 = 1700000000.0
    for k in range(a.packets):
        for i in range(a.streams):
            # payload differs per stream and packet so that a checker
            # can tell packets apart
            body = bytes(((i * 13 + k * 7 + j) & 0xff) for j in range(a.payload))
            p = (Ether(src=a.src_mac, dst=a.dst_mac) /
                 IP(src=a.src[0], dst=a.dst[0], tos=0xb8, ttl=64, flags='DF') /
                 UDP(sport=a.src[1] + i, dport=a.dst[1] + i) /
                 RTP(version=2, payload_type=a.pt, marker=1 if k == 0 else 0,
                     sequence=(a.seq_start + k) & 0xffff,
                     timestamp=(k * step) & 0xffffffff,
                     sourcesync=(a.ssrc_base + i) & 0xffffffff) /
                 Raw(body))
            p.time = t0 + k * a.ptime / 1000.0 + i * 1e-6
            pkts.append(p)
    wrpcap(a.out, pkts)
    print('mkpcap: %s: %d streams x %d packets, %d-byte frames'
          % (a.out, a.streams, a.packets, len(pkts[0])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
