# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""Prometheus text exposition (format 0.0.4) and mrelay's histograms in it.

mrelay's histograms (lib/metrics/mr_hist.h) are log-linear: values below
32 have a bucket each, then every power of two is split into 16 equal
buckets. /mrelay/hist,<name>,<lcore> answers the non-empty buckets as
(inclusive upper bound, count), neighbours merged in aligned groups of
bucket_merge buckets when more than 200 are non-empty, upper bounds in
the exported unit (TSC cycles converted to ns with the relay's tsc_hz).

A Prometheus bucket le=X counts the observations <= X. The exporter
chooses as boundaries the upper bounds of aligned groups of `step`
relay buckets (step a power of two, at least bucket_merge), computed
exactly as the relay computes them; no relay group straddles such a
boundary, so each cumulative count is exact, not interpolated. For TSC
histograms the bounds are the relay's bucket bounds in ns as the relay
rounds them; a boundary that shares its rounded ns with the next bucket
(below about 64 cycles) is left out, as the reply cannot tell them apart.
"""

import math
import re
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

HIST_SUB_BITS = 4
HIST_SUB = 1 << HIST_SUB_BITS
HIST_BUCKETS = (64 - HIST_SUB_BITS + 1) * HIST_SUB

NAME_RE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL_RE = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*$')
TYPES = ('counter', 'gauge', 'histogram', 'summary', 'untyped')

Labels = Mapping[str, object]


def bucket_of(v: int) -> int:
    """mr_hist_bucket(): the bucket index of a recorded value."""
    e = (v | HIST_SUB).bit_length() - 1
    shift = e - HIST_SUB_BITS
    return (shift << HIST_SUB_BITS) + (v >> shift)


def bucket_lo(b: int) -> int:
    """mr_hist_bucket_lo(): the smallest value of bucket b."""
    if b < 2 * HIST_SUB:
        return b
    shift = (b >> HIST_SUB_BITS) - 1
    return ((b & (HIST_SUB - 1)) | HIST_SUB) << shift


def bucket_hi(b: int) -> int:
    """mr_hist_bucket_hi(): the largest value of bucket b (inclusive)."""
    if b < 2 * HIST_SUB:
        return b
    return bucket_lo(b) + (1 << ((b >> HIST_SUB_BITS) - 1)) - 1


def tsc_to_ns(v: int, tsc_hz: float) -> int:
    """The relay's hist_export() for TSC values: round(v * 1e9 / hz) in doubles."""
    ns = float(v) * 1e9 / float(tsc_hz)
    if ns >= 18446744073709549568.0:
        return (1 << 64) - 1
    return int(ns + 0.5)


def fmt_value(v: float) -> str:
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, int):
        return str(v)
    if math.isinf(v):
        return '+Inf' if v > 0 else '-Inf'
    if math.isnan(v):
        return 'NaN'
    return repr(float(v))


def escape_label(v: object) -> str:
    return str(v).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def escape_help(v: str) -> str:
    return v.replace('\\', '\\\\').replace('\n', '\\n')


class Exposition:
    """Metric families collected in any order, written grouped by family."""

    def __init__(self) -> None:
        self.families: Dict[str, Tuple[str, str, List[str]]] = {}

    def family(self, name: str, mtype: str, help_: str) -> None:
        """Declare a family (once; a second declaration must agree)."""
        if not NAME_RE.match(name) or mtype not in TYPES:
            raise ValueError('bad metric family %r (%s)' % (name, mtype))
        if name in self.families:
            if self.families[name][0] != mtype:
                raise ValueError('metric %s declared as %s and %s'
                                 % (name, self.families[name][0], mtype))
            return
        self.families[name] = (mtype, help_, [])

    def _line(self, family: str, name: str, labels: Labels, value: float) -> None:
        for k in labels:
            if not LABEL_RE.match(k) or k.startswith('__'):
                raise ValueError('bad label name %r' % k)
        lab = ','.join('%s="%s"' % (k, escape_label(v)) for k, v in labels.items())
        self.families[family][2].append('%s%s %s' % (name, '{%s}' % lab if lab else '',
                                                     fmt_value(value)))

    def sample(self, name: str, labels: Labels, value: float) -> None:
        """One sample of a declared counter or gauge."""
        if name not in self.families:
            raise ValueError('metric %s not declared' % name)
        self._line(name, name, labels, value)

    def histogram(self, name: str, labels: Labels, buckets: Sequence[Tuple[float, int]],
                  total: float, count: int) -> None:
        """One histogram series: buckets as (le, cumulative count), ascending,
        without +Inf (added here with count)."""
        if name not in self.families or self.families[name][0] != 'histogram':
            raise ValueError('histogram %s not declared' % name)
        for le, c in buckets:
            self._line(name, name + '_bucket', dict(labels, le=fmt_value(le)), c)
        self._line(name, name + '_bucket', dict(labels, le='+Inf'), count)
        self._line(name, name + '_sum', labels, total)
        self._line(name, name + '_count', labels, count)

    def text(self) -> str:
        out = []
        # declared families without samples keep their HELP and TYPE: a
        # reader (or a dashboard test) sees every name the exporter writes
        for name, (mtype, help_, lines) in self.families.items():
            out.append('# HELP %s %s' % (name, escape_help(help_)))
            out.append('# TYPE %s %s' % (name, mtype))
            out.extend(lines)
        return '\n'.join(out) + '\n'


