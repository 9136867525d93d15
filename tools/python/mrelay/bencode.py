# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Bencode and the ng protocol's datagrams ("cookie SP bencoded-dictionary").

The same rules as lib/bencode: dictionary keys in any order (kept in the
order read, as Kamailio writes them), duplicate keys, leading zeros and
"-0" refused, nothing after the value. Strings decode to bytes; to_text()
turns a decoded value into str-keyed JSON-friendly data.
"""

from typing import Any, Dict, List, Tuple, Union

Value = Union[int, bytes, List[Any], Dict[bytes, Any]]


class BencodeError(ValueError):
    """Malformed input; .offset is where the decoder stopped."""

    def __init__(self, msg: str, offset: int) -> None:
        super().__init__('%s at byte %d' % (msg, offset))
        self.offset = offset


def encode(value: Any) -> bytes:
    """Bencode a dict (keys written in their order), list, int, str or bytes."""
    if isinstance(value, dict):
        return b'd' + b''.join(encode(k) + encode(v) for k, v in value.items()) + b'e'
    if isinstance(value, (list, tuple)):
        return b'l' + b''.join(encode(v) for v in value) + b'e'
    if isinstance(value, bool):
        raise TypeError('bencode has no booleans')
    if isinstance(value, int):
        return b'i%de' % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, (bytes, bytearray)):
        return b'%d:%s' % (len(value), bytes(value))
    raise TypeError('cannot bencode %r' % type(value))


def _digits(data: bytes, pos: int, stop: int) -> Tuple[int, int]:
    end = data.find(bytes([stop]), pos)
    if end < 0:
        raise BencodeError('truncated', len(data))
    text = data[pos:end]
    if not text.isdigit() or (len(text) > 1 and text[:1] == b'0'):
        raise BencodeError('malformed number', pos)
    return int(text), end + 1


def _decode(data: bytes, pos: int, depth: int) -> Tuple[Value, int]:
    if depth > 64:
        raise BencodeError('nesting too deep', pos)
    if pos >= len(data):
        raise BencodeError('truncated', pos)
    c = data[pos:pos + 1]
    if c == b'i':
        neg = data[pos + 1:pos + 2] == b'-'
        num, end = _digits(data, pos + 1 + neg, ord('e'))
        if neg and num == 0:
            raise BencodeError('negative zero', pos)
        return (-num if neg else num), end
    if c.isdigit():
        n, start = _digits(data, pos, ord(':'))
        if start + n > len(data):
            raise BencodeError('truncated', start)
        return data[start:start + n], start + n
    if c in (b'l', b'd'):
        pos += 1
        items: List[Any] = []
        while data[pos:pos + 1] != b'e':
            if pos >= len(data):
                raise BencodeError('truncated', pos)
            item, pos = _decode(data, pos, depth + 1)
            items.append(item)
        if c == b'l':
            return items, pos + 1
        if len(items) % 2:
            raise BencodeError('key without value', pos)
        out: Dict[bytes, Any] = {}
        for k, v in zip(items[::2], items[1::2]):
            if not isinstance(k, bytes):
                raise BencodeError('dictionary key is not a string', pos)
            if k in out:
                raise BencodeError('duplicate key %r' % k, pos)
            out[k] = v
        return out, pos + 1
    raise BencodeError('unexpected byte %r' % c, pos)


def decode(data: bytes) -> Value:
    """Decode one bencoded value; BencodeError when malformed or followed by bytes."""
    value, end = _decode(bytes(data), 0, 0)
    if end != len(data):
        raise BencodeError('bytes after the value', end)
    return value


def split_ng(datagram: bytes) -> Tuple[bytes, bytes]:
    """(cookie, payload) of an ng datagram; ValueError without a cookie."""
    cookie, sep, payload = datagram.partition(b' ')
    if not sep or not cookie:
        raise ValueError('no cookie')
    return cookie, payload


def ng_message(cookie: Union[str, bytes], body: Dict[str, Any]) -> bytes:
    """An ng datagram: cookie, space, bencoded body."""
    if isinstance(cookie, str):
        cookie = cookie.encode()
    return cookie + b' ' + encode(body)


def to_text(value: Any) -> Any:
    """Decoded bencode with str keys and strings (UTF-8, bad bytes replaced)."""
    if isinstance(value, dict):
        return {k.decode('utf-8', 'replace'): to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_text(v) for v in value]
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return value
