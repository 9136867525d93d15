# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Integration scenarios: one relay configuration and one traffic spec each.

A scenario names legs (as in [leg.NAME] of lib/conf/mr_conf.h) and flows
(as in mrelay-pcapgen's spec, with "leg" naming the leg they arrive at).
From that, build() derives the INI file, the pcapgen spec and, for each
flow, the outputs the checker expects: one per leg in the receiving leg's
forward list, sent from that leg's local endpoint to its remote (or the
address it latched to), with that leg's egress rewrite (ssrc_out,
seq_offset, ts_offset apply to RTP sent OUT of the leg that has them).
"""

import copy
import os
import sys
from typing import Any, Dict, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                '..', '..', 'tools', 'python'))
from mrelay.ini import ini_text  # noqa: E402

Scenario = Dict[str, Any]   # legs, flows and the rest as build() reads them

PORT0 = {"ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "nexthop_mac": "02:00:00:00:00:fe",
         "vlan": 0}
PEER_MAC = "02:00:00:00:01:01"
PORT0_MAC_IN = "02:00:00:00:00:01"  # dst MAC of input frames (pcap PMD is promiscuous)
RTP_PORTS = (30000, 30099)          # locals of every scenario, for tshark's -d
# filler frames after each flow's first packet
WARMUP = int(os.environ.get("MR_INTEG_WARMUP", "30000"))


def _v4(a: int, b: str) -> Dict[str, str]:
    return {"session": "s4", "local": "192.0.2.1:%d" % a, "remote": b}


def _v6(a: int, b: str) -> Dict[str, str]:
    return {"session": "s6", "local": "[2001:db8::1]:%d" % a, "remote": b}


def plain_v4() -> Scenario:
    return {
        "legs": {
            "a1": dict(_v4(30000, "192.0.2.10:40000"), forward=["b1"]),
            "b1": dict(_v4(30002, "198.51.100.20:50000"), forward=["a1"]),
        },
        "flows": [
            {"name": "A", "leg": "a1", "ssrc": 0x1111AAAA, "seq": 65500, "count": 100,
             "rtcp_every": 10, "rtcp": "sr"},
            {"name": "B", "leg": "b1", "ssrc": 0x2222BBBB, "seq": 1000, "count": 100,
             "rtcp_every": 10, "rtcp": "rr", "start": 0.005, "payload_size": 160},
        ],
    }


def plain_v6() -> Scenario:
    return {
        "legs": {
            "a6": dict(_v6(30010, "[2001:db8::10]:40010"), forward=["b6"]),
            "b6": dict(_v6(30012, "[2001:db8:1::20]:50010"), forward=["a6"]),
        },
        "flows": [
            {"name": "A6", "leg": "a6", "ssrc": 0x6666AAAA, "seq": 65520, "count": 100,
             "rtcp_every": 10, "rtcp": "sr"},
            {"name": "B6", "leg": "b6", "ssrc": 0x6666BBBB, "seq": 7, "count": 100,
             "rtcp_every": 10, "rtcp": "rr", "start": 0.005},
        ],
    }


def fanout() -> Scenario:
    return {
        "warmup": WARMUP,
        "legs": {
            "a1": dict(_v4(30000, "192.0.2.10:40000"), forward=["b1", "c1", "d1"]),
            "b1": dict(_v4(30002, "198.51.100.20:50000"), forward=["a1"]),
            "c1": dict(_v4(30004, "198.51.100.21:50002"), forward=["a1"]),
            "d1": dict(_v4(30006, "198.51.100.22:50004"), forward=["a1"]),
        },
        "flows": [
            {"name": "A", "leg": "a1", "ssrc": 0x0A0A0A0A, "seq": 65530, "count": 120,
             "rtcp_every": 20},
            {"name": "B", "leg": "b1", "ssrc": 0x0B0B0B0B, "seq": 300, "count": 40,
             "start": 0.003},
            {"name": "C", "leg": "c1", "ssrc": 0x0C0C0C0C, "seq": 400, "count": 40,
             "start": 0.006},
        ],
    }


def source() -> Scenario:
    # b1 latches to B's source; A starts later so b1 has latched before
    # anything must be sent to it. The main lcore latches: the filler
    # after B's first packet (4 x WARMUP, about 12 ms of reading) gives it
    # time even on a loaded machine, where 3 ms was not always enough.
    return {
        "warmup": WARMUP * 4,
        "legs": {
            "a1": dict(_v4(30000, "192.0.2.10:40000"), forward=["b1"]),
            "b1": dict(_v4(30002, "latch"), forward=["a1"]),
        },
        "flows": [
            {"name": "B", "leg": "b1", "src": "198.51.100.30:50000", "ssrc": 0x0B0B0001,
             "seq": 65000, "count": 100},
            {"name": "A", "leg": "a1", "ssrc": 0x0A0A0001, "seq": 10, "count": 80,
             "start": 0.5},
        ],
        "extra": [
            {"kind": "wrong_source", "flow": "A", "at": 10, "count": 3, "src": "192.0.2.11:40000"},
            {"kind": "wrong_source", "flow": "A", "at": 20, "src": "192.0.2.10:40001"},
            {"kind": "wrong_source", "flow": "B", "at": 15, "count": 4,
             "src": "198.51.100.31:50000"},
            {"kind": "wrong_source", "flow": "B", "at": 40, "src": "198.51.100.30:50001"},
        ],
    }


V4_KINDS = ["rtp_version", "rtp_csrc", "rtp_extension", "rtp_truncated",
            "udp_truncated", "ipv4_cksum", "ip_fragment", "not_udp", "arp"]
V6_KINDS = ["rtp_version", "rtp_csrc", "rtp_extension", "rtp_truncated",
            "udp_truncated"]


def malformed() -> Scenario:
    s = plain_v4()
    s["warmup"] = WARMUP
    v6 = plain_v6()
    s["legs"].update(v6["legs"])
    s["flows"] += v6["flows"]
    s["extra"] = []
    for i, k in enumerate(V4_KINDS):
        s["extra"].append({"kind": k, "flow": "A", "at": 5 + 7 * i, "count": 1 + i % 2})
    for i, k in enumerate(V6_KINDS):
        s["extra"].append({"kind": k, "flow": "A6", "at": 6 + 9 * i, "count": 2 - i % 2})
    return s


def wrap() -> Scenario:
    return {
        "warmup": WARMUP,
        "legs": {
            "a1": dict(_v4(30000, "192.0.2.10:40000"), forward=["b1"]),
            "b1": dict(_v4(30002, "198.51.100.20:50000"), forward=["a1"]),
        },
        "flows": [
            # index 96 is seq 0: 95/96 swap puts 0 before 65535.
            {"name": "A", "leg": "a1", "ssrc": 0x1111AAAA, "seq": 65440, "count": 200,
             "loss": [50, 97, 98, 130], "reorder": [[90, 91], [95, 96], [150, 155]],
             "duplicate": [60, 100], "rtcp_every": 25},
            # starts on 65535: probation ends on seq 0.
            {"name": "B", "leg": "b1", "ssrc": 0x2222BBBB, "seq": 65535, "count": 150,
             "loss": [3, 40, 41, 42], "reorder": [[70, 72]], "duplicate": [10],
             "start": 0.005},
        ],
    }


def tshark() -> Scenario:
    s = fanout()
    s["flows"][0]["loss"] = [7, 33, 34, 90]
    s["flows"][1]["loss"] = [5]
    for f in s["flows"]:
        f["rtcp_every"] = 0
    return s


def rewrite() -> Scenario:
    return {
        "warmup": WARMUP,
        "legs": {
            "a1": dict(_v4(30000, "192.0.2.10:40000"), forward=["b1", "c1"]),
            "b1": dict(_v4(30002, "198.51.100.20:50000"), forward=["a1"],
                       ssrc_out=0xCAFEBABE, seq_offset=40000, ts_offset=4294967000),
            "c1": dict(_v4(30004, "198.51.100.21:50002"), forward=["a1"],
                       ssrc_out=0x01020304),
        },
        "flows": [
            {"name": "A", "leg": "a1", "ssrc": 0x1111AAAA, "seq": 20000, "count": 120,
             "loss": [30], "rtcp_every": 10},
            {"name": "B", "leg": "b1", "ssrc": 0x2222BBBB, "seq": 65500, "count": 60,
             "start": 0.005, "rtcp_every": 10},
        ],
    }


def learn_order() -> Scenario:
    # No filler: the whole file at memory speed, every stream's packets
    # right behind its first one; the worker learns each stream in the
    # burst its first packet arrives in, and nothing may be lost or
    # reordered (the issue that removed the main lcore's learning saw
    # learn_ring_full drops here in 4 runs of 15).
    s = plain_v4()
    v6 = plain_v6()
    s["legs"].update(v6["legs"])
    s["flows"] += v6["flows"]
    for f in s["flows"]:
        f["count"] = 1500
        f["rtcp_every"] = 50
    return s


def vlan() -> Scenario:
    s = plain_v4()
    s["port"] = dict(PORT0, vlan=100)
    s["warmup"] = WARMUP
    for f in s["flows"]:
        f["vlan"] = 100
    return s


SCENARIOS = {
    "plain_v4": plain_v4, "plain_v6": plain_v6, "fanout": fanout, "source": source,
    "malformed": malformed, "wrap": wrap, "tshark": tshark, "rewrite": rewrite,
    "shutdown_sigterm": plain_v4, "shutdown_sigint": plain_v6, "vlan": vlan,
    "learn_order": learn_order,
}


def _addr(ep: str) -> str:
    return ep[1:].partition("]")[0] if ep.startswith("[") else ep.rpartition(":")[0]


def build(name: str) -> Tuple[str, Dict[str, Any], Dict[str, Dict[str, Any]], Dict[str, Any]]:
    """-> (ini text, pcapgen spec, legs with latch resolved)."""
    sc = copy.deepcopy(SCENARIOS[name]())
    legs = sc["legs"]
    flows = sc["flows"]
    port = sc.get("port", PORT0)
    # A latch leg sends to the source of the first flow that reaches it.
    for lname, leg in legs.items():
        if leg["remote"] == "latch":
            first = min((f for f in flows if f["leg"] == lname),
                        key=lambda f: f.get("start", 0.0))
            leg["latched"] = first["src"]
    for f in flows:
        leg = legs[f["leg"]]
        f["dst"] = leg["local"]
        f.setdefault("src", leg.get("latched") or leg["remote"])
        f.setdefault("src_mac", PEER_MAC)
        f.setdefault("dst_mac", PORT0_MAC_IN)
        f["outputs"] = []
        for to in leg["forward"]:
            tl = legs[to]
            out = {"leg": to, "src": tl["local"],
                   "dst": tl.get("latched") or tl["remote"],
                   "dst_mac": port["nexthop_mac"], "vlan": port["vlan"]}
            if "ssrc_out" in tl:
                out["ssrc_out"] = tl["ssrc_out"]
            for k in ("seq_offset", "ts_offset"):
                if k in tl:
                    out[k] = tl[k]
            f["outputs"].append(out)
    relay = {"stats_interval_ms": 0}
    relay.update(sorted(sc.get("relay", {}).items()))
    sections = [("relay", relay),
                ("port.0", {"ipv4": port["ipv4"], "ipv6": port["ipv6"],
                            "nexthop_mac": port["nexthop_mac"],
                            "vlan": port["vlan"] or None})]
    for lname, leg in legs.items():
        keys = {"session": leg["session"], "port": 0, "local": leg["local"],
                "remote": leg["remote"], "forward": ",".join(leg["forward"])}
        keys.update((k, leg[k]) for k in ("ssrc_out", "seq_offset", "ts_offset") if k in leg)
        sections.append(("leg." + lname, keys))
    ini = ini_text(sections, "generated by tests/integration/scenarios.py: %s" % name)
    extra = sc.get("extra", [])
    # Filler frames (dropped as port_unused) after each flow's first packet:
    # the rest of the flow then arrives once its stream exists, as in a
    # call, rather than right behind its first packet.
    for f in flows if sc.get("warmup") else []:
        extra.append({"kind": "port_unused", "flow": f["name"], "at": 0,
                      "count": sc["warmup"]})
    spec = {"start_time": 1767225600.0, "flows": flows, "extra": extra}
    return ini, spec, legs, port
