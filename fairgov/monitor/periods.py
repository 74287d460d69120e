"""Periods of the log: bounds, counts, the labels-pending rule and a hash of each period's rows.

A period is *judged* (labelled checks run) only once `label_delay` days have passed after
its end, as of `as_of`; younger periods are "pending" and never judged on partial labels.
Label-free checks (composition, score shift, flag and override rates) run on every period.
The row hash is a change-detection key over every column a check reads, computed in
DuckDB per file (`scan`) (count, xor and sum of 64-bit row hashes, with labels as known at
`as_of`): a late label changes the hash of its own period only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from fairgov.monitor.plan import Plan


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
        d.update(
            start=self.start.isoformat(),
            end=self.end.isoformat(),
            status="judged" if self.judged else "labels pending",
        )
        return d


def _end(start: dt.date, period: str) -> dt.date:
    if period == "week":
        return start + dt.timedelta(days=7)
    months = start.month - 1 + (1 if period == "month" else 3)
    return dt.date(start.year + months // 12, months % 12 + 1, 1)


def periods(plan: Plan, parts: dict[int, list[tuple[str, int, int, int, int]]], as_of: dt.datetime,
            since: dt.date | None, until: dt.date | None) -> list[Period]:
    """Periods from the files' parts (see `scan`): counts and hashes summed / xored over files."""
    acc: dict[str, list[int]] = {}
    for file_parts in parts.values():
        for key, n, nl, x, s in file_parts:
            a = acc.setdefault(key, [0, 0, 0, 0])
            a[0], a[1], a[2], a[3] = a[0] + n, a[1] + nl, a[2] ^ x, a[3] + s
    delay = dt.timedelta(days=plan.monitoring.label_delay)
    out = []
    for key in sorted(acc):
        start = dt.date.fromisoformat(key)
        if (since and start < since) or (until and start > until):
            continue
        n, nl, x, s = acc[key]
        end = _end(start, plan.monitoring.period)
        out.append(
            Period(
                start,
                end,
                n,
                nl,
                dt.datetime.combine(end, dt.time()) + delay <= as_of,
                f"{n}-{x}-{s}",
            )
        )
    return out


def windows(items: list[Period], size: int) -> dict[str, list[Period]]:
    """For each judged period, the judged periods pooled for its metric checks (rolling window)."""
    out: dict[str, list[Period]] = {}
    for i, p in enumerate(items):
        if p.judged:
            out[p.key] = [x for x in items[max(0, i - size + 1) : i + 1] if x.judged]
    return out
