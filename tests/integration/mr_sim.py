# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""A model of the relay in Python, for testing the checker without mrelay.

It reads an input pcap and a scenario's legs and writes what a correct
mrelay would: the output pcap and a --summary JSON. It works from the
packet bytes and the configuration only (never from the manifest), so the
checker, which works from the manifest, is checked against an independent
computation. selftest.py then damages its output to see the checker fail.
"""

import ipaddress
import json
import struct
from typing import Any, Dict, List, Optional

import mr_pcap
from mrelay.pcap import inet_checksum, udp_checksum, write_pcap  # path set by mr_pcap

SIM_MAC = "02:70:63:61:70:00"


def _ep(text: str) -> str:
    return mr_pcap.norm_ep(text)


def rtp_reason(p: bytes) -> Optional[str]:
    """The drop reason of a malformed RTP packet, None for a good one."""
    if len(p) < 12:
        return "rtp_truncated"
    if p[0] >> 6 != 2:
        return "rtp_version"
    cc = p[0] & 15
    off = 12 + 4 * cc
    if off > len(p):
        return "rtp_csrc"
    if p[0] & 0x10:
        if off + 4 > len(p):
            return "rtp_extension"
        off += 4 + 4 * struct.unpack("!H", p[off + 2:off + 4])[0]
        if off > len(p):
            return "rtp_extension"
    if p[0] & 0x20:
        pad = p[-1]
        if pad == 0 or pad > len(p) - off:
            return "rtp_padding"
    return None


def udp_frame(src_mac: str, dst_mac: str, vlan: int, src: str, dst: str,
              payload: bytes) -> bytes:
    """An Ethernet frame (802.1Q tagged when vlan) of one UDP datagram
    from endpoint src to dst, with correct checksums."""
    def split(ep: str) -> Any:
        if ep.startswith("["):
            a, _, p = ep[1:].partition("]:")
        else:
            a, _, p = ep.rpartition(":")
        return ipaddress.ip_address(a), int(p)
    (sip, sport), (dip, dport) = split(src), split(dst)
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    udp = udp[:6] + struct.pack("!H", udp_checksum(sip.packed, dip.packed, udp)) + udp[8:]
    if sip.version == 4:
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0,
                        sip.packed, dip.packed)
        h = h[:10] + struct.pack("!H", inet_checksum(h)) + h[12:]
        et = 0x0800
    else:
        h = struct.pack("!IHBB16s16s", 0x60000000, ulen, 17, 64, sip.packed, dip.packed)
        et = 0x86DD
    mac = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
    if vlan:
        mac += struct.pack("!HH", 0x8100, vlan)
    return mac + struct.pack("!H", et) + h + udp


def simulate(legs: Dict[str, Dict[str, Any]], port0: Dict[str, Any], in_pcap: str,
             out_pcap: str, summary_path: str, reasons: List[str]) -> Dict[str, Any]:
    """Relay in_pcap as mrelay would: write out_pcap and the summary."""
    frames = mr_pcap.read_pcap(in_pcap)
    by_local = {_ep(leg["local"]): name for name, leg in legs.items()}
    latched = {}
    streams = {}
    drops = {r: 0 for r in reasons}
    out = []
    rtp = rtcp = 0
    reports = {}
    for t, data in frames:
        fr = mr_pcap.Frame(data)
        if fr.error:
            drops[fr.reason] += 1
            continue
        if fr.ip_version == 4 and not fr.ip_cksum_ok:
            drops["ipv4_cksum"] += 1
            continue
        if not 30000 <= int(fr.dst.rpartition(":")[2]) <= 39999:
            drops["port_unused"] += 1  # mrelay's default rtp_port_min..max
            continue
        lname = by_local.get(fr.dst)
        if lname is None:
            drops["port_unused"] += 1
            continue
        leg = legs[lname]
        p = fr.payload
        is_rtcp = mr_pcap.is_rtcp(p)
        if not is_rtcp:
            r = rtp_reason(p)
            # a leg without keys or transcoder does not read past the header
            # (SRTP passing through has its padding count encrypted)
            if r and r != "rtp_padding":
                drops[r] += 1
                continue
        if leg["remote"] == "latch":
            want = latched.setdefault(lname, fr.src)
        else:
            want = _ep(leg["remote"])
        if fr.src != want:
            drops["source_mismatch"] += 1
            continue
        if is_rtcp:
            rtcp += 1
            ssrc, fields = mr_pcap.rtcp_report(p)
            reports.setdefault((lname, ssrc), {}).update(fields)
        else:
            rtp += 1
            seq, _ts, ssrc = mr_pcap.rtp_fields(p)
            key = (lname, ssrc)
            if key not in streams:
                streams[key] = mr_pcap.SeqModel(seq)
            streams[key].update(seq)
        for to in leg["forward"]:
            tl = legs[to]
            dst = latched.get(to) if tl["remote"] == "latch" else _ep(tl["remote"])
            if dst is None:
                drops["no_dest"] += 1
                continue
            q = p
            if not is_rtcp:
                seq, ts, ssrc = mr_pcap.rtp_fields(p)
                ssrc = tl.get("ssrc_out", ssrc)
                seq = (seq + tl.get("seq_offset", 0)) & 0xFFFF
                ts = (ts + tl.get("ts_offset", 0)) & 0xFFFFFFFF
                q = p[:2] + struct.pack("!HII", seq, ts, ssrc) + p[12:]
            out.append((t, udp_frame(SIM_MAC, port0["nexthop_mac"], port0["vlan"],
                                     _ep(tl["local"]), dst, q)))
    write_pcap(out_pcap, out)
    summary = {
        "version": "sim",
        "ports": [{"id": 0, "mac": SIM_MAC, "rx": len(frames), "tx": len(out), "rx_missed": 0}],
        "counters": {"rx_pkts": len(frames), "tx_pkts": len(out), "rtp_pkts": rtp,
                     "rtcp_pkts": rtcp, "fwd_clones": 0, "learn_reqs": len(streams)},
        "drops": drops,
        "streams": [{"leg": k[0], "ssrc": k[1], "ext_max": s.ext_max(), "received": s.received,
                     "lost": s.lost(), "duplicates": s.duplicates, "late": s.late,
                     "restarts": s.restarts, "jitter": 0, **reports.get(k, {})}
                    for k, s in streams.items()],
        "mempools": [{"name": "sim", "size": 1023, "in_use": 0}],
        "mbufs_in_use_at_exit": 0,
    }
    with open(summary_path, "w") as f:
        json.dump(summary, f, indent=1)
    return summary
