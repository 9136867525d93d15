#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""RTP over QUIC through mrelay: quic-go's roq-client to a RoQ leg, gatewayed to a UDP leg.

    root namespace                          namespace mrtest_<pid>
    mrelay --vdev net_af_packet0,iface=R    N: 10.99.0.2/24
    R: 10.99.0.1 (no kernel IP)  <=veth=>   roq-client -> 10.99.0.1:4433 (QUIC, flow 7)
                                            echo: UDP 10.99.0.2:40000 <-> 10.99.0.1:30000

The relay has a QUIC endpoint [quic.roq] on 10.99.0.1:4433 and one session
of two legs: q (quic = roq, flow = 7) and u (UDP, 10.99.0.1:30000 <->
10.99.0.2:40000), each forwarding to the other. roq-client (quic-go, a QUIC
stack that shares no code with ngtcp2) sends RTP in DATAGRAM frames on flow
7; the relay forwards them as plain RTP to u's remote, where a UDP socket
sends each one back; the relay forwards those to the RoQ leg, in DATAGRAM
frames on flow 7, and the client counts them. Halfway through, the client
moves to a new UDP source port (a NAT rebinding). Checked: every packet
counted at each hop both ways, the rebinding seen and validated, no drop
but at shutdown, and after the client's CONNECTION_CLOSE /mrelay/quic shows
0 connections.

Run as root. Exit 77 (skip) when go is not installed (no roq-client),
netns/veth cannot be made or net_af_packet is missing. --echo is the part
that runs inside the namespace.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'quic'))
import dts_common as dc  # noqa: E402
import test_af_packet as afp  # noqa: E402  (the veth + netns set-up)
import run_roq  # noqa: E402  (the test certificate)

QUIC_PORT = 4433
FLOW = 7
U_LOCAL = 30000
U_REMOTE = 40000
PACKETS = 1000
REBIND_AT = 500


def config_text(cert: str, key: str, handshakes: str = 'main') -> str:
    return '\n'.join([
        '; written by dts/test_quic.py',
        '[port.0]', 'ipv4 = ' + afp.RELAY_IP, 'nexthop_mac = ' + afp.NS_MAC, '',
        '[quic.roq]', 'port = 0', 'local = %s:%d' % (afp.RELAY_IP, QUIC_PORT),
        'cert = ' + cert, 'key = ' + key, 'idle_timeout_ms = 5000',
        'handshakes = ' + handshakes, '',
        '[leg.q]', 'session = s1', 'quic = roq', 'flow = %d' % FLOW, 'forward = u', '',
        '[leg.u]', 'session = s1', 'port = 0', 'local = %s:%d' % (afp.RELAY_IP, U_LOCAL),
        'remote = %s:%d' % (afp.NS_IP, U_REMOTE), 'forward = q', ''])


# ---------------------------------------------------------------- netns side

def echo(out_path: str, seconds: float) -> None:
    """Inside the namespace: send every datagram from the relay back to it."""
    sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sk.bind((afp.NS_IP, U_REMOTE))
    sk.settimeout(0.2)
    stop = [False]

    def on_term(_s: int, _f: object) -> None:
        stop[0] = True
    signal.signal(signal.SIGTERM, on_term)
    got = sent = other = 0
    deadline = time.monotonic() + seconds
    while not stop[0] and time.monotonic() < deadline:
        try:
            data, src = sk.recvfrom(2048)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if src != (afp.RELAY_IP, U_LOCAL):
            other += 1
            continue
        got += 1
        sk.sendto(data, (afp.RELAY_IP, U_LOCAL))
        sent += 1
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump({'received': got, 'sent': sent, 'other': other}, f)


# ---------------------------------------------------------------- root side

def quic_state(prefix: str) -> dict:
    return dc.telemetry(prefix, '/mrelay/quic')


def roq_client(nsx: list, client: str, cert: str, *args: str) -> dict:
    """roq-client in the namespace to the endpoint with @args: its result line, and
    'exit' and (when it printed no result) 'stderr'."""
    cl = subprocess.run(nsx + [client, '-addr', '%s:%d' % (afp.RELAY_IP, QUIC_PORT), '-ca', cert,
                               *args],
                        capture_output=True, text=True, timeout=60, check=False)
    lines = [ln for ln in cl.stdout.splitlines() if ln.startswith('{')]
    res = json.loads(lines[-1]) if lines else {'stderr': cl.stderr.strip()[-400:]}
    res['exit'] = cl.returncode
    return res


def short_client(nsx: list, client: str, cert: str) -> dict:
    """One short connection (20 packets, no wait for echoes): roq-client's result."""
    return roq_client(nsx, client, cert, '-n', '20', '-flow', str(FLOW), '-timeout', '1500ms',
                      '-wait', '200ms')


