#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Test mrelay-pcapgen and the checker without running the relay (mrelay
only lists its drop reasons: --drop-reasons starts no EAL).

1. The generator's pcap is decoded by this side's independent parser and
   must hold what the manifest says (flows, seqs across the wrap, the
   impairments, each injected kind failing the way it should).
2. Every scenario is run through the Python relay model (mr_sim.py): the
   checker must pass it, and tshark (when present) must agree.
3. The model's output is then damaged one way at a time; the checker must
   fail each time, naming the fault.

Exit status: 0 pass, 1 fail.
"""

import argparse
import copy
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from typing import Any, Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
# Few filler frames: the model needs no time to learn a stream.
os.environ["MR_INTEG_WARMUP"] = "50"
import mr_check  # noqa: E402
import mr_pcap  # noqa: E402
import mr_sim  # noqa: E402
import scenarios  # noqa: E402
from mrelay.log import log, set_tag  # noqa: E402  (path set by mr_pcap)
from mrelay.pcap import inet_checksum, udp_checksum  # noqa: E402

failures = []
passes = 0

Frames = List[Tuple[float, bytes]]
Summary = Dict[str, Any]
Mutation = Callable[[Frames, Summary], Tuple[Frames, Summary]]


def expect(cond: bool, what: str) -> None:
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        log("FAIL: " + what)


def gen(pcapgen: str, workdir: str, name: str) -> Tuple[str, Dict[str, Any], Dict[str, Any],
                                                        Dict[str, Any]]:
    """The scenario's traffic from mrelay-pcapgen: (its folder, legs,
    manifest, port)."""
    ini, spec, legs, port = scenarios.build(name)
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "spec.json"), "w") as f:
        json.dump(spec, f)
    r = subprocess.run([sys.executable, pcapgen, "--spec", os.path.join(d, "spec.json"),
                        "-o", os.path.join(d, "in.pcap"), "-m", os.path.join(d, "manifest.json")],
                       capture_output=True, text=True)
    expect(r.returncode == 0, "%s: pcapgen exit %d: %s" % (name, r.returncode, r.stderr))
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    return d, legs, manifest, port


def check_generator(pcapgen: str, workdir: str) -> None:
    """Decode the malformed and wrap scenarios' pcaps independently."""
    d, _legs, m, _port = gen(pcapgen, workdir, "malformed")
    frames = mr_pcap.read_pcap(os.path.join(d, "in.pcap"))
    expect(len(frames) == len(m["packets"]) == m["frames"],
           "malformed: pcap has %d frames, manifest %d" % (len(frames), len(m["packets"])))
    times = [t for t, _ in frames]
    expect(times == sorted(times), "pcap timestamps not increasing")
    flows = {f["name"]: f for f in m["flows"]}
    kinds_seen = set()
    for (t, data), p in zip(frames, m["packets"]):
        fr = mr_pcap.Frame(data)
        kinds_seen.add(p["kind"])
        if p["fate"] == "forward":
            f = flows[p["flow"]]
            ok = (fr.error is None and fr.udp_cksum_ok and fr.ip_cksum_ok in (None, True)
                  and fr.src == mr_pcap.norm_ep(f["src"]) and fr.dst == mr_pcap.norm_ep(f["dst"])
                  and fr.payload.hex() == p["payload"] and abs(t - p["time"]) < 2e-6)
            expect(ok, "generated #%d (%s) does not decode as its manifest says"
                   % (p["n"], p["kind"]))
            if p["kind"] == "rtp":
                seq, _ts, ssrc = mr_pcap.rtp_fields(fr.payload)
                pid = mr_pcap.rtp_payload_id(fr.payload)
                expect(seq == p["seq"] and ssrc == f["ssrc"] and pid == (f["num"], 0, seq),
                       "generated #%d: RTP header/payload id wrong" % p["n"])
            else:
                expect(mr_pcap.is_rtcp(fr.payload), "generated #%d: not RTCP" % p["n"])
            continue
        reason = p["fate"][5:]
        if fr.error:
            got = fr.reason
        elif fr.ip_version == 4 and not fr.ip_cksum_ok:
            got = "ipv4_cksum"
        elif p["kind"] == "port_unused":
            got = "port_unused" if fr.dst.endswith(":9") and fr.payload == b"MRPGFILL" else None
        elif p["kind"] == "wrong_source":
            got = "source_mismatch" if fr.src != mr_pcap.norm_ep(flows[p["flow"]]["src"]) else None
        else:
            got = mr_sim.rtp_reason(fr.payload)
        expect(got == reason, "injected #%d %s decodes as %s, manifest says %s" %
               (p["n"], p["kind"], got, reason))
    expect(kinds_seen >= set(scenarios.V4_KINDS) | {"rtp", "rtcp"},
           "malformed: kinds missing: %s" % (set(scenarios.V4_KINDS) - kinds_seen))
    # Wrap: seqs of flow A in send order follow the spec's impairments.
    _d, _l, m, _port = gen(pcapgen, workdir, "wrap")
    seqs = [p["seq"] for p in m["packets"] if p["flow"] == "A" and p["kind"] == "rtp"]
    idx = [(s - 65440) & 0xFFFF for s in seqs]
    want = list(range(200))
    for a, b in ([90, 91], [95, 96], [150, 155]):
        want[a], want[b] = want[b], want[a]
    want = [i for i in want if i not in (50, 97, 98, 130)]
    for dup in (60, 100):
        want.insert(want.index(dup) + 1, dup)
    expect(idx == want, "wrap: flow A send order %s..., want %s..." % (idx[85:100], want[85:100]))


