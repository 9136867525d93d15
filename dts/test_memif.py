#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay over net_memif, end to end.

    dpdk-testpmd (memif server)                 mrelay (memif client)
    net_rtpgen0 RX --io--> net_memif0 ====memif====> net_memif0 RX
    net_rtpgen0 TX <--io-- net_memif0 <============ net_memif0 TX

net_rtpgen generates RTP for the A legs of mrelay's embedded default
configuration; mrelay forwards every packet to its B leg and back over
memif; testpmd hands it to rtpgen's validator. Pass: the validator saw
valid packets and no loss, duplicates or corruption; mrelay dropped
nothing but what was in flight when testpmd stopped (testpmd stops first:
a memif peer disconnecting under its forwarding can crash it), and
returned every mbuf.

Reconnect: mrelay starts before any memif server; once one comes up it
must connect by itself. That server goes away under traffic (SIGKILL) and a new
one comes up on the same socket a few seconds later; mrelay must take the
port out of its datapath while it is down (/mrelay/ports paused=1), connect
again by itself (DPDK 22.11's client connects only when its port starts:
app/mrelay/port_watch.c restarts it) and relay the new server's traffic,
which that server's validator checks.

Then the peer goes away under traffic, PEER_LOSS_ROUNDS times, each with
a fresh testpmd and mrelay: testpmd is stopped (SIGINT, or SIGKILL in
every other round) while rtpgen's packets flow. mrelay must keep running
(net_memif's link goes down, telemetry still answers), its unmap guard
must have held the PMD's munmap until the workers were quiescent (see
app/mrelay/unmap_guard.c), and on SIGTERM it must exit 0 with every mbuf
back in its pool.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

STREAMS = 200           # the embedded default has 200 sessions
RATE = 10000            # pps over all streams: well within memif's rings
RUN_SECONDS = 5
PEER_LOSS_ROUNDS = 3
LOSS_TRAFFIC_SECONDS = 2
GUARD_LINE = 'mrelay.guard: unmap of'
# What mrelay may drop when its memif peer stops under traffic: what it had
# queued for the peer (tx_full: the PMD's TX returns 0; port_paused once
# mrelay pauses the port to reconnect it) and what its rings held at exit.
IN_FLIGHT_DROPS = ('shutdown', 'tx_full', 'port_paused')
MAX_IN_FLIGHT = 256


def extra_args(ap):
    ap.add_argument('--testpmd', default='dpdk-testpmd',
                    help='dpdk-testpmd executable (default: from PATH)')
    ap.add_argument('--rtpgen-so', default=None,
                    help='loadable net_rtpgen PMD (default: '
                         'BUILD/drivers/net/rtpgen/librte_net_rtpgen.so)')
    ap.add_argument('--seconds', type=float, default=RUN_SECONDS,
                    help='how long traffic runs through the relay (default %(default)s)')
    ap.add_argument('--loss-rounds', type=int, default=PEER_LOSS_ROUNDS,
                    help='how many times the memif peer goes away under traffic '
                         '(default %(default)s; 0 skips that part)')


def telemetry(prefix, cmd):
    """One command on a DPDK process's telemetry socket; its reply's value."""
    return dc.telemetry(prefix, cmd)


def start_testpmd(args, work, so, sock, tag):
    # Log levels: for a PMD loaded with -d, the first matching
    # --log-level pattern given wins (DPDK 22.11 saves them head
    # first and applies them at registration), so 'mrelay.*' comes
    # before '*'. Types registered before argument parsing (EAL's)
    # take the last one, '*:notice'.
    prefix = 'mrdts_tp%s_%d' % (tag, os.getpid())
    tp = dc.Proc('testpmd' + tag, [
        args.testpmd_path, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix,
        '-l', '0-1', '-d', so,
        '--log-level', 'mrelay.*:info', '--log-level', '*:notice',
        '--vdev', 'net_rtpgen0,streams=%d,rate=%d,src=10.1.0.1:20000,'
                  'dst=10.0.0.1:30000' % (STREAMS, RATE),
        '--vdev', 'net_memif0,role=server,socket=%s,id=0' % sock,
        '--', '--forward-mode=io', '--port-topology=paired', '--stats-period', '1',
        '--total-num-mbufs', '32768'], work.file('testpmd%s.log' % tag))
    tp.prefix = prefix
    if not tp.wait_output(r'Start automatic packet forwarding|start packet forwarding', 30):
        tp.stop(10)  # and its runtime directory goes
        raise dc.TestFailed('testpmd%s did not start forwarding' % tag)
    # net_memif of DPDK 22.11 binds an abstract socket by default
    # (socket-abstract=yes): no file appears, /proc/net/unix shows it.
    if not dc.unix_socket_listed(sock):
        tp.stop(10)  # and its runtime directory goes
        raise dc.TestFailed('testpmd did not open the memif socket @' + sock)
    return tp


