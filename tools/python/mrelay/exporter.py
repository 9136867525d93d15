# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay's telemetry as Prometheus metrics (docs/operations.md).

Each scrape opens the telemetry socket of every relay named, reads the
read-only commands one at a time, and closes it: nothing runs in the
relay but its telemetry thread, and no HTTP touches an lcore. Each relay
gets a deadline (timeout seconds for the whole read) and a reply size
bound; a relay that cannot be read reports mrelay_up 0 and nothing else.

Every series carries relay="<file prefix>". No per-stream or per-leg
families: their number is unbounded.
"""

import http.server
import socket
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .prom import Exposition, hist_buckets
from .telemetry import Telemetry, TelemetryError

# /mrelay/lcores columns: (column, metric, type, help, scale by tsc_hz)
LCORE_COLUMNS = [
    ('rx_pkts', 'mrelay_lcore_rx_packets_total', 'counter', 'Packets received by the lcore.'),
    ('tx_pkts', 'mrelay_lcore_tx_packets_total', 'counter',
     'Packets the lcore handed to a port for sending (forwarded copies included).'),
    ('rx_bursts', 'mrelay_lcore_rx_bursts_total', 'counter', 'Non-empty receive bursts.'),
    ('rtp_pkts', 'mrelay_lcore_rtp_packets_total', 'counter', 'RTP packets handled.'),
    ('rtcp_pkts', 'mrelay_lcore_rtcp_packets_total', 'counter', 'RTCP packets handled.'),
    ('fwd_clones', 'mrelay_lcore_forward_clones_total', 'counter',
     'Extra copies made to forward one packet to several destinations.'),
    ('learn_reqs', 'mrelay_lcore_streams_learned_total', 'counter',
     'Streams the worker learned (created in its own shard).'),
    ('busy_polls', 'mrelay_lcore_busy_polls_total', 'counter', 'Polls that found packets.'),
    ('idle_polls', 'mrelay_lcore_idle_polls_total', 'counter', 'Polls that found none.'),
]
PORT_COLUMNS = [
    ('ipackets', 'mrelay_port_rx_packets_total', 'counter', 'Packets received by the port.'),
    ('opackets', 'mrelay_port_tx_packets_total', 'counter', 'Packets sent by the port.'),
    ('ibytes', 'mrelay_port_rx_bytes_total', 'counter', 'Bytes received by the port.'),
    ('obytes', 'mrelay_port_tx_bytes_total', 'counter', 'Bytes sent by the port.'),
    ('imissed', 'mrelay_port_rx_missed_total', 'counter',
     'Packets the port dropped because its receive queues were full.'),
    ('ierrors', 'mrelay_port_rx_errors_total', 'counter', 'Erroneous received packets.'),
    ('oerrors', 'mrelay_port_tx_errors_total', 'counter', 'Failed transmissions.'),
    ('rx_nombuf', 'mrelay_port_rx_nombuf_total', 'counter',
     'Receive failures for want of an mbuf.'),
    ('pauses', 'mrelay_port_pauses_total', 'counter',
     'Times the port was taken out of the datapath to reconnect it.'),
    ('link_up', 'mrelay_port_link_up', 'gauge', '1 when the link is up.'),
    ('paused', 'mrelay_port_paused', 'gauge', '1 while the port is out of the datapath.'),
]
TRANSCODER_FRAMES = ['frames_in', 'frames_decoded', 'frames_out', 'concealed',
                     'fec_recovered', 'dtx_frames']
TRANSCODER_ERRORS = ['late', 'stale', 'bad_pt', 'bad_rtp', 'ring_full', 'decode_errors',
                     'encode_errors', 'no_mbuf']
# histogram name: (metric, help); the unit comes with each reply
HISTOGRAMS = {
    'pkt_time': ('mrelay_packet_time_seconds',
                 'Time a worker spends on one packet (per burst, divided by its size).'),
    'rx_burst': ('mrelay_rx_burst_packets', 'Packets per non-empty receive burst.'),
    'busy_pct': ('mrelay_lcore_busy_window_ratio',
                 'Busy share of the lcore in each 1 ms window (0 to 1).'),
    'tx_drain_late': ('mrelay_tx_drain_late_seconds',
                      'How late buffered packets were sent after their drain time.'),
    'jitter': ('mrelay_stream_jitter_seconds',
               'Interarrival jitter of streams, sampled every 16 RTP packets.'),
    'ring_occupancy': ('mrelay_transcoder_ring_entries',
                       'Entries waiting in a transcoder ring when it is polled.'),
    'transcode_time': ('mrelay_transcode_time_seconds', 'Time to transcode one frame.'),
    'loop_time': ('mrelay_loop_time_seconds',
                  'Time of a worker loop pass that did work: how long its queues went unpolled.'),
}
UNIT_DIV = {'ns': 1e9, 'us': 1e6, 'percent': 100, 'count': 1}


def _num(v: Any) -> Optional[float]:
    if isinstance(v, bool):
        return int(v)
    return v if isinstance(v, (int, float)) else None


def _rows(reply: Any, key: str) -> List[Dict[str, Any]]:
    if not isinstance(reply, dict) or not isinstance(reply.get(key), list):
        return []
    ids = reply[key]
    cols = {c: v for c, v in reply.items() if isinstance(v, list) and len(v) == len(ids)}
    return [{c: v[n] for c, v in cols.items()} for n in range(len(ids))]


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TelemetryError('scrape took longer than its deadline', 3)
        return left


def read_relay(prefix: str, timeout: float = 5.0, max_reply: int = 1 << 20,
               runtime_dir: Optional[str] = None) -> Dict[str, Any]:
    """Every read command the metrics need, within timeout seconds in all."""
    dl = Deadline(timeout)
    snap: Dict[str, Any] = {}
    with Telemetry(prefix, runtime_dir=runtime_dir, timeout=dl.left(),
                   max_reply=max_reply) as tel:
        def cmd(c: str) -> Any:
            tel.sock.settimeout(dl.left())
            return tel.command(c)
        for c in ('info', 'lcores', 'ports', 'drops', 'mempools', 'transcoders', 'hist_list',
                  'ng'):
            snap[c] = cmd('/mrelay/' + c)
        hl = snap['hist_list']
        snap['hist'] = {}
        if isinstance(hl, dict):
            for name in hl.get('names', []):
                for lc in hl.get(name, []) or []:
                    snap['hist'][(name, str(lc))] = cmd('/mrelay/hist,%s,%s' % (name, lc))
    if not isinstance(snap['info'], dict) or 'build_id' not in snap['info']:
        raise TelemetryError('%s: no /mrelay/info reply (not an mrelay?)' % prefix, 3)
    return snap


# /mrelay/ng keys (docs/telemetry.md): metric, type, help
NG_FAMILIES = {
    'calls': ('mrelay_ng_calls', 'gauge', 'Calls the ng protocol holds now.'),
    'legs': ('mrelay_ng_legs', 'gauge', 'Legs of those calls.'),
    'calls_created': ('mrelay_ng_calls_created_total', 'counter', 'Calls created by offers.'),
    'calls_idle_deleted': ('mrelay_ng_calls_idle_deleted_total', 'counter',
                           'Calls deleted for having no media for [ng] idle_ms.'),
    'replied_error': ('mrelay_ng_errors_total', 'counter', 'ng requests answered with an error.'),
    'cache_hits': ('mrelay_ng_cache_hits_total', 'counter',
                   'Retransmitted ng requests answered from the reply cache.'),
    'drop_acl': ('mrelay_ng_acl_drops_total', 'counter',
                 'ng datagrams from sources outside [ng] acl, dropped.'),
}


def declare(ex: Exposition) -> None:
    """Every family the exporter can write, in output order."""
    ex.family('mrelay_up', 'gauge', '1 when the relay\'s telemetry answered this scrape.')
    ex.family('mrelay_scrape_duration_seconds', 'gauge',
              'Time the exporter took to read the relay\'s telemetry.')
    ex.family('mrelay_build_info', 'gauge', 'Version, build id and DPDK version; always 1.')
    ex.family('mrelay_uptime_seconds', 'gauge', 'Time since the relay started.')
    ex.family('mrelay_legs', 'gauge', 'Legs configured.')
    ex.family('mrelay_legs_limit', 'gauge', 'Most legs the relay can hold.')
    ex.family('mrelay_streams', 'gauge', 'Streams in the stream table.')
    ex.family('mrelay_streams_limit', 'gauge', 'Most streams the stream table can hold.')
    ex.family('mrelay_stream_table_moves_total', 'counter',
              'Stream keys moved to their second bucket to make room.')
    ex.family('mrelay_stream_table_full_total', 'counter',
              'New streams refused because both their buckets were full.')
    ex.family('mrelay_lcore_info', 'gauge', 'The role of each lcore (main, worker, '
              'transcoder, unused); always 1.')
    for _c, m, t, h in LCORE_COLUMNS:
        ex.family(m, t, h)
    ex.family('mrelay_lcore_busy_seconds_total', 'counter', 'Time the lcore spent on packets.')
    ex.family('mrelay_lcore_idle_seconds_total', 'counter', 'Time the lcore polled in vain.')
    ex.family('mrelay_lcore_busy_ratio', 'gauge', 'Busy share of the lcore over the last second.')
    ex.family('mrelay_drops_total', 'counter', 'Packets dropped, by lcore and reason.')
    ex.family('mrelay_port_info', 'gauge', 'The driver of each port; always 1.')
    for _c, m, t, h in PORT_COLUMNS:
        ex.family(m, t, h)
    ex.family('mrelay_port_speed_bytes', 'gauge', 'Link speed in bytes per second.')
    ex.family('mrelay_mempool_capacity', 'gauge', 'Objects (mbufs, streams) a mempool holds.')
    ex.family('mrelay_mempool_in_use', 'gauge', 'Objects of a mempool in use.')
    ex.family('mrelay_transcoder_frames_total', 'counter',
              'Frames through a transcoder lcore, by stage.')
    ex.family('mrelay_transcoder_errors_total', 'counter',
              'Frames a transcoder lcore could not use, by reason.')
    ex.family('mrelay_transcoder_channels', 'gauge', 'Transcoding channels running.')
    ex.family('mrelay_histograms_enabled', 'gauge', '1 while the relay records histograms.')
    for m, t, h in NG_FAMILIES.values():
        ex.family(m, t, h)
    ex.family('mrelay_ng_requests_total', 'counter',
              'ng requests answered by a handler, by command (cache hits not counted).')
    for m, h in HISTOGRAMS.values():
        ex.family(m, 'histogram', h)


def relay_metrics(ex: Exposition, prefix: str, snap: Dict[str, Any], step: int = 4) -> None:
    """Add one relay's snapshot (read_relay()) to ex."""
    base = {'relay': prefix}
    info = snap['info']
    tsc_hz = float(info.get('tsc_hz') or 0) or None
    ex.sample('mrelay_build_info', dict(base, version=info.get('version', ''),
                                        build_id=info.get('build_id', ''),
                                        dpdk=info.get('dpdk', '')), 1)
    if _num(info.get('uptime_ms')) is not None:
        ex.sample('mrelay_uptime_seconds', base, info['uptime_ms'] / 1000.0)
    for key, m in (('legs', 'mrelay_legs'), ('legs_max', 'mrelay_legs_limit'),
                   ('streams', 'mrelay_streams'), ('streams_max', 'mrelay_streams_limit'),
                   ('stream_table_moves', 'mrelay_stream_table_moves_total'),
                   ('stream_table_full', 'mrelay_stream_table_full_total')):
        if _num(info.get(key)) is not None:
            ex.sample(m, base, info[key])

    for row in _rows(snap.get('lcores'), 'lcore'):
        lab = dict(base, lcore=str(row['lcore']))
        ex.sample('mrelay_lcore_info', dict(lab, role=row.get('role', '')), 1)
        for col, m, _t, _h in LCORE_COLUMNS:
            if _num(row.get(col)) is not None:
                ex.sample(m, lab, row[col])
        if tsc_hz:
            for col, m in (('busy_cycles', 'mrelay_lcore_busy_seconds_total'),
                           ('idle_cycles', 'mrelay_lcore_idle_seconds_total')):
                if _num(row.get(col)) is not None:
                    ex.sample(m, lab, row[col] / tsc_hz)
        if _num(row.get('busy_bp')) is not None:
            ex.sample('mrelay_lcore_busy_ratio', lab, row['busy_bp'] / 10000.0)

    ng = snap.get('ng')
    if isinstance(ng, dict) and ng.get('enabled') == 1:
        for key, (m, _t, _h) in NG_FAMILIES.items():
            if _num(ng.get(key)) is not None:
                ex.sample(m, base, ng[key])
        for c, n in (ng.get('commands') or {}).items():
            if _num(n) is not None:
                ex.sample('mrelay_ng_requests_total', dict(base, command=c), n)

    drops = snap.get('drops')
    if isinstance(drops, dict) and isinstance(drops.get('reasons'), list):
        for k, v in drops.items():
            if not k.startswith('lcore_') or not isinstance(v, list):
                continue
            for reason, n in zip(drops['reasons'], v):
                ex.sample('mrelay_drops_total', dict(base, lcore=k[len('lcore_'):],
                                                     reason=reason), n)

    for row in _rows(snap.get('ports'), 'port'):
        lab = dict(base, port=str(row['port']))
        ex.sample('mrelay_port_info', dict(lab, driver=row.get('driver', '')), 1)
        for col, m, _t, _h in PORT_COLUMNS:
            if _num(row.get(col)) is not None:
                ex.sample(m, lab, _num(row[col]))
        if _num(row.get('link_speed_mbps')) is not None:
            ex.sample('mrelay_port_speed_bytes', lab, row['link_speed_mbps'] * 125000)

    for row in _rows(snap.get('mempools'), 'name'):
        lab = dict(base, pool=str(row['name']))
        if _num(row.get('size')) is not None:
            ex.sample('mrelay_mempool_capacity', lab, row['size'])
        if _num(row.get('in_use')) is not None:
            ex.sample('mrelay_mempool_in_use', lab, row['in_use'])

    for row in _rows(snap.get('transcoders'), 'lcore'):
        lab = dict(base, lcore=str(row['lcore']))
        for col in TRANSCODER_FRAMES:
            if _num(row.get(col)) is not None:
                ex.sample('mrelay_transcoder_frames_total', dict(lab, stage=col), row[col])
        for col in TRANSCODER_ERRORS:
            if _num(row.get(col)) is not None:
                ex.sample('mrelay_transcoder_errors_total', dict(lab, reason=col), row[col])
        if _num(row.get('channels_running')) is not None:
            ex.sample('mrelay_transcoder_channels', lab, row['channels_running'])

    hl = snap.get('hist_list')
    if isinstance(hl, dict) and _num(hl.get('enabled')) is not None:
        ex.sample('mrelay_histograms_enabled', base, hl['enabled'])
    for (name, lc), reply in sorted(snap.get('hist', {}).items()):
        if name not in HISTOGRAMS or not isinstance(reply, dict) or 'bucket_le' not in reply:
            continue
        metric = HISTOGRAMS[name][0]
        unit = reply.get('unit', 'count')
        if unit not in UNIT_DIV:
            continue
        buckets, total, count = hist_buckets(reply, UNIT_DIV[unit],
                                             tsc_hz if unit == 'ns' else None, step)
        ex.histogram(metric, dict(base, lcore=lc), buckets, total, count)


