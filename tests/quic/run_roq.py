#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""lib/quic against quic-go: roq_echo (our server over a kernel UDP socket)
and roq-client (quic-go 0.29, an independent QUIC stack) on loopback.

Cases:
  echo_rebind  one connection, 1000 RTP packets in DATAGRAM frames on flow 7,
               the client moves to a new UDP port after 500; all 1000 must
               come back, the server must see the path change, and after
               the close the server must hold 0 connections, 0 bytes,
               0 TLS sessions
  churn        1000 connections opened, one datagram echoed on each, closed;
               everything back to zero, process heap back within 256 KiB
  idle         a client that goes silent without closing: released by the
               idle timeout (1 s)
  retry        Retry for every new client (address validation): quic-go
               follows it, the echo works, state back to zero
  stateless    no client, raw UDP from here: Version Negotiation for an
               unknown version, a stateless reset (smaller than the trigger)
               for one of our CIDs that has no connection, nothing for
               garbage; every datagram counted under a drop reason

The certificate is made here with openssl (or GnuTLS's certtool).
Exit status: 0 pass, 1 fail, 77 skip (go is not installed: roq-client was
not built; the reason is printed).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                '..', '..', 'tools', 'python'))
from mrelay.dpdk import Proc  # noqa: E402
from mrelay.log import log, set_tag  # noqa: E402

SKIP = 77


class CheckFailed(Exception):
    """The server or the client did the wrong thing."""


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


def make_cert(d: str, key_type: str = 'ec') -> List[str]:
    """A self-signed certificate for localhost, ECDSA P-256 (key_type 'ec') or
    Ed25519 ('ed25519', openssl only); [cert, key]."""
    cert, key = os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem')
    if key_type == 'ed25519':
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout',
                        key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
                        '-addext', 'subjectAltName=DNS:localhost'],
                       check=True, capture_output=True, timeout=60)
    elif shutil.which('openssl'):
        cmd = ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
               'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
               '-days', '2', '-subj', '/CN=localhost',
               '-addext', 'subjectAltName=DNS:localhost']
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    elif shutil.which('certtool'):
        tmpl = os.path.join(d, 'cert.cfg')
        with open(tmpl, 'w') as f:
            f.write('cn = localhost\ndns_name = localhost\nexpiration_days = 2\n'
                    'signing_key\n')
        subprocess.run(['certtool', '--generate-privkey', '--key-type', 'ecdsa',
                        '--outfile', key], check=True, capture_output=True, timeout=60)
        subprocess.run(['certtool', '--generate-self-signed', '--load-privkey', key,
                        '--template', tmpl, '--outfile', cert],
                       check=True, capture_output=True, timeout=60)
    else:
        raise CheckFailed('neither openssl nor certtool: cannot make a test certificate')
    return [cert, key]


