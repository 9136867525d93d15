#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay over net_af_packet on a veth pair, with scapy in a netns.

    root namespace                          namespace mrtest_<pid>
    mrelay --vdev net_af_packet0,iface=R    N: 10.99.0.2/24, MAC 02:00:00:aa:00:02
    R: no IP, MAC 02:00:00:aa:00:01  <=veth=>  neighbour 10.99.0.1 -> R's MAC

The relay is 10.99.0.1 with two sessions: a<->b plain, and c<->d where d
rewrites SSRC, sequence number and timestamp. From the namespace scapy
sends four RTP streams (one into each leg, the first crossing the 16-bit
sequence wrap) and sniffs what comes back; every packet is checked: MACs,
addresses, ports, IP/UDP checksums, RTP header after the rewrite, payload,
and the count (exactly one out per packet in, nothing else).

Run as root. Exit 77 when netns/veth cannot be created or a tool is
missing. --traffic is the part that runs inside the namespace (under
/usr/bin/python3, for scapy).
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

RELAY_IP = '10.99.0.1'
NS_IP = '10.99.0.2'
ROOT_MAC = '02:00:00:aa:00:01'
NS_MAC = '02:00:00:aa:00:02'
PKTS_PER_STREAM = 60
PAYLOAD_LEN = 160
SSRC_OUT_D = 0xdeadbeef
SEQ_OFFSET_D = 1000
TS_OFFSET_D = 5000

# name: (local port, remote port, forward to, rewrite on egress)
LEGS = {
    'a': (30000, 40000, 'b', None),
    'b': (30002, 40002, 'a', None),
    'c': (30004, 40004, 'd', None),
    'd': (30006, 40006, 'c', (SSRC_OUT_D, SEQ_OFFSET_D, TS_OFFSET_D)),
}
# one stream into each leg: (leg, SSRC, first seq, first timestamp)
STREAMS = [
    ('a', 0x11110001, 65500, 1000),       # crosses the sequence wrap
    ('b', 0x11110002, 100, 0xfffff000),   # crosses the timestamp wrap
    ('c', 0x11110003, 30000, 7),          # leaves by d: rewritten
    ('d', 0x11110004, 5, 123456),         # leaves by c: untouched
]


def config_text():
    lines = ['; written by dts/test_af_packet.py', '[port.0]',
             'ipv4 = ' + RELAY_IP, 'nexthop_mac = ' + NS_MAC]
    for name, (lport, rport, fwd, rw) in LEGS.items():
        lines += ['', '[leg.%s]' % name,
                  'session = %s' % ('s1' if name in 'ab' else 's2'),
                  'port = 0',
                  'local = %s:%d' % (RELAY_IP, lport),
                  'remote = %s:%d' % (NS_IP, rport),
                  'forward = ' + fwd]
        if rw is not None:
            lines += ['ssrc_out = %d' % rw[0], 'seq_offset = %d' % rw[1],
                      'ts_offset = %d' % rw[2]]
    return '\n'.join(lines) + '\n'


def payload(stream, i):
    return bytes(((stream * 37 + i * 11 + k) & 0xff) for k in range(PAYLOAD_LEN))


def expected_packets():
    """(dport, seq) -> what the relay must send for every packet sent."""
    exp = {}
    for s, (leg, ssrc, seq0, ts0) in enumerate(STREAMS):
        out = LEGS[leg][2]
        olocal, oremote, _f, rw = LEGS[out]
        for i in range(PKTS_PER_STREAM):
            seq = (seq0 + i) & 0xffff
            ts = (ts0 + i * 160) & 0xffffffff
            essrc = ssrc
            if rw is not None:
                essrc = rw[0]
                seq = (seq + rw[1]) & 0xffff
                ts = (ts + rw[2]) & 0xffffffff
            exp[(oremote, seq)] = {
                'sport': olocal, 'dport': oremote, 'ssrc': essrc, 'seq': seq,
                'ts': ts, 'pt': 0, 'marker': 1 if i == 0 else 0,
                'payload': payload(s, i).hex()}
    return exp


