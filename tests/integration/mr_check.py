#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Check mrelay's output pcap and --summary JSON against a pcapgen manifest.

Every forwarded packet is checked byte by byte: Ethernet addresses, VLAN,
IP/UDP endpoints and checksums, the RTP header (SSRC/seq/ts, rewritten when
the output says so) and the payload. Nothing may be forwarded that the
manifest says must be dropped; the order of each input flow's packets on
each output is the order they were sent in. The summary's drop counters
must equal the injected drops, its streams[] the sequence statistics the
manifest implies (RFC 3550 A.1), and no mbuf may be left in use at exit.

Exit status: 0 all checks passed, 1 a check failed, 2 bad input files (or
no drop reasons from mrelay --drop-reasons).
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mr_pcap  # noqa: E402
from mrelay.log import log, set_tag  # noqa: E402  (path set by mr_pcap)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "python"))
from mrelay import drops as mr_drops  # noqa: E402

DEFAULT_MRELAY = os.path.join(HERE, "..", "..", "build", "app", "mrelay", "mrelay")
MAX_REPORT = 12  # errors of one kind printed before summarising


def drop_reasons(mrelay=DEFAULT_MRELAY):
    """Drop reason names as the relay publishes them (mrelay --drop-reasons)."""
    return mr_drops.names(mr_drops.from_mrelay(mrelay))


def rewrite(payload: bytes, out: Dict[str, Any]) -> bytes:
    """Apply an output's SSRC/seq/ts rewrite to an RTP packet."""
    seq, ts, ssrc = mr_pcap.rtp_fields(payload)
    if out.get("ssrc_out") is not None:
        ssrc = out["ssrc_out"]
    seq = (seq + out.get("seq_offset", 0)) & 0xFFFF
    ts = (ts + out.get("ts_offset", 0)) & 0xFFFFFFFF
    return payload[:2] + struct.pack("!HII", seq, ts, ssrc) + payload[12:]


def unwrap(seqs: List[int]) -> List[int]:
    """16-bit seqs -> extended, each taken nearest to the previous one."""
    out = []
    for s in seqs:
        if not out:
            out.append(s)
            continue
        prev = out[-1]
        d = (s - prev) & 0xFFFF
        out.append(prev + d if d < 0x8000 else prev + d - 0x10000)
    return out


def seq_shape(ext: List[int]) -> Tuple[int, int]:
    """Gaps (missing numbers between neighbours) and backward steps."""
    gaps = sum(b - a - 1 for a, b in zip(ext, ext[1:]) if b > a + 1)
    back = sum(1 for a, b in zip(ext, ext[1:]) if b < a)
    return gaps, back


Frames = List[Tuple[float, bytes]]


