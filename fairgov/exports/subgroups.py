"""The subgroup table for analysts: one row per evaluation x attribute x group x metric.

results.json nests cells deeply (evaluation -> measure -> attribute -> group -> metric); an
analyst wants a long table they can filter and pivot. Undefined metrics stay in the table with
an empty value and their reason: they are never dropped and never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from fairgov.results import Results, measures, parse

COLUMNS = ("evaluation", "attribute", "group", "metric", "value", "ci_low", "ci_high", "reason",
           "n", "n_pos", "n_neg", "ci_level")
FORMATS = ("csv", "parquet")


def rows(results: Results | dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Flatten every measured cell of every evaluation (and of each mitigation variant, as
    `ref#variant`), in results.json order."""
    typed = results if isinstance(results, Results) else parse(results)
    for ref, measure in measures(typed):
        level = measure.bootstrap.level
        for attribute, block in measure.attributes.items():
            for group, cell in block.groups.items():
                for metric, m in cell.metrics.items():
                    yield {
                        "evaluation": ref,
                        "attribute": attribute,
                        "group": group,
                        "metric": metric,
                        "value": m.value,
                        "ci_low": m.ci_low,
                        "ci_high": m.ci_high,
                        "reason": m.reason,
                        "n": cell.n,
                        "n_pos": cell.n_pos,
                        "n_neg": cell.n_neg,
                        "ci_level": level,
                    }


def to_csv(table: list[dict[str, Any]]) -> bytes:
    """CSV with a header; an undefined value is an empty cell (reason says why)."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow(
            {
                k: ("" if v is None else repr(v) if isinstance(v, float) else v)
                for k, v in row.items()
            }
        )
    return buf.getvalue().encode("utf-8")


def to_parquet(table: list[dict[str, Any]]) -> bytes:
    """Parquet with an explicit schema (nullable floats and ints, so empty tables keep types)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "value": pa.float64(),
        "ci_low": pa.float64(),
        "ci_high": pa.float64(),
        "n": pa.int64(),
        "n_pos": pa.int64(),
        "n_neg": pa.int64(),
        "ci_level": pa.float64(),
    }
    schema = pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])
    arrow = pa.Table.from_pylist(table, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink)
    return sink.getvalue().to_pybytes()


def export(results: dict[str, Any], form: str) -> bytes:
    table = list(rows(results))
    return to_csv(table) if form == "csv" else to_parquet(table)
