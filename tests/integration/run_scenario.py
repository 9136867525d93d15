#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Run one integration scenario: generate traffic with mrelay-pcapgen, run
mrelay on a net_pcap port (rx_pcap = the traffic, tx_pcap = its output),
then check the output pcap and the --summary JSON packet by packet.

Exit status: 0 pass, 1 fail, 77 skipped (a needed tool is missing).
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
import mr_check  # noqa: E402
import mr_pcap  # noqa: E402
import scenarios  # noqa: E402
from mrelay.dpdk import Proc  # noqa: E402  (path set by mr_pcap)
from mrelay.log import log, set_tag  # noqa: E402
from mrelay.pcap import write_pcap  # noqa: E402

SKIP = 77
RUN_SECONDS = 3


def run_mrelay(mrelay: str, workdir: str, name: str, conf: str, in_pcap: str, out_pcap: str,
               summary: str, sig: Optional[int] = None) -> Tuple[Optional[int], str, Proc]:
    """Start mrelay, let it run (-d, or until we send @p sig), wait for it.
    Only the pid started here is ever signalled; its runtime directory is
    removed. -> (exit code, message, the process: its output)."""
    prefix = "mrinteg_%s_%d" % (name, os.getpid())
    cmd = [mrelay, "--no-huge", "-m", "1024", "--no-pci", "--file-prefix", prefix,
           "-l", "0-1", "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (in_pcap, out_pcap),
           "--", "-c", conf, "-d", "0" if sig else str(RUN_SECONDS), "--summary", summary]
    p = Proc("mrelay", cmd, os.path.join(workdir, "mrelay.log"), cwd=workdir)
    if sig:
        time.sleep(RUN_SECONDS)
        if not p.alive():
            rc = p.wait(0)
            return rc, "exited (%d) before it was signalled" % rc, p
        p.send_signal(sig)
    rc = p.wait(RUN_SECONDS + 30)
    if p.timed_out:
        return None, "did not exit in time (stopped pid %d)" % p.pid, p
    return rc, "", p


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Exit status: 0 pass, 1 fail, 77 skipped.")
    ap.add_argument("scenario", choices=sorted(scenarios.SCENARIOS) + ["config_error"],
                    help="scenario to run; config_error: bad configurations must exit 2 "
                    "with a message naming [section] key")
    ap.add_argument("--mrelay", help="the mrelay binary (required unless --simulate)")
    ap.add_argument("--pcapgen", default=os.path.join(HERE, "..", "..", "tools", "mrelay-pcapgen"),
                    help="tools/mrelay-pcapgen (default: the one in this source tree)")
    ap.add_argument("--simulate", action="store_true",
                    help="use the Python relay model (mr_sim.py) instead of mrelay")
    ap.add_argument("--workdir", help="keep files here instead of a removed temp dir")
    ap.add_argument("--tshark", default="tshark", help="tshark binary (scenario 'tshark')")
    ap.add_argument("-v", "--verbose", action="store_true", help="print per-flow details")
    a = ap.parse_args(argv)
    set_tag("integ")
    name = a.scenario
    # meson passes paths relative to the build dir; mrelay runs in workdir
    if a.mrelay:
        a.mrelay = os.path.abspath(a.mrelay)
    a.pcapgen = os.path.abspath(a.pcapgen)
    if name == "tshark" and shutil.which(a.tshark) is None:
        log("SKIP: tshark not found")
        return SKIP
    if not a.simulate:
        if not a.mrelay or not os.access(a.mrelay, os.X_OK):
            log("FAIL: mrelay binary %r not found or not executable" % a.mrelay)
            return 1
    workdir = a.workdir or tempfile.mkdtemp(prefix="mrinteg-%s-" % name)
    os.makedirs(workdir, exist_ok=True)
    ok = False
    try:
        if name == "config_error":
            ok = run_config_errors(a, workdir)
        else:
            ok = run(a, name, workdir)
    finally:
        if ok and not a.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        elif not ok:
            log("files kept in %s" % workdir)
    return 0 if ok else 1


CONFIG_ERRORS = [
    # (what is wrong, replace this line, by this, text the message must hold)
    ("forward to an unknown leg", "forward = b1", "forward = nosuch", "[leg.a1] forward"),
    ("unknown key", "stats_interval_ms = 0", "stats_interval_ms = 0\nbogus_key = 1",
     "[relay] bogus_key"),
    ("bad remote", "remote = 192.0.2.10:40000", "remote = 192.0.2.10:0", "[leg.a1] remote"),
    ("bad nexthop_mac", "nexthop_mac = 02:00:00:00:00:fe", "nexthop_mac = 02:00:00:00:fe",
     "[port.0] nexthop_mac"),
]


