# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""mrelay configuration text (docs/configuration.md) from Python values."""

from typing import Any, Dict, Iterable, Mapping, Tuple, Union

Sections = Union[Mapping[str, Mapping[str, Any]], Iterable[Tuple[str, Mapping[str, Any]]]]


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, (list, tuple)):
        return ' '.join(str(x) for x in v)
    s = str(v)
    if '\n' in s:
        raise ValueError('configuration value with a newline: %r' % s)
    return s


def ini_text(sections: Sections, comment: str = '') -> str:
    """Sections in order ({'relay': {...}, 'leg.a': {...}} or a list of
    (name, dict) pairs) as INI text; None values are left out, booleans
    become 1/0, lists are joined by spaces."""
    items = sections.items() if isinstance(sections, Mapping) else sections
    out = []
    if comment:
        out += ['; ' + line for line in comment.splitlines()]
    for name, keys in items:
        if out:
            out.append('')
        out.append('[%s]' % name)
        for k, v in keys.items():
            if v is not None:
                out.append('%s = %s' % (k, _value(v)))
    return '\n'.join(out) + '\n'


def write_ini(path: str, sections: Sections, comment: str = '') -> str:
    """Write ini_text(sections) to path; returns the path."""
    with open(path, 'w', encoding='utf-8') as f:
        f.write(ini_text(sections, comment))
    return path


def parse_ini(text: str) -> Dict[str, Dict[str, str]]:
    """The sections of INI text as {section: {key: value}} (comments and
    blank lines skipped), for tests that check what they wrote."""
    out: Dict[str, Dict[str, str]] = {}
    cur = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in ';#':
            continue
        if line.startswith('[') and line.endswith(']'):
            cur = out.setdefault(line[1:-1].strip(), {})
        elif '=' in line and cur is not None:
            k, v = line.split('=', 1)
            cur[k.strip()] = v.strip()
        else:
            raise ValueError('not INI: %r' % line)
    return out
