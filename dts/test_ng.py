#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay driven by the rtpengine ng protocol, RTP over net_af_packet.

    root namespace                         namespace mrng_<pid>
    mrelay --vdev net_af_packet0,iface=D   data: 10.98.0.2/24 (relay 10.98.0.1,
      data path on D (no kernel address)          10.98.0.3 -> D's MAC, static)
      ng socket on C 10.97.0.1:2223  <=veth=>  ctl: 10.97.0.2/24
                                               (Kamailio, SIPp, RTP sockets)

Cases (the first argument):
  protocol  a Python ng client (the toolkit's mrelay.ng) against the
            daemon: offer/answer/delete, the rewritten SDP, a retransmission
            answered from the cache without a second allocation, RTP both
            ways through the allocated ports, query figures, malformed and
            refused requests changing nothing, idle expiry while another
            call with media stays.
  sipp      Kamailio 5.6 (tools/kamailio/kamailio.cfg) and SIPp: N calls
            (uac_pcap plays G.711 to a -rtp_echo UAS) through mrelay; RTP
            counted at both SIPp ends with tcpdump; /mrelay/ng shows the
            calls during the calls and none after the BYEs.
  srtp      SDES-SRTP calls: offers/answers with a=crypto; SRTP both ways
            protected and checked by mrelay.srtp byte for byte on the wire;
            SRTP terminated (transport-protocol RTP/AVP) and originated
            (RTP/SAVP on a plain offer); keys never in replies or the log.
  transcode codec-mask-PCMU + codec-transcode-opus with two [profile]s and
            a transcoder lcore: PCMU from A reaches B as Opus, B's Opus
            (mrelay's own, sent back) reaches A as PCMU.
  set       two mrelays as one rtpengine set in Kamailio: calls spread over
            both; one killed (by its pid), the next calls all go to the other.

Run as root. Exit 77 when netns/veth cannot be made or a tool (kamailio,
sipp, tcpdump for sipp/set) is missing. --rtp is the helper that runs in
the namespace.
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402
from mrelay.ng import NgClient, NgTimeout  # noqa: E402
from mrelay import srtp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KAMAILIO_CFG = os.path.join(HERE, '..', 'tools', 'kamailio', 'kamailio.cfg')
G711A = '/usr/share/sip-tester/g711a.pcap'

RELAY_IPS = ['10.98.0.1', '10.98.0.3']
NS_IP = '10.98.0.2'
CTL_ROOT_IP = '10.97.0.1'
CTL_NS_IP = '10.97.0.2'
ROOT_MAC = '02:00:00:cc:00:01'
NS_MAC = '02:00:00:cc:00:02'
NG_PORTS = [2223, 2224]
IDLE_MS = 3000
PAYLOAD = 160
STARTED = []   # the relays this run started, stopped at the end whatever happens


def sh(*cmd, check=True):
    r = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if check and r.returncode != 0:
        raise dc.TestFailed('%s: %s' % (' '.join(cmd), r.stderr.strip()))
    return r


class Net:
    """The namespace and its two veth pairs; removed by close()."""

    def __init__(self):
        pid = os.getpid()
        self.ns = 'mrng_%d' % pid
        self.data_root, self.data_ns = 'mrd%dr' % pid, 'mrd%dn' % pid
        self.ctl_root, self.ctl_ns = 'mrc%dr' % pid, 'mrc%dn' % pid
        self.nsx = ['ip', 'netns', 'exec', self.ns]

    def open(self):
        dc.need_tool('ip')
        dc.need_tool('ethtool')
        if sh('ip', 'netns', 'add', self.ns, check=False).returncode != 0:
            raise dc.TestSkipped('cannot create a network namespace')
        for r, n in ((self.data_root, self.data_ns), (self.ctl_root, self.ctl_ns)):
            if sh('ip', 'link', 'add', r, 'type', 'veth', 'peer', 'name', n,
                  check=False).returncode != 0:
                raise dc.TestSkipped('cannot create a veth pair')
            sh('ip', 'link', 'set', n, 'netns', self.ns)
            sh('sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % r, check=False)
            sh(*self.nsx, 'sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % n, check=False)
        sh('ip', 'link', 'set', 'dev', self.data_root, 'address', ROOT_MAC)
        sh(*self.nsx, 'ip', 'link', 'set', 'dev', self.data_ns, 'address', NS_MAC)
        sh(*self.nsx, 'ip', 'addr', 'add', NS_IP + '/24', 'dev', self.data_ns)
        sh(*self.nsx, 'ip', 'addr', 'add', CTL_NS_IP + '/24', 'dev', self.ctl_ns)
        sh('ip', 'addr', 'add', CTL_ROOT_IP + '/24', 'dev', self.ctl_root)
        for dev in (self.data_ns, self.ctl_ns, 'lo'):
            sh(*self.nsx, 'ip', 'link', 'set', 'dev', dev, 'up')
        # veth leaves UDP checksums to "hardware" (CHECKSUM_PARTIAL): the relay
        # would forward the partial sum, which the receiving socket refuses
        sh(*self.nsx, 'ethtool', '-K', self.data_ns, 'tx', 'off')
        for ip in RELAY_IPS:
            sh(*self.nsx, 'ip', 'neigh', 'replace', ip, 'lladdr', ROOT_MAC, 'dev',
               self.data_ns, 'nud', 'permanent')
        for dev in (self.data_root, self.ctl_root):
            sh('ip', 'link', 'set', 'dev', dev, 'up')

    def close(self):
        sh('ip', 'netns', 'del', self.ns, check=False)
        for dev in (self.data_root, self.ctl_root):
            if os.path.exists('/sys/class/net/' + dev):
                sh('ip', 'link', 'del', dev, check=False)


def config_text(i, ng_listen, relay_extra=(), sections=()):
    return '\n'.join([
        '; written by dts/test_ng.py',
        '[relay]', 'stats_interval_ms = 0', 'rtp_port_min = 40000', 'rtp_port_max = 40999',
        *relay_extra, *sections,
        '[port.0]', 'ipv4 = ' + RELAY_IPS[i], 'nexthop_mac = ' + NS_MAC,
        '[ng]', 'listen = ' + ng_listen, 'acl = 127.0.0.0/8, %s/32' % CTL_NS_IP,
        'idle_ms = %d' % IDLE_MS, 'calls_max = 64', '']) + '\n'


def start_relay(args, work, net, i, tag, lcores=('-l', '0-1'), relay_extra=(), sections=(),
                vdev_extra=''):
    conf = work.file('mrelay%d.conf' % i)
    with open(conf, 'w', encoding='utf-8') as f:
        f.write(config_text(i, '0.0.0.0:%d' % NG_PORTS[i], relay_extra, sections))
    prefix = 'mrng2_%s%d_%d' % (tag, i, os.getpid())
    mr = dc.Proc('mrelay%d' % i, [
        args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix,
        *lcores, '--log-level', '*:notice',
        '--vdev', 'net_af_packet%d,iface=%s%s' % (i, net.data_root, vdev_extra),
        '--', '-c', conf, '-s', work.file('summary%d.json' % i), '-q'],
        work.file('mrelay%d.log' % i))
    if not mr.wait_output(r'worker\(s\)', 60):
        raise dc.TestFailed('mrelay %d did not start: %s' % (i, mr.tail()))
    mr.tel_prefix = prefix
    STARTED.append(mr)
    return mr


def ng_stats(mr):
    r = dc.telemetry(mr.tel_prefix, '/mrelay/ng')
    if not isinstance(r, dict) or 'calls' not in r:
        raise dc.TestFailed('/mrelay/ng: %r' % (r,))
    return r


def n_legs(mr):
    r = dc.telemetry(mr.tel_prefix, '/mrelay/info')
    return r.get('legs') if isinstance(r, dict) else None


def expect(cond, msg):
    if not cond:
        raise dc.TestFailed(msg)


# ------------------------------------------------------------ in the namespace

def rtp_helper(spec_json):
    """Send RTP from each (local port -> relay ip:port) pair and count what
    comes back to each local port: {port: {"sent", "rx", "from": [...]}}."""
    spec = json.loads(spec_json)
    socks = {}
    for s in spec['flows']:
        sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sk.bind((NS_IP, s['local']))
        sk.setblocking(False)
        socks[s['local']] = (sk, s)
    res = {str(p): {'sent': 0, 'rx': 0, 'bytes': 0, 'from': []} for p in socks}
    n, period = spec['count'], spec['period']

    def drain():
        for port, (sk, _s) in socks.items():
            while True:
                try:
                    data, src = sk.recvfrom(2048)
                except BlockingIOError:
                    break
                r = res[str(port)]
                if socks[port][1].get('keep'):
                    r.setdefault('data', []).append(data.hex())
                r['rx'] += 1
                r['bytes'] += len(data)
                if list(src) not in r['from']:
                    r['from'].append(list(src))
    for i in range(n):
        for port, (sk, s) in socks.items():
            if 'packets' in s:   # given (e.g. SRTP made by the caller); '': none
                if s['packets'][i]:
                    sk.sendto(bytes.fromhex(s['packets'][i]), (s['relay'], s['remote']))
            else:
                hdr = struct.pack('!BBHII', 0x80, 0, (100 + i) & 0xffff, i * 160,
                                  0x1000 + port)
                sk.sendto(hdr + bytes(PAYLOAD), (s['relay'], s['remote']))
            res[str(port)]['sent'] += 1
        drain()
        time.sleep(period)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        drain()
        time.sleep(0.02)
    print(json.dumps(res))


def run_rtp(net, flows, count, period=0.005, background=False):
    cmd = net.nsx + [sys.executable, os.path.abspath(__file__), '--rtp',
                     json.dumps({'flows': flows, 'count': count, 'period': period})]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if r.returncode != 0:
        raise dc.TestFailed('RTP helper: %s' % r.stderr[-500:])
    return json.loads(r.stdout)


# ------------------------------------------------------------ protocol

def sdp(port, who):
    return ('v=0\r\no=%s 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n'
            'm=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n'
            'a=rtpmap:101 telephone-event/8000\r\na=rtcp:%d\r\n'
            'a=ice-ufrag:Xy12\r\na=candidate:1 1 UDP 2130706431 %s %d typ host\r\n'
            'a=sendrecv\r\n' % (who, NS_IP, NS_IP, port, port + 1, NS_IP, port))


def m_port(text):
    for line in text.split('\r\n'):
        if line.startswith('m=audio '):
            return int(line.split()[1])
    raise dc.TestFailed('no m=audio in %r' % text)


def check_rewritten(text, relay_ip, port):
    want = ['c=IN IP4 %s' % relay_ip, 'm=audio %d RTP/AVP 0 101' % port,
            'a=rtcp:%d' % port, 'a=sendrecv']
    for w in want:
        expect(w + '\r\n' in text, 'SDP lacks %r: %r' % (w, text))
    for bad in (NS_IP, 'ice-ufrag', 'candidate'):
        expect(bad not in text, 'SDP still has %r: %r' % (bad, text))
    expect(text.startswith('v=0\r\no=') and ('IN IP4 %s\r\n' % relay_ip) in text.split(
        '\r\n', 2)[1] + '\r\n', 'o= not replaced: %r' % text)


def case_protocol(args, work, net):
    mr = start_relay(args, work, net, 0, 'p')
    # the ACL: from 10.97.0.1 no reply at all, counted; from 127.0.0.1 answered
    with NgClient((CTL_ROOT_IP, NG_PORTS[0]), timeout=0.5) as stranger:
        expect(stranger.raw(b'c0 d7:command4:pinge') is None,
               'a source outside the ACL got a reply')
    expect(ng_stats(mr)['drop_acl'] == 1, 'drop_acl: %r' % ng_stats(mr))
    cl = NgClient(('127.0.0.1', NG_PORTS[0]))
    flags = {'flags': ['trust-address'], 'replace': ['origin', 'session-connection'],
             'ICE': 'remove', 'received-from': ['IP4', NS_IP]}
    expect(cl.request({'command': 'ping'}).get('result') == 'pong', 'ping')

    offer = dict(flags, **{'command': 'offer', 'call-id': 'c1@test', 'from-tag': 'tA',
                           'sdp': sdp(6000, 'alice')})
    r = cl.request(offer)
    expect(r.get('result') == 'ok', 'offer: %r' % r)
    pb = m_port(r['sdp'])
    check_rewritten(r['sdp'], RELAY_IPS[0], pb)
    first = cl.last_reply
    legs_after_offer = n_legs(mr)
    # a retransmission: the same cookie gets the same bytes, nothing allocated
    r2 = cl.request(offer, cookie=cl.last_cookie)
    expect(cl.last_reply == first, 'retransmission answered differently')
    st = ng_stats(mr)
    expect(st['cache_hits'] == 1 and st['legs'] == 2 and st['calls'] == 1
           and st['commands']['offer'] == 1 and n_legs(mr) == legs_after_offer == 2,
           'retransmission: %r, legs %r' % (st, n_legs(mr)))
    dc.log('offer: callee gets %s:%d; retransmission: same %d bytes, cache_hits 1, '
           '2 legs' % (RELAY_IPS[0], pb, len(first)))
    del r2

    r = cl.request(dict(flags, **{'command': 'answer', 'call-id': 'c1@test', 'from-tag': 'tA',
                                  'to-tag': 'tB', 'sdp': sdp(7000, 'bob')}))
    expect(r.get('result') == 'ok', 'answer: %r' % r)
    pa = m_port(r['sdp'])
    check_rewritten(r['sdp'], RELAY_IPS[0], pa)
    expect(pa != pb, 'two legs, two ports')

    count = 50
    res = run_rtp(net, [{'local': 6000, 'relay': RELAY_IPS[0], 'remote': pa},
                        {'local': 7000, 'relay': RELAY_IPS[0], 'remote': pb}], count)
    a, b = res['6000'], res['7000']
    dc.log('RTP: A sent %d, got %d from %s; B sent %d, got %d from %s'
           % (a['sent'], a['rx'], a['from'], b['sent'], b['rx'], b['from']))
    expect(a['rx'] == count and b['rx'] == count, 'RTP both ways: %r' % res)
    expect(a['from'] == [[RELAY_IPS[0], pa]] and b['from'] == [[RELAY_IPS[0], pb]],
           'sources: %r' % res)

    q = cl.request({'command': 'query', 'call-id': 'c1@test'})
    expect(q.get('result') == 'ok', 'query: %r' % q)
    for tag in ('tA', 'tB'):
        s = q['tags'][tag]['medias'][0]['streams'][0]
        expect(s['stats']['packets'] == count and s['stats']['bytes'] == count * (12 + PAYLOAD)
               and s['stats']['ssrcs'] == 1 and s['stats']['lost'] == 0,
               'query %s: %r' % (tag, s))
    expect(q['totals']['RTP']['packets'] == 2 * count, 'totals: %r' % q['totals'])
    dc.log('query: %d packets, %d bytes per leg, lost 0'
           % (count, count * (12 + PAYLOAD)))

    # bad input: an error (or, without a cookie, silence), and nothing changes
    before = (ng_stats(mr)['calls'], n_legs(mr))
    bad = [
        (b'x1 d7:command5:offere', 'offer without'),
        (b'x2 d7:command4:pinge', None),           # fine, a control
        (b'x3 d7:commandi1ee', "key 'command' must be a string"),
        (b'x4 d7:command5:dance', 'malformed bencode'),
        (b'x5 ' + b'l' * 40, 'malformed bencode'),
    ]
    for dgram, reason in bad:
        rep = cl.raw(dgram)
        expect(rep is not None, 'no reply to %r' % dgram[:20])
        if reason is not None:
            expect(b'error' in rep and reason.encode() in rep, '%r -> %r' % (dgram[:30], rep))
    expect(cl.raw(b'no-cookie-at-all') is None, 'a datagram without a cookie got a reply')
    refused = [
        ({'sdp': 'v=0\r\nm=audio 1 RTP/AVP 0\r\n'}, 'no o= line'),
        ({'sdp': sdp(6000, 'x').replace('RTP/AVP', 'RTP/SAVP')},
         'RTP/SAVP without a=crypto'),
        ({'flags': ['media-handover']}, "unsupported flag 'media-handover'"),
        ({'codec': {'transcode': ['opus']}}, 'codec-transcode-opus: no [profile] pair'),
        ({'sdp': sdp(6000, 'x').replace('c=IN IP4 %s' % NS_IP, 'c=IN IP4 239.1.1.1')},
         'not unicast'),
    ]
    for extra, reason in refused:
        body = dict(offer, **{'call-id': 'bad@test'})
        body.update(extra)
        r = cl.request(body)
        expect(r.get('result') == 'error' and reason in r.get('error-reason', ''),
               'refused %r: %r' % (extra, r))
    r = cl.request({'command': 'answer', 'call-id': 'nobody', 'from-tag': 'a', 'to-tag': 'b',
                    'sdp': sdp(7000, 'bob')})
    expect(r.get('result') == 'error', 'answer without offer: %r' % r)
    after = (ng_stats(mr)['calls'], n_legs(mr))
    expect(before == after, 'bad requests changed the state: %r -> %r' % (before, after))
    dc.log('%d malformed and %d refused requests: errors, calls/legs still %r'
           % (len(bad), len(refused) + 1, after))

    # delete: the call's legs go; again: ok with a warning (idempotent)
    r = cl.request({'command': 'delete', 'call-id': 'c1@test', 'from-tag': 'tA'})
    expect(r.get('result') == 'ok' and 'warning' not in r, 'delete: %r' % r)
    expect(n_legs(mr) == 0 and ng_stats(mr)['calls'] == 0, 'after delete')
    r = cl.request({'command': 'delete', 'call-id': 'c1@test', 'from-tag': 'tA'})
    expect(r.get('result') == 'ok' and 'warning' in r, 'second delete: %r' % r)

    # idle expiry: c2 has no media and goes; c3's media keeps it
    for cid, pa_local in (('c2@test', 6002), ('c3@test', 6004)):
        r = cl.request(dict(offer, **{'call-id': cid, 'sdp': sdp(pa_local, 'alice')}))
        expect(r.get('result') == 'ok', 'offer %s: %r' % (cid, r))
        if cid == 'c3@test':
            pb3 = m_port(r['sdp'])
    r = cl.request({'command': 'answer', 'call-id': 'c3@test', 'from-tag': 'tA',
                    'to-tag': 'tB', 'sdp': sdp(7004, 'bob'), **flags})
    pa3 = m_port(r['sdp'])
    t0 = time.monotonic()
    talk = run_rtp(net, [{'local': 6004, 'relay': RELAY_IPS[0], 'remote': pa3},
                         {'local': 7004, 'relay': RELAY_IPS[0], 'remote': pb3}],
                   count=int((IDLE_MS / 1000 + 3) / 0.02), period=0.02, background=True)
    deadline = t0 + IDLE_MS / 1000 + 2.5
    while time.monotonic() < deadline and ng_stats(mr)['calls_idle_deleted'] == 0:
        time.sleep(0.2)
    st = ng_stats(mr)
    gone = time.monotonic() - t0
    out, err = talk.communicate(timeout=60)
    expect(talk.returncode == 0, 'RTP helper: %s' % err[-300:])
    expect(st['calls_idle_deleted'] == 1 and st['calls'] == 1,
           'idle expiry: %r' % {k: st[k] for k in ('calls', 'calls_idle_deleted')})
    r = cl.request({'command': 'list'})
    expect(r.get('calls') == ['c3@test'], 'list after expiry: %r' % r)
    dc.log('idle: c2 deleted after %.1f s without media (idle_ms %d); c3 with media stays'
           % (gone, IDLE_MS))
    del out
    stop_relay(mr, work, 0)


# ------------------------------------------------------------ SDES-SRTP

SUITE80 = 'AES_CM_128_HMAC_SHA1_80'


def sdp_av(port, who, proto, cryptos=()):
    """An audio offer/answer with PCMU in profile @proto and a=crypto lines
    (tag, suite, key parameters)."""
    lines = ['v=0', 'o=%s 1 1 IN IP4 %s' % (who, NS_IP), 's=-', 'c=IN IP4 %s' % NS_IP,
             't=0 0', 'm=audio %d %s 0' % (port, proto), 'a=rtpmap:0 PCMU/8000']
    lines += ['a=crypto:%d %s %s' % c for c in cryptos]
    return '\r\n'.join(lines) + '\r\n'


def sdp_crypto(text):
    """(tag, suite, material) of the one a=crypto line of @text, or None."""
    found = [ln[len('a=crypto:'):].split() for ln in text.split('\r\n')
             if ln.startswith('a=crypto:')]
    if not found:
        return None
    expect(len(found) == 1, 'more than one a=crypto: %r' % text)
    tag, suite, params = found[0]
    return int(tag), suite, srtp.parse_inline(params)


def plain_rtp(ssrc, n):
    return [struct.pack('!BBHII', 0x80, 0, 1000 + i, i * 160, ssrc) + bytes(range(160))
            for i in range(n)]


def srtp_call(cl, net, cid, a_port, b_port, offer, answer, extra, count=40):
    """One call: A offers @offer (a list: proto, cryptos), B answers; RTP
    both ways; returns what each side received and the keys mrelay gave."""
    a_proto, a_cryptos = offer
    b_proto, b_cryptos = answer
    r = cl.request(dict(extra, **{'command': 'offer', 'call-id': cid, 'from-tag': 'tA',
                                  'sdp': sdp_av(a_port, 'alice', a_proto, a_cryptos)}))
    expect(r.get('result') == 'ok', 'offer %s: %r' % (cid, r))
    to_b = r['sdp']
    pb = m_port(to_b)
    r = cl.request({'command': 'answer', 'call-id': cid, 'from-tag': 'tA', 'to-tag': 'tB',
                    'flags': ['trust-address'],
                    'sdp': sdp_av(b_port, 'bob', b_proto, b_cryptos)})
    expect(r.get('result') == 'ok', 'answer %s: %r' % (cid, r))
    to_a = r['sdp']
    pa = m_port(to_a)
    key_b, key_a = sdp_crypto(to_b), sdp_crypto(to_a)
    # what each party sends: SRTP with its own key when its profile is SAVP
    a_plain, b_plain = plain_rtp(0xa1, count), plain_rtp(0xb2, count)
    a_send = ([srtp.Session(a_cryptos[-1][1], srtp.parse_inline(a_cryptos[-1][2]))
               .protect_rtp(p) for p in a_plain] if 'SAVP' in a_proto else a_plain)
    b_send = ([srtp.Session(b_cryptos[0][1], srtp.parse_inline(b_cryptos[0][2]))
               .protect_rtp(p) for p in b_plain] if 'SAVP' in b_proto else b_plain)
    res = run_rtp(net, [
        {'local': a_port, 'relay': RELAY_IPS[0], 'remote': pa, 'keep': True,
         'packets': [p.hex() for p in a_send]},
        {'local': b_port, 'relay': RELAY_IPS[0], 'remote': pb, 'keep': True,
         'packets': [p.hex() for p in b_send]}], count)
    got_a = [bytes.fromhex(h) for h in res[str(a_port)].get('data', [])]
    got_b = [bytes.fromhex(h) for h in res[str(b_port)].get('data', [])]
    # what each should get: mrelay's protection with the key it gave, or plain
    want_b = ([srtp.Session(key_b[1], key_b[2]).protect_rtp(p) for p in a_plain]
              if key_b else a_plain)
    want_a = ([srtp.Session(key_a[1], key_a[2]).protect_rtp(p) for p in b_plain]
              if key_a else b_plain)
    expect(got_b == want_b, '%s: B got %d packets, %d as expected byte for byte'
           % (cid, len(got_b), sum(1 for x, y in zip(got_b, want_b) if x == y)))
    expect(got_a == want_a, '%s: A got %d packets, %d as expected byte for byte'
           % (cid, len(got_a), sum(1 for x, y in zip(got_a, want_a) if x == y)))
    q = cl.request({'command': 'query', 'call-id': cid})
    expect(q.get('result') == 'ok' and 'inline:' not in json.dumps(q), 'query: %r' % q)
    return key_a, key_b, q, to_a, to_b


def case_srtp(args, work, net):
    mr = start_relay(args, work, net, 0, 'srtp')
    cl = NgClient(('127.0.0.1', NG_PORTS[0]))
    ka, kb = os.urandom(30), os.urandom(30)
    a_cr = [(1, 'F8_128_HMAC_SHA1_80', srtp.make_inline(kb)),   # not supported: skipped
            (2, SUITE80, srtp.make_inline(ka))]
    b_cr = [(2, SUITE80, srtp.make_inline(kb))]
    extra = {'flags': ['trust-address'], 'replace': ['origin']}
    keys_given = [ka, kb]

    # SRTP on both sides, mrelay's own key on each
    key_a, key_b, q, to_a, to_b = srtp_call(cl, net, 's1@test', 6100, 7100,
                                            ('RTP/SAVP', a_cr), ('RTP/SAVP', b_cr), extra)
    expect(key_a[:2] == (2, SUITE80) and key_b[:2] == (2, SUITE80), 'tags/suites kept')
    expect(len({ka, kb, key_a[2], key_b[2]}) == 4, 'mrelay made two new keys')
    expect('RTP/SAVP 0' in to_a and 'RTP/SAVP 0' in to_b and 'F8_' not in to_b,
           'profiles: %r %r' % (to_a, to_b))
    streams = {t: q['tags'][t]['medias'][0]['streams'][0] for t in ('tA', 'tB')}
    expect(streams['tA']['crypto in fingerprint'] == srtp.fingerprint(SUITE80, ka) and
           streams['tA']['crypto out fingerprint'] == srtp.fingerprint(SUITE80, key_a[2]) and
           streams['tB']['crypto in fingerprint'] == srtp.fingerprint(SUITE80, kb) and
           streams['tB']['crypto out fingerprint'] == srtp.fingerprint(SUITE80, key_b[2]),
           'query fingerprints: %r' % streams)
    keys_given += [key_a[2], key_b[2]]
    dc.log('SDES both sides: 40 SRTP packets each way, byte for byte as mrelay.srtp '
           'protects them with the keys in the SDP; query fingerprints match')
    cl.request({'command': 'delete', 'call-id': 's1@test', 'from-tag': 'tA'})

    # terminate: A speaks SRTP, B plain; originate: A plain, B SRTP with
    # mrelay's AES_CM_128_HMAC_SHA1_80, tag 1
    b_cr1 = [(1, SUITE80, srtp.make_inline(kb))]
    for cid, port, offer, answer, want, what in (
            ('s2@test', 6102, ('RTP/SAVP', a_cr), ('RTP/AVP', ()), ((2, SUITE80), None),
             'terminate: SRTP from A arrives plain at B, B\'s RTP reaches A as SRTP'),
            ('s3@test', 6104, ('RTP/AVP', ()), ('RTP/SAVP', b_cr1), (None, (1, SUITE80)),
             'originate: A\'s plain RTP arrives as SRTP at B and back')):
        keys = srtp_call(cl, net, cid, port, port + 1000, offer, answer,
                         dict(extra, **{'transport-protocol': answer[0]}))[:2]
        expect(tuple(k[:2] if k else None for k in keys) == want,
               '%s: mrelay\'s keys %r' % (cid, [k[:2] if k else None for k in keys]))
        keys_given += [k[2] for k in keys if k]
        dc.log(what)
        cl.request({'command': 'delete', 'call-id': cid, 'from-tag': 'tA'})

    # refused by name, nothing changed
    before = (ng_stats(mr)['calls'], n_legs(mr))
    for params, reason in ((srtp.make_inline(ka, '2^20'), 'lifetime'),
                           (srtp.make_inline(ka) + '|1:4', 'MKI'),
                           (srtp.make_inline(ka) + ' UNENCRYPTED_SRTP', 'UNENCRYPTED_SRTP')):
        r = cl.request({'command': 'offer', 'call-id': 'bad@test', 'from-tag': 'tA',
                        'sdp': sdp_av(6106, 'alice', 'RTP/SAVP', [(1, SUITE80, params)])})
        expect(r.get('result') == 'error' and reason in r.get('error-reason', '') and
               'inline' not in r.get('error-reason', ''), '%s: %r' % (reason, r))
    expect((ng_stats(mr)['calls'], n_legs(mr)) == before, 'refused offers changed state')
    stop_relay(mr, work, 0)
    with open(work.file('mrelay0.log'), 'rb') as f:
        log = f.read()
    for k in keys_given:
        b64 = srtp.make_inline(k)[len('inline:'):].rstrip('=').encode()
        expect(b64 not in log, 'a key in the log')
    dc.log('lifetime, MKI, UNENCRYPTED_SRTP refused by name; no key in the log')


def stop_relay(mr, work, i):
    status = mr.stop(20)
    expect(status == 0, 'mrelay exited with %s: %s' % (status, mr.tail()))
    summary = dc.load_summary(work.file('summary%d.json' % i))
    expect(summary.get('mbufs_in_use_at_exit') == 0, 'mbufs not returned: %r'
           % summary.get('mbufs_in_use_at_exit'))


# ------------------------------------------------------------ Kamailio + SIPp

class Sip:
    """Kamailio and a -rtp_echo UAS in the namespace, tcpdump on its data side."""

    def __init__(self, work, net, ng_sock):
        self.work, self.net = work, net
        self.procs = []
        rundir = work.file('kamailio')
        os.makedirs(rundir, exist_ok=True)
        self.pcapdir = work.file('pcap')
        os.makedirs(self.pcapdir, exist_ok=True)
        src = os.path.dirname(G711A)
        for name in os.listdir(src):
            if name.endswith('.pcap'):
                os.symlink(os.path.join(src, name), os.path.join(self.pcapdir, name))
        self.pcap = work.file('rtp.pcap')
        self.tcpdump = self._start('tcpdump', ['tcpdump', '-i', net.data_ns, '-U', '-n',
                                               '-w', self.pcap, 'udp and net 10.98.0.0/24'])
        if not self.tcpdump.wait_output('listening on', 10):
            raise dc.TestFailed('tcpdump did not start')
        self.kam = self._start('kamailio', [
            'kamailio', '-DD', '-E', '-f', os.path.abspath(KAMAILIO_CFG),
            '-A', 'LISTEN=udp:%s:5060' % NS_IP, '-A', 'NG_SOCK="%s"' % ng_sock,
            '-A', 'UAS="sip:%s:5070"' % NS_IP, '-Y', rundir,
            '-P', os.path.join(rundir, 'k.pid'), '-m', '64', '-M', '8'])
        if not self.kam.wait_output(r'rtpengine instance .*enabled|rtp proxy .*found', 20):
            raise dc.TestFailed('kamailio did not enable the ng node(s): %s'
                                % self.kam.tail())
        self.uas = self._start('sipp-uas', ['sipp', '-sn', 'uas', '-i', NS_IP, '-p', '5070',
                                            '-rtp_echo', '-mp', '6100', '-nostdin',
                                            '-timeout', '300'])
        time.sleep(0.5)

    def _start(self, name, cmd, **kw):
        p = dc.Proc(name, self.net.nsx + cmd, self.work.file(name + '.log'),
                    cwd=self.work.path, **kw)
        self.procs.append(p)
        return p

    def calls(self, n, name, rate=5):
        """n calls of uac_pcap (about 5 s of G.711 each), rate per second;
        returns SIPp's exit status and its successful calls."""
        uac = dc.Proc(name, self.net.nsx + [
            'sipp', '-sn', 'uac_pcap', '-i', NS_IP, '-p', '5061', '-s', 'mrelay',
            '-m', str(n), '-l', str(n), '-r', str(rate), '-mp', '6000', '-nostdin',
            '-timeout', '120', '-trace_stat', '-stf', self.work.file(name + '.csv'),
            '%s:5060' % NS_IP], self.work.file(name + '.log'), cwd=self.work.path)
        return uac

    def close(self):
        for p in reversed(self.procs):
            p.stop(timeout=5, sig=signal.SIGINT)

    def count(self, bpf):
        r = subprocess.run(['tcpdump', '-nn', '-r', self.pcap, bpf], capture_output=True,
                           text=True, check=False)
        return len([ln for ln in r.stdout.splitlines() if ln.strip()])


def need_sip_tools():
    for tool in ('kamailio', 'sipp', 'tcpdump'):
        if shutil.which(tool) is None:
            raise dc.TestSkipped('%s not found (apt-get install kamailio sip-tester tcpdump; '
                                 'tools/lib.sh installs them)' % tool)
    if not os.path.exists(G711A):
        raise dc.TestSkipped(G711A + ' missing (package sip-tester)')


def uac_finished(uac, timeout):
    rc = uac.wait(timeout)
    out = uac.output()
    return rc, out


def case_sipp(args, work, net):
    need_sip_tools()
    n = args.calls
    mr = start_relay(args, work, net, 0, 'srtp')
    sip = Sip(work, net, 'udp:%s:%d' % (CTL_ROOT_IP, NG_PORTS[0]))
    try:
        uac = sip.calls(n, 'sipp-uac')
        peak_calls = peak_legs = 0
        while uac.alive():
            st = ng_stats(mr)
            peak_calls = max(peak_calls, st['calls'])
            peak_legs = max(peak_legs, st['legs'])
            time.sleep(0.3)
        rc = uac.wait(5)
        time.sleep(1.0)
        st = ng_stats(mr)
        legs_now = n_legs(mr)
    finally:
        sip.close()
    dc.log('sipp uac exit %s; during the calls /mrelay/ng showed up to %d calls, %d legs; '
           'after: %d calls, %d legs (/mrelay/info legs %s)'
           % (rc, peak_calls, peak_legs, st['calls'], st['legs'], legs_now))
    expect(rc == 0, 'SIPp: not every call completed: %s' % uac.tail(20))
    # the UAS has one media port (6100) for every call; the UAC one per call
    relay = 'host %s' % RELAY_IPS[0]
    to_uas = sip.count('src %s and udp dst port 6100' % relay)
    to_uac = sip.count('src %s and not udp dst port 6100' % relay)
    from_uac = sip.count('dst %s and not udp src port 6100' % relay)
    from_uas = sip.count('dst %s and udp src port 6100' % relay)
    dc.log('tcpdump at the SIPp ends: UAC sent %d to the relay, the UAS got %d from it; '
           'the UAS echoed %d, the UAC got %d back' % (from_uac, to_uas, from_uas, to_uac))
    expect(peak_calls >= 2 and peak_legs >= 4, 'calls not visible during the calls')
    expect(st['calls'] == 0 and st['legs'] == 0 and legs_now == 0,
           'sessions left after the BYEs: %r' % st)
    expect(st['calls_created'] == n and st['calls_deleted'] == n,
           'created %d deleted %d, expected %d' % (st['calls_created'], st['calls_deleted'], n))
    expect(from_uac > 0 and to_uas >= 0.95 * from_uac,
           'RTP UAC -> UAS: %d sent, %d delivered' % (from_uac, to_uas))
    expect(from_uas > 0 and to_uac >= 0.95 * from_uas,
           'RTP UAS -> UAC: %d echoed, %d delivered' % (from_uas, to_uac))
    stop_relay(mr, work, 0)


def case_set(args, work, net):
    need_sip_tools()
    n = args.calls
    relays = [start_relay(args, work, net, i, 'set') for i in range(2)]
    sock = ' '.join('udp:%s:%d=1' % (CTL_ROOT_IP, p) for p in NG_PORTS)
    sip = Sip(work, net, sock)
    try:
        uac = sip.calls(n, 'sipp-uac1', rate=10)
        rc1 = uac.wait(120)
        created1 = [ng_stats(m)['calls_created'] for m in relays]
        dc.log('set: %d calls, SIPp exit %s; calls per relay %s' % (n, rc1, created1))
        victim = relays[1]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        dc.log('relay 1 (pid %d) killed' % victim.pid)
        uac = sip.calls(n, 'sipp-uac2', rate=10)
        rc2 = uac.wait(180)
        created2 = ng_stats(relays[0])['calls_created']
        st0 = ng_stats(relays[0])
    finally:
        sip.close()
    dc.log('after the kill: %d calls, SIPp exit %s; relay 0 created %d more (%d in all), '
           '%d left' % (n, rc2, created2 - created1[0], created2, st0['calls']))
    expect(rc1 == 0, 'first round: not every call completed: %s' % sip.kam.tail(5))
    expect(created1[0] > 0 and created1[1] > 0 and sum(created1) == n,
           'calls not spread over both relays: %r' % created1)
    expect(rc2 == 0, 'after the kill: not every call completed')
    expect(created2 - created1[0] == n, 'after the kill, relay 0 took %d of %d calls'
           % (created2 - created1[0], n))
    expect(st0['calls'] == 0, 'relay 0 has %d calls left' % st0['calls'])
    stop_relay(relays[0], work, 0)


# ------------------------------------------------------------ codec-transcode

TC_PROFILES = ['[profile.u2o]', 'in = pcmu', 'out = opus', 'out_pt = 96',
               '[profile.o2u]', 'in = opus', 'in_pt = 96', 'out = pcmu']


def case_transcode(args, work, net):
    """codec-mask-PCMU + codec-transcode-opus: A (PCMU only) and B (opus
    only) talk through a transcoder lcore, both ways."""
    # three lcores on the two CPUs: the worker and the transcoder share one
    mr = start_relay(args, work, net, 0, 'tc', lcores=('--lcores', '0@0,1@1,2@1'),
                     relay_extra=('workers = 1', 'transcoders = 2'), sections=TC_PROFILES,
                     vdev_extra=',qpairs=3')   # TX queues: worker, transcoder, main lcore
    cl = NgClient(('127.0.0.1', NG_PORTS[0]))
    r = cl.request({'command': 'offer', 'call-id': 't1@test', 'from-tag': 'tA',
                    'flags': ['trust-address', 'codec-mask-PCMU', 'codec-transcode-opus'],
                    'sdp': sdp_av(6200, 'alice', 'RTP/AVP')})
    expect(r.get('result') == 'ok' and 'RTP/AVP 96\r\n' in r['sdp'] and
           'a=rtpmap:96 opus/48000/2' in r['sdp'] and 'PCMU' not in r['sdp'], 'offer: %r' % r)
    pb = m_port(r['sdp'])
    answer = sdp_av(7200, 'bob', 'RTP/AVP').replace('RTP/AVP 0', 'RTP/AVP 96').replace(
        'a=rtpmap:0 PCMU/8000', 'a=rtpmap:96 opus/48000/2')
    r = cl.request({'command': 'answer', 'call-id': 't1@test', 'from-tag': 'tA',
                    'to-tag': 'tB', 'flags': ['trust-address'], 'sdp': answer})
    expect(r.get('result') == 'ok' and 'RTP/AVP 0\r\n' in r['sdp'] and
           'opus' not in r['sdp'], 'answer: %r' % r)
    pa = m_port(r['sdp'])
    count = 100
    # A's G.711 reaches B as Opus (PT 96) ...
    res = run_rtp(net, [
        {'local': 6200, 'relay': RELAY_IPS[0], 'remote': pa,
         'packets': [p.hex() for p in plain_rtp(0xa1, count)]},
        {'local': 7200, 'relay': RELAY_IPS[0], 'remote': pb, 'keep': True,
         'packets': [''] * count}], count, period=0.02)
    at_b = [bytes.fromhex(h) for h in res['7200'].get('data', [])]
    expect(len(at_b) >= count - 10 and all(p[1] & 0x7f == 96 for p in at_b),
           'B got %d packets, PTs %r' % (len(at_b), sorted({p[1] & 0x7f for p in at_b})))
    # ... and B's Opus (what mrelay made, sent back) reaches A as G.711 (PT 0, 160 bytes)
    res = run_rtp(net, [
        {'local': 6200, 'relay': RELAY_IPS[0], 'remote': pa, 'keep': True,
         'packets': [''] * len(at_b)},
        {'local': 7200, 'relay': RELAY_IPS[0], 'remote': pb,
         'packets': [p.hex() for p in at_b]}], len(at_b), period=0.02)
    at_a = [bytes.fromhex(h) for h in res['6200'].get('data', [])]
    expect(len(at_a) >= len(at_b) - 10 and
           all(p[1] & 0x7f == 0 and len(p) == 12 + 160 for p in at_a),
           'A got %d packets: %r' % (len(at_a), sorted({(p[1] & 0x7f, len(p)) for p in at_a})))
    dc.log('codec-transcode-opus: A sent %d PCMU, B got %d Opus (PT 96); B sent them back, '
           'A got %d PCMU (PT 0, 160 bytes)' % (count, len(at_b), len(at_a)))
    cl.request({'command': 'delete', 'call-id': 't1@test', 'from-tag': 'tA'})
    stop_relay(mr, work, 0)


CASES = {'protocol': case_protocol, 'srtp': case_srtp, 'transcode': case_transcode,
         'sipp': case_sipp, 'set': case_set}


def run(work):
    def extra(ap):
        ap.add_argument('case', choices=sorted(CASES), help='what to run (see the docstring)')
        ap.add_argument('--calls', type=int, default=10, help='SIPp calls (default 10)')
    args = dc.parse_args(__doc__.splitlines()[0], extra)
    dc.need_root()
    dc.need_pmd('af_packet')
    if not os.access(args.mrelay, os.X_OK):
        raise dc.TestFailed('mrelay not found: ' + args.mrelay)

    net = Net()
    try:
        net.open()
        CASES[args.case](args, work, net)
    except (OSError, ValueError, KeyError, TypeError, NgTimeout, dc.TelemetryError) as e:
        raise dc.TestFailed('%s: %s' % (type(e).__name__, e)) from e
    finally:
        for mr in STARTED:
            mr.stop(10)
        net.close()


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--rtp':
        rtp_helper(sys.argv[2])
        sys.exit(0)
    dc.main(run)
