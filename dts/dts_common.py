# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Helpers shared by the dts suites: command line, skips, summaries.

A thin layer over tools/python/mrelay: log, Proc (a DPDK process runner
that removes its runtime directory), eal_mem, remove_runtime_dir,
rtpgen_summary(text) (net_rtpgen's close summary) and telemetry(prefix,
cmd) are the toolkit's.

A dts test is a plain script run by meson. Exit status: 0 pass, 1 fail,
77 skip (only when a tool or kernel feature the test needs is missing,
never because the relay misbehaved).
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import Any, Callable, Collection, Dict, Optional

# the toolkit (tools/python/mrelay), located from this file: any cwd works
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                '..', 'tools', 'python'))
from mrelay import log as _log  # noqa: E402
from mrelay.dpdk import Proc, eal_mem, remove_runtime_dir  # noqa: E402,F401
from mrelay.rtpgen import summary as rtpgen_summary  # noqa: E402,F401
from mrelay.telemetry import Telemetry, TelemetryError, TelemetryTimeout  # noqa: E402,F401
from mrelay.telemetry import query as telemetry  # noqa: E402,F401

_log.set_tag('dts')
log = _log.log

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_SKIP = 77

# scapy lives with Debian's interpreter, not with whatever python3 is first
# on PATH (docs: CONVENTIONS.md, pitfalls).
SCAPY_PYTHON = '/usr/bin/python3'


class TestFailed(Exception):
    """The relay (or the traffic it sent) did not do what it should."""


class TestSkipped(Exception):
    """A tool or kernel feature the test needs is missing."""


def parse_args(description: str,
               extra: Optional[Callable[[argparse.ArgumentParser], None]] = None
               ) -> argparse.Namespace:
    """Common options: --mrelay, --build; extra(parser) adds more.
    MR_DTS_KEEP=1 in the environment keeps the work directory of a pass."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument('--mrelay', required=True,
                    help='path of the mrelay executable under test')
    ap.add_argument('--build', default=None,
                    help='build directory (default: three levels above --mrelay, '
                         'i.e. BUILD of BUILD/app/mrelay/mrelay)')
    if extra is not None:
        extra(ap)
    args = ap.parse_args()
    if args.build is None:
        args.build = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(args.mrelay))))
    return args


def need_root() -> None:
    if os.geteuid() != 0:
        raise TestSkipped('needs root (DPDK, netns)')


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise TestSkipped('tool not found: ' + name)
    return path


def need_scapy() -> None:
    if not os.access(SCAPY_PYTHON, os.X_OK):
        raise TestSkipped(SCAPY_PYTHON + ' not found')
    r = subprocess.run([SCAPY_PYTHON, '-c', 'import scapy.all'],
                       capture_output=True, check=False)
    if r.returncode != 0:
        raise TestSkipped('scapy is not importable by ' + SCAPY_PYTHON)


def need_pmd(name: str) -> str:
    """Skip when DPDK's shared PMD librte_net_<name>.so is not installed."""
    for d in ('/usr/lib/x86_64-linux-gnu/dpdk', '/usr/lib/dpdk',
              '/usr/local/lib/x86_64-linux-gnu/dpdk'):
        if not os.path.isdir(d):
            continue
        for root, _dirs, files in os.walk(d):
            if 'librte_net_%s.so' % name in files:
                return os.path.join(root, 'librte_net_%s.so' % name)
    raise TestSkipped('DPDK PMD librte_net_%s.so not installed' % name)


class Workdir:
    """A temporary directory for logs; kept (and named) when a test fails."""

    def __init__(self, prefix: str) -> None:
        self.path = tempfile.mkdtemp(prefix=prefix)

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def private_plugin(so: str) -> str:
    """Copy a PMD plugin where EAL will load it, and return the copy's path.

    EAL refuses a -d plugin whose directory, or any directory above it, is
    world-writable (e.g. a build tree under /tmp). The copy goes to a fresh
    root-only directory under /run; remove it with shutil.rmtree(dirname).
    """
    d = tempfile.mkdtemp(prefix='mrelay-plugin-', dir='/run')
    os.chmod(d, 0o700)
    dst = os.path.join(d, os.path.basename(so))
    shutil.copy2(so, dst)
    return dst