class Echo:
    """roq_echo running with its counters readable on demand."""

    def __init__(self, exe: str, workdir: str, cert: str, key: str,
                 extra: Optional[List[str]] = None) -> None:
        cmd = [exe, '--cert', cert, '--key', key, '--listen', '127.0.0.1:0',
               '--owners', '2'] + (extra or [])
        self.proc = Proc('roq_echo', cmd, os.path.join(workdir, 'roq_echo.log'))
        if not self.proc.wait_output(r'listening \S+ \d+', 10):
            raise CheckFailed('roq_echo did not start:\n' + self.proc.output()[-2000:])
        line = [ln for ln in self.proc.output().splitlines() if ln.startswith('listening')][0]
        self.port = int(line.split()[2])

    def stats(self) -> Dict[str, Any]:
        """Ask for a counters line (SIGUSR1) and return it."""
        before = self.proc.output().count('\n{')
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            out = self.proc.output()
            if out.count('\n{') > before:
                return json.loads([ln for ln in out.splitlines() if ln.startswith('{')][-1])
            time.sleep(0.05)
        raise CheckFailed('roq_echo gave no counters')

    def wait_released(self, want: int = 0, timeout: float = 10) -> Dict[str, Any]:
        """Counters once the server holds `want` connections (or the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.stats()
            if s['conns'] == want or time.monotonic() > deadline:
                return s
            time.sleep(0.2)

    def stop(self) -> None:
        rc = self.proc.stop(sig=signal.SIGTERM)
        if rc != 0:
            raise CheckFailed('roq_echo exited %s:\n%s' % (rc, self.proc.output()[-2000:]))


def client(exe: str, port: int, cert: str, args: List[str],
           timeout: float = 600) -> Dict[str, Any]:
    cmd = [exe, '-addr', '127.0.0.1:%d' % port, '-ca', cert] + args
    log('run: ' + ' '.join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.stderr.strip():
        log('roq-client stderr: ' + p.stderr.strip()[-1000:])
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith('{')]
    expect(lines != [], 'roq-client printed no JSON (exit %d): %s' % (p.returncode, p.stdout))
    res = json.loads(lines[-1])
    log('roq-client: ' + lines[-1])
    expect(p.returncode == 0, 'roq-client exit %d: %s' % (p.returncode, res.get('first_error')))
    return res


def released_ok(s: Dict[str, Any]) -> None:
    log('server: conns %d bytes_held %d tls_sessions %d released %s drops %s'
        % (s['conns'], s['bytes_held'], s['tls_sessions'], s['released'], s['drops']))
    expect(s['conns'] == 0, 'the server still holds %d connections' % s['conns'])
    expect(s['bytes_held'] == 0, 'the server still holds %d bytes' % s['bytes_held'])
    expect(s['tls_sessions'] == 0, '%d TLS sessions left' % s['tls_sessions'])


def case_echo_rebind(a: argparse.Namespace, d: str, cert: str, key: str) -> None:
    echo = Echo(a.echo, d, cert, key, ['--idle-ms', '10000'])
    try:
        r = client(a.client, echo.port, cert,
                   ['-n', '1000', '-flow', '7', '-rebind-at', '500', '-interval', '1ms'])
        expect(r['opened'] == 1 and r['alpn'] == 'roq-14', 'handshake/ALPN: %s' % r)
        expect(r['rebinds'] == 1 and r['port_first'] != r['port_last'],
               'the client did not move to a new port')
        log('sent %d, received %d back (%d lost), %d after the rebinding'
            % (r['sent'], r['received'], r['lost'], r['received_after_rebind']))
        expect(r['sent'] == 1000, 'sent %d of 1000' % r['sent'])
        expect(r['lost'] == 0, '%d of 1000 datagrams did not come back' % r['lost'])
        expect(r['received_after_rebind'] >= 400, 'only %d echoes after the rebinding'
               % r['received_after_rebind'])
        expect(r['wrong_flow'] == 0 and r['duplicates'] == 0 and r['malformed'] == 0,
               'bad echoes: %s' % r)
        s = echo.wait_released()
        expect(s['dgrams_rx'] == 1000 and s['echo_sent'] == 1000,
               'server datagrams in %d, echoed %d' % (s['dgrams_rx'], s['echo_sent']))
        expect(s['path_changes'] >= 1 and s['path_events'] >= 1,
               'the server saw no path change')
        expect('peer moved 127.0.0.1:%d -> 127.0.0.1:%d' % (r['port_first'], r['port_last'])
               in echo.proc.output(), 'no path change line for the new port')
        expect(s['paths_validated'] >= 1, 'no path validated')
        expect(s['handshakes'] == 1 and s['released']['peer_close'] == 1,
               'handshakes %d, peer closes %d' % (s['handshakes'], s['released']['peer_close']))
        released_ok(s)
    finally:
        echo.stop()


def case_churn(a: argparse.Namespace, d: str, cert: str, key: str) -> None:
    echo = Echo(a.echo, d, cert, key, ['--idle-ms', '10000'])
    try:
        # warm up once so that the heap figure compares like with like
        client(a.client, echo.port, cert, ['-n', '1', '-interval', '0'])
        before = echo.wait_released()
        released_ok(before)
        n = a.conns
        t0 = time.monotonic()
        r = client(a.client, echo.port, cert,
                   ['-conns', str(n), '-n', '1', '-interval', '0', '-wait', '2s'])
        log('%d connections in %.1f s, handshake %.2f ms on average'
            % (r['opened'], time.monotonic() - t0, r['handshake_ms_avg']))
        expect(r['opened'] == n and r['closed'] == n, 'opened %d closed %d of %d'
               % (r['opened'], r['closed'], n))
        expect(r['received'] == n, 'echoes %d of %d' % (r['received'], n))
        s = echo.wait_released(timeout=20)
        expect(s['accepted'] - before['accepted'] == n, 'accepted %d'
               % (s['accepted'] - before['accepted']))
        expect(s['released']['peer_close'] - before['released']['peer_close'] == n,
               'peer closes %d' % (s['released']['peer_close'] - before['released']['peer_close']))
        released_ok(s)
        grew = s['heap_in_use'] - before['heap_in_use']
        log('process heap in use: %d before, %d after %d connections (%+d bytes)'
            % (before['heap_in_use'], s['heap_in_use'], n, grew))
        expect(grew < 256 * 1024, 'the heap grew by %d bytes over %d connections' % (grew, n))
    finally:
        echo.stop()


def case_idle(a: argparse.Namespace, d: str, cert: str, key: str) -> None:
    echo = Echo(a.echo, d, cert, key, ['--idle-ms', '1000'])
    try:
        r = client(a.client, echo.port, cert, ['-n', '10', '-no-close'])
        expect(r['received'] == 10, 'echoes %d of 10' % r['received'])
        s = echo.stats()
        expect(s['conns'] == 1, 'the connection should still be there (%d)' % s['conns'])
        s = echo.wait_released(timeout=10)
        expect(s['released']['idle'] == 1, 'released by idle timeout: %d'
               % s['released']['idle'])
        released_ok(s)
    finally:
        echo.stop()


def case_retry(a: argparse.Namespace, d: str, cert: str, key: str) -> None:
    echo = Echo(a.echo, d, cert, key, ['--retry-above', '0'])
    try:
        r = client(a.client, echo.port, cert, ['-n', '50', '-conns', '3'])
        expect(r['opened'] == 3 and r['lost'] == 0, 'after Retry: %s' % r)
        s = echo.wait_released()
        expect(s['retries_sent'] == 3 and s['accepted'] == 3,
               'retries %d accepted %d' % (s['retries_sent'], s['accepted']))
        expect('quic_retry_token' not in s['drops'], 'tokens refused: %s' % s['drops'])
        released_ok(s)
    finally:
        echo.stop()


def long_header(first: int, version: int, dcid: bytes, scid: bytes, size: int) -> bytes:
    h = struct.pack('!BIB', first, version, len(dcid)) + dcid + bytes([len(scid)]) + scid
    return h + os.urandom(max(0, size - len(h)))


def case_stateless(a: argparse.Namespace, d: str, cert: str, key: str) -> None:
    echo = Echo(a.echo, d, cert, key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2)
    dst = ('127.0.0.1', echo.port)
    try:
        # unknown version, full size: Version Negotiation listing v1
        dcid, scid = os.urandom(12), os.urandom(5)
        sock.sendto(long_header(0xc0, 0x1a2a3a4a, dcid, scid, 1200), dst)
        vn, _ = sock.recvfrom(2048)
        expect(vn[0] & 0x80 and vn[1:5] == b'\0\0\0\0', 'not a Version Negotiation packet')
        expect(vn[5] == 5 and vn[6:11] == scid and vn[11] == 12 and vn[12:24] == dcid,
               'VN does not echo the connection IDs')
        versions = [struct.unpack('!I', vn[i:i + 4])[0] for i in range(24, len(vn), 4)]
        expect(1 in versions, 'VN does not offer version 1: %s' % versions)
        log('Version Negotiation offers %s' % ['0x%08x' % v for v in versions])

        # one of our CIDs (server id 4d52, owner 0) with no connection:
        # a stateless reset, smaller than what triggered it
        ours = bytes([0 << 5 | 11, 0x4d, 0x52, 0]) + os.urandom(8)
        trigger = bytes([0x40]) + ours + os.urandom(60)
        sock.sendto(trigger, dst)
        sr, _ = sock.recvfrom(2048)
        expect(21 <= len(sr) < len(trigger) and (sr[0] & 0xc0) == 0x40,
               'stateless reset of %d octets for a %d-octet trigger' % (len(sr), len(trigger)))
        log('stateless reset: %d octets for a %d-octet packet' % (len(sr), len(trigger)))

        # what gets no answer: each counted under its reason
        quiet = [
            long_header(0xc0, 1, os.urandom(8), os.urandom(8), 600),    # small Initial
            long_header(0xc0, 0x1a2a3a4a, dcid, scid, 300),            # small, unknown version
            bytes([0x40]) + os.urandom(40),                             # foreign short header
            long_header(0xe0, 1, os.urandom(8), os.urandom(8), 100),    # Handshake, foreign
            long_header(0x80, 0, os.urandom(8), os.urandom(8), 100),    # VN to a server
            bytes([0xc0, 0, 0, 0, 1, 40]) + os.urandom(10),             # DCID past the end
            b'',                                                        # empty
        ]
        for p in quiet:
            sock.sendto(p, dst)
        sock.settimeout(0.5)
        try:
            extra, _ = sock.recvfrom(2048)
            raise CheckFailed('unexpected answer of %d octets' % len(extra))
        except socket.timeout:
            pass
        s = echo.stats()
        log('drops: %s' % s['drops'])
        want = {'quic_initial_too_small': 1, 'quic_unknown_version_small': 1,
                'quic_vn_to_server': 1, 'quic_truncated': 2}
        for k, v in want.items():
            expect(s['drops'].get(k, 0) == v, 'drop %s: %s, want %d' % (k, s['drops'].get(k), v))
        unroutable = sum(v for k, v in s['drops'].items() if k.startswith('quic_unroutable'))
        expect(unroutable == 2, 'unroutable drops %d, want 2' % unroutable)
        expect(s['drops'].get('quic_unknown_cid', 0) == 1, 'unknown CID drops')
        expect(s['vn_sent'] == 1 and s['resets_sent'] == 1 and s['accepted'] == 0,
               'vn %d resets %d accepted %d' % (s['vn_sent'], s['resets_sent'], s['accepted']))
        released_ok(s)
    finally:
        sock.close()
        echo.stop()


CASES = {
    'echo_rebind': case_echo_rebind,
    'churn': case_churn,
    'idle': case_idle,
    'retry': case_retry,
    'stateless': case_stateless,
}
NEEDS_CLIENT = {'echo_rebind', 'churn', 'idle', 'retry'}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('case', choices=sorted(CASES), help='what to check (see the module doc)')
    ap.add_argument('--echo', required=True, help='path to the roq_echo harness')
    ap.add_argument('--client', default='',
                    help='path to roq-client; empty when it was not built')
    ap.add_argument('--client-missing', default='',
                    help='why roq-client was not built (printed as the skip or fail reason)')
    ap.add_argument('--client-required', action='store_true',
                    help='a missing roq-client fails instead of skipping (go is installed)')
    ap.add_argument('--conns', type=int, default=1000, help='connections in the churn case')
    a = ap.parse_args()
    set_tag('quic_' + a.case)

    if a.case in NEEDS_CLIENT and not (a.client and os.access(a.client, os.X_OK)):
        why = a.client_missing or 'roq-client not built'
        if a.client_required:
            log('FAIL: ' + why)
            return 1
        log('SKIP: ' + why)
        return SKIP
    d = tempfile.mkdtemp(prefix='mr_quic_%s.' % a.case)
    try:
        cert, key = make_cert(d)
        CASES[a.case](a, d, cert, key)
    except (CheckFailed, subprocess.SubprocessError) as e:
        log('FAIL: %s' % e)
        for name in ('roq_echo.log',):
            p = os.path.join(d, name)
            if os.path.exists(p):
                with open(p, errors='replace') as f:
                    log('%s (tail):\n%s' % (name, f.read()[-3000:]))
        return 1
    finally:
        shutil.rmtree(d, ignore_errors=True)
    log('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
