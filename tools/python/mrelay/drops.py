# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay's drop reasons, as the relay publishes them.

Each library of mrelay registers the reasons it counts; the relay lists
them in two places, both as the same columns (id, name, library,
description, in id order):

  mrelay --drop-reasons          no EAL, no ports: for offline tools
  /mrelay/drop_reasons           the telemetry command of a running relay

Tools and tests read the names here, never from a C header.
"""

import json
import re
import subprocess
from typing import Any, Dict, List

from .telemetry import Telemetry

COLUMNS = ('id', 'name', 'library', 'description')
COMMAND = '/mrelay/drop_reasons'
_NAME = re.compile(r'[a-z0-9_]+\Z')


class DropReasonsError(Exception):
    """The relay gave no usable list of drop reasons."""


def from_columns(reply: Any) -> List[Dict[str, Any]]:
    """The columns of --drop-reasons or /mrelay/drop_reasons as rows
    [{'id': 1, 'name': 'multiseg', 'library': 'metrics', 'description': ...}],
    checked: all four columns of equal length, ids ascending, names unique
    and of [a-z0-9_]."""
    if not isinstance(reply, dict):
        raise DropReasonsError('not an object of columns: %r' % (reply,))
    if reply.get('status') == 'error':
        raise DropReasonsError('the relay answered an error: %s' % reply.get('error'))
    cols = [reply.get(c) for c in COLUMNS]
    if not all(isinstance(c, list) for c in cols) or len({len(c) for c in cols}) != 1:
        raise DropReasonsError('columns %s missing or of different lengths' % ', '.join(COLUMNS))
    rows = [dict(zip(COLUMNS, r)) for r in zip(*cols)]
    if not rows:
        raise DropReasonsError('no drop reasons')
    prev = 0
    for r in rows:
        if not isinstance(r['id'], int) or r['id'] <= prev:
            raise DropReasonsError('ids not ascending from 1: %r after %d' % (r['id'], prev))
        prev = r['id']
        if not isinstance(r['name'], str) or not _NAME.match(r['name']):
            raise DropReasonsError('bad name %r (id %d)' % (r['name'], r['id']))
    names = [r['name'] for r in rows]
    if len(set(names)) != len(names):
        raise DropReasonsError('a name listed twice: %s' % sorted(
            n for n in set(names) if names.count(n) > 1))
    return rows


def from_mrelay(mrelay: str, timeout: float = 30.0) -> List[Dict[str, Any]]:
    """Rows from `mrelay --drop-reasons` (runs the binary; it starts no EAL)."""
    try:
        p = subprocess.run([mrelay, '--drop-reasons'], capture_output=True, text=True,
                           timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DropReasonsError('%s --drop-reasons: %s' % (mrelay, e))
    if p.returncode != 0:
        raise DropReasonsError('%s --drop-reasons: exit %d: %s'
                               % (mrelay, p.returncode, p.stderr.strip()[-500:]))
    try:
        return from_columns(json.loads(p.stdout))
    except ValueError as e:
        raise DropReasonsError('%s --drop-reasons: not JSON: %s' % (mrelay, e))


def from_telemetry(t: Telemetry) -> List[Dict[str, Any]]:
    """Rows from a running relay's /mrelay/drop_reasons."""
    reply = t.command(COMMAND)
    if reply is None:
        raise DropReasonsError('%s: unknown command (a relay without it)' % COMMAND)
    return from_columns(reply)


def names(rows: List[Dict[str, Any]]) -> List[str]:
    """The names of the rows, in id order."""
    return [r['name'] for r in rows]