def start_mrelay(args, work, sock, tag, summary_path):
    # mrelay: its main lcore on CPU 1 (mostly idle), its worker on
    # CPU 0, so that the two polling loops do not share a CPU with
    # each other (testpmd forwards on lcore 1).
    prefix = 'mrdts_mr%s_%d' % (tag, os.getpid())
    mr = dc.Proc('mrelay' + tag, [
        args.mrelay, *dc.eal_mem(), '--no-pci', '--file-prefix', prefix,
        '-l', '0-1', '--main-lcore', '1',
        '--log-level', '*:notice', '--log-level', 'mrelay.*:info',
        '--vdev', 'net_memif0,role=client,socket=%s,id=0' % sock,
        '--', '-s', summary_path, '-q'], work.file('mrelay%s.log' % tag))
    mr.prefix = prefix
    if not mr.wait_output(r'worker\(s\)', 30):
        mr.stop(10)  # and its runtime directory goes
        raise dc.TestFailed('mrelay%s did not start' % tag)
    return mr


def link_status(mr, rnd):
    """Port 0's link as mrelay's telemetry reports it."""
    try:
        return telemetry(mr.prefix, '/ethdev/link_status,0').get('status')
    except (OSError, ValueError, KeyError, AttributeError, dc.TelemetryError) as e:
        try:
            mr.p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if not mr.alive():
            raise dc.TestFailed('round %d: mrelay died when its memif peer went away '
                                '(status %s)' % (rnd, mr.p.returncode)) from e
        raise dc.TestFailed('round %d: mrelay telemetry did not answer: %s' % (rnd, e)) from e


def peer_loss_round(args, work, so, rnd):
    """testpmd goes away under traffic; mrelay must live on and exit clean."""
    tag = '_loss%d' % rnd
    sock = '/run/mrelay_memif_%d%s.sock' % (os.getpid(), tag)
    summary_path = work.file('mrelay_summary%s.json' % tag)
    kill = rnd % 2 == 1
    tp = mr = None
    try:
        tp = start_testpmd(args, work, so, sock, tag)
        mr = start_mrelay(args, work, sock, tag, summary_path)
        deadline = time.monotonic() + 10
        while link_status(mr, rnd) != 'UP':
            if time.monotonic() > deadline:
                raise dc.TestFailed('round %d: memif link never came up' % rnd)
            time.sleep(0.1)
        time.sleep(LOSS_TRAFFIC_SECONDS)
        info = telemetry(mr.prefix, '/mrelay/info')
        guard = telemetry(mr.prefix, '/mrelay/unmap_guard')
        if not guard or guard.get('armed') != 1 or guard.get('waits') != 0:
            raise dc.TestFailed('round %d: before the loss, /mrelay/unmap_guard %s, want armed '
                                'and no waits' % (rnd, guard))
        if not mr.alive():
            raise dc.TestFailed('round %d: mrelay exited before its peer did' % rnd)

        # The peer goes away while rtpgen's packets are in flight.
        if kill:
            dc.log('round %d: SIGKILL testpmd (pid %d)' % (rnd, tp.pid))
            tp.p.send_signal(signal.SIGKILL)
            tp.p.wait()
        else:
            tp.stop(20)
        deadline = time.monotonic() + 10
        while link_status(mr, rnd) != 'DOWN':
            if time.monotonic() > deadline:
                raise dc.TestFailed('round %d: memif link still up after the peer left'
                                    % rnd)
            time.sleep(0.1)
        time.sleep(1)
        if not mr.alive():
            raise dc.TestFailed('round %d: mrelay died when its memif peer went away '
                                '(status %s)' % (rnd, mr.p.returncode))
        if telemetry(mr.prefix, '/mrelay/info') is None or info is None:
            raise dc.TestFailed('round %d: /mrelay/info gave no reply' % rnd)
        if GUARD_LINE not in mr.output():
            raise dc.TestFailed('round %d: the PMD unmapped without the unmap guard' % rnd)
        guard = telemetry(mr.prefix, '/mrelay/unmap_guard')
        if not guard or guard.get('waits', 0) < 1 or guard.get('wait_ns_max', 0) <= 0:
            raise dc.TestFailed('round %d: the guard\'s wait does not show in telemetry: %s'
                                % (rnd, guard))
        dc.log('round %d: /mrelay/unmap_guard %s' % (rnd, guard))
        mr.p.send_signal(signal.SIGTERM)
        mr_status = mr.wait(20)
    finally:
        if mr is not None:
            mr.stop(10)
        if tp is not None:
            tp.stop(10)
            if kill:
                dc.remove_runtime_dir(tp.prefix)
    if mr_status != 0:
        raise dc.TestFailed('round %d: mrelay exited with status %s' % (rnd, mr_status))
    summary = dc.load_summary(summary_path)
    # what was queued for the gone peer: tx_full (its TX burst returns 0),
    # or port_paused once mrelay takes the port out to reconnect it
    dropped = dc.check_summary(summary, allowed_drops=IN_FLIGHT_DROPS)
    c = summary['counters']
    if c['rx_pkts'] == 0 or c['tx_pkts'] == 0:
        raise dc.TestFailed('round %d: no traffic went through mrelay (rx %d tx %d)'
                            % (rnd, c['rx_pkts'], c['tx_pkts']))
    dc.log('round %d (%s): mrelay survived its peer: rx %d tx %d, %d dropped at the loss, '
           'all mbufs back' % (rnd, 'SIGKILL' if kill else 'SIGINT', c['rx_pkts'],
                               c['tx_pkts'], dropped))


