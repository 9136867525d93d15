#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Telemetry read and control commands, end to end, on net_rtpgen traffic.

Usage: test_telemetry.py {read,errors,traffic,delete} --mrelay PATH --ctl PATH
Each case starts its own mrelay (own --file-prefix) and stops only that pid.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from typing import Any, Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

TELEMETRY = "/usr/bin/dpdk-telemetry.py"
FAILS = []


def check(cond: bool, what: str) -> None:
    dc.log(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


class Relay:
    """mrelay on net_rtpgen traffic for `duration` seconds at most, its
    output in the work directory; stopped by its pid only."""

    def __init__(self, a: argparse.Namespace, name: str, duration: int,
                 vdev: str = "net_rtpgen0,streams=50,rate=5000") -> None:
        self.ctl_path = a.ctl
        self.prefix = "mr_dts_%s_%d" % (name, os.getpid())
        cmd = [a.mrelay] + dc.eal_mem() + ["--no-pci", "--file-prefix", self.prefix, "-l", "0-1",
                                           "--log-level", "mrelay.*:info", "--vdev", vdev,
                                           "--", "-q", "-d", str(duration)]
        self.proc = dc.Proc("mrelay", cmd, a.work.file(name + ".log"))
        deadline = time.time() + 20
        while time.time() < deadline:
            rc, out = self.ctl("--json", "info")
            if rc == 0 and json.loads(out).get("streams", 0) > 0:
                return
            if not self.proc.alive():
                break
            time.sleep(0.3)
        self.stop()
        raise dc.TestFailed("mrelay did not come up")

    @property
    def output(self) -> str:
        return self.proc.output()

    def ctl(self, *args: str) -> Tuple[int, str]:
        p = subprocess.run([sys.executable, self.ctl_path, "-f", self.prefix] + list(args),
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout + p.stderr

    def ctlj(self, *args: str) -> Tuple[int, Any]:
        rc, out = self.ctl("--json", *args)
        return rc, json.loads(out) if out.strip().startswith(("{", "[", "null")) else out

    def raw(self, cmd: str) -> Tuple[int, Any]:
        return self.ctlj("raw", cmd)

    def telemetry(self, cmd: str) -> Any:
        """The same command through plain dpdk-telemetry.py (it exits 0 even on failure)."""
        p = subprocess.run(["/usr/bin/python3", TELEMETRY, "-f", self.prefix], input=cmd + "\n",
                           capture_output=True, text=True, timeout=30)
        for line in p.stdout.splitlines():
            line = line.strip()
            if line.startswith("{") and not line.startswith('{"version"'):
                return json.loads(line)[cmd.split(",", 1)[0]]
        raise AssertionError("dpdk-telemetry.py gave no reply to %s: %r %r"
                             % (cmd, p.stdout, p.stderr))

    def all_pages(self, what: str, count: int) -> Tuple[List[Dict[str, Any]], int]:
        rows, start, pages = [], 0, 0
        while start >= 0:
            rc, d = self.raw("/mrelay/%s,start=%d,count=%d" % (what, start, count))
            assert rc == 0, d
            cols = [k for k, v in d.items() if isinstance(v, list)]
            rows += [dict(zip(cols, r)) for r in zip(*[d[c] for c in cols])]
            assert d["count"] <= count
            start = d["next"]
            pages += 1
        return rows, pages

    def stop(self) -> int:
        """SIGTERM, SIGKILL after 30 s; the exit status."""
        return self.proc.stop(30, signal.SIGTERM)

    def validator(self) -> Dict[str, Any]:
        """net_rtpgen's close summary (after stop())."""
        v = dc.rtpgen_summary(self.output)
        if v is None:
            raise dc.TestFailed("no rtpgen summary in mrelay's output")
        return v


def case_read(a: argparse.Namespace) -> None:
    r = Relay(a, "read", 30)
    try:
        for cmd in ("/mrelay/info", "/mrelay/lcores", "/mrelay/ports", "/mrelay/drops",
                    "/mrelay/mempools", "/mrelay/legs", "/mrelay/streams", "/mrelay/leg,default_a3",
                    "/mrelay/stream,10.0.0.1:30003,268435459"):
            t = r.telemetry(cmd)
            rc, c = r.raw(cmd)
            check(rc == 0 and isinstance(t, dict) and "error" not in t and set(t) == set(c),
                  "%s: dpdk-telemetry.py and mrelay-ctl give the same keys" % cmd)
            check(all(re.fullmatch(r"[A-Za-z0-9_]+", k) for k in t), "%s: keys [A-Za-z0-9_]" % cmd)
        info = r.telemetry("/mrelay/info")
        check(info["legs"] == 400 and info["streams"] == 50 and info["workers"] == 1 and
              info["worker_lcores"] == [1] and info["main_lcore"] == 0 and
              info["rtp_port_min"] == 30000 and info["rtp_port_max"] == 39999 and
              re.fullmatch(r"\d+\.\d+\.\d+", info["version"]) and info["build_id"] != "",
              "info: legs 400, streams 50, 1 worker on lcore 1, port range, version")
        check(info["streams_max"] == 65536 and info["stream_table_buckets"] == 37450 and
              info["stream_table_moves"] == 0 and info["stream_table_full"] == 0,
              "info: stream table of 65536 * 4/7 buckets, nothing moved or refused")
        lc = r.telemetry("/mrelay/lcores")
        check(lc["lcore"] == [0, 1] and lc["role"] == ["main", "worker"] and lc["rx_pkts"][1] > 0
              and 0 <= lc["busy_pct"][1] <= 100 and lc["drops"] == [0, 0],
              "lcores: main 0, worker 1 receiving, busy %% in range, no drops")
        ports = r.telemetry("/mrelay/ports")
        check(ports["port"] == [0] and ports["driver"] == ["net_rtpgen"] and
              ports["ipackets"][0] > 0 and ports["link_up"] == [1],
              "ports: rtpgen port 0 up, receiving")
        dr = r.telemetry("/mrelay/drops")
        check(dr["total"] == 0 and "no_leg" in dr["reasons"]
              and len(dr["lcore_1"]) == len(dr["reasons"]),
              "drops: total 0, per-lcore arrays follow reasons")
        mp = r.telemetry("/mrelay/mempools")
        check(mp["name"][:2] == ["mr_pkt", "mr_hdr"] and mp["size"][0] == 16383 and
              mp["in_use"][2] == 50, "mempools: mr_pkt/mr_hdr sizes, 50 streams in use")
        legs, pages = r.all_pages("legs", 37)
        names = [x["name"] for x in legs]
        check(len(names) == 400 and len(set(names)) == 400 and pages == 11,
              "legs paged by 37: 400 distinct legs in 11 pages")
        a7 = [x for x in legs if x["name"] == "default_a7"][0]
        check(a7 == {"name": "default_a7", "session": "default_7", "local": "10.0.0.1:30007",
                     "remote": "10.1.0.1:20007", "port": 0, "forward": "default_b7", "dests": 1,
                     "idx": 14, "streams": 1, "streams_max": 8, "lcore": 1, "source_mismatch": 0,
                     "leg_stream_limit": 0, "leg_new_stream_rate": 0,
                     "crypto_in": "none", "crypto_out": "none", "srtp_auth": 0,
                     "srtp_replay": 0, "srtp_malformed": 0, "srtp_no_room": 0,
                     "srtp_error": 0},
              "legs: default_a7 as configured, its stream owned by worker lcore 1")
        streams, pages = r.all_pages("streams", 7)
        keys = {(s["local"], s["ssrc"]) for s in streams}
        check(len(streams) == 50 and len(keys) == 50 and pages == 8,
              "streams paged by 7: 50 in 8 pages")
        check(all(s["leg"] == "default_a%d" % (s["ssrc"] - 0x10000000) and
                  s["local"] == "10.0.0.1:%d" % (30000 + s["ssrc"] - 0x10000000) for s in streams),
              "streams: flow i on leg default_a<i>, local port 30000+i")
        st = r.telemetry("/mrelay/stream,10.0.0.1:30003,268435459")
        check(st["leg"] == "default_a3" and st["source"] == "10.1.0.1:20003" and
              st["destinations"] == ["default_b3 10.2.0.1:20003"] and st["received"] > 0 and
              st["lost"] == 0 and st["duplicates"] == 0 and st["started"] == 1,
              "stream: leg, source, destinations, counters")
        lg = r.telemetry("/mrelay/leg,default_b9")
        check(lg["local"] == "10.0.0.1:32009" and lg["forward"] == ["default_a9"] and
              lg["remote"] == "10.2.0.1:20009" and lg["origin"] == "config", "leg: default_b9")
        # human output and exit codes
        rc, out = r.ctl("info")
        check(rc == 0 and "build_id:" in out, "mrelay-ctl info: human output")
        rc, out = r.ctl("streams", "--all", "--count", "9")
        check(rc == 0 and out.count("default_a") == 50, "mrelay-ctl streams --all follows next")
        rc, _ = r.ctl("leg", "nosuch")
        check(rc == 1, "mrelay-ctl: relay error -> exit 1")
        rc, _ = r.ctl("bogus")
        check(rc == 2, "mrelay-ctl: usage -> exit 2")
        p = subprocess.run([sys.executable, a.ctl, "-f", "mr_dts_nobody_%d" % os.getpid(), "info"],
                           capture_output=True, text=True)
        check(p.returncode == 3, "mrelay-ctl: no relay -> exit 3")
        before = r.telemetry("/mrelay/lcores")["rx_pkts"][1]
        rc, d = r.ctlj("counters-reset")
        after = r.telemetry("/mrelay/lcores")["rx_pkts"][1]
        check(rc == 0 and d["result"] == "reset" and after < before,
              "counters_reset: worker rx_pkts restarts (%d -> %d)" % (before, after))
        before = r.telemetry("/ethdev/xstats,0")["generated"]
        rc, d = r.ctlj("port-stats-reset")
        after = r.telemetry("/ethdev/xstats,0")["generated"]
        check(rc == 0 and d["result"] == "reset" and d["ports"] == 1 and after < before,
              "port_stats_reset: net_rtpgen's xstats restart (generated %d -> %d)"
              % (before, after))
    finally:
        check(r.stop() == 0, "mrelay exits 0")


BAD = [
    ("/mrelay/leg_add", "name: missing"),
    ("/mrelay/leg_add,name=bad!name,session=s,local=auto,remote=latch", "name: invalid"),
    ("/mrelay/leg_add,name=n1,local=auto,remote=latch", "session: missing"),
    ("/mrelay/leg_add,name=n1,session=s,remote=latch", "local: missing"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto", "remote: missing"),
    ("/mrelay/leg_add,name=n1,session=s,local=10.0.0.9:30500,remote=latch",
     "local: 10.0.0.9:30500: the address"),
    ("/mrelay/leg_add,name=n1,session=s,local=10.0.0.1:100,remote=latch", "outside rtp_port_min"),
    ("/mrelay/leg_add,name=n1,session=s,local=10.0.0.1:30000,remote=latch",
     "already leg default_a0"),
    ("/mrelay/leg_add,name=n1,session=s,local=10.0.0.1:x,remote=latch", "local: '10.0.0.1:x'"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=300.1.1.1:5", "remote: '300.1.1.1:5'"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=224.0.0.1:5", "remote: '224.0.0.1:5'"),
    ("/mrelay/leg_add,name=n1,session=s,local=10.0.0.1:30500,remote=[fd00::9]:5000", "family"),
    ("/mrelay/leg_add,name=n1,session=s,port=7,local=auto,remote=latch", "port: 7 is not"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,forward=nosuch",
     "forward: no leg named nosuch"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,forward=default_a0+default_a0",
     "listed twice"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,forward=n1", "itself"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,ssrc_out=-1", "ssrc_out"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,seq_offset=70000", "seq_offset"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,ts_offset=abc", "ts_offset"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,clock_rate=100", "clock_rate"),
    ("/mrelay/leg_add,name=n1,session=s,local=auto,remote=latch,foo=1", "foo: unknown key"),
    ("/mrelay/leg_add,name=n1,name=n2,session=s,local=auto,remote=latch", "name: given twice"),
    ("/mrelay/leg_add,name=n1,,session=s", "empty parameter"),
    ("/mrelay/leg_add,name=default_a0,session=s,local=auto,remote=latch",
     "exists with another session"),
    ("/mrelay/leg_update,name=nosuch,remote=latch", "no leg named nosuch"),
    ("/mrelay/leg_update,name=default_a0,local=10.0.0.1:32000", "already leg default_b0"),
    ("/mrelay/leg_update,remote=latch", "name: missing"),
    ("/mrelay/leg_delete,name=nosuch", "no leg named nosuch"),
    ("/mrelay/leg_delete,x=1", "x: unknown key"),
    ("/mrelay/session_delete,session=nosuch", "no leg in session nosuch"),
    ("/mrelay/dest_add,leg=default_a0,dest=nosuch", "dest: no leg named nosuch"),
    ("/mrelay/dest_add,leg=default_a0,dest=default_a0", "itself"),
    ("/mrelay/dest_add,leg=default_a0", "dest: missing"),
    ("/mrelay/dest_delete,leg=default_a0,dest=default_a1", "not a destination"),
    ("/mrelay/counters_reset,now=1", "no parameters"),
    ("/mrelay/port_stats_reset,0", "no parameters"),
    ("/mrelay/streams,count=0", "count: '0'"),
    ("/mrelay/streams,start=abc", "start: 'abc'"),
    ("/mrelay/legs,count=501", "count: '501'"),
    ("/mrelay/legs,page=1", "page: unknown key"),
    ("/mrelay/stream,10.0.0.1:30000", "both needed"),
    ("/mrelay/stream,bad,1", "local: 'bad'"),
    ("/mrelay/stream,10.0.0.1:30000,99999999999", "ssrc"),
    ("/mrelay/stream,10.0.0.1:30000,1", "no stream"),
    ("/mrelay/leg,nosuch", "no leg named nosuch"),
    ("/mrelay/info,x=1", "no parameters"),
]


def case_errors(a: argparse.Namespace) -> None:
    r = Relay(a, "errors", 60)
    try:
        legs_before, _ = r.all_pages("legs", 100)
        for cmd, want in BAD:
            rc, d = r.raw(cmd)
            ok = (rc == 1 and isinstance(d, dict) and d.get("status") == "error"
                  and want in d.get("error", ""))
            got = d.get("error") if isinstance(d, dict) else d
            check(ok, "%s -> error containing %r (got %s)" % (cmd, want, got))
        for cmd, want in BAD[:6] + BAD[-6:]:
            t = r.telemetry(cmd)
            check(t.get("status") == "error" and want in t["error"],
                  "dpdk-telemetry.py %s -> error %r" % (cmd, want))
        legs_after, _ = r.all_pages("legs", 100)
        check(legs_before == legs_after, "nothing changed after %d bad commands" % len(BAD))
        # idempotent adds
        add = ("/mrelay/leg_add,name=idem,session=si,port=0,local=10.0.0.1:30010,"
               "remote=10.9.0.1:4000,forward=default_b10")
        rc1, d1 = r.raw(add.replace("30010", "30300"))
        rc2, d2 = r.raw(add.replace("30010", "30300"))
        check(rc1 == 0 and d1["result"] == "added" and rc2 == 0 and d2["result"] == "unchanged" and
              d1["local"] == d2["local"] == "10.0.0.1:30300",
              "leg_add twice: added, then unchanged")
        rc, d = r.raw("/mrelay/leg_add,name=idem,session=si,port=0,local=10.0.0.1:30300,"
                      "remote=10.9.0.1:4001")
        check(rc == 1 and "exists with another remote" in d["error"],
              "same name, other definition: error")
        rc1, d1 = r.raw("/mrelay/leg_add,name=auto1,session=si,local=auto,remote=latch")
        rc2, d2 = r.raw("/mrelay/leg_add,name=auto1,session=si,local=auto,remote=latch")
        check(rc1 == 0 and rc2 == 0 and d2["result"] == "unchanged" and d1["local"] == d2["local"]
              and int(d1["local"].split(":")[1]) >= 30000,
              "local=auto: allocated once, same on repeat")
        rc1, d1 = r.raw("/mrelay/dest_add,leg=auto1,dest=idem")
        rc2, d2 = r.raw("/mrelay/dest_add,leg=auto1,dest=idem")
        check(d1.get("result") == "added" and d2.get("result") == "unchanged",
              "dest_add twice: added, unchanged")
        rc, lg = r.raw("/mrelay/leg,idem")
        check(lg["forward"] == ["default_b10"] and lg["remote"] == "10.9.0.1:4000"
              and lg["origin"] == "control", "leg idem as added")
        rc, d = r.raw("/mrelay/leg_update,name=idem,ssrc_out=1234,seq_offset=5")
        rc2, lg = r.raw("/mrelay/leg,idem")
        check(rc == 0 and d["result"] == "updated" and lg["ssrc_out"] == 1234
              and lg["seq_offset"] == 5 and lg["remote"] == "10.9.0.1:4000",
              "leg_update changes only the given fields")
        rc, d = r.raw("/mrelay/session_delete,session=si")
        check(rc == 0 and d["legs_deleted"] == 2, "session_delete removes both legs")
        legs_end, _ = r.all_pages("legs", 100)
        check(legs_end == legs_before, "legs back to the configured 400")
        rc, lg = r.raw("/mrelay/leg,default_b10")
        check(rc == 0 and lg["forward"] == ["default_a10"], "other legs untouched")
    finally:
        check(r.stop() == 0, "mrelay exits 0")


def case_traffic(a: argparse.Namespace) -> None:
    # Rounds are counted, not timed: each runs several mrelay-ctl processes,
    # which a busy machine slows down. At least 8 s and 6 rounds, at most 40 s.
    r = Relay(a, "traffic", 60)
    t0 = time.time()
    n = 0
    while (time.time() - t0 < 8 or n < 6) and time.time() - t0 < 40:
        s = "s%d" % n
        r.raw("/mrelay/leg_add,name=%s_a,session=%s,local=auto,remote=10.9.0.1:%d"
              % (s, s, 4000 + n))
        r.raw("/mrelay/leg_add,name=%s_b,session=%s,local=auto,remote=10.9.1.1:%d,forward=%s_a"
              % (s, s, 4000 + n, s))
        r.raw("/mrelay/dest_add,leg=%s_a,dest=%s_b" % (s, s))
        r.raw("/mrelay/leg_update,name=%s_a,ssrc_out=%d" % (s, 1000 + n))
        r.raw("/mrelay/dest_delete,leg=%s_b,dest=%s_a" % (s, s))
        rc, d = r.raw("/mrelay/session_delete,session=%s" % s)
        assert rc == 0, d
        if 100 + n < 200:  # configured sessions that carry no traffic (flows 0..49 only)
            rc, d = r.raw("/mrelay/session_delete,session=default_%d" % (100 + n))
            assert rc == 0, d
        n += 1
    rc, drops = r.raw("/mrelay/drops")
    rc2, info = r.raw("/mrelay/info")
    code = r.stop()
    v = r.validator()
    dc.log("%d control rounds; validator %s" % (n, v))
    check(n >= 6, "at least 6 rounds of add/update/delete under traffic (%d)" % n)
    check(drops["total"] == 0, "no relay drop while control ran (%s)" % drops["total"])
    check(info["streams"] == 50 and info["legs"] == 400 - 2 * min(n, 100),
          "streams 50, legs as expected")
    check(v["lost"] == 0 and v["duplicate"] == 0 and v["reordered"] == 0 and v["valid"] > 20000,
          "traffic streams undisturbed: 0 lost, 0 duplicate, 0 reordered")
    check(code == 0, "mrelay exits 0")


def case_delete(a: argparse.Namespace) -> None:
    r = Relay(a, "delete", 30)
    try:
        rc, d = r.raw("/mrelay/stream,10.0.0.1:30005,268435461")
        check(rc == 0 and d["leg"] == "default_a5", "stream of flow 5 exists")
        rc, d = r.raw("/mrelay/leg_delete,name=default_a5")
        check(rc == 0 and d["streams_deleted"] == 1 and d["legs_deleted"] == 1,
              "leg_delete: 1 leg, its 1 stream")
        rc, d = r.raw("/mrelay/stream,10.0.0.1:30005,268435461")
        check(rc == 1 and "no stream" in d["error"], "the stream is gone")
        rc, lg = r.raw("/mrelay/leg,default_b5")
        check(rc == 0 and lg["forward"] == [], "default_b5 no longer forwards to the deleted leg")
        time.sleep(1)
        rc, info = r.raw("/mrelay/info")
        rc, dr = r.raw("/mrelay/drops")
        check(info["streams"] == 49 and info["legs"] == 399, "49 streams, 399 legs")
        check(dr["no_leg"] > 0 and dr["total"] == dr["no_leg"], "flow 5 now dropped as no_leg only")
        rc, d = r.raw("/mrelay/leg_add,name=default_a5,session=default_5,local=10.0.0.1:30005,"
                      "remote=10.1.0.1:20005,forward=default_b5")
        time.sleep(1)
        rc2, st = r.raw("/mrelay/stream,10.0.0.1:30005,268435461")
        check(rc == 0 and rc2 == 0 and st["received"] > 0,
              "leg added again: the stream is learned again")
    finally:
        check(r.stop() == 0, "mrelay exits 0")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("case", choices=["read", "errors", "traffic", "delete"])
    p.add_argument("--mrelay", required=True)
    p.add_argument("--ctl", required=True)
    a = p.parse_args()

    def run(work: dc.Workdir) -> None:
        if not os.path.exists(TELEMETRY):
            raise dc.TestSkipped("%s missing" % TELEMETRY)
        a.work = work
        globals()["case_" + a.case](a)
        dc.log("%s: %d failure(s)" % (a.case, len(FAILS)))
        if FAILS:
            raise dc.TestFailed("%d check(s) failed, the first: %s" % (len(FAILS), FAILS[0]))
    dc.main(run)


if __name__ == "__main__":
    main()