def mutations() -> List[Tuple[str, Mutation, str]]:
    """(name, function(frames, summary) -> (frames, summary), text the error must contain)."""
    def same_flow(fr):
        """Indexes of the IPv4 frames that share the first one's 5-tuple."""
        first = [d for _t, d in fr if d[12:14] == b"\x08\x00"][0]
        return [i for i, (_t, d) in enumerate(fr) if d[12:14] == b"\x08\x00" and
                d[26:38] == first[26:38] and not mr_pcap.is_rtcp(d[42:])]

    def payload_byte(fr, s):
        t, d = fr[5]
        return fr[:5] + [(t, d[:-3] + bytes([d[-3] ^ 0x55]) + d[-2:])] + fr[6:], s

    def drop_pkt(fr, s):
        return fr[:7] + fr[8:], s

    def swap(fr, s):
        fr = list(fr)
        i, j = same_flow(fr)[10], same_flow(fr)[12]
        fr[i], fr[j] = fr[j], fr[i]
        return fr, s

    def udp_cksum(fr, s):
        t, d = fr[3]
        return fr[:3] + [(t, d[:-1] + bytes([d[-1] ^ 1]))] + fr[4:], s

    def ip_cksum(fr, s):
        i = same_flow(fr)[3]
        t, d = fr[i]
        d = d[:24] + bytes([d[24] ^ 0x10]) + d[25:]
        return fr[:i] + [(t, d)] + fr[i + 1:], s

    def dst_mac(fr, s):
        t, d = fr[2]
        return fr[:2] + [(t, b"\x02\0\0\0\0\xfd" + d[6:])] + fr[3:], s

    def duplicate(fr, s):
        return fr[:9] + [fr[9]] + fr[9:], s

    def drop_count(fr, s):
        s["drops"]["rtp_csrc"] += 1
        return fr, s

    def missing_reason(fr, s):
        del s["drops"]["shutdown"]
        return fr, s

    def stream_lost(fr, s):
        s["streams"][0]["lost"] += 1
        return fr, s

    def mbufs(fr, s):
        s["mbufs_in_use_at_exit"] = 3
        return fr, s

    def seq_rewrite(fr, s):
        t, d = fr[4]
        off = 14 + 20 + 8 + 2
        seq = struct.unpack("!H", d[off:off + 2])[0]
        return fr[:4] + [(t, d[:off] + struct.pack("!H", seq ^ 1) + d[off + 2:])] + fr[5:], s

    return [("payload byte", payload_byte, "payload byte"),
            ("missing packet", drop_pkt, "missing"),
            ("reordered output", swap, "out of the order"),
            ("UDP checksum", udp_cksum, "UDP checksum"),
            ("IPv4 checksum", ip_cksum, "IPv4 header checksum"),
            ("dst MAC", dst_mac, "dst MAC"),
            ("extra copy", duplicate, "extra RTP packet"),
            ("drop counter", drop_count, "drops.rtp_csrc"),
            ("missing drop reason", missing_reason, "'shutdown' missing"),
            ("stream lost", stream_lost, "lost ="),
            ("mbufs at exit", mbufs, "mbufs_in_use_at_exit"),
            ("seq field", seq_rewrite, "seq ")]