def port0(mr):
    """Port 0's row of /mrelay/ports, as a dict."""
    cols = telemetry(mr.prefix, '/mrelay/ports')
    return {k: v[0] for k, v in cols.items() if isinstance(v, list) and v}


def wait_link(mr, want, seconds, what):
    deadline = time.monotonic() + seconds
    while link_status(mr, 0) != want:
        if time.monotonic() > deadline:
            raise dc.TestFailed('reconnect: memif link not %s %d s after %s'
                                % (want, seconds, what))
        time.sleep(0.1)


def reconnect_run(args, work, so):
    """The server dies and a new one comes: mrelay connects to it by itself."""
    sock = '/run/mrelay_memif_%d_re.sock' % os.getpid()
    summary_path = work.file('mrelay_summary_re.json')
    tp = tp2 = mr = None
    try:
        # mrelay first: its client waits for a server that is not there yet
        mr = start_mrelay(args, work, sock, '_re', summary_path)
        time.sleep(1)
        if port0(mr).get('paused') != 1:
            raise dc.TestFailed('reconnect: port not paused without a server: %s' % port0(mr))
        tp = start_testpmd(args, work, so, sock, '_re1')
        wait_link(mr, 'UP', 15, 'the first server came up')
        time.sleep(LOSS_TRAFFIC_SECONDS)
        dc.log('reconnect: SIGKILL testpmd (pid %d)' % tp.pid)
        tp.p.send_signal(signal.SIGKILL)
        tp.p.wait()
        dc.remove_runtime_dir(tp.prefix)
        wait_link(mr, 'DOWN', 10, 'the server left')
        # down for two checks a second apart, then a start that finds no server
        deadline = time.monotonic() + 10
        while port0(mr).get('paused') != 1:
            if time.monotonic() > deadline or not mr.alive():
                raise dc.TestFailed('reconnect: port not paused while its server is gone: '
                                    '%s' % port0(mr))
            time.sleep(0.2)
        time.sleep(2)
        tp2 = start_testpmd(args, work, so, sock, '_re2')
        t0 = time.monotonic()
        # retries come at most 5 s apart
        wait_link(mr, 'UP', 15, 'the new server came up')
        dc.log('reconnect: link up %.1f s after the new server started'
               % (time.monotonic() - t0))
        time.sleep(args.seconds)
        ports = port0(mr)
        if ports.get('paused') != 0 or ports.get('pauses', 0) < 1:
            raise dc.TestFailed('reconnect: /mrelay/ports after reconnecting: %s' % ports)
        if '(memif client): started again' not in mr.output():
            raise dc.TestFailed('reconnect: mrelay did not log its restart of the port')
        tp_status = tp2.stop(20)   # first, as in traffic_run
        mr_status = mr.stop(20)
    finally:
        for x in (mr, tp2, tp):
            if x is not None:
                x.stop(10)
    if mr_status != 0 or tp_status != 0:
        raise dc.TestFailed('reconnect: exit status mrelay %s, testpmd %s'
                            % (mr_status, tp_status))
    gen = dc.rtpgen_summary(tp2.output())
    if gen is None:
        raise dc.TestFailed('reconnect: no net_rtpgen close summary from the new testpmd')
    dc.log('reconnect: new server\'s rtpgen: generated %(generated)d valid %(valid)d '
           'lost %(lost)d' % gen)
    want = int(RATE * args.seconds / 2)
    if gen['valid'] < want:
        raise dc.TestFailed('reconnect: the new server validated %d packets, expected >= %d'
                            % (gen['valid'], want))
    for k in ('bad_magic', 'bad_checksum', 'bad_udp_csum', 'not_rtp', 'unknown_flow'):
        if gen[k] != 0:
            raise dc.TestFailed('reconnect: rtpgen validator: %s = %d' % (k, gen[k]))
    summary = dc.load_summary(summary_path)
    dropped = dc.check_summary(summary, allowed_drops=IN_FLIGHT_DROPS)
    dc.log('reconnect: mrelay relayed the new server\'s traffic; %d dropped around the '
           'outage, all mbufs back' % dropped)


