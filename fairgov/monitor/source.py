"""Read the production log into a DuckDB view `raw` with `_file` and `_line` (for diagnostics).

Files (a file, a folder or a glob of CSV/Parquet, inside the project) are read by DuckDB; a
SQL table or query goes through SQLAlchemy with the URL from the environment variable the
spec names (never from YAML). CSV cells are read as text and cast in `log.py`, so a bad cell
is a diagnostic with its file and line instead of a reader error.
"""

from __future__ import annotations

import csv
import glob as globmod
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.validate.paths import PathEscape, resolve_inside

SUFFIXES = (".csv", ".parquet")


@dataclass
class SourceInfo:
    kind: str
    names: list[str]  # relpaths of the files, or "sql:<table or query>"
    files: list[Path] = field(default_factory=list)
    columns: list[list[str]] = field(default_factory=list)  # per file (files only)
    views: list[str] = field(default_factory=list)  # per file: the SELECT of its view raw{i}

    def where(self, index: int) -> str:
        return self.names[index] if self.kind == "file" else self.names[0]


def _fail(where: str, code: str, message: str) -> FairgovError:
    return FairgovError(Diagnostic(where, 1, 1, code, message))


def list_files(root: Path, pattern: str, spec_file: str) -> list[Path]:
    try:
        base = resolve_inside(root, pattern.split("*")[0].split("?")[0].split("[")[0] or ".")
    except PathEscape as err:
        raise _fail(spec_file, "FG718", f"monitoring.source.path: {err}") from err
    if base.is_dir() and not any(c in pattern for c in "*?["):
        pattern = pattern.rstrip("/") + "/*"
    matches = sorted(Path(p) for p in globmod.glob(str(root / pattern)))
    files = [p for p in matches if p.is_file() and p.suffix.lower() in SUFFIXES]
    for p in files:
        if not p.resolve().is_relative_to(root.resolve()):
            raise _fail(
                spec_file, "FG718", f"monitoring.source.path: {p} resolves outside the project root"
            )
    if not files:
        raise _fail(
            spec_file, "FG701", f"monitoring.source.path {pattern!r} matches no CSV or Parquet file"
        )
    return files


def csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise csv.Error("the file is empty (no header line)")
    if len(set(header)) != len(header):
        raise csv.Error(f"the header repeats a column name: {header}")
    return header


def open_files(
    con: duckdb.DuckDBPyConnection, source: Any, root: Path, spec_file: str
) -> SourceInfo:
    files = list_files(root, source.path, spec_file)
    names = [p.relative_to(root).as_posix() for p in files]
    parts, columns = [], []
    for i, p in enumerate(files):
        fmt = source.format or p.suffix.lower().lstrip(".")
        path = str(p).replace("'", "''")
        try:
            if fmt == "parquet":
                columns.append(
                    [
                        r[0]
                        for r in con.execute(
                            f"DESCRIBE SELECT * FROM read_parquet('{path}')"
                        ).fetchall()
                    ]
                )
                parts.append(
                    f"SELECT {i} AS _file, file_row_number + 1 AS _line, * EXCLUDE "
                    "(file_row_number) "
                    f"FROM read_parquet('{path}', file_row_number=true)"
                )
            else:  # the header names the columns: no sniffing, every cell read as text
                columns.append(csv_header(p))
                spec = (
                    "{"
                    + ", ".join(
                        f"'{c.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for c in columns[-1]
                    )
                    + "}"
                )
                parts.append(
                    f"SELECT {i} AS _file, row_number() OVER () + 1 AS _line, * FROM "
                    f"read_csv('{path}', "
                    "header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
                    f"columns={spec})"
                )
        except (duckdb.Error, OSError, UnicodeDecodeError, csv.Error) as err:
            raise _fail(
                names[i], "FG701", f"cannot read the production log: {str(err).splitlines()[0]}"
            ) from err
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw{i} AS {parts[-1]}")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW raw AS "
        + " UNION ALL BY NAME ".join(f"SELECT * FROM raw{i}" for i in range(len(parts)))
    )
    return SourceInfo("file", names, files, columns, parts)


def open_views(con: duckdb.DuckDBPyConnection, info: SourceInfo, indices: list[int]) -> None:
    """The views raw{i} of files `indices` on another connection (a cursor: temporary views
    belong to the connection that made them)."""
    for i in indices:
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw{i} AS {info.views[i]}")


def row_estimate(con: duckdb.DuckDBPyConnection, info: SourceInfo, indices: list[int]) -> int:
    """About how many rows files `indices` hold: a Parquet file's count from its footer, a CSV
    file's size over 64 bytes (an estimate, to size the measure pool before the scan)."""
    rows = 0
    for i in indices:
        path = info.files[i]
        if "read_parquet(" in info.views[i]:
            lit = str(path).replace("'", "''")
            try:
                got = con.execute(
                    f"SELECT sum(num_rows) FROM parquet_file_metadata('{lit}')"
                ).fetchall()  # fetched to the end: the connection takes no other query before
                row = got[0] if got else None
            except duckdb.Error:  # the scan reports an unreadable file; here it counts nothing
                row = None
            rows += int(row[0] or 0) if row else 0
        else:
            rows += path.stat().st_size // 64
    return rows


def open_sql(con: duckdb.DuckDBPyConnection, source: Any, spec_file: str) -> SourceInfo:
    where = f"sql:{source.table or 'query'}"
    url = os.environ.get(source.url_env or "")
    if not url:
        raise _fail(
            spec_file,
            "FG710",
            f"environment variable {source.url_env} (the log database URL) is not set",
        )
    import sqlalchemy as sa

    query = sa.text(source.query) if source.query else sa.text(f"SELECT * FROM {source.table}")
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            result = conn.execute(query)
            import pyarrow as pa

            names = list(result.keys())
            rows = result.fetchall()
        engine.dispose()
    except sa.exc.ArgumentError as err:
        raise _fail(
            spec_file, "FG711", f"{source.url_env} does not hold a valid database URL"
        ) from err
    except sa.exc.SQLAlchemyError as err:
        first = str(getattr(err, "orig", err) or err).strip().splitlines()[0]
        raise _fail(where, "FG711", f"cannot read the log database: {first}") from err
    columns = {
        n: pa.array([None if r[i] is None else str(r[i]) for r in rows], pa.string())
        for i, n in enumerate(names)
    }
    table = pa.table({"_file": pa.array([0] * len(rows), pa.int64()),
                      "_line": pa.array(range(1, len(rows) + 1), pa.int64()), **columns})
    con.register("sql_rows", table)
    con.execute("CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM sql_rows")
    return SourceInfo("sql", [where])


def open_source(
    con: duckdb.DuckDBPyConnection, source: Any, root: Path, spec_file: str
) -> SourceInfo:
    if source.type == "sql":
        return open_sql(con, source, spec_file)
    return open_files(con, source, root, spec_file)
