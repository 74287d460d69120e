"""The canonical log table: typed columns, checked row by row, with each study's period.

`raw` (from `source`) -> table `log`: _file, _line, study_id, patient (hash), study_time,
score, flag, label (1 positive / 0 / NULL not yet final as of `as_of`), label_time,
override, one column per monitored attribute, period (start date). Every check reports
up to `MAX_ROWS` rows with file and line; any error stops the run (exit 2): nothing is
judged on a log that does not mean what the spec says.
"""

from __future__ import annotations

from typing import Any

import duckdb

from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.monitor.plan import Plan
from fairgov.monitor.source import SourceInfo

MAX_ROWS = 20


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def mapped_columns(plan: Plan) -> dict[str, str]:
    """Role -> log column for every column the run needs."""
    c = plan.monitoring.columns
    roles = {"study_id": c.study_id, "patient_id": c.patient_id, "study_time": c.study_time,
             "score": c.score, "label": c.label, "label_time": c.label_time}
    if c.flag:
        roles["flag"] = c.flag
    if c.override:
        roles["override"] = c.override
    for attr in plan.monitored_attributes():
        roles[f"attribute {attr}"] = plan.column(attr)
    return roles


def check_columns(con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo) -> None:
    if info.kind == "file":
        per_file = [set(c) for c in info.columns]
    else:
        per_file = [{r[0] for r in con.execute("DESCRIBE SELECT * FROM raw").fetchall()}]
    for i, present in enumerate(per_file):
        missing = [(role, col) for role, col in mapped_columns(plan).items() if col not in present]
        if missing:
            listed = ", ".join(f"{col!r} ({role})" for role, col in missing)
            have = ", ".join(sorted(present - {"_file", "_line"}))
            raise FairgovError(
                Diagnostic(
                    info.where(i),
                    1,
                    1,
                    "FG702",
                    f"the production log lacks column(s) {listed}; it has: {have}",
                    hint="map the log's own names under monitoring.columns",
                )
            )


def _attr_columns(plan: Plan, name: str) -> dict[str, str]:
    col = q(plan.column(name))
    if plan.datasheet.attributes[name].kind == "numeric":
        bad = (
            f"(TRY_CAST({col} AS DOUBLE) IS NULL "
            f"AND NULLIF(TRIM(CAST({col} AS VARCHAR)), '') IS NOT NULL)"
        )
        return {"a_" + name: f"TRY_CAST({col} AS DOUBLE)", "bad_" + name: bad}
    return {"a_" + name: f"NULLIF(TRIM(CAST({col} AS VARCHAR)), '')"}


def typed_columns(plan: Plan) -> dict[str, str]:
    """Canonical column -> its SQL expression over a raw view (in the order of table `log`)."""
    c, m = plan.monitoring.columns, mapped_columns(plan)
    flag = (
        f"TRY_CAST(CAST({q(c.flag)} AS VARCHAR) AS INTEGER)"
        if c.flag
        else f"CAST(TRY_CAST({q(m['score'])} AS DOUBLE) >= {plan.threshold!r} AS INTEGER)"
    )
    override = (
        f"TRY_CAST(CAST({q(c.override)} AS VARCHAR) AS INTEGER)"
        if c.override
        else "CAST(NULL AS INTEGER)"
    )
    period = {"week": "week", "month": "month", "quarter": "quarter"}[plan.monitoring.period]
    cols = {"_file": "_file", "_line": "_line",
            "study_id": f"NULLIF(TRIM(CAST({q(m['study_id'])} AS VARCHAR)), '')",
            "patient_id": f"NULLIF(TRIM(CAST({q(m['patient_id'])} AS VARCHAR)), '')",
            "study_time": f"TRY_CAST({q(m['study_time'])} AS TIMESTAMP)",
            "score": f"TRY_CAST({q(m['score'])} AS DOUBLE)",
            "label_raw": f"NULLIF(TRIM(CAST({q(m['label'])} AS VARCHAR)), '')",
            "label_time_raw": f"NULLIF(TRIM(CAST({q(m['label_time'])} AS VARCHAR)), '')",
            "label_time": f"TRY_CAST({q(m['label_time'])} AS TIMESTAMP)"}
    for a in plan.monitored_attributes():
        cols.update(_attr_columns(plan, a))
    cols.update(
        {
            "flag": flag,
            "override": override,
            "period": f"CAST(date_trunc('{period}', "
            f"TRY_CAST({q(m['study_time'])} AS TIMESTAMP)) AS DATE)",
            "patient": f"hash(NULLIF(TRIM(CAST({q(m['patient_id'])} AS VARCHAR)), ''))",
        }
    )
    return cols


