"""Subgroup declarations and encoding of raw attribute columns into group labels.

Missing values (None, NaN, empty string) map to the explicit ``"unknown"`` group so
that rows are reported, never silently dropped, unless the value map declares a label for
the empty value (key ``""``), which they then take. Values that are present
but not declared are an error: the spec is the contract, the caller validates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import MetricsInputError
from .registry import INTERSECTION_SEP, UNKNOWN

_MAX_LISTED = 20


@dataclass(frozen=True)
class CategoricalAttribute:
    """A categorical attribute; ``values`` maps raw value -> canonical label (None: as-is)."""

    name: str
    values: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Bin:
    """One numeric bin; ``None`` bounds are open-ended (-inf / +inf)."""

    label: str
    low: float | None
    high: float | None
    closed_low: bool = True
    closed_high: bool = False

    def contains(self, x: np.ndarray) -> np.ndarray:
        lo = -math.inf if self.low is None else float(self.low)
        hi = math.inf if self.high is None else float(self.high)
        above = x >= lo if self.closed_low else x > lo
        below = x <= hi if self.closed_high else x < hi
        return above & below


@dataclass(frozen=True)
class BinnedAttribute:
    """A numeric attribute cut into labelled bins (e.g. age bands)."""

    name: str
    bins: Sequence[Bin]


@dataclass(frozen=True)
class Intersection:
    """Intersection of two or more declared attributes, named "a×b"."""

    attributes: tuple[str, ...]

    @property
    def name(self) -> str:
        return INTERSECTION_SEP.join(self.attributes)


Attribute = CategoricalAttribute | BinnedAttribute


def _is_missing(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v == ""
    try:
        return bool(v != v)  # NaN, pandas NA-likes
    except (TypeError, ValueError):
        return False


def _listing(values: Sequence[object]) -> str:
    shown = ", ".join(repr(v) for v in values[:_MAX_LISTED])
    more = f" (+{len(values) - _MAX_LISTED} more)" if len(values) > _MAX_LISTED else ""
    return shown + more


def _encode_categorical(attr: CategoricalAttribute, raw: Sequence[object]) -> np.ndarray:
    out = np.empty(len(raw), dtype=object)
    bad: list[object] = []
    vmap = None if attr.values is None else {str(k): str(v) for k, v in attr.values.items()}
    for i, v in enumerate(raw):
        if _is_missing(v):
            out[i] = vmap[""] if vmap is not None and "" in vmap else UNKNOWN
        elif vmap is None:
            out[i] = str(v)
        elif str(v) in vmap:
            out[i] = vmap[str(v)]
        else:
            out[i] = None
            if v not in bad:
                bad.append(v)
    if bad:
        raise MetricsInputError(
            f"attribute {attr.name!r}: values not in the declared value map: {_listing(bad)}"
        )
    return out.astype(str)


def _check_bins(attr: BinnedAttribute) -> None:
    if not attr.bins:
        raise MetricsInputError(f"attribute {attr.name!r}: no bins declared")
    for i, a in enumerate(attr.bins):
        for b in attr.bins[i + 1 :]:
            # Two bins overlap iff they share a boundary point, a midpoint between
            # boundaries, or a point beyond all boundaries (open-ended bins).
            ends = [x for x in (a.low, a.high, b.low, b.high) if x is not None]
            probe = np.array(ends or [0.0], dtype=float)
            mids = (probe[:, None] + probe[None, :]) / 2
            pts = np.concatenate([probe, mids.ravel(), [probe.min() - 1, probe.max() + 1]])
            if np.any(a.contains(pts) & b.contains(pts)):
                raise MetricsInputError(
                    f"attribute {attr.name!r}: bins {a.label!r} and {b.label!r} overlap"
                )


def _encode_binned(attr: BinnedAttribute, raw: Sequence[object]) -> np.ndarray:
    _check_bins(attr)
    missing = np.array([_is_missing(v) for v in raw], dtype=bool)
    try:
        x = np.array([np.nan if m else v for v, m in zip(raw, missing, strict=True)], dtype=float)
    except (TypeError, ValueError) as exc:
        raise MetricsInputError(f"attribute {attr.name!r}: non-numeric value ({exc})") from None
    out = np.full(len(raw), UNKNOWN, dtype=object)
    hit = np.zeros(len(raw), dtype=bool)
    for b in attr.bins:
        m = b.contains(x) & ~missing
        out[m] = b.label
        hit |= m
    outside = ~hit & ~missing
    if outside.any():
        bad = sorted({float(v) for v in x[outside]})
        raise MetricsInputError(
            f"attribute {attr.name!r}: values outside every declared bin: {_listing(bad)}"
        )
    return out.astype(str)


def encode_groups(
    columns: Mapping[str, Sequence[object]],
    attributes: Sequence[Attribute],
    intersections: Sequence[Intersection] = (),
) -> dict[str, np.ndarray]:
    """Encode raw columns (keyed by attribute name) into group-label arrays.

    Returns ``{attribute name: array of str}`` for every attribute, then every
    intersection (named "a×b", labels "x×y"). An intersection row is ``"unknown"``
    when any component is unknown: one explicit bucket keeps the rule "unknown is
    reported but not aggregated" simple.
    """
    out: dict[str, np.ndarray] = {}
    lengths = {len(columns[a.name]) for a in attributes if a.name in columns}
    if len(lengths) > 1:
        raise MetricsInputError(f"attribute columns have different lengths: {sorted(lengths)}")
    for attr in attributes:
        if attr.name in out:
            raise MetricsInputError(f"attribute {attr.name!r} declared twice")
        if attr.name not in columns:
            raise MetricsInputError(f"no column for attribute {attr.name!r}")
        raw = list(columns[attr.name])
        if isinstance(attr, BinnedAttribute):
            out[attr.name] = _encode_binned(attr, raw)
        else:
            out[attr.name] = _encode_categorical(attr, raw)
    base = dict(out)
    for inter in intersections:
        if len(inter.attributes) < 2:
            raise MetricsInputError(f"intersection {inter.name!r} needs >= 2 attributes")
        absent = [a for a in inter.attributes if a not in base]
        if absent:
            raise MetricsInputError(f"intersection {inter.name!r}: undeclared {absent}")
        parts = [base[a] for a in inter.attributes]
        unknown = np.zeros(len(parts[0]), dtype=bool)
        for p in parts:
            unknown |= p == UNKNOWN
        joined = parts[0].astype(object)
        for p in parts[1:]:
            joined = joined + INTERSECTION_SEP + p.astype(object)
        joined[unknown] = UNKNOWN
        out[inter.name] = joined.astype(str)
    return out
