# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Running DPDK processes (mrelay, testpmd) from tools and tests.

A process started here writes to a log file, is stopped by its own pid
only (SIGINT, then SIGKILL), and its runtime directory
(<runtime dir>/<file prefix>, which EAL leaves behind) is removed when it
has exited.
"""

import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from typing import Dict, List, Optional, Sequence

from .log import log
from .telemetry import runtime_dirs, socket_path


def eal_mem(default: str = '--no-huge -m 1024') -> List[str]:
    """EAL memory options: $MR_EAL_MEM when set (tools/lib.sh exports it), else default."""
    return shlex.split(os.environ.get('MR_EAL_MEM') or default)


def file_prefix_of(cmd: Sequence[str]) -> Optional[str]:
    """The --file-prefix value of an EAL command line (either spelling)."""
    for i, a in enumerate(cmd):
        if a == '--':
            break
        if a == '--file-prefix' and i + 1 < len(cmd):
            return cmd[i + 1]
        if a.startswith('--file-prefix='):
            return a.split('=', 1)[1]
    return None


def thread_cpu_s(pid: int, comm: str) -> Optional[float]:
    """CPU seconds so far of the thread named comm of process pid
    (/proc/PID/task/TID/schedstat: time on a CPU, which time-sharing with
    other processes does not inflate as wall time does); None when absent.
    DPDK 22.11 names lcore N's thread rte-worker-N."""
    for task in glob.glob('/proc/%d/task/*' % pid):
        try:
            with open(task + '/comm', encoding='utf-8') as f:
                if f.read().strip() != comm:
                    continue
            with open(task + '/schedstat', encoding='utf-8') as f:
                return int(f.read().split()[0]) / 1e9
        except OSError:
            continue
    return None


def remove_runtime_dir(prefix: Optional[str]) -> None:
    """Remove <runtime dir>/<prefix> an exited DPDK process left behind.
    Only plain names: never '', '.', '..' or a path."""
    if not prefix or '/' in prefix or prefix.startswith('.'):
        return
    for d in runtime_dirs():
        shutil.rmtree(os.path.join(d, prefix), ignore_errors=True)


class Proc:
    """A process this tool or test started: output to a log file, stopped
    by pid, its DPDK runtime directory removed once it has exited."""

    def __init__(self, name: str, cmd: Sequence[str], logpath: str,
                 env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None,
                 group: bool = False, prefix: Optional[str] = None) -> None:
        """group: run in a process group of its own, which stop() signals
        whole (a shell and what it starts); prefix: the DPDK file prefix
        when it is not on cmd itself (a shell's script)."""
        self.name = name
        self.cmd = list(cmd)
        self.logpath = logpath
        self.prefix = prefix or file_prefix_of(self.cmd)
        self.group = group
        self.timed_out = False     # wait() ran out of time and stopped it
        self._log = open(logpath, 'wb')
        log('start %s: %s' % (name, ' '.join(shlex.quote(c) for c in self.cmd)))
        try:
            self.p = subprocess.Popen(self.cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                      start_new_session=group)
        except OSError:
            self._log.close()
            raise

    @property
    def pid(self) -> int:
        return self.p.pid

    @property
    def returncode(self) -> Optional[int]:
        return self.p.returncode

    def alive(self) -> bool:
        return self.p.poll() is None

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        with open(self.logpath, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def tail(self, n: int = 15) -> str:
        """The last n lines of the output."""
        return '\n'.join(self.output().splitlines()[-n:])

    def wait_output(self, pattern: str, timeout: float) -> bool:
        """Wait until the log matches regex pattern; False on timeout or exit."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            if rx.search(self.output()):
                return True
            if not self.alive():
                return bool(rx.search(self.output()))
            time.sleep(0.1)
        return False

    def wait_telemetry(self, timeout: float = 20.0) -> str:
        """Wait for this process's telemetry socket; returns its path.
        Raises RuntimeError when the process exits or time runs out."""
        if self.prefix is None:
            raise RuntimeError('%s: no --file-prefix, no telemetry socket to wait for' % self.name)
        deadline = time.monotonic() + timeout
        while True:
            path = socket_path(self.prefix)
            if os.path.exists(path):
                return path
            if not self.alive():
                raise RuntimeError('%s exited (%s) before its telemetry socket appeared'
                                   % (self.name, self.p.returncode))
            if time.monotonic() > deadline:
                raise RuntimeError('%s: no telemetry socket %s in %.0f s'
                                   % (self.name, path, timeout))
            time.sleep(0.2)

    def send_signal(self, sig: int) -> None:
        """Send sig to this process, or its group (only while it runs)."""
        if self.alive():
            if self.group:
                os.killpg(self.p.pid, sig)
            else:
                self.p.send_signal(sig)

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGINT) -> Optional[int]:
        """sig (SIGINT), then SIGKILL after timeout seconds. Returns the exit
        status (negative signal number when killed by a signal)."""
        if self.alive():
            log('%s %s (%s %d)' % (signal.Signals(sig).name, self.name,
                                   'group' if self.group else 'pid', self.pid))
            self.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                log('%s did not stop in %.0f s: SIGKILL (pid %d)' % (self.name, timeout, self.pid))
                self.send_signal(signal.SIGKILL)
                self.p.wait()
        self._finish()
        return self.p.returncode

    def wait(self, timeout: float) -> Optional[int]:
        """Wait for a self-terminating run; stop() it if it overruns (then
        timed_out is True)."""
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            log('%s still running after %.0f s' % (self.name, timeout))
            self.timed_out = True
            return self.stop()
        self._finish()
        return self.p.returncode

    def _finish(self) -> None:
        if not self._log.closed:
            self._log.close()
        remove_runtime_dir(self.prefix)

    def __enter__(self) -> 'Proc':
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
