#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Write the fuzzers' seed corpus (python standard library only).

corpus/pkt/: inputs for fuzz_pkt: one flag byte (bits 0-1 the RX IP
checksum state, bits 2-3 the L4 state, as fuzz_pkt.c decodes it) followed
by an Ethernet frame: IPv4, IPv6, 802.1Q/802.1ad, IPv4 options, IPv6
extension headers, all carrying RTP or RTCP, plus a few frames the parser
must refuse (fragments, ARP) so the fuzzer starts next to those branches.

corpus/rtp/: raw RTP and RTCP packets for fuzz_rtp: RTP with CSRCs, a
header extension and padding; compound RTCP SR+SDES, RR, RR+SDES+BYE.

corpus/neigh/: inputs for fuzz_neigh: one config byte (bits 0-1 which of
the harness's four ports, bits 2-7 spare room after the frame) followed by
an Ethernet frame: ARP request, reply and gratuitous ARP, tagged ARP, ICMP
echo, neighbour solicitation and advertisement, ICMPv6 echo.

The output is deterministic: rerunning rewrites identical files.
"""

import argparse
import os
import struct
import sys

MAC_DST = bytes.fromhex("020000000002")
MAC_SRC = bytes.fromhex("020000000001")
V4_SRC = bytes([192, 0, 2, 1])
V4_DST = bytes([198, 51, 100, 7])
V6_SRC = bytes.fromhex("20010db8000000000000000000000001")
V6_DST = bytes.fromhex("20010db800000002000000000000abcd")
SPORT = 40000
DPORT = 20000


def csum(data):
    """Internet checksum (RFC 1071), complemented."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# ---- RTP / RTCP ----

def rtp(seq=1000, ts=160000, ssrc=0x11223344, pt=111, marker=0,
        csrcs=(), ext=None, pad=0, payload=None):
    """An RTP packet; ext is (profile, bytes) with len(bytes) % 4 == 0."""
    if payload is None:
        payload = bytes((i * 7 + 3) & 0xFF for i in range(20))
    b0 = 0x80 | (0x20 if pad else 0) | (0x10 if ext else 0) | len(csrcs)
    b1 = (marker << 7) | pt
    p = struct.pack("!BBHII", b0, b1, seq, ts, ssrc)
    p += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext:
        prof, data = ext
        p += struct.pack("!HH", prof, len(data) // 4) + data
    p += payload
    if pad:
        p += bytes(pad - 1) + bytes([pad])
    return p


def rtcp_hdr(pt, count, body):
    assert len(body) % 4 == 0
    return struct.pack("!BBH", 0x80 | count, pt, (len(body) + 4) // 4 - 1) + body


def report_block(ssrc=0x11223344, frac=12, lost=3, ext_seq=0x0001F000,
                 jitter=42, lsr=0x12345678, dlsr=0x00010000):
    return struct.pack("!IB3sIIII", ssrc, frac, (lost & 0xFFFFFF).to_bytes(3, "big"),
                       ext_seq, jitter, lsr, dlsr)


def rtcp_sr(ssrc=0x55667788, blocks=1):
    body = struct.pack("!IIIIII", ssrc, 0xE8A1B2C3, 0x40000000, 160000, 50, 8000)
    body += b"".join(report_block(0x11223344 + i) for i in range(blocks))
    return rtcp_hdr(200, blocks, body)


def rtcp_rr(ssrc=0x55667788, blocks=1):
    body = struct.pack("!I", ssrc)
    body += b"".join(report_block(0x11223344 + i) for i in range(blocks))
    return rtcp_hdr(201, blocks, body)


def rtcp_sdes(ssrc=0x55667788, cname=b"relay@example.net"):
    item = struct.pack("!I", ssrc) + bytes([1, len(cname)]) + cname + b"\0"
    item += bytes(-len(item) % 4)
    return rtcp_hdr(202, 1, item)


def rtcp_bye(ssrc=0x55667788):
    return rtcp_hdr(203, 1, struct.pack("!I", ssrc))


# ---- Ethernet / IP / UDP ----

def eth(etype, tags=()):
    h = MAC_DST + MAC_SRC
    for tpid, tci in tags:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", etype)


def udp(payload, pseudo):
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", SPORT, DPORT, length, 0)
    c = csum(pseudo(length) + hdr + payload)
    return struct.pack("!HHHH", SPORT, DPORT, length, c or 0xFFFF) + payload


def ipv4(payload, options=b"", frag=0x4000, proto=17):
    assert len(options) % 4 == 0 and len(options) <= 40
    ihl = 5 + len(options) // 4
    if proto == 17:
        payload = udp(payload, lambda n: V4_SRC + V4_DST + struct.pack("!BBH", 0, 17, n))
    tot = ihl * 4 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 0, frag, 64, proto, 0,
                      V4_SRC, V4_DST) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(payload, ext=b"", first_nh=17):
    payload = udp(payload, lambda n: V6_SRC + V6_DST + struct.pack("!IxxxB", n, 17))
    body = ext + payload
    return struct.pack("!IHBB", 0x60000000, len(body), first_nh, 64) + V6_SRC + V6_DST + body


def ext_hdr(nh, data):
    """An IPv6 option-style extension header; data pads it to 8n bytes."""
    data = bytes([nh, 0]) + data
    data += bytes(-len(data) % 8)
    data = bytes([nh, len(data) // 8 - 1]) + data[2:]
    return data


def pkt_seeds():
    r = rtp()
    s = {}
    s["v4_rtp"] = (0, eth(0x0800) + ipv4(r))
    s["v4_rtp_cksum_good"] = (0x2 | 0x8, eth(0x0800) + ipv4(r))
    s["v6_rtp"] = (0, eth(0x86DD) + ipv6(r))
    s["vlan_v4_rtp"] = (0, eth(0x0800, [(0x8100, 0x2064)]) + ipv4(r))
    s["vlan_v6_rtp"] = (0, eth(0x86DD, [(0x8100, 0x0005)]) + ipv6(r))
    s["qinq_outer_v4_rtp"] = (0, eth(0x0800, [(0x88A8, 0x0100)]) + ipv4(r))
    # router alert (RFC 2113), NOPs, end of options list
    opts = bytes([0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00])
    s["v4_options_rtp"] = (0, eth(0x0800) + ipv4(r, opts))
    s["v4_options_max_rtp"] = (0, eth(0x0800) + ipv4(r, bytes([1] * 39 + [0])))
    chain = (ext_hdr(43, bytes([1, 4, 0, 0, 0, 0]))          # HBH, PadN
             + ext_hdr(60, bytes([0, 0]) + bytes(4) + bytes(16))  # routing type 0
             + ext_hdr(17, bytes([1, 12]) + bytes(12)))       # dest opts
    s["v6_ext_rtp"] = (0, eth(0x86DD) + ipv6(r, chain, first_nh=0))
    s["v4_rtcp_sr_sdes"] = (0, eth(0x0800) + ipv4(rtcp_sr() + rtcp_sdes()))
    s["v6_rtp_full"] = (0, eth(0x86DD) + ipv6(rtp(csrcs=(1, 2),
                                                  ext=(0xBEDE, bytes([0x10, 0xAB, 0, 0])),
                                                  pad=4)))
    small = eth(0x0800) + ipv4(b"\x80\x00")
    s["v4_padded_min"] = (0, small + bytes(max(0, 60 - len(small))))
    s["v4_fragment"] = (0, eth(0x0800) + ipv4(r, frag=0x2000))
    s["v6_fragment"] = (0, eth(0x86DD) + ipv6(r, bytes([17, 0, 0, 1, 0, 0, 0, 7]), first_nh=44))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_SRC, V4_SRC, bytes(6), V4_DST)
    s["arp"] = (0, eth(0x0806) + arp)
    return {k: bytes([f]) + frame for k, (f, frame) in s.items()}


# ---- neighbour protocols (fuzz_neigh.c's port: these addresses) ----

NG_MAC = bytes.fromhex("02000000aa01")
NG_PEER_MAC = bytes.fromhex("02000000bb02")
NG_V4 = bytes([10, 99, 0, 1])
NG_PEER_V4 = bytes([10, 99, 0, 2])
NG_V6 = bytes.fromhex("fd000099000000000000000000000001")
NG_PEER_V6 = bytes.fromhex("fd000099000000000000000000123402")


def ng_eth(dst, etype, vlan=0):
    h = dst + NG_PEER_MAC
    if vlan:
        h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", etype)


def ng_arp(op, spa, tpa, vlan=0):
    return ng_eth(b"\xff" * 6, 0x0806, vlan) + struct.pack(
        "!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, NG_PEER_MAC, spa, bytes(6), tpa)


def ng_icmp6(dst_ip, body, hops=255, dst_mac=None):
    pseudo = NG_PEER_V6 + dst_ip + struct.pack("!IxxxB", len(body), 58)
    c = csum(pseudo + body)
    body = body[:2] + struct.pack("!H", c) + body[4:]
    ip = struct.pack("!IHBB", 0x60000000, len(body), 58, hops) + NG_PEER_V6 + dst_ip
    return ng_eth(dst_mac or NG_MAC, 0x86DD) + ip + body


def neigh_seeds():
    """Config byte (fuzz_neigh.c: bits 0-1 the port, 2-7 spare room), then a frame."""
    ping = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + bytes(range(32))
    ping = ping[:2] + struct.pack("!H", csum(ping)) + ping[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(ping), 0, 0x4000, 64, 1, 0,
                     NG_PEER_V4, NG_V4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    snm = bytes.fromhex("ff0200000000000000000001ff") + NG_V6[13:]
    ns = struct.pack("!BBHI", 135, 0, 0, 0) + NG_V6 + bytes([1, 1]) + NG_PEER_MAC
    na = struct.pack("!BBHI", 136, 0, 0, 0x60000000) + NG_PEER_V6 + bytes([2, 1]) + NG_PEER_MAC
    echo6 = struct.pack("!BBHHH", 128, 0, 0, 0x4242, 1) + bytes(range(24))
    s = {
        "arp_request": (0, ng_arp(1, NG_PEER_V4, NG_V4)),
        "arp_reply_nexthop": (0, ng_arp(2, NG_PEER_V4, NG_V4)),
        "arp_gratuitous": (0, ng_arp(1, NG_PEER_V4, NG_PEER_V4)),
        "arp_vlan": (2, ng_arp(1, NG_PEER_V4, NG_V4, vlan=100)),
        "ping4": (0, ng_eth(NG_MAC, 0x0800) + ip + ping),
        "ns_snm": (1 | 8 << 2, ng_icmp6(snm, ns, dst_mac=bytes.fromhex("3333ff") + NG_V6[13:])),
        "na_nexthop": (1, ng_icmp6(NG_V6, na)),
        "ping6": (3, ng_icmp6(NG_V6, echo6, hops=64)),
    }
    return {k: bytes([f]) + frame for k, (f, frame) in s.items()}


def rtp_seeds():
    ext = (0xBEDE, bytes([0x10, 0xAB, 0x21, 0xCD, 0xEF, 0, 0, 0]))
    return {
        "rtp_basic": rtp(payload=bytes(range(160))),
        "rtp_csrc": rtp(csrcs=(0xAAAA0001, 0xAAAA0002, 0xAAAA0003)),
        "rtp_ext": rtp(ext=ext),
        "rtp_padding": rtp(pad=4),
        "rtp_all": rtp(marker=1, csrcs=(0xAAAA0001,), ext=ext, pad=3,
                       seq=65535, ts=0xFFFFFF00),
        "rtcp_sr_sdes": rtcp_sr(blocks=1) + rtcp_sdes(),
        "rtcp_sr_2rb_sdes_bye": rtcp_sr(blocks=2) + rtcp_sdes() + rtcp_bye(),
        "rtcp_rr": rtcp_rr(blocks=1),
        "rtcp_rr_empty_sdes": rtcp_rr(blocks=0) + rtcp_sdes(),
    }


def write(dirname, seeds, verbose):
    os.makedirs(dirname, exist_ok=True)
    for name, data in sorted(seeds.items()):
        path = os.path.join(dirname, name)
        with open(path, "wb") as f:
            f.write(data)
        if verbose:
            print("%s (%d bytes)" % (path, len(data)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description="Write the seed corpus of the fuzz_pkt, fuzz_rtp and fuzz_neigh "
                    "harnesses (pkt/, rtp/ and neigh/ below the output directory).")
    ap.add_argument("-o", "--out", default=os.path.join(here, "corpus"),
                    help="corpus directory to write into; pkt/, rtp/ and neigh/ are "
                         "created there (default: %(default)s)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print each file written with its size")
    args = ap.parse_args()
    write(os.path.join(args.out, "pkt"), pkt_seeds(), args.verbose)
    write(os.path.join(args.out, "rtp"), rtp_seeds(), args.verbose)
    write(os.path.join(args.out, "neigh"), neigh_seeds(), args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
