# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Classic pcap files (Ethernet link type) and Internet checksums.

Written independently of tools/mrelay-pcapgen's C-side expectations so
that tests reading the relay's output check it rather than echo it.
"""

import struct
from typing import Iterable, List, Tuple

LINKTYPE_ETHERNET = 1
MAGIC_US = 0xA1B2C3D4
MAGIC_NS = 0xA1B23C4D


def read_pcap(path: str, strict: bool = True) -> List[Tuple[float, bytes]]:
    """-> [(timestamp in seconds, frame bytes)]. Either byte order,
    micro- or nanosecond timestamps; Ethernet link type only. strict: less
    than a record header left at the end is an error (else ignored, as
    from a writer stopped mid-record)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError('%s: not a pcap (%d bytes)' % (path, len(data)))
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (MAGIC_US, MAGIC_NS):
        end = '<'
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = '>'
        magic = struct.unpack('>I', data[:4])[0]
    else:
        raise ValueError('%s: bad pcap magic %#x' % (path, magic))
    div = 1e9 if magic == MAGIC_NS else 1e6
    linktype = struct.unpack(end + 'I', data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError('%s: link type %d, want Ethernet (1)' % (path, linktype))
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + 'IIII', data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise ValueError('%s: truncated record at byte %d' % (path, off))
        out.append((sec + frac / div, data[off:off + incl]))
        off += incl
    if strict and off != len(data):
        raise ValueError('%s: %d trailing bytes' % (path, len(data) - off))
    return out


def write_pcap(path: str, frames: Iterable[Tuple[float, bytes]], snaplen: int = 65535) -> int:
    """Write [(timestamp, frame)] as a little-endian microsecond pcap;
    returns the number of records."""
    n = 0
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', MAGIC_US, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET))
        for ts, frame in frames:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            incl = frame[:snaplen]
            f.write(struct.pack('<IIII', sec, usec, len(incl), len(frame)))
            f.write(incl)
            n += 1
    return n


def cksum16(data: bytes) -> int:
    """The ones' complement sum of 16-bit big-endian words (not inverted)."""
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def inet_checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of data: the inverted sum."""
    return ~cksum16(data) & 0xFFFF


def ipv4_header_ok(hdr: bytes) -> bool:
    """Whether an IPv4 header (with its checksum field) sums to 0xFFFF."""
    return cksum16(hdr) == 0xFFFF


def udp_checksum(src: bytes, dst: bytes, udp: bytes) -> int:
    """The UDP checksum over the pseudo-header of src/dst (4 or 16 bytes
    each) and the UDP header and payload with its checksum field zero;
    0 is sent as 0xFFFF (RFC 768)."""
    seg = udp[:6] + b'\0\0' + udp[8:]
    if len(src) == 4:
        pseudo = src + dst + struct.pack('!BBH', 0, 17, len(seg))
    else:
        pseudo = src + dst + struct.pack('!I3xB', len(seg), 17)
    c = inet_checksum(pseudo + seg)
    return c or 0xFFFF


def udp_checksum_ok(src: bytes, dst: bytes, udp: bytes) -> bool:
    """Whether a UDP datagram's checksum verifies (0 over IPv4: not set, fine)."""
    field = struct.unpack('!H', udp[6:8])[0]
    if field == 0 and len(src) == 4:
        return True
    pseudo = src + dst
    if len(src) == 4:
        pseudo += struct.pack('!BBH', 0, 17, len(udp))
    else:
        pseudo += struct.pack('!I3xB', len(udp), 17)
    return cksum16(pseudo + udp) == 0xFFFF
