#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""The drop reasons mrelay publishes agree wherever they are read.

`mrelay --drop-reasons` (no EAL) must list what a running relay answers to
/mrelay/drop_reasons (also through mrelay-ctl), and every name must show
in /mrelay/drops, in the --summary JSON, in mrelay-inspect's report and in
the Prometheus exposition of tools/python/mrelay/exporter.py (through
mrelay-inspect --prom). The relay runs on a net_null port with --no-huge
(or $MR_EAL_MEM) and its own --file-prefix.

Exit status: 0 pass, 1 fail, 77 skip (mrelay not given).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(ROOT, "tools", "python"))
from mrelay import drops  # noqa: E402
from mrelay.dpdk import Proc, eal_mem  # noqa: E402
from mrelay.log import log, set_tag  # noqa: E402
from mrelay.telemetry import Telemetry, TelemetryError  # noqa: E402

SKIP = 77


class CheckFailed(Exception):
    """The relay published its drop reasons inconsistently."""


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


def wait_running(t: Telemetry, proc: Proc, timeout: float = 60.0) -> None:
    """Until /mrelay/info answers (null before registration, an error before
    the main loop runs)."""
    deadline = time.monotonic() + timeout
    while True:
        info = t.command("/mrelay/info")
        if isinstance(info, dict) and info.get("status") != "error":
            return
        expect(proc.alive(), "mrelay exited (%s) before it ran" % proc.returncode)
        expect(time.monotonic() < deadline, "mrelay never ran: %r" % (info,))
        time.sleep(0.3)


def check_drops_reply(reply: dict, names: list) -> None:
    """/mrelay/drops: reasons, totals and per-lcore arrays over the same names."""
    expect(isinstance(reply, dict), "/mrelay/drops: %r" % (reply,))
    expect(reply.get("reasons") == names,
           "/mrelay/drops reasons differ: %s" % sorted(set(reply.get("reasons", [])) ^ set(names)))
    missing = [n for n in names if not isinstance(reply.get(n), int)]
    expect(not missing, "/mrelay/drops has no total for %s" % missing)
    lcores = [k for k in reply if k.startswith("lcore_")]
    expect(lcores, "/mrelay/drops has no lcore_ arrays")
    for k in lcores:
        expect(len(reply[k]) == len(names), "/mrelay/drops %s: %d values for %d reasons"
               % (k, len(reply[k]), len(names)))


def check_inspect(prefix: str, workdir: str, names: list) -> None:
    """mrelay-inspect's report (drops.<name>) and its --prom exposition
    (mrelay_drops_total{reason=...}, written by mrelay.exporter)."""
    report, prom = os.path.join(workdir, "inspect.json"), os.path.join(workdir, "inspect.prom")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mrelay-inspect"),
                        "-f", prefix, "-n", "1", "-i", "0", "-q", "-o", report, "--prom", prom],
                       capture_output=True, text=True, timeout=120)
    expect(p.returncode in (0, 1), "mrelay-inspect exit %d: %s" % (p.returncode, p.stderr[-500:]))
    with open(report) as f:
        summary = json.load(f)["relays"][0]["summary"]
    missing = [n for n in names if "drops." + n not in summary]
    expect(not missing, "mrelay-inspect does not see %s" % missing)
    with open(prom) as f:
        text = f.read()
    missing = [n for n in names if 'reason="%s"' % n not in text]
    expect(not missing, "the exporter's mrelay_drops_total has no series for %s" % missing)
    log("mrelay-inspect and the exporter see all %d names" % len(names))


def run(mrelay: str, workdir: str) -> None:
    rows = drops.from_mrelay(mrelay)
    names = drops.names(rows)
    libs = sorted({r["library"] for r in rows})
    log("mrelay --drop-reasons: %d reasons from %s" % (len(rows), ", ".join(libs)))
    expect(all(r["description"] for r in rows), "a reason without description")

    prefix = "mrdrops_%d" % os.getpid()
    summary = os.path.join(workdir, "summary.json")
    cmd = [mrelay] + eal_mem() + ["--no-pci", "--file-prefix", prefix, "-l", "0-1",
                                  "--log-level", "*:notice", "--vdev", "net_null0",
                                  "--", "-q", "-d", "0", "-s", summary]
    with Proc("mrelay", cmd, os.path.join(workdir, "mrelay.log")) as proc:
        proc.wait_telemetry(60)
        with Telemetry(prefix, timeout=30) as t:
            wait_running(t, proc)
            tel = drops.from_telemetry(t)
            expect(tel == rows, "/mrelay/drop_reasons differs from --drop-reasons in %s"
                   % ([r for r in rows if r not in tel] + [r for r in tel if r not in rows]))
            log("/mrelay/drop_reasons: the same %d rows" % len(tel))
            for bad in ("/mrelay/drop_reasons,x", "/mrelay/drop_reasons,\u00e9"):
                err = t.command(bad)
                expect(isinstance(err, dict) and err.get("status") == "error"
                       and "no parameters" in err.get("error", ""), "%s: %r" % (bad, err))
            check_drops_reply(t.command("/mrelay/drops"), names)
        check_inspect(prefix, workdir, names)
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mrelay-ctl"), "-f",
                            prefix, "--json", "drop-reasons"],
                           capture_output=True, text=True, timeout=60)
        expect(p.returncode == 0 and drops.from_columns(json.loads(p.stdout)) == rows,
               "mrelay-ctl drop-reasons: exit %d: %s" % (p.returncode, p.stderr[-300:]))
        log("mrelay-ctl drop-reasons: the same rows")
        rc = proc.stop(30, sig=signal.SIGTERM)
    expect(rc == 0, "mrelay exited %s after SIGTERM:\n%s" % (rc, proc.output()[-1500:]))
    with open(summary) as f:
        got = list(json.load(f)["drops"])
    expect(got == names, "--summary drops differ: %s" % sorted(set(got) ^ set(names)))
    log("--summary lists the same names")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Exit status: 0 pass, 1 fail, 77 skip.")
    ap.add_argument("--mrelay", help="the mrelay binary (build/app/mrelay/mrelay)")
    a = ap.parse_args()
    set_tag("drop_reasons")
    if a.mrelay is None or not os.access(a.mrelay, os.X_OK):
        log("SKIP: mrelay binary not given or not executable")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="mrdrops_") as wd:
        try:
            run(a.mrelay, wd)
        except (CheckFailed, drops.DropReasonsError, TelemetryError, RuntimeError) as e:
            log("FAIL: %s" % e)
            return 1
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