def run(work):
    args = dc.parse_args(__doc__.splitlines()[0], extra_args)
    dc.need_root()
    args.testpmd_path = dc.need_tool(args.testpmd)
    dc.need_pmd('memif')
    so = args.rtpgen_so or os.path.join(args.build, 'drivers', 'net', 'rtpgen',
                                        'librte_net_rtpgen.so')
    if not os.path.exists(so):
        raise dc.TestFailed('rtpgen module not built: ' + so)
    so = dc.private_plugin(so)
    try:
        if not os.access(args.mrelay, os.X_OK):
            raise dc.TestFailed('mrelay not found: ' + args.mrelay)
        traffic_run(args, work, so)
        reconnect_run(args, work, so)
        for rnd in range(1, args.loss_rounds + 1):
            peer_loss_round(args, work, so, rnd)
    finally:
        shutil.rmtree(os.path.dirname(so), ignore_errors=True)


def traffic_run(args, work, so):
    """Traffic through the relay, stopped relay first: exact validator checks."""
    pid = os.getpid()
    sock = '/run/mrelay_memif_%d.sock' % pid
    summary_path = work.file('mrelay_summary.json')
    tp = mr = None
    try:
        tp = start_testpmd(args, work, so, sock, '')
        mr = start_mrelay(args, work, sock, '', summary_path)
        time.sleep(args.seconds)
        if not mr.alive():
            raise dc.TestFailed('mrelay exited early with status %s' % mr.p.returncode)

        # Stop testpmd first: a memif peer that disconnects while testpmd
        # forwards can crash it (its PMD unmaps the rings under its
        # forwarding lcore; mrelay has app/mrelay/unmap_guard.c, testpmd
        # has nothing). Generation stops with its forwarding, so what was
        # in flight never comes back: no gap the validator can see, and
        # lost stays exact.
        tp_status = tp.stop(20)
        mr_status = mr.stop(20)
    finally:
        # Both are stopped here when all went well; this covers failures.
        if tp is not None:
            tp.stop(10)
        if mr is not None:
            mr.stop(10)
        if os.path.exists(sock):
            os.unlink(sock)

    if tp_status != 0:
        raise dc.TestFailed('testpmd exited with status %s' % tp_status)
    if mr_status != 0:
        raise dc.TestFailed('mrelay exited with status %s' % mr_status)

    gen = dc.rtpgen_summary(tp.output())
    if gen is None:
        raise dc.TestFailed('no net_rtpgen close summary in the testpmd log')
    dc.log('rtpgen: generated %(generated)d valid %(valid)d lost %(lost)d '
           'reordered %(reordered)d duplicate %(duplicate)d' % gen)
    summary = dc.load_summary(summary_path)
    in_flight = dc.check_summary(summary, allowed_drops=IN_FLIGHT_DROPS)
    if in_flight > MAX_IN_FLIGHT:
        raise dc.TestFailed('mrelay dropped %d packets when testpmd stopped, expected at most '
                            '%d in flight: %s' % (in_flight, MAX_IN_FLIGHT, summary['drops']))
    c = summary['counters']
    dc.log('mrelay: rx %d tx %d rtp %d, streams %d'
           % (c['rx_pkts'], c['tx_pkts'], c['rtp_pkts'], len(summary.get('streams', []))))

    # At least half the run's packets made the whole round trip.
    want = int(RATE * args.seconds / 2)
    if gen['valid'] < want:
        raise dc.TestFailed('rtpgen validated %d packets, expected >= %d'
                            % (gen['valid'], want))
    for k in ('lost', 'duplicate', 'reordered', 'bad_magic', 'bad_checksum',
              'bad_udp_csum', 'not_rtp', 'unknown_flow', 'ssrc_changes'):
        if gen[k] != 0:
            raise dc.TestFailed('rtpgen validator: %s = %d' % (k, gen[k]))
    # Everything validated went through the relay (and nothing else did).
    if gen['valid'] > c['tx_pkts']:
        raise dc.TestFailed('rtpgen validated %d packets but mrelay sent only %d'
                            % (gen['valid'], c['tx_pkts']))
    if c['rx_pkts'] != c['rtp_pkts']:
        raise dc.TestFailed('mrelay received %d packets, %d of them RTP'
                            % (c['rx_pkts'], c['rtp_pkts']))
    nstreams = len(summary.get('streams', []))
    if nstreams != STREAMS:
        raise dc.TestFailed('mrelay reports %d streams, expected %d' % (nstreams, STREAMS))


if __name__ == '__main__':
    dc.main(run)