def dpdk_telemetry(prefix: str, cmd: str) -> dict:
    """cmd through DPDK's own dpdk-telemetry.py, as docs/quic.md shows it."""
    p = subprocess.run(['/usr/bin/python3', '/usr/bin/dpdk-telemetry.py', '-f', prefix],
                       input=cmd + '\n', capture_output=True, text=True, timeout=30, check=False)
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith('{') and not line.startswith('{"version"'):
            return json.loads(line)[cmd.split(',', 1)[0]]
    raise dc.TestFailed('dpdk-telemetry.py gave no reply to %s: %r %r'
                        % (cmd, p.stdout[-300:], p.stderr[-300:]))


QUICK_CONNS = 20
QUICK_FLOW = 99  # no leg: each datagram that reaches the relay is one no_leg drop


def quick_conns(nsx: list, client: str, cert: str) -> List[str]:
    """Connections that send one datagram and close at once: with a handshake
    lcore, datagram and CONNECTION_CLOSE may both reach it before the
    hand-over; the datagram must reach the relay all the same, not be lost
    with the connection (roq_no_conn; the summary, checked in run())."""
    res = roq_client(nsx, client, cert, '-conns', str(QUICK_CONNS), '-n', '1',
                     '-interval', '0', '-wait', '0', '-flow', str(QUICK_FLOW))
    dc.log('quick connections: %s' % res)
    if res.get('opened') != QUICK_CONNS or res.get('sent') != QUICK_CONNS:
        return ['quick connections: roq-client %s' % res]
    return []


def limits_phase(prefix: str, nsx: list, client: str, cert: str) -> list:
    """quic_set: refused values change nothing; max_conns=0 drains (a new
    client gets no connection, counted quic_conn_limit); retry_above=0
    makes the next one go through a Retry; the limits show in /mrelay/quic."""
    errors = []
    ep = 'roq'

    def limits() -> tuple:
        q = quic_state(prefix)
        return (q['max_conns'][0], q['retry_above'][0], q['handshakes_per_poll'][0])

    before = limits()
    for bad in ('name=nope,max_conns=1', 'name=%s,max_conns=1025' % ep,
                'name=%s,handshakes_per_poll=0' % ep, 'name=%s,retry_above=-1' % ep,
                'name=%s,colour=red' % ep, 'name=%s' % ep, 'max_conns=1'):
        rep = dc.telemetry(prefix, '/mrelay/quic_set,' + bad)
        if not isinstance(rep, dict) or rep.get('status') != 'error':
            errors.append('quic_set,%s: not refused: %s' % (bad, rep))
    if limits() != before:
        errors.append('refused quic_set changed the limits: %s -> %s' % (before, limits()))
    drops0 = dc.telemetry(prefix, '/mrelay/drops').get('quic_conn_limit', 0)
    rep = dpdk_telemetry(prefix, '/mrelay/quic_set,name=%s,max_conns=0' % ep)
    if rep.get('status') != 'ok' or rep.get('max_conns') != 0:
        errors.append('quic_set max_conns=0: %s' % rep)
    res = short_client(nsx, client, cert)
    drops1 = dc.telemetry(prefix, '/mrelay/drops').get('quic_conn_limit', 0)
    dc.log('draining: roq-client %s; quic_conn_limit %s -> %s' % (res, drops0, drops1))
    if res.get('opened') or res.get('exit') == 0 or drops1 <= drops0:
        errors.append('max_conns=0: a client still connected (%s, quic_conn_limit %s -> %s)'
                      % (res, drops0, drops1))
    retries0 = sum(quic_state(prefix)['retries_sent'])
    rep = dc.telemetry(prefix, '/mrelay/quic_set,name=%s,max_conns=1024,retry_above=0,'
                       'handshakes_per_poll=2' % ep)
    if (rep.get('max_conns'), rep.get('retry_above'), rep.get('handshakes_per_poll')) != \
            (1024, 0, 2):
        errors.append('quic_set back: %s' % rep)
    res = short_client(nsx, client, cert)
    retries1 = sum(quic_state(prefix)['retries_sent'])
    dc.log('retry_above=0: roq-client %s; retries_sent %d -> %d' % (res, retries0, retries1))
    if res.get('opened') != 1 or res.get('sent') != 20 or retries1 != retries0 + 1:
        errors.append('retry_above=0: opened %s sent %s, retries_sent %d -> %d'
                      % (res.get('opened'), res.get('sent'), retries0, retries1))
    if limits() != (1024, 0, 2):
        errors.append('/mrelay/quic limits %s, expected (1024, 0, 2)' % (limits(),))
    rep = dpdk_telemetry(prefix, '/mrelay/quic_set,name=%s,retry_above=never' % ep)
    if rep.get('retry_above') != 'never' or limits()[1] != -1:
        errors.append('quic_set retry_above=never: %s, /mrelay/quic %s' % (rep, limits()))
    return errors


