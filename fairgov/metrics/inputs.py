"""Validation and integer encoding of ``measure`` inputs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import MetricsInputError
from .registry import UNKNOWN


@dataclass(frozen=True)
class EncodedAttribute:
    name: str
    labels: tuple[str, ...]  # group labels, natural order, "unknown" last (always present)
    codes: np.ndarray  # (n,) code of each row into ``labels``


def _natural_key(label: str) -> tuple:
    parts = re.split(r"(\d+)", label)
    return (label == UNKNOWN, [int(p) if i % 2 else p for i, p in enumerate(parts)])


def _group_strings(name: str, values: Sequence[object] | np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise MetricsInputError(f"groups[{name!r}] has shape {arr.shape}, expected ({n},)")
    if arr.dtype.kind == "U":
        return np.where(arr == "", UNKNOWN, arr)
    out = np.empty(n, dtype=object)
    for i, v in enumerate(arr.tolist()):
        missing = v is None or v == "" or (isinstance(v, float) and v != v)
        out[i] = UNKNOWN if missing else str(v)
    return out.astype(str)


FEW = 32
"""Distinct values up to which `_distinct` finds them by whole-array comparisons."""


def _distinct(strings: np.ndarray) -> tuple[list[str], np.ndarray]:
    """(distinct values, each row's index into them), like ``np.unique(strings,
    return_inverse=True)`` up to the values' order: an attribute holds a handful of values, and
    a few vectorised comparisons are much cheaper than sorting every row's string."""
    todo = np.ones(strings.size, dtype=bool)
    inv = np.empty(strings.size, dtype=np.int64)
    found: list[str] = []
    while len(found) < FEW:
        first = int(todo.argmax())
        if not todo[first]:
            return found, inv
        same = strings == strings[first]
        inv[same] = len(found)
        todo &= ~same
        found.append(str(strings[first]))
    uniq, full = np.unique(strings, return_inverse=True)  # many values: one sort
    return uniq.tolist(), full.ravel()


def encode_attribute(name: str, values: Sequence[object] | np.ndarray, n: int) -> EncodedAttribute:
    strings = _group_strings(name, values, n)
    uniq, inv = _distinct(strings)
    present = set(uniq) | {UNKNOWN}
    labels = tuple(sorted(present, key=_natural_key))
    lookup = {lab: i for i, lab in enumerate(labels)}
    codes = np.array([lookup[u] for u in uniq], dtype=np.int64)[inv]
    return EncodedAttribute(name, labels, codes)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for integer arrays, by one sort (numpy 2's hash-based unique
    of plain values is many times slower on large integer arrays; same result)."""
    s = np.sort(values, kind="stable")
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def validate_arrays(labels, scores, clusters) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Return (labels int8, scores float64, cluster codes, number of clusters)."""
    y_raw = np.asarray(labels)
    s = np.asarray(scores, dtype=float)
    if y_raw.ndim != 1 or s.ndim != 1 or y_raw.size != s.size:
        raise MetricsInputError("labels and scores must be 1-D arrays of equal length")
    if y_raw.size == 0:
        raise MetricsInputError("no rows to measure")
    try:
        ok = np.isin(y_raw.astype(float), (0.0, 1.0))
    except (TypeError, ValueError):
        ok = np.zeros(y_raw.size, dtype=bool)
    if not ok.all():
        bad = np.unique(y_raw[~ok].astype(str))[:10].tolist()
        raise MetricsInputError(f"labels must be 0/1; found {bad}")
    if not np.isfinite(s).all() or (s < 0).any() or (s > 1).any():
        raise MetricsInputError("scores must be finite probabilities in [0, 1]")
    c = np.asarray(clusters)
    if c.shape != s.shape:
        raise MetricsInputError(f"clusters has shape {c.shape}, expected {s.shape}")
    if c.dtype.kind not in "iub":
        if c.dtype.kind == "f" and np.isnan(c).any():
            raise MetricsInputError("cluster ids must not be missing")
        if c.dtype.kind == "O" and any(v is None for v in c.tolist()):
            raise MetricsInputError("cluster ids must not be missing")
        c = c.astype(str) if c.dtype.kind == "O" else c
    uniq, codes = np.unique(c, return_inverse=True)
    return y_raw.astype(float).astype(np.int8), s, codes.ravel().astype(np.int64), uniq.size


def encode_groups_input(
    groups: Mapping[str, Sequence[object] | np.ndarray], n: int
) -> list[EncodedAttribute]:
    out = []
    for name, values in groups.items():
        if not isinstance(name, str) or not name:
            raise MetricsInputError(f"attribute names must be non-empty strings, got {name!r}")
        out.append(encode_attribute(name, values, n))
    return out
