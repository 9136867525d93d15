#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Record what Kamailio's rtpengine module sends for one SIPp call.

In a network namespace of its own (loopback only) it starts
  ng_capture.py  on 127.0.0.1:2223 (answers ping, records the rest),
  tcpdump        on lo (the ng datagrams and the RTP, as a second record),
  kamailio       with tools/kamailio/kamailio.cfg, NG_OPTIONAL defined,
  sipp -sn uas   on 127.0.0.1:5070 with -rtp_echo (echoes RTP on 6100),
  sipp -sn uac_pcap  one call through Kamailio, playing g711a.pcap,
then checks: Kamailio reported the ng node enabled after its ping, the call
completed, the capture holds ping, offer, answer and delete, and RTP flowed
both ways (UAC -> UAS media port and the echo back).

Writes OUT/requests.jsonl, OUT/<command>.bencode, OUT/ng.pcap, the logs, and
with --fixtures copies the .bencode files into that directory. Needs root
(ip netns), kamailio, sip-tester and tcpdump. Exit status: 0 all checks
passed, 1 a check failed, 2 a tool is missing.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'python'))
from mrelay.dpdk import Proc  # noqa: E402
from mrelay.log import log, set_tag  # noqa: E402

G711A = '/usr/share/sip-tester/g711a.pcap'


def count_packets(pcap: str, bpf: str) -> int:
    out = subprocess.run(['tcpdump', '-nn', '-r', pcap, bpf], capture_output=True, text=True)
    return len([line for line in out.stdout.splitlines() if line.strip()])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default=None,
                    help='output directory (default: a new one under /tmp)')
    ap.add_argument('--fixtures', default=None,
                    help='also copy <command>.bencode into this directory (tests/ng)')
    ap.add_argument('--flags', default=None,
                    help="the cfg's NG_FLAGS for this call (default: the cfg's own; '' for "
                         "none, i.e. what the module sends by default)")
    ap.add_argument('--name', default='kamailio',
                    help='fixture file name prefix: NAME_<command>.bencode (default %(default)s)')
    ap.add_argument('--keep-netns', action='store_true',
                    help='leave the network namespace for inspection')
    args = ap.parse_args()
    set_tag('record-ng')
    for tool in ('ip', 'kamailio', 'sipp', 'tcpdump'):
        if shutil.which(tool) is None:
            log('%s not found (apt-get install iproute2 kamailio sip-tester tcpdump)' % tool)
            return 2
    if not os.path.exists(G711A):
        log('%s missing (package sip-tester)' % G711A)
        return 2
    out = args.out or tempfile.mkdtemp(prefix='mrelay-ng-record-')
    os.makedirs(out, exist_ok=True)
    ns = 'mrelay-ng-%d' % os.getpid()
    subprocess.run(['ip', 'netns', 'add', ns], check=True)
    subprocess.run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'], check=True)
    nsx = ['ip', 'netns', 'exec', ns]
    flags_def = [] if args.flags is None else ['-A', 'NG_FLAGS="%s"' % args.flags]
    procs = []
    ok = True
    try:
        rundir = os.path.join(out, 'run')
        os.makedirs(rundir, exist_ok=True)
        pcapdir = os.path.join(out, 'pcap')
        os.makedirs(pcapdir, exist_ok=True)
        # uac_pcap plays pcap/g711a.pcap and pcap/dtmf_2833_1.pcap, relative to its cwd
        for name in os.listdir(os.path.dirname(G711A)):
            if name.endswith('.pcap') and not os.path.exists(os.path.join(pcapdir, name)):
                os.symlink(os.path.join(os.path.dirname(G711A), name), os.path.join(pcapdir, name))
        tcpdump = Proc('tcpdump', nsx + ['tcpdump', '-i', 'lo', '-U', '-w',
                                         os.path.join(out, 'ng.pcap'), 'udp'],
                       os.path.join(out, 'tcpdump.log'))
        procs.append(tcpdump)
        tcpdump.wait_output('listening on', 10)
        capture = Proc('ng_capture', nsx + [sys.executable, os.path.join(HERE, 'ng_capture.py'),
                                            '--out', out, '--timeout', '120'],
                       os.path.join(out, 'ng_capture.log'))
        procs.append(capture)
        capture.wait_output('listening', 10)
        kam = Proc('kamailio', nsx + ['kamailio', '-DD', '-E', '-f',
                                      os.path.join(HERE, 'kamailio.cfg'), '-A', 'NG_OPTIONAL',
                                      '-Y', rundir, '-P', os.path.join(rundir, 'k.pid'),
                                      '-m', '64', '-M', '8'] + flags_def,
                   os.path.join(out, 'kamailio.log'))
        procs.append(kam)
        # the module pings each node when it starts and says whether it answered
        enabled = kam.wait_output(r'rtpengine instance .*enabled|rtp proxy .*found', 15)
        log('kamailio: ng node %s' % ('enabled after ping' if enabled else 'NOT enabled'))
        ok &= enabled
        uas = Proc('sipp-uas', nsx + ['sipp', '-sn', 'uas', '-i', '127.0.0.1', '-p', '5070',
                                      '-rtp_echo', '-mp', '6100', '-nostdin',
                                      '-timeout', '60'],
                   os.path.join(out, 'sipp-uas.log'), cwd=out)
        procs.append(uas)
        time.sleep(0.5)
        uac = Proc('sipp-uac', nsx + ['sipp', '-sn', 'uac_pcap', '-i', '127.0.0.1', '-p', '5061',
                                      '-s', 'mrelay', '-m', '1', '-nostdin', '-timeout', '60',
                                      '-mp', '6000', '127.0.0.1:5060'],
                   os.path.join(out, 'sipp-uac.log'), cwd=out)
        procs.append(uac)
        rc = uac.wait(70)
        log('sipp uac exit status %s (0: the call completed)' % rc)
        ok &= rc == 0
        time.sleep(1.0)
    finally:
        for p in reversed(procs):
            p.stop(timeout=5, sig=2)
        if not args.keep_netns:
            subprocess.run(['ip', 'netns', 'del', ns], check=False)
    seen = {}
    path = os.path.join(out, 'requests.jsonl')
    if os.path.exists(path):
        import json
        with open(path) as f:
            for line in f:
                cmd = json.loads(line).get('request', {}).get('command', '?')
                seen[cmd] = seen.get(cmd, 0) + 1
    log('ng requests recorded: %s' % (', '.join('%s x%d' % kv for kv in sorted(seen.items()))
                                      or 'none'))
    for cmd in ('ping', 'offer', 'answer', 'delete'):
        if cmd not in seen:
            log('missing: %s' % cmd)
            ok = False
    pcap = os.path.join(out, 'ng.pcap')
    to_uas = count_packets(pcap, 'udp dst port 6100')
    echoed = count_packets(pcap, 'udp src port 6100')
    ng = count_packets(pcap, 'udp port 2223')
    log('tcpdump: %d ng datagrams, %d RTP packets to the UAS, %d echoed back'
        % (ng, to_uas, echoed))
    ok &= to_uas > 0 and echoed > 0
    if args.fixtures:
        os.makedirs(args.fixtures, exist_ok=True)
        for cmd in ('ping', 'offer', 'answer', 'delete'):
            src = os.path.join(out, '%s.bencode' % cmd)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(args.fixtures, '%s_%s.bencode' % (args.name, cmd)))
    log('%s; files in %s' % ('all checks passed' if ok else 'A CHECK FAILED', out))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