def client_args(description: str,
                more: Optional[Callable[[argparse.ArgumentParser], None]] = None
                ) -> argparse.Namespace:
    """The command line of the RoQ dts tests: --mrelay, --client (or
    --client-missing: skip, saying why) and more(parser)'s; skip without
    root or net_af_packet, fail when mrelay or roq-client is not there."""
    def extra(ap: argparse.ArgumentParser) -> None:
        ap.add_argument('--client', help='roq-client (tools/quic/roq-client, built by meson)')
        ap.add_argument('--client-missing', help='why roq-client was not built: skip, saying so')
        if more is not None:
            more(ap)
    args = dc.parse_args(description, extra)
    if args.client_missing:
        raise dc.TestSkipped(args.client_missing)
    dc.need_root()
    dc.need_pmd('af_packet')
    if not os.access(args.mrelay, os.X_OK):
        raise dc.TestFailed('mrelay not found: ' + args.mrelay)
    if not args.client or not os.access(args.client, os.X_OK):
        raise dc.TestFailed('roq-client not found: %s' % args.client)
    return args


def handshake_rows(after: Dict[str, Any], handshakes: str) -> List[str]:
    """Where the handshake ran: the handshake lcore's row (main) made it and
    handed it to the worker, or the worker made it itself (workers)."""
    roles = after.get('role', [])
    hs = [i for i, r in enumerate(roles) if r == 'handshake']
    wk = [i for i, r in enumerate(roles) if r == 'worker']

    def col(k: str, rows: List[int]) -> int:
        return sum(after.get(k, [0] * len(roles))[i] for i in rows)
    if handshakes == 'workers':
        if hs or col('handshakes', wk) != 1:
            return ['handshakes = workers: rows %s, worker handshakes %d'
                    % (roles, col('handshakes', wk))]
        return []
    want = {('handshakes', 'hs'): 1, ('handed_out', 'hs'): 1, ('handed_off', 'hs'): 1,
            ('handshakes', 'wk'): 0, ('handed_in', 'wk'): 1, ('accepted', 'wk'): 0,
            ('conns', 'hs'): 0, ('bytes_held', 'hs'): 0, ('tls_sessions', 'hs'): 0}
    got = {k: col(k[0], hs if k[1] == 'hs' else wk) for k in want}
    if len(hs) != 1 or got != want:
        return ['handshakes = main: rows %s, got %s' % (roles, got)]
    dc.log('handshake on lcore %s, handed to the worker; %d packets from the worker to it'
           % (after['lcore'][hs[0]], col('to_handshake', wk)))
    return []


