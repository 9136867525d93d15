# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""One log() for the tools and tests: '[tag] message', flushed at once.

A tool whose progress lines have always looked like tools/lib.sh's
('== message' on stderr) says so once with set_prefix('== ', sys.stderr);
everything that logs through this module, Proc included, follows.
"""

import sys
from typing import Callable, Optional, TextIO

_prefix = '[mrelay] '
_file: Optional[TextIO] = None     # None: sys.stdout at the time of the call


def set_tag(tag: str, file: Optional[TextIO] = None) -> None:
    """Print '[tag] ' in front of each log() line (e.g. 'dts'), to file
    (standard output unless given)."""
    set_prefix('[%s] ' % tag, file)


def set_prefix(prefix: str, file: Optional[TextIO] = None) -> None:
    """Print prefix as it is in front of each log() line, to file
    (standard output unless given)."""
    global _prefix, _file
    _prefix, _file = prefix, file


def log(msg: str, file: Optional[TextIO] = None) -> None:
    """Print the prefix and msg, and flush (output interleaves with child
    processes); to file, else where set_tag()/set_prefix() said."""
    print(_prefix + msg, file=file or _file or sys.stdout, flush=True)


def logger(tag: str, file: TextIO = sys.stdout) -> Callable[[str], None]:
    """A log function with its own tag."""
    def _log(msg: str) -> None:
        print('[%s] %s' % (tag, msg), file=file, flush=True)
    return _log
