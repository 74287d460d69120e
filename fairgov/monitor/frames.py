"""Rows of some periods as numpy arrays, with each monitored attribute encoded into groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from fairgov import metrics as fm
from fairgov.monitor.log import effective_label_sql, lit, q
from fairgov.monitor.plan import Plan


@dataclass
class Frame:
    label: np.ndarray  # float: 1 positive, 0 negative, NaN not yet final
    score: np.ndarray
    flag: np.ndarray
    override: np.ndarray  # float, NaN where not logged
    patient: np.ndarray
    groups: dict[str, np.ndarray]
    # per attribute where known: (each row's index into `values`, the distinct group labels),
    # with groups[a] == values[index]; lets the checks split rows by integer comparisons
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.score.size)

    def labelled(self) -> Frame:
        keep = ~np.isnan(self.label)
        return Frame(
            self.label[keep],
            self.score[keep],
            self.flag[keep],
            self.override[keep],
            self.patient[keep],
            {k: v[keep] for k, v in self.groups.items()},
            {k: (index[keep], values) for k, (index, values) in self.codes.items()},
        )


def fetch(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    as_of: dt.datetime,
    keys: list[str],
    source: str = "log",
) -> Frame:
    """The rows of periods `keys` from `source` (table `log`, or a query over the raw views
    with `log`'s columns), in file and line order. Read as Arrow: numbers without a round
    trip through masked arrays, attribute strings dictionary-encoded (a handful of values)."""
    attrs = plan.monitored_attributes()
    label = effective_label_sql(as_of)
    cols = ", ".join(q("a_" + a) for a in attrs)
    periods = ", ".join(f"DATE {lit(k)}" for k in keys)
    res = con.sql(f"""SELECT CAST(CASE WHEN ({label}) IS NULL THEN NULL
        WHEN ({label}) = {lit(plan.positive)} THEN 1.0 ELSE 0.0 END AS DOUBLE) AS y, score, flag,
        CAST(override AS DOUBLE) AS override, patient{", " + cols if cols else ""}
        FROM {source} WHERE period IN ({periods}) ORDER BY _file, _line""").to_arrow_table()
    specs = {s.name: s for s in plan.attribute_specs() if s.name in attrs}
    codes = {a: _encode_column(res.column("a_" + a), specs[a]) for a in attrs}
    groups = {
        a: values[index] if index.size else values[:0] for a, (index, values) in codes.items()
    }
    return Frame(
        _numbers(res.column("y")),
        _numbers(res.column("score")),
        _numbers(res.column("flag")).astype(int),
        _numbers(res.column("override")),
        _numbers(res.column("patient")),
        groups,
        codes,
    )


def _numbers(col: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as numpy; NULLs as NaN (as `_plain` does for masked arrays)."""
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if arr.null_count:
        return np.asarray(arr.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    return arr.to_numpy(zero_copy_only=False)


def _encode_column(col: pa.ChunkedArray, spec: Any) -> tuple[np.ndarray, np.ndarray]:
    """`_encode` of an Arrow column: strings by their dictionary, numbers as numpy."""
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return _encode(_numbers(col), spec)
    enc = (col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)).dictionary_encode()
    uniques: list[Any] = enc.dictionary.to_pylist()
    codes = (
        enc.indices.fill_null(len(uniques)).to_numpy(zero_copy_only=False)
        if enc.null_count
        else enc.indices.to_numpy(zero_copy_only=False)
    )
    if enc.null_count:
        uniques.append(None)
    return codes, fm.encode_groups({spec.name: uniques}, [spec])[spec.name]


def _encode(raw: np.ndarray, spec: Any) -> tuple[np.ndarray, np.ndarray]:
    """(row index, group labels): `fm.encode_groups` on the column's distinct values (a log
    holds few distinct values per attribute, so this encodes a handful, not every row)."""
    uniques, codes = np.unique(raw, return_inverse=True)  # NaNs as one value (equal_nan)
    return codes, fm.encode_groups({spec.name: list(uniques)}, [spec])[spec.name]


def _plain(a: Any) -> np.ndarray:
    """Masked arrays (DuckDB NULLs) as plain arrays: NaN for numbers, None for objects."""
    if isinstance(a, np.ma.MaskedArray):
        if a.dtype.kind in "fiu":
            return np.ma.filled(a.astype(float), np.nan)
        return np.ma.filled(a.astype(object), None)
    return np.asarray(a)