def run(work: dc.Workdir) -> None:
    args = client_args(__doc__.splitlines()[0], lambda ap: ap.add_argument(
        '--handshakes', choices=('main', 'workers'), default='main',
        help='[quic.roq] handshakes: on the main lcore or the worker'))

    pid = os.getpid()
    ns = 'mrtest_%d' % pid
    root_if = 'mrv%dr' % pid
    ns_if = 'mrv%dn' % pid
    prefix = 'mrdts_quic2_%d' % pid
    cert, key = run_roq.make_cert(work.path)
    conf_path = work.file('mrelay.conf')
    with open(conf_path, 'w', encoding='utf-8') as f:
        f.write(config_text(cert, key, args.handshakes))
    summary_path = work.file('mrelay_summary.json')
    echo_out = work.file('echo.json')

    mr = echo_p = None
    nsx = ['ip', 'netns', 'exec', ns]
    try:
        dc.netns_setup(ns, root_if, ns_if, afp.ROOT_MAC, afp.NS_MAC, afp.RELAY_IP,
                       afp.NS_IP)
        mr = dc.Proc('mrelay', [
            args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix,
            '-l', '0-1', '--log-level', '*:notice', '--log-level', 'mrelay.*:info',
            '--vdev', 'net_af_packet0,iface=%s,qpairs=2' % root_if,
            '--', '-c', conf_path, '-s', summary_path, '-q'], work.file('mrelay.log'))
        if not mr.wait_output(r'worker\(s\)', 30):
            raise dc.TestFailed('mrelay did not start: ' + mr.tail())
        mr.wait_telemetry()
        st = quic_state(prefix)
        if st.get('endpoints') != 1 or st.get('connections') != 0:
            raise dc.TestFailed('/mrelay/quic before the call: %s' % st)
        echo_p = subprocess.Popen(nsx + [sys.executable, os.path.abspath(__file__),
                                         '--echo', echo_out, '60'])
        time.sleep(0.5)
        t0 = time.monotonic()
        cl = subprocess.run(nsx + [args.client, '-addr', '%s:%d' % (afp.RELAY_IP, QUIC_PORT),
                                   '-ca', cert, '-n', str(PACKETS), '-flow', str(FLOW),
                                   '-rebind-at', str(REBIND_AT), '-interval', '2ms'],
                            capture_output=True, text=True, timeout=120, check=False)
        dc.log('roq-client (%.1f s): %s' % (time.monotonic() - t0, cl.stdout.strip()[-600:]))
        lines = [ln for ln in cl.stdout.splitlines() if ln.startswith('{')]
        if not lines:
            raise dc.TestFailed('roq-client printed no result (exit %d): %s'
                                % (cl.returncode, cl.stderr.strip()[-800:]))
        res = json.loads(lines[-1])
        during = quic_state(prefix)
        # released after the closing period (3 PTO): well under 2 s here
        deadline = time.monotonic() + 5
        after = quic_state(prefix)
        while after.get('connections') != 0 and time.monotonic() < deadline:
            time.sleep(0.2)
            after = quic_state(prefix)
        echo_p.send_signal(signal.SIGTERM)
        echo_p.wait(10)
        echo_p = None
        lim_errors = quick_conns(nsx, args.client, cert)
        lim_errors += limits_phase(prefix, nsx, args.client, cert)
        if not mr.alive():
            raise dc.TestFailed('mrelay exited early with status %s' % mr.p.returncode)
        mr_status = mr.stop(20)
    finally:
        if echo_p is not None:
            echo_p.kill()
        if mr is not None:
            mr.stop(10)
        dc.netns_cleanup(ns, root_if)

    with open(echo_out, encoding='utf-8') as f:
        ech = json.load(f)
    dc.log('echo in the namespace: %s' % ech)
    dc.log('/mrelay/quic after close: %s' % json.dumps(after))
    errors = lim_errors
    if mr_status != 0:
        errors.append('mrelay exited with status %s' % mr_status)
    if cl.returncode != 0 or res.get('errors'):
        errors.append('roq-client: exit %d, %s' % (cl.returncode, res.get('first_error')))
    if res.get('sent') != PACKETS or res.get('opened') != 1 or res.get('closed') != 1:
        errors.append('roq-client opened %s closed %s sent %s' % (res.get('opened'),
                      res.get('closed'), res.get('sent')))
    if res.get('rebinds') != 1 or res.get('port_first') == res.get('port_last'):
        errors.append('no rebinding: %s' % res)
    # the UDP side saw every RoQ packet once, and the client got every echo
    if ech['received'] != PACKETS or ech['sent'] != PACKETS or ech['other'] != 0:
        errors.append('UDP leg: %s, expected %d each way' % (ech, PACKETS))
    # what QUIC's congestion controller would not take (roq_congested, a
    # datagram is unreliable) is the only loss allowed: every packet accounted
    summary = dc.load_summary(summary_path)
    congested = summary.get('drops', {}).get('roq_congested', 0)
    if res.get('received', 0) + congested != PACKETS or congested > PACKETS // 100:
        errors.append('roq-client got %s of %d back (lost %s, roq_congested %d)'
                      % (res.get('received'), PACKETS, res.get('lost'), congested))
    if res.get('received_after_rebind', 0) < PACKETS - REBIND_AT - 5:
        errors.append('only %s echoes after the rebinding' % res.get('received_after_rebind'))
    if during.get('handshakes_total') != 1 or during.get('path_changes_total', 0) < 1:
        errors.append('/mrelay/quic after the call: %s' % during)
    if after.get('connections') != 0:
        errors.append('connection not released: %s' % after)
    errors += handshake_rows(after, args.handshakes)
    # quic-go may drop a datagram still queued when it closes: a few may miss
    if summary.get('drops', {}).get('no_leg', 0) < QUICK_CONNS - QUICK_CONNS // 4:
        errors.append('quick connections: %s of %d datagrams reached the relay (no_leg)'
                      % (summary.get('drops', {}).get('no_leg', 0), QUICK_CONNS))
    try:
        # roq_no_conn is not allowed: a quick connection's datagram must not be
        # lost with its connection (quic_closing: its packets after the close)
        dc.check_summary(summary, allowed_drops=('shutdown', 'quic_conn_limit', 'roq_congested',
                                                 'no_leg', 'quic_closing'))
    except dc.TestFailed as e:
        errors.append(str(e))
    if errors:
        raise dc.TestFailed('; '.join(errors))
    c = summary['counters']
    dc.log('mrelay: rx %d tx %d; roq-client: handshake %.2f ms, %d sent, %d back '
           '(%d after the rebinding from port %s to %s)'
           % (c['rx_pkts'], c['tx_pkts'], res.get('handshake_ms_avg', 0), res['sent'],
              res['received'], res['received_after_rebind'], res['port_first'],
              res['port_last']))


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--echo':
        echo(sys.argv[2], float(sys.argv[3]))
        sys.exit(0)
    dc.main(run)
