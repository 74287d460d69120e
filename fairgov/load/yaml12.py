"""YAML 1.2 core-schema scalars on top of libyaml (PyYAML's C parser).

PyYAML resolves plain scalars by YAML 1.1 rules (`no` -> False, `010` -> 8, `1:20` -> 80),
which would silently change what a spec means. fairgov's specs are YAML 1.2 (the same
reading ruamel.yaml gives them), so the composer tags every untagged plain scalar
`PLAIN_TAG` and `plain_scalar` turns its text into a value by the 1.2 core schema.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import yaml

if not getattr(yaml, "__with_libyaml__", False):  # pragma: no cover - the install pins libyaml
    raise ImportError("fairgov needs PyYAML built with libyaml (yaml.CSafeLoader)")

PLAIN_TAG = "tag:fairgov,2026:plain"
MERGE = "<<"

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
    r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$"
)
_TIMESTAMP = re.compile(
    r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
    r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
    r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
)
_NUMBER_START = frozenset("-+0123456789")  # as in the 1.2 resolver: `_1` stays text
_TS_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class Loader(yaml.CSafeLoader):
    """libyaml composer; untagged plain scalars keep their text under PLAIN_TAG."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return PLAIN_TAG
        return super().resolve(kind, value, implicit)


def plain_scalar(text: str) -> Any:
    """The value of an untagged plain scalar under the YAML 1.2 core schema."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if text[:1] in _NUMBER_START and _INT.match(text):
        return _int(text.replace("_", ""))
    if _FLOAT.match(text):
        try:
            return _float(text.replace("_", "").lower())
        except ValueError:  # digits only of underscores (`._`, `-._e+1`): no number, so text
            return text
    if _TIMESTAMP.match(text):
        node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
        stamp: dt.date = _TS_CONSTRUCTOR.construct_yaml_timestamp(node)
        return stamp.isoformat()
    return text


def _int(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if body.startswith(prefix):
            return sign * int(body[2:], base)
    return sign * int(body)


def _float(text: str) -> float:
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text.endswith(".nan"):
        return math.nan
    return float(text)
