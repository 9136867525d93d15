# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""A client for DPDK's telemetry v2 socket (DPDK 22.11).

The socket is <runtime dir>/<file prefix>/dpdk_telemetry.v2, of type
SOCK_SEQPACKET: on connect the server sends a JSON greeting (version, pid,
max_output_len), then answers each command with one JSON message
{"<command>": <value>}; an unknown command answers null. DPDK 22.11
parses commands with strtok(), which is not reentrant, so one client
sends one command at a time and waits for its reply.

Every wait is bounded (timeout seconds) and so is every reply
(max_reply bytes): a reply that does not fit is an error, not a
silently truncated JSON text.
"""

import json
import os
import socket
import time
from typing import Any, Dict, List, Optional

SOCKET_NAME = 'dpdk_telemetry.v2'
MAX_COMMAND = 1023        # bytes; DPDK reads at most this many
DEFAULT_TIMEOUT = 5.0     # seconds per connect, send and reply
DEFAULT_MAX_REPLY = 1 << 20


class TelemetryError(Exception):
    """A telemetry failure; code is the tools' exit status for it
    (1 the relay answered an error, 2 usage, 3 cannot connect / lost)."""

    def __init__(self, msg: str, code: int = 3) -> None:
        super().__init__(msg)
        self.code = code


class TelemetryTimeout(TelemetryError):
    """No reply in time (a loaded machine can keep the telemetry thread
    from a CPU for seconds): worth a retry on a new connection."""


def runtime_dirs() -> List[str]:
    """Where EAL puts runtime directories: /var/run/dpdk for root, else
    $XDG_RUNTIME_DIR/dpdk (or /tmp/dpdk)."""
    user = os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk')
    return ['/var/run/dpdk', user] if os.geteuid() == 0 else [user, '/var/run/dpdk']


def socket_path(prefix: str, runtime_dir: Optional[str] = None) -> str:
    """The telemetry socket of the process started with --file-prefix prefix
    (the first that exists among runtime_dirs() unless runtime_dir is given)."""
    if runtime_dir is not None:
        return os.path.join(runtime_dir, prefix, SOCKET_NAME)
    paths = [os.path.join(d, prefix, SOCKET_NAME) for d in runtime_dirs()]
    for p in paths:
        if os.path.exists(p):
            return p
    return paths[0]


class Telemetry:
    """One connection to a telemetry socket.

    Telemetry(prefix='rte') looks the socket up in the runtime directories;
    Telemetry(path=...) connects to the given socket. Use as a context
    manager or call close()."""

    def __init__(self, prefix: Optional[str] = None, path: Optional[str] = None,
                 runtime_dir: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT,
                 max_reply: int = DEFAULT_MAX_REPLY) -> None:
        if path is not None:
            candidates = [path]
        elif runtime_dir is not None:
            candidates = [socket_path(prefix or 'rte', runtime_dir)]
        else:
            candidates = [os.path.join(d, prefix or 'rte', SOCKET_NAME) for d in runtime_dirs()]
        self.max_reply = max_reply
        self.sock = None
        tried = []
        deadline = time.monotonic() + timeout
        for p in candidates:
            while True:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.settimeout(timeout)
                try:
                    s.connect(p)
                except BlockingIOError as e:
                    # DPDK listens with a backlog of 1 and a socket with a
                    # timeout does not wait for room in it: retry until the
                    # deadline, as a blocking connect would
                    s.close()
                    if time.monotonic() < deadline:
                        time.sleep(0.05)
                        continue
                    tried.append('%s (%s)' % (p, e.strerror or e))
                except OSError as e:
                    s.close()
                    tried.append('%s (%s)' % (p, e.strerror or e))
                else:
                    self.sock, self.path = s, p
                break
            if self.sock is not None:
                break
        if self.sock is None:
            raise TelemetryError('cannot connect to ' + ', '.join(tried), 3)
        try:
            greeting = json.loads(self._recv())
        except ValueError as e:
            self.close()
            raise TelemetryError('%s: bad greeting: %s' % (self.path, e), 3)
        self.greeting = greeting if isinstance(greeting, dict) else {}
        self.pid = self.greeting.get('pid')
        self.max_output_len = int(self.greeting.get('max_output_len', 16384))

    def _recv_bytes(self) -> bytes:
        try:
            data = self.sock.recv(self.max_reply + 1)
        except socket.timeout:
            raise TelemetryTimeout('%s: no reply in time' % self.path, 3)
        except OSError as e:
            raise TelemetryError('%s: %s' % (self.path, e), 3)
        if not data:
            raise TelemetryError('%s: the process closed the connection' % self.path, 3)
        if len(data) > self.max_reply:
            raise TelemetryError('%s: reply larger than %d bytes' % (self.path, self.max_reply), 3)
        return data

    def _recv(self) -> str:
        return self._recv_bytes().decode('utf-8', 'replace')

    def raw_reply(self, cmd: bytes) -> bytes:
        """Send one command as bytes, return the reply's bytes undecoded
        (for tests of what the relay sends, e.g. bytes >= 0x80 escaped)."""
        if len(cmd) > MAX_COMMAND:
            raise TelemetryError('command longer than %d bytes' % MAX_COMMAND, 2)
        try:
            self.sock.send(cmd)
        except OSError as e:
            raise TelemetryError('%s: %s' % (self.path, e), 3)
        return self._recv_bytes()

    def reply(self, cmd: str) -> Dict[str, Any]:
        """Send one command, return the whole reply object."""
        raw = self.raw_reply(cmd.encode())
        try:
            r = json.loads(raw.decode('utf-8', 'replace'))
        except ValueError as e:
            raise TelemetryError('%s: reply to %s is not JSON: %s' % (self.path, cmd, e), 1)
        if not isinstance(r, dict):
            raise TelemetryError('unexpected reply to %s: %r' % (cmd, r), 1)
        return r

    def command(self, cmd: str) -> Any:
        """Send one command, return its value (None: unknown command)."""
        r = self.reply(cmd)
        key = cmd.split(',', 1)[0]
        if key not in r:
            raise TelemetryError('unexpected reply to %s: %r' % (cmd, r), 1)
        return r[key]

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self) -> 'Telemetry':
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def query(prefix: str, cmd: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """One command on a fresh connection; its reply's value."""
    with Telemetry(prefix, timeout=timeout) as t:
        return t.command(cmd)


def columns_to_rows(reply: Dict[str, Any], key: str) -> Dict[str, Dict[str, Any]]:
    """A columnar reply ({"lcore": [0, 1], "busy_pct": [3, 97]}) into
    {"0": {"lcore": 0, "busy_pct": 3}, ...} keyed by column key."""
    ids = reply.get(key) if isinstance(reply, dict) else None
    if not isinstance(ids, list):
        return {}
    cols = {c: v for c, v in reply.items() if isinstance(v, list) and len(v) == len(ids)}
    return {str(i): {c: v[n] for c, v in cols.items()} for n, i in enumerate(ids)}