def run_config_errors(a: argparse.Namespace, workdir: str) -> bool:
    """Each broken configuration: exit status 2, and a message that names
    the section and the key; no summary is required."""
    ini, _spec, _legs, _port = scenarios.build("plain_v4")
    ok = True
    for what, old, new, text in CONFIG_ERRORS:
        assert old in ini, old
        conf = os.path.join(workdir, "bad.ini")
        with open(conf, "w") as f:
            f.write(ini.replace(old, new, 1))
        empty = os.path.join(workdir, "empty.pcap")
        write_pcap(empty, [])
        rc, msg, p = run_mrelay(a.mrelay, workdir, "conferr", conf, empty,
                                os.path.join(workdir, "out.pcap"),
                                os.path.join(workdir, "s.json"))
        out = p.tail(200)
        if rc != 2 or text not in out:
            ok = False
            log("FAIL: %s: exit status %r (want 2), message %s %r\n%s" %
                (what, rc, "holds" if text in out else "lacks", text, p.tail(8)))
        else:
            log("ok: %s: exit 2, %r named" % (what, text))
    log("config_error: %d case(s), %s" % (len(CONFIG_ERRORS), "pass" if ok else "FAIL"))
    return ok


def run(a: argparse.Namespace, name: str, workdir: str) -> bool:
    ini, spec, legs, port = scenarios.build(name)
    conf = os.path.join(workdir, "mrelay.ini")
    spec_path = os.path.join(workdir, "spec.json")
    in_pcap = os.path.join(workdir, "in.pcap")
    manifest_path = os.path.join(workdir, "manifest.json")
    out_pcap = os.path.join(workdir, "out.pcap")
    summary_path = os.path.join(workdir, "summary.json")
    with open(conf, "w") as f:
        f.write(ini)
    with open(spec_path, "w") as f:
        json.dump(spec, f, indent=1)
    r = subprocess.run([sys.executable, a.pcapgen, "--spec", spec_path, "-o", in_pcap,
                        "-m", manifest_path], capture_output=True, text=True)
    if r.returncode != 0:
        log("FAIL: mrelay-pcapgen: %s" % r.stderr.strip())
        return False
    reasons = mr_check.drop_reasons(a.mrelay or mr_check.DEFAULT_MRELAY)
    if a.simulate:
        import mr_sim
        mr_sim.simulate(legs, port, in_pcap, out_pcap, summary_path, reasons)
    else:
        sig = {"shutdown_sigterm": signal.SIGTERM, "shutdown_sigint": signal.SIGINT}.get(name)
        rc, msg, p = run_mrelay(a.mrelay, workdir, name, conf, in_pcap, out_pcap, summary_path,
                                sig)
        if rc != 0:
            log("FAIL: mrelay exit status %r, want 0 %s" % (rc, msg))
            print(p.tail(30), flush=True)
            return False
    with open(manifest_path) as f:
        manifest = json.load(f)
    try:
        with open(summary_path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        log("FAIL: summary %s: %s" % (summary_path, e))
        return False
    try:
        out = mr_pcap.read_pcap(out_pcap)
    except (OSError, ValueError) as e:
        log("FAIL: output pcap: %s" % e)
        return False
    c = mr_check.Checker(manifest, summary, out, manifest["frames"], reasons)
    errors = c.run()
    if name == "tshark":
        terr, rows = mr_check.check_tshark(manifest, out_pcap, scenarios.RTP_PORTS[0],
                                           scenarios.RTP_PORTS[1], a.tshark)
        errors += terr
        for row in rows:
            c.info.append("tshark: %s -> %s SSRC %#x pkts %d lost %d" %
                          (row["src"], row["dst"], row["ssrc"], row["pkts"], row["lost"]))
    if a.verbose or errors:
        for line in c.info:
            log(line)
    for e in errors[:60]:
        log("FAIL: " + e)
    if len(errors) > 60:
        log("FAIL: ... %d more" % (len(errors) - 60))
    n_fwd = sum(1 for p in manifest["packets"] if p["fate"] == "forward")
    cnt = summary.get("counters", {})
    log("%s: learn_reqs %s, fwd_clones %s (streams the workers learned, copies made)" %
        (name, cnt.get("learn_reqs"), cnt.get("fwd_clones")))
    log("%s: %d frames in (%d to forward, %d to drop), %d out, %d error(s)" %
        (name, manifest["frames"], n_fwd, manifest["frames"] - n_fwd, len(out), len(errors)))
    return not errors


if __name__ == "__main__":
    sys.exit(main())
