#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Write the fuzzers' seed corpus (standard library only, but for srtp/).

corpus/pkt/: inputs for fuzz_pkt: one flag byte (bits 0-1 the RX IP
checksum state, bits 2-3 the L4 state, as fuzz_pkt.c decodes it) followed
by an Ethernet frame: IPv4, IPv6, 802.1Q/802.1ad, IPv4 options, IPv6
extension headers, all carrying RTP or RTCP, plus a few frames the parser
must refuse (fragments, ARP) so the fuzzer starts next to those branches.

corpus/rtp/: raw RTP and RTCP packets for fuzz_rtp: RTP with CSRCs, a
header extension and padding; compound RTCP SR+SDES, RR, RR+SDES+BYE.

corpus/quic/: inputs for fuzz_quic: one byte choosing the CID format (as
fuzz_quic.c decodes it: 0x00 is one owner, a 1-octet server id 5a and a
4-octet nonce) followed by a UDP payload: v1 Initial, Handshake and 0-RTT
long headers, a short header to one of our CIDs, Version Negotiation, an
unknown version, and RoQ datagrams (flow identifier + RTP or RTCP).

corpus/neigh/: inputs for fuzz_neigh: one config byte (bits 0-1 which of
the harness's four ports, bits 2-7 spare room after the frame) followed by
an Ethernet frame: ARP request, reply and gratuitous ARP, tagged ARP, ICMP
echo, neighbour solicitation and advertisement, ICMPv6 echo.

corpus/bencode/: ng datagram payloads for fuzz_bencode: the requests
Kamailio's rtpengine module sends (ping, offer, answer, delete), query,
list, a codec dictionary, and a few malformed ones.

corpus/sdp/: SDP bodies for fuzz_sdp: a SIPp-style offer, a WebRTC offer
with ICE, SRTP and rtcp-mux, a T.38 image section, bare LF line ends.

corpus/ngcall/: inputs for fuzz_ngcall: ng request dictionaries (no
cookie) separated by NUL bytes: offer/answer/query/delete of a plain call,
SDES-SRTP calls (both sides, terminated, originated), a re-offer from the
callee with a second media section and one turned off, codec filters,
codec-mask + codec-transcode with an answer that takes the added codec,
delete-delay, two calls and a list, refused requests.

corpus/srtp/: inputs for fuzz_srtp: one mode byte (bits 0-1 the suite,
bit 2 RTCP, bit 3 round trip, as fuzz_srtp.c decodes it), then an SRTP or
SRTCP packet protected with the harness's fixed key of that suite by
tools/python/mrelay/srtp.py (which needs python3-cryptography: this part
only), or two bytes of a bit position and a plaintext RTP/RTCP packet.

The output is deterministic: rerunning rewrites identical files.
"""

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', '..', 'tools',
                                'python'))
from mrelay.bencode import encode  # noqa: E402

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


SDP_OFFER = ("v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\n"
             "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 8 101\r\n"
             "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
             "a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n")
SDP_WEBRTC = ("v=0\r\no=- 4611731400430051336 2 IN IP6 2001:db8::1\r\ns=-\r\nt=0 0\r\n"
              "a=ice-options:trickle\r\na=group:BUNDLE 0\r\n"
              "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP6 2001:db8::1\r\n"
              "a=rtcp:9 IN IP6 2001:db8::1\r\na=ice-ufrag:abcd\r\n"
              "a=ice-pwd:0123456789abcdef012345\r\n"
              "a=candidate:1 1 udp 2122260223 2001:db8::1 50000 typ host\r\n"
              "a=end-of-candidates\r\n"
              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9\r\n"
              "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"
              "a=rtcp-fb:111 transport-cc\r\na=rtcp-fb:* nack\r\na=recvonly\r\n"
              "m=video 9 RTP/SAVPF 96\r\ni=camera\r\nc=IN IP6 2001:db8::1\r\n"
              "a=rtpmap:96 VP8/90000\r\n")
SDP_T38 = ("v=0\no=- 1 1 IN IP4 host.example\ns=fax\nc=IN IP4 192.0.2.1/127\nt=0 0\n"
           "m=image 4000 udptl t38\na=T38FaxVersion:0\na=fmtp:t38 x")


def bencode_seeds():
    call = {"call-id": "1-4711@127.0.0.1", "from-tag": "4711SIPpTag001"}
    offer = {"sdp": SDP_OFFER, **call, "via-branch": "z9hG4bK-4711-1-0",
             "received-from": ["IP4", "127.0.0.1"], "flags": ["trust-address"],
             "replace": ["origin", "session-connection"], "ICE": "remove",
             "command": "offer"}
    answer = dict(offer, **{"to-tag": "4711SIPpTag012", "command": "answer"})
    return dict([
        ("ping", encode({"command": "ping"})),
        ("offer", encode(offer)),
        ("answer", encode(answer)),
        ("delete", encode({**call, "to-tag": "4711SIPpTag012", "command": "delete"})),
        ("query", encode({"call-id": "1-4711@127.0.0.1", "command": "query"})),
        ("list", encode({"command": "list", "limit": 32})),
        ("codec", encode({"command": "offer", **call, "sdp": SDP_WEBRTC,
                          "transport-protocol": "RTP/AVP", "rtcp-mux": ["offer"],
                          "codec": {"strip": ["all"], "except": ["PCMU", "opus/48000/2"]},
                          "flags": ["codec-strip-PCMA", "SIP-source-address"]})),
        ("unknown_command", encode({"command": "start recording", "call-id": "x"})),
        ("bad_int", b"d7:command4:ping5:limiti03ee"),
        ("dup_key", b"d7:command4:ping7:command4:pinge"),
        ("deep", b"l" * 20 + b"e" * 20),
    ])


def sdp_seeds():
    return dict([
        ("offer", SDP_OFFER.encode()),
        ("webrtc", SDP_WEBRTC.encode()),
        ("t38", SDP_T38.encode()),
        ("lf_only", SDP_OFFER.replace("\r\n", "\n").encode()),
    ])


SDES_KEY = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
SDP_B = ("v=0\r\no=bob 9 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
         "t=0 0\r\nm=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def savp(sdp, tag=1):
    return sdp.replace("RTP/AVP", "RTP/SAVP") + \
        "a=crypto:%d AES_CM_128_HMAC_SHA1_80 %s\r\n" % (tag, SDES_KEY)


def ngcall_seeds():
    call = {"call-id": "c1", "from-tag": "tA"}
    offer = dict(call, command="offer", sdp=SDP_OFFER, flags=["trust-address"],
                 replace=["origin"])
    answer = dict(call, command="answer", sdp=SDP_B, **{"to-tag": "tB"})
    query = dict(call, command="query")
    delete = dict(call, command="delete")
    two_media = SDP_B + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
    reoffer = {"command": "offer", "call-id": "c1", "from-tag": "tB", "to-tag": "tA",
               "sdp": SDP_B.replace("7000", "7002") + "m=video 7004 RTP/AVP 96\r\n"}

    def seq(*reqs):
        return b"\0".join(encode(r) for r in reqs)
    return dict([
        ("plain", seq(offer, offer, answer, query, delete, delete)),
        ("sdes", seq(dict(offer, sdp=savp(SDP_OFFER)), dict(answer, sdp=savp(SDP_B)), query)),
        ("terminate", seq(dict(offer, sdp=savp(SDP_OFFER), **{"transport-protocol": "RTP/AVP"}),
                          answer)),
        ("originate", seq(dict(offer, **{"transport-protocol": "RTP/SAVP"}),
                          dict(answer, sdp=savp(SDP_B)))),
        ("reoffer", seq(offer, answer, reoffer, dict(answer, sdp=two_media), query)),
        ("codec", seq(dict(offer, flags=["codec-strip-PCMA", "codec-except-PCMU"],
                           codec={"strip": ["all"], "except": ["telephone-event"]}))),
        ("transcode", seq(dict(offer, flags=["codec-mask-PCMU", "codec-transcode-opus"],
                               direction=["internal", "external"]),
                          dict(answer, sdp=SDP_B.replace("RTP/AVP 0", "RTP/AVP 96").replace(
                              "0 PCMU/8000", "96 opus/48000/2")), query)),
        ("delay", seq(offer, dict(delete, **{"delete-delay": 1}), query, offer)),
        ("two_calls", seq(offer, dict(offer, **{"call-id": "c2"}), {"command": "list"},
                          {"command": "statistics"})),
        ("refused", seq(dict(offer, sdp=savp(SDP_OFFER).replace(SDES_KEY, SDES_KEY + "|2^20")),
                        dict(answer, **{"call-id": "nobody"}),
                        dict(offer, sdp=SDP_WEBRTC))),
    ])


def quic_varint(v):
    """QUIC variable-length integer (RFC 9000 section 16), shortest form."""
    if v < 1 << 6:
        return struct.pack("!B", v)
    if v < 1 << 14:
        return struct.pack("!H", 0x4000 | v)
    if v < 1 << 30:
        return struct.pack("!I", 0x80000000 | v)
    return struct.pack("!Q", 0xC000000000000000 | v)


def quic_long(first, version, dcid, scid, size=0):
    """A long header padded with zeros to size bytes."""
    h = struct.pack("!BIB", first, version, len(dcid)) + dcid
    h += bytes([len(scid)]) + scid
    return h + bytes(max(0, size - len(h)))


def quic_seeds():
    # fuzz_quic's format for config byte 0: first octet (config 1, 6
    # octets follow), server id 5a, owner 0, nonce
    ours = bytes([1 << 5 | 6, 0x5A, 0x00]) + bytes.fromhex("01020304")
    client = bytes(range(0x40, 0x48))
    seeds = {
        "initial": quic_long(0xC3, 1, client, bytes([9, 9, 9, 9]), 1200),
        "initial_to_ours": quic_long(0xC0, 1, ours, client, 1200),
        "handshake": quic_long(0xE0, 1, ours, client, 60),
        "zero_rtt": quic_long(0xD0, 1, client, client, 80),
        "short": bytes([0x41]) + ours + bytes(range(30)),
        "vn": quic_long(0x80, 0, client, ours) + struct.pack("!II", 1, 0x6B3343CF),
        "unknown_version": quic_long(0xC0, 0x1A2A3A4A, client * 3, client, 1200),
        "roq_rtp": quic_varint(5) + rtp(payload=bytes(range(160))),
        "roq_rtcp": quic_varint(300) + rtcp_rr(blocks=1),
        "roq_big_flow": quic_varint(1 << 40) + rtp(),
    }
    return {k: b"\0" + v for k, v in seeds.items()}


# ---- SRTP (fuzz_srtp.c's fixed keys; needs python3-cryptography) ----

SRTP_SUITES = ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
               "AEAD_AES_128_GCM", "AEAD_AES_256_GCM")


def srtp_seeds():
    """Mode byte (fuzz_srtp.c) then: SRTP/SRTCP protected with the suite's
    fixed key (raw), or two bytes of a bit position and a plaintext packet
    (round trip). None when mrelay.srtp cannot be imported."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "tools", "python"))
    try:
        from mrelay import srtp
    except ImportError:
        return None
    ext = (0xBEDE, bytes([0x10, 0xAB, 0, 0]))
    rtps = {"basic": rtp(), "csrc_ext_pad": rtp(csrcs=(1, 2), ext=ext, pad=4),
            "wrap": rtp(seq=65535)}
    rtcps = {"sr_sdes": rtcp_sr() + rtcp_sdes(), "rr": rtcp_rr(blocks=0)}
    seeds = {}
    for n, name in enumerate(SRTP_SUITES):
        suite = srtp.SUITES[name]
        material = bytes((0x40 + 16 * (n + 1) + j) & 0xFF for j in range(suite.material_len))
        tag = name.lower()
        for kind, p in rtps.items():
            seeds["%s_rtp_%s" % (tag, kind)] = bytes([n]) + \
                srtp.Session(name, material).protect_rtp(p)
            seeds["%s_rt_rtp_%s" % (tag, kind)] = bytes([n | 8, 0, 77]) + p
        for kind, p in rtcps.items():
            seeds["%s_rtcp_%s" % (tag, kind)] = bytes([n | 4]) + \
                srtp.Session(name, material).protect_rtcp(p, index=1)
            seeds["%s_rt_rtcp_%s" % (tag, kind)] = bytes([n | 12, 1, 3]) + p
        # a bare header, shorter than the tag: libsrtp's GCM path called it a
        # cipher failure until lib/srtp checked header + tag first
        seeds["%s_rtp_header_only" % tag] = bytes([n]) + rtp(payload=b"")
    return seeds


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
        description="Write the seed corpus of the fuzz harnesses (pkt/, rtp/, neigh/, "
                    "bencode/, sdp/, ngcall/, quic/ and srtp/ below the output directory; srtp/ "
                    "needs python3-cryptography).")
    ap.add_argument("-o", "--out", default=os.path.join(here, "corpus"),
                    help="corpus directory to write into; pkt/, rtp/, neigh/, bencode/, sdp/, "
                         "ngcall/, quic/ and srtp/ are created there (default: %(default)s)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print each file written with its size")
    args = ap.parse_args()
    write(os.path.join(args.out, "pkt"), pkt_seeds(), args.verbose)
    write(os.path.join(args.out, "rtp"), rtp_seeds(), args.verbose)
    write(os.path.join(args.out, "neigh"), neigh_seeds(), args.verbose)
    write(os.path.join(args.out, "bencode"), bencode_seeds(), args.verbose)
    write(os.path.join(args.out, "sdp"), sdp_seeds(), args.verbose)
    write(os.path.join(args.out, "ngcall"), ngcall_seeds(), args.verbose)
    write(os.path.join(args.out, "quic"), quic_seeds(), args.verbose)
    seeds = srtp_seeds()
    if seeds is None:
        print("srtp/ not written: mrelay.srtp needs python3-cryptography "
              "(run with /usr/bin/python3)", file=sys.stderr)
        return 1
    write(os.path.join(args.out, "srtp"), seeds, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