class Checker:
    """One run's output pcap and summary against the manifest; run()
    returns the errors, info the per-flow details."""

    def __init__(self, manifest: Dict[str, Any], summary: Optional[Dict[str, Any]],
                 out_frames: Frames, in_frames: Optional[int] = None,
                 reasons: Optional[List[str]] = None,
                 allow_drops: Optional[Dict[str, int]] = None) -> None:
        self.m = manifest
        self.summary = summary
        self.out = out_frames
        self.in_count = in_frames
        if reasons is None:
            raise ValueError("Checker needs the drop reason names: drop_reasons(mrelay)")
        self.reasons = reasons
        self.allow = allow_drops or {}
        self.errors = []
        self.info = []
        self.flows = {f["name"]: f for f in manifest["flows"]}
        self.by_num = {f["num"]: f for f in manifest["flows"]}

    def err(self, msg: str) -> None:
        self.errors.append(msg)

    def expected_outputs(self) -> Dict[Tuple[str, str], List[Dict[str, Any]]]:
        """(src, dst) -> list of expected items in send order."""
        exp = {}
        for p in self.m["packets"]:
            if p["fate"] != "forward":
                continue
            flow = self.flows[p["flow"]]
            raw = bytes.fromhex(p["payload"])
            for out in flow["outputs"]:
                key = (mr_pcap.norm_ep(out["src"]), mr_pcap.norm_ep(out["dst"]))
                want = rewrite(raw, out) if p["kind"] == "rtp" else raw
                exp.setdefault(key, []).append({"p": p, "out": out, "want": want,
                                                "matched": False})
        return exp

    def dropped_like(self, num: int, seq: int) -> List[str]:
        """Injected drops of a flow carrying this seq: what a stray copy is."""
        f = self.by_num.get(num)
        if f is None:
            return []
        return ["%s (#%d)" % (p["kind"], p["n"]) for p in self.m["packets"]
                if p["flow"] == f["name"] and p["fate"] != "forward" and p.get("seq") == seq]

    def check_frames(self) -> None:
        port_mac = None
        if self.summary and self.summary.get("ports"):
            port_mac = self.summary["ports"][0].get("mac", "").lower()
        exp = self.expected_outputs()
        got = {}
        bad = 0
        for i, (_t, data) in enumerate(self.out):
            fr = mr_pcap.Frame(data)
            where = "output frame %d" % (i + 1)
            if fr.error:
                self.err("%s: not a well-formed UDP frame: %s" % (where, fr.error))
                bad += 1
                continue
            if fr.ip_version == 4 and not fr.ip_cksum_ok:
                self.err("%s %s->%s: bad IPv4 header checksum" % (where, fr.src, fr.dst))
            if not fr.udp_cksum_ok:
                zero = " (zero on IPv6)" if fr.udp_cksum_zero else ""
                self.err("%s %s->%s: bad UDP checksum%s" % (where, fr.src, fr.dst, zero))
            if port_mac and fr.src_mac != port_mac:
                self.err("%s: src MAC %s, port 0 MAC is %s" % (where, fr.src_mac, port_mac))
            got.setdefault((fr.src, fr.dst), []).append((i + 1, fr))
        for key in sorted(set(got) - set(exp)):
            frames = got[key]
            ids = []
            for _n, fr in frames[:4]:
                pid = mr_pcap.rtp_payload_id(fr.payload)
                ids.append("flow#%d kind %d seq %d" % pid if pid else "?")
            self.err("unexpected output flow %s -> %s: %d packets (%s)" %
                     (key[0], key[1], len(frames), ", ".join(ids)))
        for key in sorted(exp):
            self.check_output_flow(key, exp[key], got.get(key, []))

    def check_output_flow(self, key: Tuple[str, str], items: List[Dict[str, Any]],
                          frames: List[Tuple[int, mr_pcap.Frame]]) -> None:
        name = "%s -> %s" % key
        out0 = items[0]["out"]
        n_err = 0
        order = []
        by_id = {}
        for idx, it in enumerate(items):
            p = it["p"]
            if p["kind"] == "rtp":
                k = (self.flows[p["flow"]]["num"], 0, p["seq"])
            else:
                k = ("rtcp", it["want"])
            by_id.setdefault(k, []).append(idx)
        for fnum, fr in frames:
            where = "output frame %d (%s)" % (fnum, name)
            pl = fr.payload
            if fr.dst_mac != out0.get("dst_mac", "").lower():
                self.err("%s: dst MAC %s, want %s" % (where, fr.dst_mac, out0.get("dst_mac")))
            if fr.vlan != out0.get("vlan", 0):
                self.err("%s: VLAN %d, want %d" % (where, fr.vlan, out0.get("vlan", 0)))
            if mr_pcap.is_rtcp(pl):
                k = ("rtcp", pl)
            else:
                pid = mr_pcap.rtp_payload_id(pl)
                if pid is None:
                    self.err("%s: RTP payload without the pcapgen pattern" % where)
                    continue
                if pid[1] != 0:
                    self.err("%s: forwarded an injected packet that must be dropped "
                             "(flow#%d kind code %d seq %d)" % ((where,) + pid))
                    continue
                k = pid
            cands = [i for i in by_id.get(k, []) if not items[i]["matched"]]
            if not cands:
                if k[0] == "rtcp":
                    self.err("%s: RTCP packet not expected here (or sent twice)" % where)
                else:
                    like = self.dropped_like(k[0], k[2])
                    self.err("%s: extra RTP packet flow#%d seq %d%s" %
                             (where, k[0], k[2], (", a copy of injected " + ", ".join(like))
                              if like else ""))
                continue
            it = items[cands[0]]
            it["matched"] = True
            order.append(cands[0])
            if pl != it["want"]:
                n_err += 1
                self.err("%s: %s" % (where, self.describe_diff(pl, it)))
        missing = [it for it in items if not it["matched"]]
        if missing:
            desc = ["#%d %s%s" % (it["p"]["n"], it["p"]["kind"],
                                  " seq %d" % it["p"]["seq"] if "seq" in it["p"] else "")
                    for it in missing[:MAX_REPORT]]
            self.err("%s: %d of %d expected packets missing: %s%s" %
                     (name, len(missing), len(items), ", ".join(desc),
                      " ..." if len(missing) > MAX_REPORT else ""))
        inversions = [(a, b) for a, b in zip(order, order[1:]) if b < a]
        if inversions:
            desc = ["#%d before #%d" % (items[a]["p"]["n"], items[b]["p"]["n"])
                    for a, b in inversions[:MAX_REPORT]]
            self.err("%s: %d packets out of the order they were sent in: %s" %
                     (name, len(inversions), ", ".join(desc)))
        self.check_seq_continuity(name, items, frames)

    def check_seq_continuity(self, name: str, items: List[Dict[str, Any]],
                             frames: List[Tuple[int, mr_pcap.Frame]]) -> None:
        """Per input flow on this output: the extended seq sequence of what
        came out has the gaps and the backward steps of what was sent."""
        flows = {}
        for it in items:
            if it["p"]["kind"] == "rtp":
                flows.setdefault(it["p"]["flow"], [[], None])[0].append(
                    mr_pcap.rtp_fields(it["want"])[0])
        for fl, (want, _) in flows.items():
            num = self.flows[fl]["num"]
            got = []
            for _n, fr in frames:
                if mr_pcap.is_rtcp(fr.payload):
                    continue
                pid = mr_pcap.rtp_payload_id(fr.payload)
                if pid and pid[0] == num and pid[1] == 0:
                    got.append(mr_pcap.rtp_fields(fr.payload)[0])
            we, ge = unwrap(want), unwrap(got)
            if not ge:
                continue
            wshape, gshape = seq_shape(we), seq_shape(ge)
            wraps = ge[-1] // 65536 - ge[0] // 65536 if ge[0] >= 0 else None
            self.info.append("%s flow %s: %d RTP, ext seq %d..%d, %d wrap(s), %d gap(s), "
                             "%d backward step(s)" % (name, fl, len(ge), ge[0], ge[-1], wraps,
                                                      gshape[0], gshape[1]))
            if [g - ge[0] for g in ge] != [w - we[0] for w in we]:
                self.err("%s flow %s: extended seq sequence differs from the one sent "
                         "(gaps/backward steps %s, want %s)" % (name, fl, gshape, wshape))

    @staticmethod
    def describe_diff(pl: bytes, it: Dict[str, Any]) -> str:
        want = it["want"]
        parts = []
        if len(pl) != len(want):
            parts.append("length %d, want %d" % (len(pl), len(want)))
        if it["p"]["kind"] == "rtp" and len(pl) >= 12:
            gs, gt, gss = mr_pcap.rtp_fields(pl)
            ws, wt, wss = mr_pcap.rtp_fields(want)
            if gss != wss:
                parts.append("SSRC %#x, want %#x" % (gss, wss))
            if gs != ws:
                parts.append("seq %d, want %d" % (gs, ws))
            if gt != wt:
                parts.append("ts %d, want %d" % (gt, wt))
            if pl[:2] != want[:2]:
                parts.append("first bytes %s, want %s" % (pl[:2].hex(), want[:2].hex()))
            start = 12
        else:
            start = 0
        diff = [i for i in range(start, min(len(pl), len(want))) if pl[i] != want[i]]
        if diff:
            parts.append("%d payload byte(s) differ, first at offset %d" % (len(diff), diff[0]))
        return "packet #%d (%s): %s" % (it["p"]["n"], it["p"]["kind"], "; ".join(parts) or "?")

    def check_summary(self) -> None:
        s = self.summary
        if s is None:
            self.err("no summary")
            return
        for k in ("version", "ports", "counters", "drops", "streams", "mempools",
                  "mbufs_in_use_at_exit"):
            if k not in s:
                self.err("summary: key %r missing" % k)
        if s.get("mbufs_in_use_at_exit") != 0:
            self.err("summary: mbufs_in_use_at_exit = %r, want 0" % s.get("mbufs_in_use_at_exit"))
        drops = s.get("drops", {})
        want = dict(self.m.get("expected_drops", {}))
        for r in self.reasons:
            if r not in drops:
                self.err("summary: drop reason %r missing from drops" % r)
                continue
            w = want.get(r, 0)
            lo, hi = w, w + self.allow.get(r, 0)
            if not lo <= drops[r] <= hi:
                self.err("summary: drops.%s = %d, injected %d%s" %
                         (r, drops[r], w, "" if hi == lo else " (+%d allowed)" % (hi - lo)))
        for r in set(want) - set(self.reasons):
            self.err("manifest expects drop reason %r that mrelay --drop-reasons does not list"
                     % r)
        ports = s.get("ports", [])
        if ports:
            p0 = ports[0]
            if self.in_count is not None and p0.get("rx") != self.in_count:
                self.err("summary: ports[0].rx = %r, input pcap has %d frames" %
                         (p0.get("rx"), self.in_count))
            if p0.get("tx") != len(self.out):
                self.err("summary: ports[0].tx = %r, output pcap has %d frames" %
                         (p0.get("tx"), len(self.out)))
            if p0.get("rx_missed", 0) != 0:
                self.err("summary: ports[0].rx_missed = %r" % p0.get("rx_missed"))
        else:
            self.err("summary: no ports")
        c = s.get("counters", {})
        if c.get("tx_pkts") != len(self.out):
            self.err("summary: counters.tx_pkts = %r, output pcap has %d frames" %
                     (c.get("tx_pkts"), len(self.out)))
        for mp in s.get("mempools", []):
            if mp.get("in_use", 0) != 0:
                self.err("summary: mempool %s has %r in use at exit" %
                         (mp.get("name"), mp.get("in_use")))

    def accepted(self, kind: str) -> Iterator[Tuple[Dict[str, Any], Dict[str, Any]]]:
        """(packet, flow) for each manifest packet of kind the relay accepts on a leg."""
        for p in self.m["packets"]:
            if p["fate"] != "forward" or p["kind"] != kind:
                continue
            f = self.flows[p["flow"]]
            if f.get("leg"):
                yield p, f

    def stream_truth(self) -> Dict[Tuple[str, int], mr_pcap.SeqModel]:
        """(leg, ssrc) -> SeqModel fed with what the leg accepted."""
        truth = {}
        for p, f in self.accepted("rtp"):
            key = (f["leg"], f["ssrc"])
            if key not in truth:
                truth[key] = mr_pcap.SeqModel(p["seq"])
            truth[key].update(p["seq"])
        return truth

    def rtcp_truth(self) -> Dict[Tuple[str, int], Dict[str, int]]:
        """(leg, ssrc) -> what the last accepted SR and RR of that SSRC carried."""
        truth = {}
        for p, f in self.accepted("rtcp"):
            ssrc, fields = mr_pcap.rtcp_report(bytes.fromhex(p["payload"]))
            if ssrc == f["ssrc"]:
                truth.setdefault((f["leg"], ssrc), {}).update(fields)
        return truth

    def check_streams(self) -> None:
        if self.summary is None:
            return
        got = {}
        for st in self.summary.get("streams", []):
            got[(st.get("leg"), st.get("ssrc"))] = st
        rtcp = self.rtcp_truth()
        for key, model in sorted(self.stream_truth().items()):
            st = got.pop(key, None)
            if st is None:
                self.err("summary: no stream for leg %s SSRC %#x" % key)
                continue
            want = {"ext_max": model.ext_max(), "received": model.received,
                    "lost": model.lost(), "late": model.late,
                    "duplicates": model.duplicates, "restarts": model.restarts}
            want.update(rtcp.get(key, {}))
            for k, v in want.items():
                if st.get(k) != v:
                    self.err("summary: stream leg %s SSRC %#x: %s = %r, want %d" %
                             (key[0], key[1], k, st.get(k), v))
        for key in got:
            self.err("summary: unexpected stream leg %s SSRC %r" % key)

    def run(self) -> List[str]:
        self.check_frames()
        self.check_summary()
        self.check_streams()
        return self.errors


