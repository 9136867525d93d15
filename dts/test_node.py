#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay as an edge node: ARP, ND, ping and next-hop resolution over net_af_packet.

    root namespace                               namespace mrnode_<pid>
    mrelay port 0: net_rtpgen0 (RTP source)
    mrelay port 1: net_af_packet1,iface=R1       N1: 10.98.0.2/24, fd00:98::2/64
      10.98.0.1, fd00:98::1, nexthop 10.98.0.2   MAC 02:00:00:ab:00:02
    R1: no IP, MAC 02:00:00:ab:00:01 <=veth=>
    mrelay port 2: net_af_packet2,iface=R2       N2: fd00:97::2/64
      fd00:97::1, nexthop fd00:97::2             MAC 02:00:00:ab:01:02
    R2: no IP, MAC 02:00:00:ab:01:01 <=veth=>   (no static neighbour entries)

net_rtpgen sends two RTP flows to legs on port 0, which forward one out
of port 1 over IPv4 and the other out of port 2 over IPv6. Neither port
has a nexthop_mac: the relay must resolve 10.98.0.2 by ARP and fd00:97::2
by neighbour discovery. The test checks, with the kernel's own tools
(ping, ip neigh) and scapy:

1. while the namespace's ends are down, the relay asks and gets no
   answer: what it would send is dropped as nexthop_unresolved;
2. once they are up, the relay resolves both next hops (/mrelay/neigh,
   its log);
3. the namespace pings the relay's three addresses (IPv4 and IPv6) and
   its neighbour tables then hold the relay's MACs (ARP and ND);
4. the relayed RTP arrives in the namespace from the relay port's MAC to
   the namespace's, over IPv4 and IPv6, with valid checksums;
5. an ARP storm is rate-limited (counted, bounded replies), a gratuitous
   ARP claiming the relay's address is counted as a conflict, malformed
   ICMP, ICMPv6 and ND are counted; the relay answers pings afterwards
   and exits cleanly with every mbuf back in its pool.