def scrape(prefixes: Sequence[str], timeout: float = 5.0, max_reply: int = 1 << 20,
           step: int = 4, runtime_dir: Optional[str] = None,
           errors: Optional[List[str]] = None) -> str:
    """One exposition over every relay named by file prefix."""
    ex = Exposition()
    declare(ex)
    for p in prefixes:
        t0 = time.monotonic()
        try:
            snap = read_relay(p, timeout, max_reply, runtime_dir)
        except (TelemetryError, OSError, ValueError) as e:
            ex.sample('mrelay_up', {'relay': p}, 0)
            if errors is not None:
                errors.append('%s: %s' % (p, e))
            continue
        ex.sample('mrelay_up', {'relay': p}, 1)
        ex.sample('mrelay_scrape_duration_seconds', {'relay': p}, time.monotonic() - t0)
        relay_metrics(ex, p, snap, step)
    return ex.text()


CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'


def serve(addr: str, port: int, prefixes: Sequence[str], timeout: float = 5.0,
          max_reply: int = 1 << 20, step: int = 4, runtime_dir: Optional[str] = None,
          ready: Optional[Any] = None, quiet: bool = False) -> None:
    """Serve /metrics on addr:port until interrupted. One request at a
    time: DPDK 22.11's telemetry must not see two commands at once."""

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = 'mrelay-exporter'
        timeout = 10  # a silent client cannot hold the server longer

        def do_GET(self) -> None:
            path = self.path.split('?', 1)[0]
            if path == '/':
                body = (b'<html><body><a href="/metrics">/metrics</a> '
                        b'(mrelay-inspect --listen)</body></html>\n')
                ctype = 'text/html; charset=utf-8'
            elif path == '/metrics':
                errs: List[str] = []
                body = scrape(prefixes, timeout, max_reply, step, runtime_dir, errs).encode()
                for e in errs:
                    self.log_message('scrape: %s', e)
                ctype = CONTENT_TYPE
            else:
                self.send_error(404, 'only /metrics here')
                return
            self.send_response(200)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt: str, *args: Any) -> None:
            if not quiet:
                sys.stderr.write('mrelay-inspect: %s\n' % (fmt % args))

    family = socket.AF_INET6 if ':' in addr else socket.AF_INET

    class Server(http.server.HTTPServer):
        address_family = family

    httpd = Server((addr, port), Handler)
    if ready is not None:
        ready(httpd.server_address)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()


def parse_listen(text: str) -> Tuple[str, int]:
    """'ADDR:PORT', '[ADDR6]:PORT' or ':PORT' (all addresses) -> (addr, port);
    port 0 picks a free port (printed when serving starts)."""
    if text.startswith('['):
        addr, _, port = text[1:].partition(']:')
    else:
        addr, _, port = text.rpartition(':')
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError('--listen wants ADDR:PORT, got %r' % text)
    return addr or '0.0.0.0', int(port)
