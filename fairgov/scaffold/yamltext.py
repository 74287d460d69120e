"""Tiny YAML text helpers for the scaffold: flow values and wrapped comments.

The scaffold writes YAML by hand (not through a dumper) because it interleaves a comment above
every field and commented-out alternatives; these helpers keep each scalar unambiguous.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9 _./@()+'-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def scalar(value: Any) -> str:
    """One YAML scalar that reads back as exactly `value` (also inside flow collections)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):  # YAML 1.1 readers need a dot in the mantissa: 1.0e-06
        text = repr(value)
        mantissa, e, exp = text.partition("e")
        return f"{mantissa}.0e{exp}" if e and "." not in mantissa else text
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if (
        _PLAIN.match(text)
        and text == text.strip()
        and text.lower() not in _RESERVED
        and " #" not in text
    ):
        return text
    return json.dumps(
        text, ensure_ascii=False
    )  # a JSON string is a valid YAML double-quoted scalar


def flow(value: Any) -> str:
    """A value in YAML flow style: `[a, b]`, `{k: v}` or a scalar."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def comment(text: str, indent: int, width: int = 100) -> list[str]:
    """`text` as `# ...` lines at `indent`, wrapped to `width` columns."""
    pad = " " * indent
    body = max(40, width - indent - 2)
    return [f"{pad}# {line}" for line in textwrap.wrap(" ".join(text.split()), body)]


def comment_out(lines: list[str], indent: int) -> list[str]:
    """Prefix every line with `# ` at column `indent`; an editor's toggle-comment undoes it."""
    pad = " " * indent
    return [
        pad + "# " + (line[indent:] if line.startswith(pad) else line.lstrip()) for line in lines
    ]
