#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Checks of the real mrelay daemon's errors and of the unit runner.

Each check starts the real binary (own --file-prefix, --no-huge) and judges
what it does from outside: exit status, messages, telemetry replies parsed
as JSON by Python's json module and by DPDK's own dpdk-telemetry.py.

  telemetry_json    replies that echo parameters with bytes >= 0x80 are
                    valid JSON; /mrelay/unmap_guard,x answers an error
  mbuf_pool_oom     a pool too large for EAL's memory: exit 2, the real
                    reason (not a stale errno)
  tables_oom        tables too large for EAL's memory: exit 2, like pools
  summary_path      an unwritable -s FILE: exit 2 at start
  runner_no_eal     mr_unit_tests whose EAL cannot start: FAIL, not SKIP
  leg_rules         [leg] values that depend on the rest of the configuration
                    (the port's addresses, forward and profile names) are
                    refused by the session model at start: exit 2, the
                    section and key named, nothing run

Exit status: 0 pass, 1 fail, 77 skip (a tool is missing).
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import List, Optional, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                "..", "..", "tools", "python"))
from mrelay.dpdk import Proc, remove_runtime_dir  # noqa: E402
from mrelay.log import log, set_tag  # noqa: E402
from mrelay.telemetry import Telemetry, TelemetryError  # noqa: E402

SKIP = 77


class CheckFailed(Exception):
    """A check saw the wrong behaviour."""


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


def eal_args(prefix: str) -> List[str]:
    return ["--no-huge", "-m", "512", "--no-pci", "--file-prefix", prefix,
            "-l", "0-1", "--log-level", "*:notice", "--vdev", "net_null0"]


def default_conf(mrelay: str) -> str:
    out = subprocess.run([mrelay, "--no-huge", "--no-pci", "--no-telemetry",
                          "--file-prefix", "mrhyg_print_%d" % os.getpid(),
                          "--", "--print-default"],
                         capture_output=True, text=True, timeout=60)
    remove_runtime_dir("mrhyg_print_%d" % os.getpid())
    expect(out.returncode == 0 and "[port.0]" in out.stdout,
           "mrelay --print-default failed: %s" % out.stderr[-300:])
    return out.stdout


class Daemon:
    """mrelay started here; only this pid is ever signalled."""

    def __init__(self, mrelay: str, name: str, opts: List[str], workdir: str) -> None:
        self.name = name
        self.prefix = "mrhyg_%s_%d" % (name, os.getpid())
        self.log = os.path.join(workdir, name + ".log")
        self.cmd = [mrelay] + eal_args(self.prefix) + ["--"] + opts
        self.proc: Optional[Proc] = None

    def start(self) -> Proc:
        self.proc = Proc(self.name, self.cmd, self.log)
        return self.proc

    def wait(self, timeout: float) -> Optional[int]:
        assert self.proc is not None
        rc = self.proc.wait(timeout)
        if self.proc.timed_out:
            raise CheckFailed("mrelay still running after %.0fs" % timeout)
        return rc

    def stop(self) -> None:
        """SIGTERM, SIGKILL after 30 s (when it still runs)."""
        if self.proc is not None:
            self.proc.stop(30, signal.SIGTERM)

    def run(self, timeout: float) -> Tuple[Optional[int], str]:
        """Start, wait for the exit: (status, output)."""
        p = self.start()
        try:
            rc = self.wait(timeout)
        finally:
            self.stop()
        out = p.output()
        log(out.rstrip()[-1500:])
        return rc, out


