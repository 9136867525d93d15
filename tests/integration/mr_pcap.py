# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Reading pcaps and decoding frames for the integration checker.

Written independently of tools/mrelay-pcapgen so that the two check each
other: this side parses and verifies (pcap files and checksums with the
toolkit, tools/python/mrelay/pcap.py), the generator only builds.

Importing it puts the toolkit on sys.path for the scripts beside it.
"""

import functools
import ipaddress
import os
import struct
import sys
from typing import Dict, List, Optional, Tuple, Union

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                '..', '..', 'tools', 'python'))
from mrelay import pcap as _pcap  # noqa: E402

ETH_P_IPV4 = 0x0800
ETH_P_IPV6 = 0x86DD
ETH_P_VLAN = (0x8100, 0x88A8)


def read_pcap(path: str) -> List[Tuple[float, bytes]]:
    """-> list of (timestamp float, frame bytes). Classic pcap only."""
    return _pcap.read_pcap(path, strict=False)


@functools.lru_cache(maxsize=4096)
def mac_str(b: bytes) -> str:
    return ":".join("%02x" % x for x in b)


@functools.lru_cache(maxsize=65536)
def ep_str(ip: Union[str, bytes], port: int) -> str:
    ip = ipaddress.ip_address(ip)
    return ("[%s]:%d" % (ip, port)) if ip.version == 6 else ("%s:%d" % (ip, port))


@functools.lru_cache(maxsize=4096)
def norm_ep(text: str) -> str:
    """Canonical form of an endpoint string (v6 compressed, lower case)."""
    if text.startswith("["):
        a, _, p = text[1:].partition("]:")
    else:
        a, _, p = text.rpartition(":")
    return ep_str(a, int(p))


class Frame:
    """A decoded frame. .error is None for a well-formed UDP datagram."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.error = None
        self.reason = None  # mrelay drop reason for .error
        self.dst_mac = self.src_mac = None
        self.vlan = 0
        self.ethertype = None
        self.ip_version = None
        self.src = self.dst = None
        self.payload = None
        self.ip_cksum_ok = None
        self.udp_cksum_ok = None
        self.udp_cksum_zero = False
        try:
            self._parse()
        except (struct.error, IndexError) as e:
            self.error, self.reason = "truncated (%s)" % e, "runt"

    def _parse(self):
        d = self.data
        if len(d) < 14:
            self.error, self.reason = "runt", "runt"
            return
        self.dst_mac = mac_str(d[0:6])
        self.src_mac = mac_str(d[6:12])
        et = struct.unpack("!H", d[12:14])[0]
        off = 14
        if et in ETH_P_VLAN:
            tci, et = struct.unpack("!HH", d[14:18])
            self.vlan = tci & 0x0FFF
            off = 18
        self.ethertype = et
        if et == ETH_P_IPV4:
            self._ipv4(d, off)
        elif et == ETH_P_IPV6:
            self._ipv6(d, off)
        else:
            self.error, self.reason = "ethertype %#06x" % et, "not_ip"

    def _ipv4(self, d, off):
        self.ip_version = 4
        vihl = d[off]
        if vihl >> 4 != 4:
            self.error, self.reason = "ipv4 version %d" % (vihl >> 4), "ipv4_hdr"
            return
        ihl = (vihl & 15) * 4
        hdr = d[off:off + ihl]
        if ihl < 20 or len(hdr) < ihl:
            self.error, self.reason = "ipv4 ihl", "ipv4_hdr"
            return
        self.ip_cksum_ok = _pcap.ipv4_header_ok(hdr)
        total, frag = struct.unpack("!H", hdr[2:4])[0], struct.unpack("!H", hdr[6:8])[0]
        proto = hdr[9]
        if total < ihl or off + total > len(d):
            self.error, self.reason = "ipv4 total length %d" % total, "ipv4_hdr"
            return
        if frag & 0x3FFF:
            self.error, self.reason = "ipv4 fragment", "ip_fragment"
            return
        if proto != 17:
            self.error, self.reason = "ip proto %d" % proto, "not_udp"
            return
        self._udp(d[off + ihl:off + total], hdr[12:16], hdr[16:20])

    def _ipv6(self, d, off):
        self.ip_version = 6
        if d[off] >> 4 != 6:
            self.error, self.reason = "ipv6 version", "ipv6_hdr"
            return
        plen, nh = struct.unpack("!HB", d[off + 4:off + 7])
        sip, dip = d[off + 8:off + 24], d[off + 24:off + 40]
        if off + 40 + plen > len(d):
            self.error, self.reason = "ipv6 payload length %d" % plen, "ipv6_hdr"
            return
        if nh != 17:
            self.error, self.reason = "ipv6 next header %d" % nh, "not_udp"
            return
        self._udp(d[off + 40:off + 40 + plen], sip, dip)

    def _udp(self, l4, sip, dip):
        if len(l4) < 8:
            self.error, self.reason = "udp header", "udp_hdr"
            return
        sport, dport, ulen, ucs = struct.unpack("!HHHH", l4[:8])
        if ulen < 8 or ulen != len(l4):
            self.error, self.reason = "udp length %d, ip payload %d" % (ulen, len(l4)), "udp_hdr"
            return
        self.src = ep_str(bytes(sip), sport)
        self.dst = ep_str(bytes(dip), dport)
        self.payload = l4[8:ulen]
        if ucs == 0:
            self.udp_cksum_zero = True
            self.udp_cksum_ok = self.ip_version == 4
        else:
            self.udp_cksum_ok = _pcap.udp_checksum_ok(bytes(sip), bytes(dip), bytes(l4[:ulen]))


