# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""net_rtpgen (drivers/net/rtpgen), the virtual port of the benchmarks and
of many tests: its --vdev argument, the relay configuration of the
benchmarks on it, and the summary it logs when closed.

Addresses: the generator sends from SRC_IP:SRC_PORT+e to DST_IP:DST_PORT+e
(e = flow % endpoints); a relay's A legs listen there, its B legs send to
B_REMOTE and the port validates what comes back.
"""

import re
from typing import Any, Dict, List, Optional, Tuple

SRC = '10.1.0.1:20000'
DST_IP, DST_PORT = '10.0.0.1', 30000
B_REMOTE = '10.2.0.1:20000'

# RTPGEN_LOG(INFO) at close (type mrelay.rtpgen): the generator's and the
# validator's counters, then the latency percentiles
_SUMMARY = re.compile(
    r'(?P<port>\S+): generated (?P<generated>\d+) RTP packets \((?P<malformed>\d+) malformed, '
    r'(?P<dropped>\d+) dropped, (?P<gen_reordered>\d+) reordered, '
    r'(?P<duplicated>\d+) duplicated\); validated (?P<valid>\d+) valid, '
    r'(?P<bad_magic>\d+) bad magic, (?P<bad_checksum>\d+) bad checksum, '
    r'(?P<bad_udp_csum>\d+) bad UDP checksum, (?P<not_rtp>\d+) not RTP, '
    r'(?P<unknown_flow>\d+) unknown flow; (?P<lost>\d+) lost, (?P<reordered>\d+) reordered, '
    r'(?P<duplicate>\d+) duplicate, (?P<ssrc_changes>\d+) SSRC changes'
    r'(?:; latency p50 (?P<p50_ns>\d+) ns, p99 (?P<p99_ns>\d+) ns, '
    r'p99\.9 (?P<p999_ns>\d+) ns, max (?P<max_ns>\d+) ns)?')


def summary(text: str) -> Optional[Dict[str, Any]]:
    """The last close summary in text as a dict: 'port' (the device name)
    and the counters as ints (validator: valid, lost, reordered,
    duplicate; latency: p50_ns, p99_ns, p999_ns, max_ns); None when absent."""
    m = None
    for m in _SUMMARY.finditer(text):
        pass
    if m is None:
        return None
    return {k: (v if k == 'port' else int(v)) for k, v in m.groupdict().items()
            if v is not None}


def vdev(streams: int, endpoints: Optional[int] = None, rate: int = 0) -> str:
    """--vdev net_rtpgen0 with streams flows over endpoints destination
    ports (rtpgen's default: one each), at rate packets/s (0: unlimited)."""
    v = 'net_rtpgen0,streams=%d' % streams
    if endpoints is not None:
        v += ',endpoints=%d' % endpoints
    v += ',src=%s,dst=%s:%d' % (SRC, DST_IP, DST_PORT)
    if rate:
        v += ',rate=%d' % rate
    return v


def next_pow2(n: int) -> int:
    """The smallest power of two >= n (1 for n <= 1)."""
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def bench_sections(pairs: int, streams: int, name: str) -> List[Tuple[str, Dict[str, Any]]]:
    """The relay configuration of the benchmarks (mrelay.ini.ini_text):
    pairs legs pairs on port 0 for streams flows (the A legs at
    DST_IP:DST_PORT.., the B legs after them), a stream table with room
    to spare, and no per-leg limits (many SSRCs per leg, all at once)."""
    return [
        ('relay', {'streams_max': min(16777216, max(64, next_pow2(streams * 2))),
                   'legs_max': max(16, 2 * pairs),
                   'leg_streams_max': 65535,
                   'leg_new_streams_per_s': 0,
                   'rtp_port_min': DST_PORT,
                   'rtp_port_max': DST_PORT + 2 * pairs - 1}),
        ('port.0', {'ipv4': DST_IP, 'nexthop_mac': '02:00:00:00:00:02'}),
        ('pairs.' + name, {'port': 0, 'count': pairs,
                           'a_local': '%s:%d' % (DST_IP, DST_PORT),
                           'a_remote': SRC,
                           'b_local': '%s:%d' % (DST_IP, DST_PORT + pairs),
                           'b_remote': B_REMOTE}),
    ]
