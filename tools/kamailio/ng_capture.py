#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Record what an ng client (Kamailio's rtpengine module) sends.

A UDP listener that answers "ping" with "pong" and every other command
with {"result": "error", "error-reason": "recorded only: <command>"}, so a
client sees a live relay that refuses media. Each datagram is logged as one
JSON line (time, peer, cookie, decoded request) in OUT/requests.jsonl, and
the first request of each command is kept as OUT/<command>.bencode (the
dictionary without the cookie), ready to serve as a test fixture.

It is a recording tool for the test environment, not a relay: nothing is
allocated and no SDP is rewritten. Exit status: 0 after --count datagrams
or --timeout seconds, 2 when the socket cannot be bound.
"""

import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', 'python'))
from mrelay.bencode import BencodeError, decode, encode, split_ng, to_text  # noqa: E402


def reply_for(cookie: bytes, payload: bytes) -> bytes:
    """pong for ping, a named refusal for the rest, an error for garbage."""
    try:
        req = decode(payload)
        cmd = req.get(b'command', b'') if isinstance(req, dict) else b''
    except BencodeError as e:
        return cookie + b' ' + encode({'error-reason': 'bad bencode: %s' % e, 'result': 'error'})
    if cmd == b'ping':
        return cookie + b' ' + encode({'result': 'pong'})
    reason = 'recorded only: %s' % cmd.decode('utf-8', 'replace')
    return cookie + b' ' + encode({'error-reason': reason, 'result': 'error'})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--listen', default='127.0.0.1:2223',
                    help='UDP address to listen on, IPv4:port (default %(default)s)')
    ap.add_argument('--out', required=True,
                    help='directory for requests.jsonl and <command>.bencode')
    ap.add_argument('--timeout', type=float, default=60.0,
                    help='stop after this many seconds (default %(default)s)')
    ap.add_argument('--count', type=int, default=0,
                    help='stop after this many datagrams (default: no limit)')
    args = ap.parse_args()

    host, _, port = args.listen.rpartition(':')
    os.makedirs(args.out, exist_ok=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((host, int(port)))
    except (OSError, ValueError) as e:
        print('ng_capture: cannot listen on %s: %s' % (args.listen, e), file=sys.stderr)
        return 2
    print('ng_capture: listening on %s' % args.listen, flush=True)
    deadline = time.monotonic() + args.timeout
    seen = 0
    with open(os.path.join(args.out, 'requests.jsonl'), 'a') as log:
        while time.monotonic() < deadline and (args.count == 0 or seen < args.count):
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, peer = sock.recvfrom(65535)
            except socket.timeout:
                break
            seen += 1
            entry = {'time': round(time.time(), 3), 'peer': '%s:%d' % peer}
            try:
                cookie, payload = split_ng(data)
            except ValueError:
                entry['error'] = 'no cookie'
                entry['raw'] = data.decode('utf-8', 'replace')
                log.write(json.dumps(entry) + '\n')
                continue
            entry['cookie'] = cookie.decode('utf-8', 'replace')
            try:
                req = decode(payload)
                entry['request'] = to_text(req)
                cmd = entry['request'].get('command', '') if isinstance(req, dict) else ''
            except BencodeError as e:
                entry['error'] = str(e)
                cmd = ''
            log.write(json.dumps(entry) + '\n')
            log.flush()
            fixture = os.path.join(args.out, '%s.bencode' % cmd)
            if cmd and cmd.isalnum() and not os.path.exists(fixture):
                with open(fixture, 'wb') as f:
                    f.write(payload)
            print('ng_capture: %s %s from %s' % (entry.get('cookie'), cmd or '?', entry['peer']),
                  flush=True)
            sock.sendto(reply_for(cookie, payload), peer)
    print('ng_capture: %d datagrams' % seen, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
