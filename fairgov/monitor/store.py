"""History store: a DuckDB file of results keyed by content hashes (see `engine.keys`).

Every run holds a file lock on the store for its whole life, so two concurrent runs take
turns (the second reuses what the first stored); new results are written in one DuckDB
transaction, so a run killed at any point leaves the previous store consistent: either
all of its results are in, or none.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
from filelock import FileLock, Timeout

from fairgov.diagnostics import Diagnostic, FairgovError

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS results "
    "(key VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, payload VARCHAR NOT NULL)"
)
LOCK_TIMEOUT_S = 600.0


class Store:
    def __init__(self, path: Path):
        self.path = path
        self.lock = FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_S)
        self.con: duckdb.DuckDBPyConnection | None = None

    def _error(self, err: Exception) -> FairgovError:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return FairgovError(
            Diagnostic(
                str(self.path),
                1,
                1,
                "FG712",
                f"monitoring history store unusable: {first}",
                hint="move the file aside to start a fresh history (results are recomputed)",
            )
        )

    def __enter__(self) -> Store:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.lock.acquire()
        except (OSError, Timeout) as err:
            raise self._error(err) from err
        try:
            if not self.path.exists():
                self._create()
            self.con = duckdb.connect(str(self.path))
            self.con.execute(SCHEMA)
        except (duckdb.Error, OSError) as err:
            self.lock.release()
            raise self._error(err) from err
        return self

    def _create(self) -> None:
        """Build an empty store beside the path and rename it into place, so that a run killed
        while creating it leaves either no store or a whole one (with its table), never a file
        without the table."""
        fresh = self.path.with_name(self.path.name + ".new")
        for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
            leftover.unlink(missing_ok=True)
        con = duckdb.connect(str(fresh))
        try:
            con.execute(SCHEMA)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        fresh.replace(self.path)

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.con is not None:
            self.con.close()
        self.lock.release()

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        assert self.con is not None
        if not keys:
            return {}
        self.con.execute("CREATE OR REPLACE TEMP TABLE wanted (key VARCHAR)")
        self.con.executemany("INSERT INTO wanted VALUES (?)", [[k] for k in keys])
        rows = self.con.execute(
            "SELECT key, payload FROM results JOIN wanted USING (key)"
        ).fetchall()
        return {k: json.loads(p) for k, p in rows}

    def put_many(self, items: dict[str, tuple[str, Any]]) -> None:
        """Insert (key -> (kind, payload)) in one transaction."""
        assert self.con is not None
        if not items:
            return
        rows = [
            [k, kind, json.dumps(payload, sort_keys=True)] for k, (kind, payload) in items.items()
        ]
        try:
            self.con.execute("BEGIN TRANSACTION")
            self.con.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows)
            self.con.execute("COMMIT")
        except duckdb.Error as err:
            self.con.execute("ROLLBACK")
            raise self._error(err) from err

    def count(self) -> int:
        assert self.con is not None
        row = self.con.execute("SELECT count(*) FROM results").fetchone()
        return int(row[0]) if row else 0