def tshark_streams(pcap: str, port_lo: int, port_hi: int,
                   tshark: str = "tshark") -> List[Dict[str, Any]]:
    """Parse `tshark -z rtp,streams` -> list of dicts."""
    r = subprocess.run([tshark, "-r", pcap, "-d", "udp.port==%d-%d,rtp" % (port_lo, port_hi),
                        "-q", "-z", "rtp,streams"], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("tshark failed (%d): %s" % (r.returncode, r.stderr.strip()))
    rows = []
    for line in r.stdout.splitlines():
        tok = line.split()
        ssrc_i = next((i for i, t in enumerate(tok) if re.fullmatch(r"0x[0-9a-fA-F]{8}", t)), None)
        if ssrc_i is None or ssrc_i < 6:
            continue
        # ... src port dst port SSRC payload pkts lost (pct) ...
        rows.append({"src": mr_pcap.ep_str(tok[ssrc_i - 4], int(tok[ssrc_i - 3])),
                     "dst": mr_pcap.ep_str(tok[ssrc_i - 2], int(tok[ssrc_i - 1])),
                     "ssrc": int(tok[ssrc_i], 16),
                     "pkts": int(tok[ssrc_i + 2]), "lost": int(tok[ssrc_i + 3])})
    return rows


def tshark_expected(manifest: Dict[str, Any]) -> Dict[Tuple[str, str, int], Dict[str, int]]:
    """What tshark must report per output RTP stream: packets and
    lost = (highest - first extended seq + 1) - packets."""
    flows = {f["name"]: f for f in manifest["flows"]}
    seqs = {}
    for p in manifest["packets"]:
        if p["fate"] != "forward" or p["kind"] != "rtp":
            continue
        f = flows[p["flow"]]
        for out in f["outputs"]:
            ssrc = out["ssrc_out"] if out.get("ssrc_out") is not None else f["ssrc"]
            key = (mr_pcap.norm_ep(out["src"]), mr_pcap.norm_ep(out["dst"]), ssrc)
            seqs.setdefault(key, []).append((p["seq"] + out.get("seq_offset", 0)) & 0xFFFF)
    exp = {}
    for key, s in seqs.items():
        ext = unwrap(s)
        exp[key] = {"pkts": len(s), "lost": max(ext) - ext[0] + 1 - len(s)}
    return exp


def check_tshark(manifest: Dict[str, Any], pcap: str, port_lo: int, port_hi: int,
                 tshark: str = "tshark") -> Tuple[List[str], List[Dict[str, Any]]]:
    errors = []
    rows = tshark_streams(pcap, port_lo, port_hi, tshark)
    exp = tshark_expected(manifest)
    got = {}
    for r in rows:
        got[(r["src"], r["dst"], r["ssrc"])] = r
    if len(rows) != len(exp):
        errors.append("tshark: %d RTP streams, want %d" % (len(rows), len(exp)))
    for key, w in sorted(exp.items()):
        g = got.get(key)
        if g is None:
            errors.append("tshark: no stream %s -> %s SSRC %#x" % key)
            continue
        for k in ("pkts", "lost"):
            if g[k] != w[k]:
                errors.append("tshark: stream %s -> %s SSRC %#x: %s %d, want %d" %
                              (key + (k, g[k], w[k])))
    return errors, rows


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Exit status: 0 pass, 1 a check failed, "
                                        "2 unreadable input or no drop reasons.")
    ap.add_argument("--manifest", required=True, help="manifest JSON written by mrelay-pcapgen")
    ap.add_argument("--output", required=True, help="pcap mrelay wrote (net_pcap tx_pcap)")
    ap.add_argument("--summary", required=True, help="JSON mrelay wrote with --summary")
    ap.add_argument("--input", help="pcap given to mrelay, to check ports[0].rx (optional)")
    ap.add_argument("--tshark-ports", metavar="LO-HI",
                    help="also check tshark's RTP stream analysis, decoding this UDP port "
                         "range as RTP")
    ap.add_argument("--mrelay", default=DEFAULT_MRELAY,
                    help="mrelay binary whose --drop-reasons names the drops to check "
                         "(default: build/app/mrelay/mrelay)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print per-flow details")
    a = ap.parse_args(argv)
    set_tag("integ")
    try:
        reasons = drop_reasons(a.mrelay)
    except mr_drops.DropReasonsError as e:
        print("mr_check: %s" % e, file=sys.stderr)
        return 2
    try:
        with open(a.manifest) as f:
            manifest = json.load(f)
        with open(a.summary) as f:
            summary = json.load(f)
        out = mr_pcap.read_pcap(a.output)
        n_in = len(mr_pcap.read_pcap(a.input)) if a.input else None
    except (OSError, ValueError) as e:
        log("mr_check: %s" % e, file=sys.stderr)
        return 2
    c = Checker(manifest, summary, out, n_in, reasons)
    errors = c.run()
    if a.tshark_ports:
        lo, _, hi = a.tshark_ports.partition("-")
        errors += check_tshark(manifest, a.output, int(lo), int(hi or lo))[0]
    if a.verbose:
        for line in c.info:
            log(line)
    for e in errors:
        log("FAIL: " + e)
    log("mr_check: %d output frames, %d error(s)" % (len(out), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
