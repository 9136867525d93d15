#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""The static mrelay: build it, check it needs no shared library, run it.

1. configures and builds app/mrelay/mrelay with -Dstatic_mrelay=true in a
   build directory of its own (BUILD/static-mrelay, reused when present)
   and prints how long that took;
2. checks with ldd and file that the executable is statically linked
   (ldd: "not a dynamic executable");
3. runs it in a private mount namespace where /usr/lib/x86_64-linux-gnu
   (glibc's and Debian's DPDK shared libraries and PMD plugins) is an
   empty tmpfs, with --no-huge on the embedded default (net_rtpgen, 200
   sessions) for a few seconds, and checks that it forwarded: its exit
   status, its JSON summary (packets in and out, every mbuf back) and
   net_rtpgen's validation of what came back;
4. runs systemd-analyze verify on tools/systemd/mrelay.service, with its
   ExecStart pointing at this executable (skipped without systemd-analyze).

Run as root. Exit 77 when unshare or the static archives are missing.
"""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dts_common as dc  # noqa: E402

LIBDIR = '/usr/lib/x86_64-linux-gnu'
RUN_S = 4


def build(src, bdir):
    t0 = time.monotonic()
    if not os.path.exists(os.path.join(bdir, 'build.ninja')):
        shutil.rmtree(bdir, ignore_errors=True)
        r = subprocess.run(['meson', 'setup', bdir, '-Dstatic_mrelay=true', '-Dtests=false'],
                           cwd=src, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise dc.TestFailed('meson setup -Dstatic_mrelay=true: %s' % r.stdout[-2000:])
    r = subprocess.run(['ninja', '-C', bdir, 'app/mrelay/mrelay'],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise dc.TestFailed('static build failed: %s' % r.stdout[-3000:])
    dc.log('static build in %s: %.0f s (load average %s)'
           % (bdir, time.monotonic() - t0, ' '.join(open('/proc/loadavg').read().split()[:3])))
    return os.path.join(bdir, 'app', 'mrelay', 'mrelay')


def run(work):
    args = dc.parse_args(__doc__.splitlines()[0])
    dc.need_root()
    dc.need_tool('unshare')
    dc.need_tool('ldd')
    if not os.path.exists(os.path.join(LIBDIR, 'librte_eal.a')):
        raise dc.TestSkipped('no static DPDK libraries (libdpdk-dev)')
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = build(src, os.path.join(args.build, 'static-mrelay'))

    ldd = subprocess.run(['ldd', exe], capture_output=True, text=True, check=False)
    out = (ldd.stdout + ldd.stderr).strip()
    dc.log('ldd: %s' % out)
    if 'not a dynamic executable' not in out:
        raise dc.TestFailed('the static mrelay links shared libraries: %s' % out)
    kind = subprocess.run(['file', '-b', exe], capture_output=True, text=True,
                          check=False).stdout.strip() if shutil.which('file') else ''
    if kind and 'statically linked' not in kind:
        raise dc.TestFailed('file(1) says: %s' % kind)
    dc.log('%s: %.1f MB%s' % (exe, os.path.getsize(exe) / 1e6,
                              (', ' + kind.split(',')[0]) if kind else ''))

    prefix = 'mrdts_static_%d' % os.getpid()
    summary_path = work.file('summary.json')
    # the shared libraries and DPDK plugins of this machine out of sight
    inner = ('mount -t tmpfs none %s && exec "$0" "$@"' % LIBDIR)
    mr = dc.Proc('mrelay-static', [
        'unshare', '--mount', '--propagation', 'private', 'sh', '-c', inner, exe,
        '--no-huge', '-m', '512', '--no-pci', '--file-prefix', prefix, '-l', '0-1',
        '--log-level', '*:notice', '--log-level', 'mrelay.*:info', '--vdev', 'net_rtpgen0',
        '--', '-d', str(RUN_S), '-s', summary_path, '-q'], work.file('mrelay.log'))
    status = mr.wait(RUN_S + 60)
    text = mr.output()
    if status != 0:
        raise dc.TestFailed('static mrelay exited with status %s: %s' % (status, text[-1500:]))
    summary = dc.load_summary(summary_path)
    # a learn ring overflow while the 200 streams of an unpaced generator
    # are learned in the first milliseconds is the default's known start
    dc.check_summary(summary, allowed_drops=('learn_ring_full', 'pending_full'))
    c = summary['counters']
    gen = dc.rtpgen_summary(text)
    dc.log('static mrelay: rx %d tx %d in %d s; net_rtpgen: %s'
           % (c['rx_pkts'], c['tx_pkts'], RUN_S, gen))
    if gen is None:
        raise dc.TestFailed('no net_rtpgen summary in the log')
    if c['tx_pkts'] < 10000 or c['tx_pkts'] < 0.9 * c['rx_pkts']:
        raise dc.TestFailed('the static mrelay did not forward: %s' % c)
    if gen['valid'] < 0.9 * c['tx_pkts'] or gen['bad_checksum'] or gen['bad_udp_csum'] or \
            gen['bad_magic'] or gen['unknown_flow']:
        raise dc.TestFailed('net_rtpgen did not validate what came back: %s' % gen)

    verify_unit(src, exe, work)


def verify_unit(src, exe, work):
    if shutil.which('systemd-analyze') is None:
        dc.log('no systemd-analyze: the unit is not verified')
        return
    with open(os.path.join(src, 'tools', 'systemd', 'mrelay.service'), encoding='utf-8') as f:
        unit = f.read()
    if '/usr/local/bin/mrelay ' not in unit:
        raise dc.TestFailed('mrelay.service does not start /usr/local/bin/mrelay')
    path = work.file('mrelay.service')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(unit.replace('/usr/local/bin/mrelay ', exe + ' '))
    r = subprocess.run(['systemd-analyze', 'verify', path], capture_output=True,
                       text=True, check=False)
    dc.log('systemd-analyze verify mrelay.service: exit %d %s'
           % (r.returncode, (r.stdout + r.stderr).strip()))
    if r.returncode != 0 or (r.stdout + r.stderr).strip():
        raise dc.TestFailed('systemd-analyze verify: %s' % (r.stdout + r.stderr))


if __name__ == '__main__':
    dc.main(run)
