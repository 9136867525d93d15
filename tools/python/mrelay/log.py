# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""One log() for the tools and tests: '[tag] message', flushed at once."""

import sys
from typing import Callable, TextIO

_tag = 'mrelay'


def set_tag(tag: str) -> None:
    """Set the tag log() prints in front of each line (e.g. 'dts')."""
    global _tag
    _tag = tag


def log(msg: str, file: TextIO = sys.stdout) -> None:
    """Print '[tag] msg' and flush (output interleaves with child processes)."""
    print('[%s] %s' % (_tag, msg), file=file, flush=True)


def logger(tag: str, file: TextIO = sys.stdout) -> Callable[[str], None]:
    """A log function with its own tag."""
    def _log(msg: str) -> None:
        print('[%s] %s' % (tag, msg), file=file, flush=True)
    return _log