Run as root. Exit 77 when netns/veth, scapy or net_af_packet is missing.
--netns-* are the parts that run inside the namespace (under
/usr/bin/python3, for scapy).
"""

import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

RELAY_IP = '10.98.0.1'
RELAY_IP6 = 'fd00:98::1'
NS_IP = '10.98.0.2'
NS_IP6 = 'fd00:98::2'
ROOT_MAC = '02:00:00:ab:00:01'
NS_MAC = '02:00:00:ab:00:02'
RELAY2_IP6 = 'fd00:97::1'      # port 2: IPv6 only, an IPv6 next hop
NS2_IP6 = 'fd00:97::2'
ROOT2_MAC = '02:00:00:ab:01:01'
NS2_MAC = '02:00:00:ab:01:02'
EVIL_MAC = '02:00:00:ab:00:66'
RTP_PORT4 = 41000
RTP_PORT6 = 41002
SNIFF_ENOUGH = 100     # relayed RTP packets of each flow the namespace must see
STORM = 20000          # ARP requests sent as fast as a raw socket goes
RATE_PPS = 1000        # lib/neigh's defaults: replies a second ...
BURST = 200            # ... and bucket depth


def config_text():
    return '\n'.join([
        '; written by dts/test_node.py',
        '[port.0]', 'ipv4 = 10.0.0.1', 'nexthop_mac = 02:00:00:00:00:02',
        '[port.1]', 'ipv4 = ' + RELAY_IP, 'ipv6 = ' + RELAY_IP6, 'nexthop = ' + NS_IP,
        '[leg.a4]', 'session = s4', 'port = 0', 'local = 10.0.0.1:30000',
        'remote = 10.1.0.1:20000', 'forward = b4',
        '[leg.b4]', 'session = s4', 'port = 1', 'local = %s:31000' % RELAY_IP,
        'remote = %s:%d' % (NS_IP, RTP_PORT4),
        '[leg.a6]', 'session = s6', 'port = 0', 'local = 10.0.0.1:30001',
        'remote = 10.1.0.1:20001', 'forward = b6',
        '[port.2]', 'ipv6 = ' + RELAY2_IP6, 'nexthop = ' + NS2_IP6,
        '[leg.b6]', 'session = s6', 'port = 2', 'local = [%s]:31002' % RELAY2_IP6,
        'remote = [%s]:%d' % (NS2_IP6, RTP_PORT6),
    ]) + '\n'


# ---------------------------------------------------------------- netns side

def netns_sniff(ifaces, secs, out_path):
    """Sniff what the relay sends for secs seconds on the two interfaces
    (comma-separated, port 1's first); write a summary as JSON."""
    from scapy.all import IP, IPv6, UDP, Ether, sniff
    socks = []
    for fam, addr, port in ((socket.AF_INET, NS_IP, RTP_PORT4),
                            (socket.AF_INET6, NS2_IP6, RTP_PORT6)):
        sk = socket.socket(fam, socket.SOCK_DGRAM)  # no port unreachable back
        sk.bind((addr, port))
        socks.append(sk)
    if1, if2 = ifaces.split(',')
    seen = {'v4': 0, 'v6': 0}

    def enough(p):
        # up to secs seconds, or until both flows showed SNIFF_ENOUGH packets
        seen['v4' if IP in p else 'v6'] += 1
        return min(seen.values()) >= SNIFF_ENOUGH
    got = sniff(iface=[if1, if2], timeout=secs, stop_filter=enough,
                lfilter=lambda p: UDP in p and (
                    (IP in p and p[IP].src == RELAY_IP) or
                    (IPv6 in p and p[IPv6].src == RELAY2_IP6)))
    res = {'v4': 0, 'v6': 0, 'bad': []}
    for p in got:
        ver = 'v4' if IP in p else 'v6'
        raw = bytes(p)
        q = Ether(raw)
        l3 = q[IP] if ver == 'v4' else q[IPv6]
        udp_sum = q[UDP].chksum
        del q[UDP].chksum
        if ver == 'v4':
            ip_sum = q[IP].chksum
            del q[IP].chksum
        q = Ether(bytes(q))
        ok = q[UDP].chksum == udp_sum and (ver == 'v6' or q[IP].chksum == ip_sum)
        want = ((if1, ROOT_MAC, NS_MAC, NS_IP, RTP_PORT4) if ver == 'v4' else
                (if2, ROOT2_MAC, NS2_MAC, NS2_IP6, RTP_PORT6))
        if (p.sniffed_on != want[0] or p[Ether].src.lower() != want[1] or
                p[Ether].dst.lower() != want[2] or l3.dst != want[3] or
                p[UDP].dport != want[4] or not ok):
            res['bad'].append('%s on %s: %s>%s %s dport %d checksums %s' % (
                ver, p.sniffed_on, p[Ether].src, p[Ether].dst, l3.dst, p[UDP].dport, ok))
            continue
        res[ver] += 1
    for sk in socks:
        sk.close()
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(res, f)


def netns_storm(iface, what, out_path):
    """Through a raw socket: an ARP storm (what = storm), or bad input of
    every kind (what = bad)."""
    from scapy.all import ARP, ICMP, IP, IPv6, Ether, ICMPv6EchoRequest, \
        ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, Raw
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sk.bind((iface, 0))
    bcast = 'ff:ff:ff:ff:ff:ff'
    req = bytes(Ether(dst=bcast, src=NS_MAC) /
                ARP(op=1, hwsrc=NS_MAC, psrc='10.98.0.77', pdst=RELAY_IP))
    if what == 'storm':
        t0 = time.monotonic()
        sent = 0
        for _ in range(STORM):
            try:
                sk.send(req)
                sent += 1
            except BlockingIOError:
                pass
        with open(out_path, 'w', encoding='utf-8') as f:
            json.dump({'sent': sent, 'storm_s': time.monotonic() - t0}, f)
        return
    bad = {
        # another host claims the relay's address
        'garp': bytes(Ether(dst=bcast, src=EVIL_MAC) /
                      ARP(op=1, hwsrc=EVIL_MAC, psrc=RELAY_IP, pdst=RELAY_IP)),
        'icmp_cksum': bytes(Ether(dst=ROOT_MAC, src=NS_MAC) /
                            IP(src=NS_IP, dst=RELAY_IP) / ICMP(chksum=0x1234) /
                            Raw(b'x' * 32)),
        # IPv4 total length beyond the frame
        'icmp_trunc': bytes(Ether(dst=ROOT_MAC, src=NS_MAC) /
                            IP(src=NS_IP, dst=RELAY_IP, len=400) / ICMP() /
                            Raw(b'y' * 8)),
        'icmp6_cksum': bytes(Ether(dst=ROOT_MAC, src=NS_MAC) /
                             IPv6(src=NS_IP6, dst=RELAY_IP6) /
                             ICMPv6EchoRequest(cksum=0x1234, data=b'z' * 16)),
        # hop limit 64: not from a neighbour (RFC 4861 7.1.1)
        'ns_hlim': bytes(Ether(dst=ROOT_MAC, src=NS_MAC) /
                         IPv6(src=NS_IP6, dst=RELAY_IP6, hlim=64) /
                         ICMPv6ND_NS(tgt=RELAY_IP6) / ICMPv6NDOptSrcLLAddr(lladdr=NS_MAC)),
    }
    counts = {'garp': 5, 'icmp_cksum': 50, 'icmp_trunc': 50, 'icmp6_cksum': 50,
              'ns_hlim': 20}
    for name, frame in bad.items():
        for _ in range(counts[name]):
            sk.send(frame)
            time.sleep(0.001)
    sk.close()
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(counts, f)


# ---------------------------------------------------------------- root side

def sh(*cmd, check=True, timeout=60):
    r = subprocess.run(list(cmd), capture_output=True, text=True, check=False,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise dc.TestFailed('%s: %s%s' % (' '.join(cmd), r.stdout.strip(), r.stderr.strip()))
    return r


def telemetry(prefix, cmd, tries=3):
    """One command on mrelay's telemetry socket; the reply's value. A
    loaded machine can leave the telemetry thread waiting for a CPU for
    seconds: a timeout is retried on a new connection."""
    for attempt in range(tries):
        try:
            return dc.telemetry(prefix, cmd, timeout=10)
        except dc.TelemetryTimeout:
            dc.log('telemetry %s: no answer in 10 s (try %d of %d)' % (cmd, attempt + 1, tries))
        except dc.TelemetryError as e:
            raise dc.TestFailed('telemetry %s: %s' % (cmd, e)) from e
    raise dc.TestFailed('telemetry %s: no answer' % cmd)


def neigh1(prefix, port=1):
    n = telemetry(prefix, '/mrelay/neigh')
    key = 'port_%d' % port
    if key not in n:
        raise dc.TestFailed('/mrelay/neigh has no %s: %s' % (key, n))
    return n[key]


def setup_netns(ns, links):
    """links: (root end, its MAC, namespace end, its MAC, its addresses)."""
    dc.need_tool('ip')
    dc.need_tool('ping')
    r = sh('ip', 'netns', 'add', ns, check=False)
    if r.returncode != 0:
        raise dc.TestSkipped('cannot create a network namespace: ' + r.stderr.strip())
    nsx = ['ip', 'netns', 'exec', ns]
    sh(*nsx, 'ip', 'link', 'set', 'dev', 'lo', 'up')
    for root_if, root_mac, ns_if, ns_mac, addrs in links:
        r = sh('ip', 'link', 'add', root_if, 'type', 'veth', 'peer', 'name', ns_if,
               check=False)
        if r.returncode != 0:
            raise dc.TestSkipped('cannot create a veth pair: ' + r.stderr.strip())
        sh('ip', 'link', 'set', ns_if, 'netns', ns)
        sh('ip', 'link', 'set', 'dev', root_if, 'address', root_mac)
        # the root end is the relay's wire only: no kernel IPv6 chatter from it
        sh('sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % root_if, check=False)
        sh(*nsx, 'ip', 'link', 'set', 'dev', ns_if, 'address', ns_mac)
        for a in addrs:
            sh(*nsx, 'ip', 'addr', 'add', a, 'dev', ns_if, *(['nodad'] if ':' in a else []))
        sh('ip', 'link', 'set', 'dev', root_if, 'up')
        # the namespace's end stays down until the relay has been seen to fail


def cleanup_netns(ns, root_ifs):
    sh('ip', 'netns', 'del', ns, check=False)
    for root_if in root_ifs:
        if os.path.exists('/sys/class/net/' + root_if):
            sh('ip', 'link', 'del', root_if, check=False)


def wait_for(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    raise dc.TestFailed('timed out waiting for ' + what)


def check_neigh_table(nsx, ns_if, ns2_if):
    for fam, addr, dev, mac in (('-4', RELAY_IP, ns_if, ROOT_MAC),
                                ('-6', RELAY_IP6, ns_if, ROOT_MAC),
                                ('-6', RELAY2_IP6, ns2_if, ROOT2_MAC)):
        out = sh(*nsx, 'ip', fam, 'neigh', 'show', addr, 'dev', dev).stdout.strip()
        dc.log('namespace: ip %s neigh: %s' % (fam, out))
        if ('lladdr ' + mac) not in out.lower():
            raise dc.TestFailed('the namespace did not resolve %s to %s: %r'
                                % (addr, mac, out))


def ping_both(nsx, tag):
    for fam, addr in (('-4', RELAY_IP), ('-6', RELAY_IP6), ('-6', RELAY2_IP6)):
        r = sh(*nsx, 'ping', fam, '-c', '3', '-i', '0.2', '-W', '2', addr, check=False)
        dc.log('%s: ping %s %s: %s' % (tag, fam, addr, r.stdout.strip().splitlines()[-2:]))
        if r.returncode != 0:
            raise dc.TestFailed('%s: ping %s %s failed: %s' % (tag, fam, addr, r.stdout))


def run(work):
    args = dc.parse_args(__doc__.splitlines()[0])
    dc.need_root()
    dc.need_pmd('af_packet')
    dc.need_scapy()
    if not os.access(args.mrelay, os.X_OK):
        raise dc.TestFailed('mrelay not found: ' + args.mrelay)

    pid = os.getpid()
    ns = 'mrnode_%d' % pid
    root_if = 'node%dr' % (pid % 100000)
    ns_if = 'node%dn' % (pid % 100000)
    root2_if = 'node%dR' % (pid % 100000)
    ns2_if = 'node%dN' % (pid % 100000)
    nsx = ['ip', 'netns', 'exec', ns]
    prefix = 'mrdts_node_%d' % pid
    conf_path = work.file('mrelay.conf')
    with open(conf_path, 'w', encoding='utf-8') as f:
        f.write(config_text())
    summary_path = work.file('mrelay_summary.json')

    mr = None
    me = os.path.abspath(__file__)
    try:
        setup_netns(ns, [(root_if, ROOT_MAC, ns_if, NS_MAC, [NS_IP + '/24', NS_IP6 + '/64']),
                         (root2_if, ROOT2_MAC, ns2_if, NS2_MAC, [NS2_IP6 + '/64'])])
        mr = dc.Proc('mrelay', [
            args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix,
            '-l', '0-1', '--log-level', '*:notice', '--log-level', 'mrelay.*:info',
            '--vdev', 'net_rtpgen0,streams=2,rate=200,src=10.1.0.1:20000,dst=10.0.0.1:30000',
            '--vdev', 'net_af_packet1,iface=%s,qpairs=2' % root_if,
            '--vdev', 'net_af_packet2,iface=%s,qpairs=2' % root2_if,
            '--', '-c', conf_path, '-s', summary_path, '-q'], work.file('mrelay.log'))
        if not mr.wait_output(r'worker\(s\)', 30):
            raise dc.TestFailed('mrelay did not start')

        # 1. nobody answers: unresolved, and what would go there is counted
        time.sleep(3)
        drops = telemetry(prefix, '/mrelay/drops')
        for port in (1, 2):
            n = neigh1(prefix, port)
            dc.log('port %d unresolved: requests_sent %d' % (port, n['requests_sent']))
            if n['nexthop_state'] != 'unresolved' or n['requests_sent'] < 1:
                raise dc.TestFailed('port %d before the namespace is up: %s' % (port, n))
        dc.log('nexthop_unresolved drops: %d' % drops.get('nexthop_unresolved', 0))
        if drops.get('nexthop_unresolved', 0) == 0:
            raise dc.TestFailed('nothing counted as nexthop_unresolved: %s' % drops)

        # 2. the next hop comes up and answers the next request
        sh(*nsx, 'ip', 'link', 'set', 'dev', ns_if, 'up')
        sh(*nsx, 'ip', 'link', 'set', 'dev', ns2_if, 'up')
        for port, mac, how in ((1, NS_MAC, 'arp_learned'), (2, NS2_MAC, 'nd_learned')):
            def resolved():
                x = neigh1(prefix, port)
                return x if x['nexthop_state'] == 'resolved' else None
            n = wait_for('the relay to resolve port %d\'s next hop' % port, resolved, 10)
            dc.log('port %d resolved: nexthop_mac %s, %s %d'
                   % (port, n['nexthop_mac'], how, n[how]))
            if n['nexthop_mac'].lower() != mac or n[how] == 0:
                raise dc.TestFailed('port %d: next hop resolved to %s (%s %d), not %s'
                                    % (port, n['nexthop_mac'], how, n[how], mac))
            if not mr.wait_output('(?i)port %d: next hop at %s' % (port, mac), 5):
                raise dc.TestFailed('no "port %d: next hop at" line in the relay log' % port)

        # 3. the namespace pings the relay and resolves it
        ping_both(nsx, 'before the storm')
        check_neigh_table(nsx, ns_if, ns2_if)

        # 4. relayed RTP reaches the namespace, addressed to its MAC
        sniff_out = work.file('sniff.json')
        # 100 packets a second each: a second is enough, unless the machine
        # is so loaded that the worker gets little CPU (the generator's
        # backlog is capped, so it then sends less)
        sh(*nsx, dc.SCAPY_PYTHON, me, '--netns-sniff', ns_if + ',' + ns2_if, '20', sniff_out,
           timeout=60)
        with open(sniff_out, encoding='utf-8') as f:
            sn = json.load(f)
        dc.log('namespace received RTP: %d over IPv4, %d over IPv6, %d bad'
               % (sn['v4'], sn['v6'], len(sn['bad'])))
        if sn['bad'] or sn['v4'] < SNIFF_ENOUGH or sn['v6'] < SNIFF_ENOUGH:
            raise dc.TestFailed('relayed RTP in the namespace: %s' % sn)

        # 5. storm and bad input
        before = neigh1(prefix)
        t_storm = time.monotonic()
        storm_out = work.file('storm.json')
        sh(*nsx, dc.SCAPY_PYTHON, me, '--netns-storm', ns_if, 'storm', storm_out, timeout=120)
        with open(storm_out, encoding='utf-8') as f:
            st = json.load(f)
        # What the relay has not taken yet waits in its sockets' rings; the
        # bad frames must not find them full (the kernel would drop them
        # before the relay sees them): wait until the counts stand still.
        last, deadline = None, time.monotonic() + 20
        while time.monotonic() < deadline:
            cur = neigh1(prefix)
            if cur == last:
                break
            last = cur
            time.sleep(1.0)
        bad_out = work.file('bad.json')
        sh(*nsx, dc.SCAPY_PYTHON, me, '--netns-storm', ns_if, 'bad', bad_out, timeout=120)
        with open(bad_out, encoding='utf-8') as f:
            sent_bad = json.load(f)
        want = {'arp_conflict': sent_bad['garp'],
                'icmp_malformed': sent_bad['icmp_cksum'] + sent_bad['icmp_trunc'],
                'icmp6_malformed': sent_bad['icmp6_cksum'],
                'nd_malformed': sent_bad['ns_hlim']}
        # On a loaded machine a worker (the socket of its queue holds part
        # of what was sent) can lag for seconds: wait until every bad frame
        # was seen, then a little for any extra count, then compare.
        deadline = time.monotonic() + 20
        while True:
            after = neigh1(prefix)
            delta = {k: after[k] - before[k] for k in after if isinstance(after[k], int)}
            if all(delta[k] >= v for k, v in want.items()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(0.5)
        after = neigh1(prefix)
        t_read = time.monotonic()
        delta = {k: after[k] - before[k] for k in after if isinstance(after[k], int)}
        if after['nexthop_state'] != 'resolved' or delta['nexthop_changed'] != 0:
            raise dc.TestFailed('the storm moved the next hop: %s' % after)
        dc.log('storm: %d ARP requests in %.2f s; counter changes: %s'
               % (st['sent'], st['storm_s'],
                  {k: v for k, v in delta.items() if v}))
        if not mr.alive():
            raise dc.TestFailed('mrelay died in the storm')
        # the bucket: full at the start, refilled at RATE_PPS until the last read
        bound = BURST + RATE_PPS * (t_read - t_storm) + 10
        if delta['rate_limited'] == 0:
            raise dc.TestFailed('an ARP storm of %d was not rate-limited' % st['sent'])
        if delta['arp_replied'] > bound:
            raise dc.TestFailed('%d ARP replies, more than the bucket allows (%d)'
                                % (delta['arp_replied'], bound))
        for k, v in want.items():
            if delta[k] != v:
                raise dc.TestFailed('%s went up by %d, %d sent (all changes %s; drops %s; '
                                    'port 1 %s)' % (
                                        k, delta[k], v, {a: b for a, b in delta.items() if b},
                                        telemetry(prefix, '/mrelay/drops'),
                                        telemetry(prefix, '/ethdev/stats,1')))
        ping_both(nsx, 'after the storm')
        drops = telemetry(prefix, '/mrelay/drops')
        dc.log('drops: %s' % {k: v for k, v in drops.items()
                              if isinstance(v, int) and v and k != 'total'})
        mr_status = mr.stop(20)
    finally:
        if mr is not None:
            mr.stop(10)
        cleanup_netns(ns, [root_if, root2_if])

    if mr_status != 0:
        raise dc.TestFailed('mrelay exited with status %s' % mr_status)
    summary = dc.load_summary(summary_path)
    dc.check_summary(summary, allowed_drops=(
        'nexthop_unresolved', 'exception_ring_full', 'shutdown'))
    dc.log('summary: counters %s, drops %s' % (
        summary['counters'], {k: v for k, v in summary['drops'].items() if v}))


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == '--netns-sniff':
        netns_sniff(sys.argv[2], float(sys.argv[3]), sys.argv[4])
        sys.exit(0)
    if len(sys.argv) == 5 and sys.argv[1] == '--netns-storm':
        netns_storm(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(0)
    dc.main(run)