def fix_udp(data: bytes) -> bytes:
    """Recompute IPv4/UDP checksums of a frame (so a mutation hits one thing)."""
    ihl = (data[14] & 15) * 4
    ip = bytearray(data[14:14 + ihl])
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", inet_checksum(bytes(ip)))
    l4 = bytearray(data[14 + ihl:])
    l4[6:8] = struct.pack("!H", udp_checksum(bytes(ip[12:16]), bytes(ip[16:20]), bytes(l4)))
    return data[:14] + bytes(ip) + bytes(l4)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pcapgen", default=os.path.join(HERE, "..", "..", "tools", "mrelay-pcapgen"),
                    help="tools/mrelay-pcapgen")
    ap.add_argument("--tshark", default="tshark", help="tshark binary (skipped if missing)")
    ap.add_argument("--mrelay", default=mr_check.DEFAULT_MRELAY,
                    help="mrelay binary, only for the drop reason names (--drop-reasons, "
                         "which starts no EAL)")
    a = ap.parse_args()
    set_tag("integ")
    workdir = tempfile.mkdtemp(prefix="mrinteg-selftest-")
    reasons = mr_check.drop_reasons(a.mrelay)
    expect(len(reasons) > 20 and "source_mismatch" in reasons, "drop reasons from mrelay")
    check_generator(a.pcapgen, workdir)
    sims = {}
    for name in sorted(scenarios.SCENARIOS):
        d, legs, m, port = gen(a.pcapgen, workdir, name)
        out = os.path.join(d, "out.pcap")
        summ = mr_sim.simulate(legs, port, os.path.join(d, "in.pcap"), out,
                               os.path.join(d, "summary.json"), reasons)
        frames = mr_pcap.read_pcap(out)
        errs = mr_check.Checker(m, summ, frames, m["frames"], reasons).run()
        expect(not errs, "%s: model output fails the checker: %s" % (name, errs[:5]))
        expect(sum(summ["drops"].values()) == sum(m["expected_drops"].values()),
               "%s: model drops %s, manifest %s" % (name, summ["drops"], m["expected_drops"]))
        sims[name] = (m, summ, frames, out)
    if shutil.which(a.tshark):
        for name in ("tshark", "rewrite", "plain_v6", "fanout"):
            m, _s, _f, out = sims[name]
            terr, _rows = mr_check.check_tshark(m, out, *scenarios.RTP_PORTS, tshark=a.tshark)
            expect(not terr, "%s: tshark disagrees: %s" % (name, terr))
    else:
        log("tshark not found: its agreement is not tested")
    # Damage the model's output of 'malformed' (it has drops of every kind).
    m, summ, frames, _out = sims["malformed"]
    for mname, fn, text in mutations():
        fr, s = fn(list(frames), copy.deepcopy(summ))
        if mname in ("payload byte", "seq field", "dst MAC"):
            fr = [(t, fix_udp(d)) if d[12:14] == b"\x08\x00" else (t, d) for t, d in fr]
        errs = mr_check.Checker(m, s, fr, m["frames"], reasons).run()
        expect(any(text in e for e in errs),
               "mutation '%s' not caught (want an error with %r): %s" % (mname, text, errs[:3]))
    # A forwarded copy of an injected packet must be named.
    bad = [p for p in m["packets"] if p["kind"] == "ipv4_cksum"][0]
    flow = [f for f in m["flows"] if f["name"] == bad["flow"]][0]
    good = [p for p in m["packets"] if p["flow"] == bad["flow"] and p.get("seq") == bad["seq"]
            and p["fate"] == "forward"][0]
    o = flow["outputs"][0]
    extra = mr_sim.udp_frame(mr_sim.SIM_MAC, o["dst_mac"], 0, mr_pcap.norm_ep(o["src"]),
                             mr_pcap.norm_ep(o["dst"]), bytes.fromhex(good["payload"]))
    errs = mr_check.Checker(m, summ, frames + [(0.0, extra)], m["frames"], reasons).run()
    expect(any("copy of injected ipv4_cksum" in e for e in errs),
           "forwarded ipv4_cksum copy not named: %s" % errs[:3])
    # The 802.1Q tag of the port must be on every output frame.
    m, summ, frames, _out = sims["vlan"]
    t, d = frames[0]
    expect(d[12:16] == b"\x81\x00\x00\x64", "vlan: model output not tagged 100")
    errs = mr_check.Checker(m, summ, [(t, d[:12] + d[16:])] + frames[1:], m["frames"],
                            reasons).run()
    expect(any("VLAN 0, want 100" in e for e in errs), "untagged frame not caught: %s" % errs[:3])
    shutil.rmtree(workdir, ignore_errors=True)
    log("selftest: %d passed, %d failed" % (passes, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