def hist_boundaries(step: int, top_bucket: int) -> List[int]:
    """Indices of the last relay bucket of every aligned group of step
    buckets, up to and including the group holding top_bucket."""
    last = min(HIST_BUCKETS - 1, (top_bucket // step + 1) * step - 1)
    return list(range(step - 1, last + 1, step))


def hist_buckets(reply: Mapping[str, object], unit_div: float, tsc_hz: Optional[float],
                 step: int = 4) -> Tuple[List[Tuple[float, int]], float, int]:
    """A /mrelay/hist reply as Prometheus buckets.

    unit_div converts the exported unit to the base unit (1e9 for ns,
    1e6 for us, 100 for percent, 1 for counts); tsc_hz is the relay's
    (from /mrelay/info) for histograms of TSC values (unit 'ns'), None
    otherwise. step: relay buckets per Prometheus bucket (a power of two
    <= 16; raised to the reply's bucket_merge).
    -> ([(le in base units, cumulative count)], sum in base units, count)."""
    les = list(reply.get('bucket_le') or [])
    cnts = list(reply.get('bucket_count') or [])
    if len(les) != len(cnts):
        raise ValueError('bucket_le and bucket_count differ in length')
    merge = int(reply.get('bucket_merge', 1) or 1)
    step = max(step, merge)
    count = int(reply.get('count', 0))
    if 'sum' in reply:
        total = float(reply['sum']) / unit_div
    else:
        total = float(reply.get('mean', 0)) * count / unit_div

    def exported(b: int) -> int:
        v = bucket_hi(b)
        return tsc_to_ns(v, tsc_hz) if tsc_hz else v

    if not les:
        return [], total, count
    # the highest non-empty relay bucket: its exported bound is the last le
    top = les[-1]
    top_bucket = 0
    for b in range(HIST_BUCKETS):
        if exported(b) >= top:
            top_bucket = b
            break
    out = []
    i, cum = 0, 0
    for b in hist_boundaries(step, top_bucket):
        bound = exported(b)
        # TSC rounding can give the next bucket the same bound in ns (below
        # about 64 cycles): the reply cannot tell them apart, so such a
        # boundary would not be exact; leave it out.
        if b + 1 < HIST_BUCKETS and exported(b + 1) == bound:
            continue
        while i < len(les) and les[i] <= bound:
            cum += int(cnts[i])
            i += 1
        out.append((bound / unit_div if unit_div != 1 else bound, cum))
    return out, total, count


def parse_exposition(text: str) -> Dict[str, List[Tuple[Dict[str, str], float]]]:
    """Samples of a text exposition by metric name (for tests and checks)."""
    out: Dict[str, List[Tuple[Dict[str, str], float]]] = {}
    rx = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    lab = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        m = rx.match(line)
        if m is None:
            raise ValueError('bad sample line %r' % line)
        labels = {k: v for k, v in lab.findall(m.group(2) or '')}
        out.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    return out


def family_names(text: str) -> Iterable[str]:
    """The families a text exposition declares (# TYPE lines)."""
    for line in text.splitlines():
        if line.startswith('# TYPE '):
            yield line.split()[2]