# ---------------------------------------------------------------- netns side

def traffic(iface, out_path):
    """Inside the namespace: send the streams, sniff the relay's answers,
    write both as JSON."""
    import socket
    from scapy.all import AsyncSniffer, IP, UDP, conf, send
    from scapy.layers.rtp import RTP
    from scapy.layers.l2 import Ether
    from scapy.supersocket import L3RawSocket

    # Send through the kernel's IP stack so that the static neighbour
    # entry picks the relay's MAC (scapy's own L3 socket would ARP, and
    # the relay does not answer ARP).
    conf.L3socket = L3RawSocket
    # Listen on every remote port: no ICMP port unreachable goes back to
    # the relay (it would be an extra, unexpected packet for it).
    socks = []
    for _lp, rport, _f, _rw in LEGS.values():
        sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sk.bind((NS_IP, rport))
        socks.append(sk)

    def from_relay(p):
        return IP in p and UDP in p and p[IP].src == RELAY_IP

    sniffer = AsyncSniffer(iface=iface, lfilter=from_relay, store=True)
    sniffer.start()
    time.sleep(1.0)
    total = 0
    for i in range(PKTS_PER_STREAM):
        for s, (leg, ssrc, seq0, ts0) in enumerate(STREAMS):
            lport, rport, _f, _rw = LEGS[leg]
            pkt = (IP(src=NS_IP, dst=RELAY_IP) / UDP(sport=rport, dport=lport) /
                   RTP(version=2, marker=1 if i == 0 else 0, payload_type=0,
                       sequence=(seq0 + i) & 0xffff,
                       timestamp=(ts0 + i * 160) & 0xffffffff, sourcesync=ssrc) /
                   payload(s, i))
            send(pkt, verbose=False)
            total += 1
        time.sleep(0.002)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(sniffer.results or []) < total:
        time.sleep(0.1)
    time.sleep(0.5)  # anything extra that is still coming
    got = sniffer.stop() or []
    for sk in socks:
        sk.close()

    recv = []
    for p in got:
        ip = p[IP]
        udp = p[UDP]
        ipc = IP(bytes(ip))
        ip_sum = ipc.chksum
        del ipc.chksum
        ip_ok = IP(bytes(ipc)).chksum == ip_sum
        udp_ok = True
        if udp.chksum != 0:
            q = IP(bytes(ip))
            u_sum = q[UDP].chksum
            del q[UDP].chksum
            udp_ok = IP(bytes(q))[UDP].chksum == u_sum
        raw = bytes(udp.payload)
        rec = {'src_mac': p[Ether].src if Ether in p else None,
               'dst_mac': p[Ether].dst if Ether in p else None,
               'src': ip.src, 'dst': ip.dst, 'sport': udp.sport, 'dport': udp.dport,
               'ip_ok': ip_ok, 'udp_ok': udp_ok, 'len': len(raw)}
        if len(raw) >= 12:
            r = RTP(raw)
            rec.update({'version': r.version, 'ssrc': r.sourcesync, 'seq': r.sequence,
                        'ts': r.timestamp, 'pt': r.payload_type, 'marker': r.marker,
                        'payload': raw[12:].hex()})
        recv.append(rec)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump({'sent': total, 'received': recv}, f)


# ---------------------------------------------------------------- root side