def telemetry_connect(p: Proc, timeout: float = 60.0) -> Telemetry:
    """A connection to the telemetry socket of p, once it is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            path = p.wait_telemetry(max(0.0, deadline - time.monotonic()))
        except RuntimeError as e:
            raise CheckFailed(str(e))
        try:
            return Telemetry(path=path, timeout=30)
        except TelemetryError as e:
            expect(time.monotonic() < deadline, "no telemetry at %s: %s" % (path, e))
        time.sleep(0.3)


def check_telemetry_json(a: argparse.Namespace) -> None:
    """Every reply that may echo a parameter parses as JSON."""
    d = Daemon(a.mrelay, "json", ["-q", "-d", "0"], a.workdir)
    p = d.start()
    try:
        s = telemetry_connect(p)
        # wait until the relay's commands answer (not "not running")
        deadline = time.monotonic() + 60
        while True:
            # null until registered, an error until the main loop runs
            info = json.loads(s.raw_reply(b"/mrelay/info"))["/mrelay/info"]
            if isinstance(info, dict) and info.get("status") != "error":
                break
            expect(time.monotonic() < deadline, "mrelay never ran: %s" % info)
            time.sleep(0.3)
        bad = [b"\x80", b"\xff\xfe", b"\xc3\xa9", b"a\x80z"]
        cmds = []
        for b in bad:
            cmds += [b"/mrelay/leg," + b,
                     b"/mrelay/leg,name=" + b,
                     b"/mrelay/leg_add,name=" + b,
                     b"/mrelay/leg_add,name=x,session=s,port=0,local=" + b,
                     b"/mrelay/leg_add," + b + b"=1",
                     b"/mrelay/leg_update,name=" + b,
                     b"/mrelay/leg_delete," + b,
                     b"/mrelay/session_delete,session=" + b,
                     b"/mrelay/dest_add,leg=" + b + b",dest=x",
                     b"/mrelay/profile_set,name=" + b,
                     b"/mrelay/stream," + b + b",1",
                     b"/mrelay/stream,10.0.0.1:30000," + b,
                     b"/mrelay/legs,start=" + b,
                     b"/mrelay/streams," + b,
                     b"/mrelay/hist," + b + b",all",
                     b"/mrelay/hist,rx_burst," + b,
                     b"/mrelay/info," + b,
                     b"/mrelay/counters_reset," + b]
        for cmd in cmds:
            raw = s.raw_reply(cmd)
            try:
                reply = json.loads(raw)
            except ValueError as e:
                raise CheckFailed("%r: reply is not JSON (%s): %r" % (cmd, e, raw[:200]))
            val = next(iter(reply.values()))
            expect(isinstance(val, dict) and val.get("status") == "error",
                   "%r: expected an error reply, got %r" % (cmd, reply))
            expect(all(ord(c) < 0x80 for c in val["error"]),
                   "%r: error text carries raw bytes: %r" % (cmd, val["error"]))
        log("%d replies with bytes >= 0x80 in their parameters: all valid JSON" % len(cmds))
        # the profile name is quoted escaped, readable
        val = json.loads(s.raw_reply(b"/mrelay/profile_set,name=a\x80z"))["/mrelay/profile_set"]
        expect("a\\x80z" in val["error"], "error does not quote the name escaped: %r" % val)
        log("quoted: %s" % val["error"])

        val = json.loads(s.raw_reply(b"/mrelay/unmap_guard,x"))["/mrelay/unmap_guard"]
        expect(isinstance(val, dict) and val.get("status") == "error"
               and "no parameters" in val.get("error", ""),
               "/mrelay/unmap_guard,x: expected an error, got %r" % val)
        log("/mrelay/unmap_guard,x: %s" % val)
        val = json.loads(s.raw_reply(b"/mrelay/unmap_guard"))["/mrelay/unmap_guard"]
        expect("armed" in val, "/mrelay/unmap_guard: %r" % val)
        s.close()

        # DPDK's own client: UTF-8 text in, its json.loads must not fail
        tool = shutil.which("dpdk-telemetry.py")
        if tool is not None:
            out = subprocess.run(["/usr/bin/python3", tool, "-f", d.prefix],
                                 input="/mrelay/profile_set,name=caf\u00e9\n/mrelay/leg,\u00e9\n",
                                 capture_output=True, text=True, timeout=60)
            log("dpdk-telemetry.py: " + out.stdout.strip()[-600:])
            expect("Traceback" not in out.stderr and "Traceback" not in out.stdout,
                   "dpdk-telemetry.py could not parse a reply: %s" % out.stderr[-600:])
            # it exits 0 even when it cannot connect: check it answered
            expect("caf\\\\xc3\\\\xa9" in out.stdout and '"/mrelay/leg"' in out.stdout,
                   "dpdk-telemetry.py did not get both replies: %s" % out.stdout[-600:])
        else:
            log("dpdk-telemetry.py not installed: Python's json module only")
        p.send_signal(signal.SIGTERM)
        rc = d.wait(60)
        expect(rc == 0, "mrelay exited %d after SIGTERM" % rc)
    finally:
        d.stop()


def write_conf(a: argparse.Namespace, name: str, relay: str) -> str:
    path = os.path.join(a.workdir, name + ".conf")
    with open(path, "w") as f:
        f.write("[relay]\n" + relay + "\n" + default_conf(a.mrelay))
    return path


def check_mbuf_pool_oom(a: argparse.Namespace) -> None:
    # 400000: the packet pool (2 KiB buffers) cannot fit in -m 512, the
    # header pool after it can; its success used to leave rte_errno ENOENT
    conf = write_conf(a, "pool", "mbufs = 400000")
    rc, out = Daemon(a.mrelay, "pool", ["-q", "-d", "1", "-c", conf], a.workdir).run(120)
    expect(rc == 2, "exit %s, expected 2 (a size EAL's memory cannot hold)" % rc)
    expect("mbuf pool" in out, "no pool message")
    expect("Cannot allocate memory" in out, "the reason is not 'Cannot allocate memory'")
    expect("No such file or directory" not in out, "stale errno in the message")


def check_tables_oom(a: argparse.Namespace) -> None:
    conf = write_conf(a, "tables", "mbufs = 1023\nlegs_max = 4194304\nstreams_max = 16777216")
    rc, out = Daemon(a.mrelay, "tables", ["-q", "-d", "1", "-c", conf], a.workdir).run(120)
    expect("cannot create tables" in out or "cannot create the relay" in out,
           "not the tables' failure")
    expect(rc == 2, "exit %s, expected 2 like the pools' out of memory" % rc)


def check_summary_path(a: argparse.Namespace) -> None:
    path = os.path.join(a.workdir, "no-such-dir", "summary.json")
    t0 = time.monotonic()
    rc, out = Daemon(a.mrelay, "summary", ["-q", "-d", "30", "-s", path], a.workdir).run(120)
    took = time.monotonic() - t0
    expect(rc == 2, "exit %s, expected 2" % rc)
    expect("cannot write %s" % path in out, "the message does not name the path")
    expect(took < 25, "took %.1fs: the run went ahead" % took)
    log("refused in %.1fs" % took)
    # a writable path still works, and a file the check created is not left
    ok = os.path.join(a.workdir, "summary.json")
    rc, out = Daemon(a.mrelay, "summary_ok", ["-q", "-d", "1", "-s", ok], a.workdir).run(120)
    expect(rc == 0, "exit %s with a writable -s" % rc)
    with open(ok) as f:
        expect("mbufs_in_use_at_exit" in json.load(f), "summary incomplete")


def check_runner_no_eal(a: argparse.Namespace) -> None:
    out = subprocess.run([a.unit, "--eal", "--no-such-eal-option", "hist"],
                         capture_output=True, text=True, timeout=300)
    log(out.stdout[-800:])
    lines = out.stdout.splitlines()
    expect(out.returncode != 0, "exit 0 although EAL did not start")
    expect(not any(ln.startswith("SKIP") for ln in lines), "EAL cases reported as skips")
    fails = [ln for ln in lines if ln.startswith("FAIL hist/") and "EAL did not start" in ln]
    expect(len(fails) >= 1, "no EAL case FAILED")
    expect(lines[-1].endswith(" skipped") and " 0 failed" not in lines[-1],
           "totals: %s" % lines[-1])


LEG_RULE_CASES = [
    # (what the leg sets, the message expected after "[leg.x] ")
    ("local = 10.0.0.9:30500\nremote = latch",
     "local: 10.0.0.9:30500: the address is not one of port 0's"),
    ("local = 10.0.0.1:29999\nremote = latch",
     "local: 10.0.0.1:29999: UDP port outside rtp_port_min..rtp_port_max"),
    ("local = 10.0.0.1:30500\nremote = [fd00::9]:2000",
     "remote: [fd00::9]:2000 is not of the local address's family"),
    ("local = 10.0.0.1:30500\nremote = latch\nforward = nobody",
     "forward: no leg named nobody"),
    ("local = 10.0.0.1:30500\nremote = latch\nforward = x",
     "forward: a leg cannot forward to itself"),
    ("local = 10.0.0.1:30000\nremote = latch",
     "local: 10.0.0.1 port 30000 overlaps [pairs.default] a_local"),
    ("local = 10.0.0.1:30500\nremote = latch\ntranscode = wb",
     "transcode: 'wb': this relay has no transcoder lcores"),
]


def check_leg_rules(a) -> None:
    base = default_conf(a.mrelay)
    for i, (leg, want) in enumerate(LEG_RULE_CASES):
        path = os.path.join(a.workdir, "leg%d.conf" % i)
        with open(path, "w") as f:
            f.write(base + "\n[leg.x]\nsession = s\nport = 0\n" + leg + "\n")
        rc, out = Daemon(a.mrelay, "leg%d" % i, ["-q", "-d", "5", "-c", path],
                         a.workdir).run(120)
        expect(rc == 2, "case %d: exit %s, expected 2 (configuration error)" % (i, rc))
        expect("[leg.x] " + want in out, "case %d: no '[leg.x] %s' in the output" % (i, want))
        expect("statistics" not in out.lower() or "rx " not in out,
               "case %d: the relay ran" % i)


CHECKS = {
    "leg_rules": check_leg_rules,
    "telemetry_json": check_telemetry_json,
    "mbuf_pool_oom": check_mbuf_pool_oom,
    "tables_oom": check_tables_oom,
    "summary_path": check_summary_path,
    "runner_no_eal": check_runner_no_eal,
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("check", choices=sorted(CHECKS), help="which check to run")
    p.add_argument("--mrelay", help="the mrelay binary (build/app/mrelay/mrelay)")
    p.add_argument("--unit", help="the unit runner (build/tests/unit/mr_unit_tests)")
    a = p.parse_args()
    set_tag("integ")
    if os.geteuid() != 0:
        log("SKIP: needs root (DPDK runtime directory /var/run/dpdk)")
        return SKIP
    need = a.unit if a.check == "runner_no_eal" else a.mrelay
    if need is None or not os.access(need, os.X_OK):
        log("SKIP: binary for %s not given or not executable" % a.check)
        return SKIP
    with tempfile.TemporaryDirectory(prefix="mrhyg_") as wd:
        a.workdir = wd
        try:
            CHECKS[a.check](a)
        except CheckFailed as e:
            log("FAIL %s: %s" % (a.check, e))
            return 1
    log("PASS %s" % a.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
