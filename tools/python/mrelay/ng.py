# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""A client of the rtpengine ng protocol (docs/signalling.md), as a SIP
proxy speaks it: one UDP datagram per request, a cookie, a bencoded
dictionary; the reply carries the same cookie.

    c = NgClient(('127.0.0.1', 2223))
    r = c.request({'command': 'offer', 'call-id': 'x', 'from-tag': 'a', 'sdp': sdp})
    r['result'], r.get('sdp')

Replies are decoded to str keys and values (mrelay.bencode.to_text). A
retransmission is request(body, cookie=<the same cookie>).
"""

import itertools
import os
import socket
from typing import Any, Dict, Optional, Tuple

from .bencode import decode, ng_message, split_ng, to_text


class NgTimeout(Exception):
    """No reply in time."""


class NgClient:
    """One UDP socket towards one ng endpoint."""

    def __init__(self, addr: Tuple[str, int], timeout: float = 2.0) -> None:
        self.addr = addr
        family = socket.AF_INET6 if ':' in addr[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self._seq = itertools.count(1)
        self._tag = '%d' % os.getpid()
        self.last_cookie = ''
        self.last_reply = b''

    def cookie(self) -> str:
        """A new cookie, Kamailio style (process_counter)."""
        return '%s_%d' % (self._tag, next(self._seq))

    def raw(self, datagram: bytes) -> Optional[bytes]:
        """Send any bytes; the reply datagram, or None when none came in time."""
        self.sock.sendto(datagram, self.addr)
        try:
            data, _ = self.sock.recvfrom(65535)
        except socket.timeout:
            return None
        return data

    def request(self, body: Dict[str, Any], cookie: Optional[str] = None) -> Dict[str, Any]:
        """Send one request (a new cookie unless given) and decode the reply.
        Raises NgTimeout, or ValueError when the reply's cookie differs."""
        cookie = cookie or self.cookie()
        self.last_cookie = cookie
        data = self.raw(ng_message(cookie, body))
        if data is None:
            raise NgTimeout('no reply from %s:%d to %s' % (self.addr[0], self.addr[1],
                                                           body.get('command')))
        got, payload = split_ng(data)
        if got.decode('utf-8', 'replace') != cookie:
            raise ValueError('reply cookie %r for request %r' % (got, cookie))
        self.last_reply = data
        return to_text(decode(payload))

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> 'NgClient':
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