def check_received(res, exp):
    errors = []
    seen = set()
    for rec in res['received']:
        key = (rec['dport'], rec.get('seq'))
        want = exp.get(key)
        if want is None:
            errors.append('unexpected packet %s' % rec)
            continue
        if key in seen:
            errors.append('duplicate packet %s' % (key,))
        seen.add(key)
        checks = [('src_mac', ROOT_MAC), ('dst_mac', NS_MAC), ('src', RELAY_IP),
                  ('dst', NS_IP), ('ip_ok', True), ('udp_ok', True), ('version', 2)]
        checks += [(k, want[k]) for k in ('sport', 'ssrc', 'ts', 'pt', 'marker',
                                          'payload')]
        for k, v in checks:
            got = rec.get(k)
            if isinstance(got, str) and isinstance(v, str):
                got, v = got.lower(), v.lower()
            if got != v:
                errors.append('packet to port %d seq %d: %s = %r, expected %r'
                              % (key[0], key[1], k, rec.get(k), v))
    missing = sorted(set(exp) - seen)
    if missing:
        errors.append('%d packets never came back, e.g. %s' % (len(missing), missing[:5]))
    if res['sent'] != len(exp):
        errors.append('sent %d packets, expected %d' % (res['sent'], len(exp)))
    if errors:
        raise dc.TestFailed('; '.join(errors[:10]) +
                            (' (+%d more)' % (len(errors) - 10) if len(errors) > 10 else ''))


def run(work):
    args = dc.parse_args(__doc__.splitlines()[0])
    dc.need_root()
    dc.need_pmd('af_packet')
    dc.need_scapy()
    if not os.access(args.mrelay, os.X_OK):
        raise dc.TestFailed('mrelay not found: ' + args.mrelay)

    pid = os.getpid()
    ns = 'mrtest_%d' % pid
    root_if = 'mrv%dr' % pid
    ns_if = 'mrv%dn' % pid
    conf_path = work.file('mrelay.conf')
    with open(conf_path, 'w', encoding='utf-8') as f:
        f.write(config_text())
    summary_path = work.file('mrelay_summary.json')
    traffic_out = work.file('traffic.json')

    mr = None
    try:
        dc.netns_setup(ns, root_if, ns_if, ROOT_MAC, NS_MAC, RELAY_IP, NS_IP)
        mr = dc.Proc('mrelay', [
            args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', 'mrdts_afp_%d' % pid,
            '-l', '0-1', '--log-level', '*:notice', '--log-level', 'mrelay.*:info',
            '--vdev', 'net_af_packet0,iface=%s,qpairs=2' % root_if,
            '--', '-c', conf_path, '-s', summary_path, '-q'], work.file('mrelay.log'))
        if not mr.wait_output(r'worker\(s\)', 30):
            raise dc.TestFailed('mrelay did not start')
        tr = subprocess.run(['ip', 'netns', 'exec', ns, dc.SCAPY_PYTHON,
                             os.path.abspath(__file__), '--traffic', ns_if, traffic_out],
                            capture_output=True, text=True, timeout=120, check=False)
        with open(work.file('traffic.log'), 'w', encoding='utf-8') as f:
            f.write(tr.stdout + tr.stderr)
        if tr.returncode != 0:
            raise dc.TestFailed('traffic in the namespace failed (status %d): %s'
                                % (tr.returncode, tr.stderr.strip()[-500:]))
        if not mr.alive():
            raise dc.TestFailed('mrelay exited early with status %s' % mr.p.returncode)
        mr_status = mr.stop(20)
    finally:
        if mr is not None:
            mr.stop(10)
        dc.netns_cleanup(ns, root_if)

    if mr_status != 0:
        raise dc.TestFailed('mrelay exited with status %s' % mr_status)
    with open(traffic_out, encoding='utf-8') as f:
        res = json.load(f)
    exp = expected_packets()
    dc.log('sent %d, received %d from the relay' % (res['sent'], len(res['received'])))
    summary = dc.load_summary(summary_path)
    dc.check_summary(summary, allowed_drops=('shutdown',))
    check_received(res, exp)
    c = summary['counters']
    if c['rx_pkts'] != len(exp) or c['tx_pkts'] != len(exp):
        raise dc.TestFailed('mrelay rx %d tx %d, expected %d each'
                            % (c['rx_pkts'], c['tx_pkts'], len(exp)))
    dc.log('mrelay: rx %d tx %d, %d streams' % (c['rx_pkts'], c['tx_pkts'],
                                                len(summary.get('streams', []))))


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--traffic':
        traffic(sys.argv[2], sys.argv[3])
        sys.exit(0)
    dc.main(run)