FRAME_COLUMNS = (
    "_file",
    "_line",
    "score",
    "label_raw",
    "label_time",
    "flag",
    "override",
    "period",
    "patient",
)
"""What `frames.fetch` reads (with the attributes `a_*`)."""


def typed_sql(plan: Plan, source: str, only: tuple[str, ...] | None = None) -> str:
    """SELECT of the canonical typed columns from the view or table `source`; `only`: just
    these columns (and the attributes' values), the same expressions."""
    cols = typed_columns(plan)
    if only is not None:
        cols = {k: v for k, v in cols.items() if k in only or k.startswith("a_")}
    return (
        "SELECT "
        + ",\n        ".join(v if k == v else f"{v} AS {q(k)}" for k, v in cols.items())
        + f"\n        FROM {source}"
    )


def load_table(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    info: SourceInfo,
    table: str,
    sources: list[str],
    only: tuple[str, ...] | None = None,
) -> None:
    """Table `table` of typed rows from the views `sources` (in order); `only` as in `typed_sql`."""
    sql = " UNION ALL ".join(typed_sql(plan, src, only) for src in sources)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}")
    except duckdb.Error as err:  # a file that sniffed well but does not parse to its end
        raise FairgovError(
            Diagnostic(
                info.where(0),
                1,
                1,
                "FG701",
                f"cannot read the production log: {str(err).splitlines()[0]}",
            )
        ) from err


def build_log(con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo) -> None:
    """Table `log` of every row, checked: raises with every row diagnostic found."""
    check_columns(con, plan, info)
    load_table(con, plan, info, "log", ["raw"])
    diags = check_rows(con, plan, info)
    if diags:
        raise FairgovError(diags)


def count_problems(con: duckdb.DuckDBPyConnection, plan: Plan, table: str) -> int:
    """Rows of `table` failing any row check, plus repeated study ids: one scan, no details
    (a non-zero count sends the run to `build_log`, which names every row)."""
    conds = [cond for _, cond, _, _ in _checks(plan) if cond != "FALSE"]
    bad = " + ".join(f"count_if({c})" for c in conds) or "0"
    row = con.execute(
        f"SELECT {bad}, count(study_id) - count(DISTINCT study_id) FROM {table}"
    ).fetchone()
    return int(row[0] or 0) + int(row[1] or 0) if row else 0


def _checks(plan: Plan) -> list[tuple[str, str, str, str]]:
    """(code, SQL condition, column shown, message) per row check."""
    c = plan.monitoring.columns
    classes = ", ".join(lit(x) for x in plan.classes)
    checks = [
        ("FG709", "patient_id IS NULL", c.patient_id, "no patient id"),
        ("FG703", "study_time IS NULL", c.study_time, "study time {v} is not a timestamp"),
        (
            "FG703",
            "label_time_raw IS NOT NULL AND label_time IS NULL",
            c.label_time,
            "label time {v} is not a timestamp",
        ),
        (
            "FG703",
            "label_raw IS NOT NULL AND label_time_raw IS NULL",
            c.label_time,
            "a label without the time it became final",
        ),
        (
            "FG706",
            "score IS NULL OR NOT isfinite(score) OR score < 0 OR score > 1",
            c.score,
            "score {v} is not a number in [0, 1]",
        ),
        (
            "FG708",
            f"label_raw IS NOT NULL AND label_raw NOT IN ({classes})",
            c.label,
            "label {v} is not one of the declared classes " + f"[{', '.join(plan.classes)}]",
        ),
        ("FG705", "label_time < study_time", c.label_time, "label dated {v}, before its study"),
        (
            "FG719",
            "flag IS NULL OR flag NOT IN (0, 1)",
            c.flag or c.score,
            "the flag shown is not 0 or 1",
        ),
        (
            "FG719",
            "override IS NOT NULL AND override NOT IN (0, 1)" if c.override else "FALSE",
            c.override or "",
            "override is not 0 or 1",
        ),
        ("FG709", "study_id IS NULL", c.study_id, "no study id"),
    ]
    return checks + [_attribute_check(plan, a) for a in plan.monitored_attributes()]