def load_summary(path: str) -> Dict[str, Any]:
    """mrelay's --summary JSON."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise TestFailed('cannot read mrelay summary %s: %s' % (path, e)) from e


def check_summary(summary: Dict[str, Any], allowed_drops: Collection[str] = ()) -> int:
    """Drops only of the allowed reasons, every mbuf back in its pool.
    Returns the total of allowed drops."""
    bad = {k: v for k, v in summary.get('drops', {}).items()
           if v != 0 and k not in allowed_drops}
    if bad:
        raise TestFailed('mrelay dropped packets: %s' % bad)
    if 'mbufs_in_use_at_exit' not in summary:
        raise TestFailed('summary has no mbufs_in_use_at_exit')
    if summary['mbufs_in_use_at_exit'] != 0:
        raise TestFailed('mbufs_in_use_at_exit = %d' % summary['mbufs_in_use_at_exit'])
    return sum(v for k, v in summary.get('drops', {}).items() if k in allowed_drops)


def main(run: Callable[[Workdir], None]) -> None:
    """Run run(work) and map its outcome to the exit status."""
    def on_term(signum: int, _frame: object) -> None:
        raise TestFailed('terminated by signal %d' % signum)

    work = Workdir('mrelay_dts_')
    status = EXIT_FAIL
    # meson's timeout sends SIGTERM: an exception, so that each test's
    # finally still removes its namespace and stops mrelay
    signal.signal(signal.SIGTERM, on_term)
    try:
        run(work)
        status = EXIT_PASS
        log('PASS')
    except TestSkipped as e:
        status = EXIT_SKIP
        log('SKIP: %s' % e)
    except TestFailed as e:
        log('FAIL: %s' % e)
    finally:
        if status == EXIT_FAIL:
            for name in sorted(os.listdir(work.path)):
                if name.endswith('.log'):
                    with open(work.file(name), 'rb') as f:
                        data = f.read().decode('utf-8', 'replace')
                    lines = [ln for ln in data.splitlines()
                             if ln.strip() and 'pps' not in ln and 'bps' not in ln]
                    log('--- %s (last 40 lines without stats) ---' % name)
                    print('\n'.join(lines[-40:]), flush=True)
            log('work directory kept: ' + work.path)
        elif not os.environ.get('MR_DTS_KEEP'):
            work.remove()
    sys.exit(status)


def unix_socket_listed(path: str) -> bool:
    """Whether a unix socket of that name (or abstract name) is open: DPDK
    22.11's net_memif binds an abstract socket by default, which no file
    shows but /proc/net/unix does. True when that cannot be read."""
    try:
        with open('/proc/net/unix', encoding='utf-8', errors='replace') as f:
            names = [line.split()[-1] for line in f if len(line.split()) >= 8]
    except OSError:
        return True  # cannot tell; the relay's link will say
    return path in names or '@' + path in names


def sh(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command; TestFailed with its stderr when it fails and check is set."""
    r = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if check and r.returncode != 0:
        raise TestFailed('%s: %s' % (' '.join(cmd), r.stderr.strip()))
    return r


def netns_setup(ns: str, root_if: str, ns_if: str, root_mac: str, ns_mac: str,
                relay_ip: str, ns_ip: str, tx_csum_off: bool = False) -> None:
    """A veth pair: root_if (no IP, MAC root_mac) for mrelay's net_af_packet,
    ns_if in namespace ns with ns_ip/24, MAC ns_mac and a permanent
    neighbour relay_ip -> root_mac. No IPv6 on either end (no router
    solicitations or MLD reports the relay would have to drop). With
    tx_csum_off, the namespace's kernel writes whole UDP checksums (a
    veth otherwise leaves partial ones, the pseudo header's only).
    TestSkipped when namespaces or veths cannot be made."""
    need_tool('ip')
    r = sh('ip', 'netns', 'add', ns, check=False)
    if r.returncode != 0:
        raise TestSkipped('cannot create a network namespace: ' + r.stderr.strip())
    r = sh('ip', 'link', 'add', root_if, 'type', 'veth', 'peer', 'name', ns_if, check=False)
    if r.returncode != 0:
        raise TestSkipped('cannot create a veth pair: ' + r.stderr.strip())
    sh('ip', 'link', 'set', ns_if, 'netns', ns)
    sh('ip', 'link', 'set', 'dev', root_if, 'address', root_mac)
    sh('sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % root_if, check=False)
    nsx = ['ip', 'netns', 'exec', ns]
    sh(*nsx, 'sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % ns_if, check=False)
    sh(*nsx, 'ip', 'link', 'set', 'dev', ns_if, 'address', ns_mac)
    sh(*nsx, 'ip', 'addr', 'add', ns_ip + '/24', 'dev', ns_if)
    sh(*nsx, 'ip', 'link', 'set', 'dev', ns_if, 'up')
    sh(*nsx, 'ip', 'link', 'set', 'dev', 'lo', 'up')
    if tx_csum_off:
        sh(*nsx, need_tool('ethtool'), '-K', ns_if, 'tx', 'off')
    sh(*nsx, 'ip', 'neigh', 'replace', relay_ip, 'lladdr', root_mac, 'dev', ns_if,
       'nud', 'permanent')
    sh('ip', 'link', 'set', 'dev', root_if, 'up')


def netns_cleanup(ns: str, root_if: str) -> None:
    """Remove what netns_setup() made (the namespace takes its veth end)."""
    sh('ip', 'netns', 'del', ns, check=False)
    if os.path.exists('/sys/class/net/' + root_if):
        sh('ip', 'link', 'del', root_if, check=False)