def is_rtcp(payload: bytes) -> bool:
    return len(payload) >= 2 and 192 <= payload[1] <= 223


def rtcp_report(p: bytes) -> Tuple[Optional[int], Dict[str, int]]:
    """-> (sender SSRC, {what mrelay keeps of it}) for a compound RTCP packet
    starting with an SR (the middle 32 bits of its NTP time, RFC 3550's
    LSR) or with an RR carrying report blocks (the first block's fraction
    lost, cumulative loss, jitter); (None, {}) for anything else."""
    if len(p) < 8:
        return None, {}
    ssrc = struct.unpack("!I", p[4:8])[0]
    if p[1] == 200 and len(p) >= 28:
        sec, frac = struct.unpack("!II", p[8:16])
        return ssrc, {"sr_lsr": ((sec & 0xFFFF) << 16) | (frac >> 16)}
    if p[1] == 201 and p[0] & 0x1F and len(p) >= 32:
        return ssrc, {"rr_fraction_lost": p[12],
                      "rr_cum_lost": int.from_bytes(p[13:16], "big", signed=True),
                      "rr_jitter": struct.unpack("!I", p[20:24])[0]}
    return ssrc, {}


def rtp_fields(p: bytes) -> Tuple[int, int, int]:
    """-> (seq, ts, ssrc) of an RTP header."""
    return struct.unpack("!HII", p[2:12])


def rtp_payload_id(p: bytes) -> Optional[Tuple[int, int, int]]:
    """Flow number, kind code and original seq from a pcapgen payload, or None."""
    if len(p) < 12:
        return None
    cc = p[0] & 15
    off = 12 + 4 * cc
    if p[0] & 0x10 and len(p) >= off + 4:
        off += 4 + 4 * struct.unpack("!H", p[off + 2:off + 4])[0]
    if p[off:off + 4] != b"MRPG" or len(p) < off + 8:
        return None
    num, kind, seq = struct.unpack("!BBH", p[off + 4:off + 8])
    return num, kind, seq


class SeqModel:
    """RFC 3550 A.1 sequence tracking with the mrelay extensions documented
    in lib/rtp/mr_rtp.h: duplicates detected over the last 64 numbers and
    not counted, late (reordered) packets counted in 'late'."""

    MAX_DROPOUT = 3000
    MAX_MISORDER = 100
    MIN_SEQUENTIAL = 2
    MOD = 1 << 16

    def __init__(self, seq: int) -> None:
        self._init_seq(seq)
        self.max_seq = (seq - 1) & 0xFFFF
        self.probation = self.MIN_SEQUENTIAL
        self.duplicates = self.late = self.restarts = 0

    def _init_seq(self, seq):
        self.base_seq = seq
        self.max_seq = seq
        self.bad_seq = self.MOD + 1
        self.cycles = 0
        self.received = 0
        self.window = 1

    def update(self, seq: int) -> str:
        udelta = (seq - self.max_seq) & 0xFFFF
        if self.probation:
            if seq == (self.max_seq + 1) & 0xFFFF:
                self.probation -= 1
                self.max_seq = seq
                if self.probation == 0:
                    self._init_seq(seq)
                    self.received += 1
                    return "valid"
            else:
                self.probation = self.MIN_SEQUENTIAL - 1
                self.max_seq = seq
            return "probation"
        if udelta == 0:
            self.duplicates += 1
            return "duplicate"
        if udelta < self.MAX_DROPOUT:
            if seq < self.max_seq:
                self.cycles += self.MOD
            self.max_seq = seq
            self.window = ((self.window << udelta) | 1) & ((1 << 64) - 1)
        elif udelta <= self.MOD - self.MAX_MISORDER:
            if seq == self.bad_seq:
                self._init_seq(seq)
                self.restarts += 1
            else:
                self.bad_seq = (seq + 1) & 0xFFFF
                return "bad"
        else:
            back = self.MOD - udelta
            if back < 64 and self.window >> back & 1:
                self.duplicates += 1
                return "duplicate"
            if back < 64:
                self.window |= 1 << back
            self.late += 1
            self.received += 1
            return "late"
        self.received += 1
        return "valid"

    def ext_max(self) -> int:
        return self.cycles + self.max_seq

    def lost(self) -> int:
        return self.ext_max() - self.base_seq + 1 - self.received