def _attribute_check(plan: Plan, name: str) -> tuple[str, str, str, str]:
    attr, col = plan.datasheet.attributes[name], q("a_" + name)
    raw = plan.column(name)
    if attr.kind == "numeric":
        return ("FG707", q("bad_" + name), raw,
                f"{name} value {{v}} is not a number")
    if not attr.values:
        return ("FG707", "FALSE", raw, "")
    allowed = ", ".join(lit(v) for v in attr.values)
    return ("FG707", f"{col} IS NOT NULL AND {col} NOT IN ({allowed})", raw,
            f"{name} value {{v}} is not declared in the datasheet ({', '.join(attr.values)})")


def _value_expr(column: str) -> str:
    return f"CAST({q(column)} AS VARCHAR)" if column else "NULL"


def check_rows(con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for code, cond, column, message in _checks(plan):
        if cond == "FALSE":
            continue
        bad = con.execute(f"""SELECT _file, _line, count(*) OVER () FROM log WHERE {cond}
            ORDER BY _file, _line LIMIT {MAX_ROWS}""").fetchall()
        if not bad:
            continue
        keys = " OR ".join(f"(_file = {f} AND _line = {line})" for f, line, _ in bad)
        rows = con.execute(f"""SELECT _file, _line, {_value_expr(column)}, {bad[0][2]}
            FROM raw WHERE {keys} ORDER BY _file, _line""").fetchall()
        diags += [
            _row_diag(info, code, f, line, message.format(v=repr(v)), column, total)
            for f, line, v, total in rows
        ]
    diags += _duplicates(con, info, plan.monitoring.columns.study_id)
    return diags


def _row_diag(
    info: SourceInfo, code: str, f: int, line: int, message: str, column: str, total: int
) -> Diagnostic:
    more = f" ({total} rows in all)" if total > 1 else ""
    where = f"line {line}" if info.kind == "file" else f"row {line - 0}"
    return Diagnostic(
        info.where(f), int(line), 1, code, f"{where}, column {column!r}: {message}{more}"
    )


def _duplicates(con: duckdb.DuckDBPyConnection, info: SourceInfo, column: str) -> list[Diagnostic]:
    dup = con.execute(f"""SELECT study_id FROM log WHERE study_id IS NOT NULL GROUP BY study_id
        HAVING count(*) > 1 LIMIT {MAX_ROWS}""").fetchall()
    if not dup:
        return []
    ids = ", ".join(lit(d[0]) for d in dup)
    rows = con.execute(f"""SELECT study_id, list(_file ORDER BY _file, _line),
        list(_line ORDER BY _file, _line) FROM log WHERE study_id IN ({ids})
        GROUP BY study_id ORDER BY min(_file), min(_line)""").fetchall()
    out = []
    for sid, files, lines in rows:
        first = f"{info.where(files[0])} line {lines[0]}"
        out.append(
            Diagnostic(
                info.where(files[1]),
                int(lines[1]),
                1,
                "FG704",
                f"line {lines[1]}, column {column!r}: study id {sid!r} also appears at {first}",
            )
        )
    return out


def effective_label_sql(as_of: Any) -> str:
    """The label as known at `as_of`: NULL when it became final later."""
    return f"CASE WHEN label_time <= TIMESTAMP {lit(str(as_of))} THEN label_raw END"
