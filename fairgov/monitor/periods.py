"""Periods of the log: bounds, counts, the labels-pending rule and a hash of each period's rows.

A period is *judged* (labelled checks run) only once `label_delay` days have passed after
its end, as of `as_of`; younger periods are "pending" and never judged on partial labels.
Label-free checks (composition, score shift, flag and override rates) run on every period.
The row hash is a change-detection key over every column a check reads, computed in
DuckDB (count, xor and sum of 64-bit row hashes, with labels as known at `as_of`): a late
label changes the hash of its own period only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb

from fairgov.monitor.log import effective_label_sql, q
from fairgov.monitor.plan import Plan

STEP = {"week": "7 days", "month": "1 month", "quarter": "3 months"}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    n: int
    n_labelled: int
    judged: bool
    rows_hash: str

    @property
    def key(self) -> str:
        return self.start.isoformat()

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.update(start=self.start.isoformat(), end=self.end.isoformat(), status="judged" if self.judged else "labels pending")
        return d


def default_as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    row = con.execute("SELECT max(greatest(study_time, coalesce(label_time, study_time))) FROM log").fetchone()
    if row is None or row[0] is None:
        return dt.datetime(1970, 1, 1)
    return row[0]


def periods(con: duckdb.DuckDBPyConnection, plan: Plan, as_of: dt.datetime, since: dt.date | None, until: dt.date | None) -> list[Period]:
    label = effective_label_sql(as_of)
    cols = ["study_id", "patient_id", "study_time", "score", "flag", "override", label]
    cols += [q("a_" + a) for a in plan.monitored_attributes()]
    h = f"hash({', '.join(cols)})"
    step = STEP[plan.monitoring.period]
    where = []
    if since:
        where.append(f"period >= DATE '{since.isoformat()}'")
    if until:
        where.append(f"period <= DATE '{until.isoformat()}'")
    rows = con.execute(f"""SELECT period, CAST(period + INTERVAL {step} AS DATE), count(*), count({label}),
        count(*)::VARCHAR || '-' || bit_xor({h})::VARCHAR || '-' || sum({h}::HUGEINT)::VARCHAR
        FROM log {'WHERE ' + ' AND '.join(where) if where else ''} GROUP BY period ORDER BY period""").fetchall()
    delay = dt.timedelta(days=plan.monitoring.label_delay)
    return [Period(s, e, int(n), int(nl), dt.datetime.combine(e, dt.time()) + delay <= as_of, hh) for s, e, n, nl, hh in rows]


def windows(items: list[Period], size: int) -> dict[str, list[Period]]:
    """For each judged period, the judged periods pooled for its metric checks (rolling window)."""
    out: dict[str, list[Period]] = {}
    for i, p in enumerate(items):
        if p.judged:
            out[p.key] = [x for x in items[max(0, i - size + 1) : i + 1] if x.judged]
    return out
