"""Read each log file once: row checks, period row hashes and study-id hashes, cached per file.

A file's scan is stored in the history store under the file's (path, size, mtime_ns, inode)
and the settings that shape its rows, so a later run reads only new or changed files. Row
hashes are combinable across files (count, xor, sum of 64-bit row hashes), so a period's
hash is the same whichever files were read. The hashes depend on which labels were final
at `as_of`: a file's scan is reused only while every label in it was final both when it was
scanned and now. Repeated study ids across files are found from the files' cached sorted
64-bit hashes of study ids; any problem at all sends the run to `log.build_log`, which reads
everything and names every bad row exactly as a run without the cache would. A SQL source
is read whole on every run (there is no file to fingerprint).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from fairgov.monitor import log
from fairgov.monitor.keys import digest
from fairgov.monitor.log import effective_label_sql, q
from fairgov.monitor.plan import Plan
from fairgov.monitor.source import SourceInfo, open_views

Part = tuple[str, int, int, int, int]  # period start, rows, labelled rows, xor, sum of row hashes


@dataclass
class Scan:
    as_of: dt.datetime
    parts: dict[int, list[Part]]  # file index -> its periods' parts
    loaded: set[int] = field(default_factory=set)  # files whose rows are in table `log`
    new: dict[str, tuple[str, Any]] = field(default_factory=dict)  # file scans to store
    sha256: dict[int, str] = field(default_factory=dict)  # file index -> sha256 (files only)
    files_read: int = 0  # files (or the SQL source) read this run; the others came from the cache


def row_hash_sql(plan: Plan, as_of: Any) -> str:
    cols = [
        "study_id",
        "patient_id",
        "study_time",
        "score",
        "flag",
        "override",
        effective_label_sql(as_of),
    ]
    return f"hash({', '.join(cols + [q('a_' + a) for a in plan.monitored_attributes()])})"


def parts_of(
    con: duckdb.DuckDBPyConnection, plan: Plan, table: str, as_of: Any
) -> dict[int, list[Part]]:
    h = row_hash_sql(plan, as_of)
    labelled = effective_label_sql(as_of)
    rows = con.execute(f"""SELECT _file, CAST(period AS VARCHAR), count(*), count({labelled}),
        bit_xor({h}), sum({h}::HUGEINT) FROM {table} WHERE period IS NOT NULL
        GROUP BY ALL ORDER BY 1, 2""").fetchall()
    out: dict[int, list[Part]] = {}
    for f, p, n, nl, x, s in rows:
        out.setdefault(int(f), []).append((p, int(n), int(nl), int(x), int(s)))
    return out


def _times(con: duckdb.DuckDBPyConnection, table: str) -> tuple[Any, Any]:
    row = con.execute(
        "SELECT max(greatest(study_time, coalesce(label_time, study_time))), max(label_time) FROM "
        f"{table}"
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _key(plan: Plan, path: Path, settings: str) -> str:
    st = path.stat()
    return "file:" + digest(
        [path.resolve().as_posix(), st.st_size, st.st_mtime_ns, st.st_ino, settings]
    )


READERS = 2
"""Files scanned at once, each on its own DuckDB cursor (a file of one row group is read by
one thread; two files keep two cores busy)."""


def scan(con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo, store: Any, ids_dir: Path,
         as_of: dt.datetime | None, settings: str,
         on_fresh: Callable[[list[int]], None] | None = None) -> Scan:
    """`on_fresh(indices)`: told which files are about to be read, before any is."""
    log.check_columns(con, plan, info)
    if info.kind != "file":
        return _whole(con, plan, info, as_of)
    keys = [_key(plan, p, settings) for p in info.files]
    cached = store.get_many(keys)
    todo = [
        i
        for i in range(len(info.files))
        if keys[i] not in cached or not (ids_dir / f"{keys[i][5:]}.npy").is_file()
    ]
    if on_fresh is not None:
        on_fresh(todo)
    fresh = _read_all(con, plan, info, todo, ids_dir, keys)
    if fresh is None:
        return _whole(con, plan, info, as_of)
    entries = {i: fresh.get(i) or cached[keys[i]] for i in range(len(info.files))}
    if as_of is None:
        times = [e["max_time"] for e in entries.values() if e["max_time"]]
        as_of = dt.datetime.fromisoformat(max(times)) if times else dt.datetime(1970, 1, 1)
    if _repeated_ids(ids_dir, [keys[i][5:] for i in range(len(keys))], set(fresh)):
        return _whole(con, plan, info, as_of)
    out = Scan(as_of, {})
    for i, e in entries.items():
        if not _settled(e, as_of):  # some label was not final then or is not now: hash at `as_of`
            e = dict(e, as_of=str(as_of), parts=_reread_parts(con, plan, info, i, as_of).get(i, []))
        if i in fresh or e is not cached.get(keys[i]):
            out.new[keys[i]] = ("file", e)
            out.files_read += 1
        out.parts[i] = [tuple(p) for p in e["parts"]]
        out.sha256[i] = e["sha256"]
    return out


def _settled(entry: dict[str, Any], as_of: dt.datetime) -> bool:
    """Every label of the file was final both when it was scanned and at `as_of`."""
    if entry["max_label_time"] is None:
        return True
    last = dt.datetime.fromisoformat(entry["max_label_time"])
    return last <= dt.datetime.fromisoformat(entry["as_of"]) and last <= as_of


def _sha(path: Path) -> str:
    from fairgov.evaluate.hashing import sha256_file

    return sha256_file(path)


def _read(
    con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo, i: int, ids_dir: Path, key: str
) -> dict[str, Any]:
    log.load_table(con, plan, info, f"f{i}", [f"raw{i}"])
    problems = log.count_problems(con, plan, f"f{i}")
    max_time, max_label = _times(con, f"f{i}")
    ids = con.execute(
        f"SELECT hash(study_id) AS h FROM f{i} WHERE study_id IS NOT NULL ORDER BY h"
    ).fetchnumpy()["h"]
    ids_dir.mkdir(parents=True, exist_ok=True)
    tmp = ids_dir / f"{key[5:]}.tmp.npy"
    np.save(tmp, np.asarray(ids, dtype=np.uint64))
    os.replace(tmp, ids_dir / f"{key[5:]}.npy")
    # hashed with every label final (as of the file's last label): the parts hold for any later
    # as_of, so the usual run (as_of = the log's last timestamp) needs no second read
    at = max_label or max_time or dt.datetime(1970, 1, 1)
    parts = [] if problems else parts_of(con, plan, f"f{i}", at).get(i, [])
    con.execute(f"DROP TABLE f{i}")
    return {
        "problems": problems,
        "sha256": _sha(info.files[i]),
        "max_time": str(max_time) if max_time else None,
        "max_label_time": str(max_label) if max_label else None,
        "as_of": str(at),
        "parts": parts,
    }


def _read_all(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    info: SourceInfo,
    todo: list[int],
    ids_dir: Path,
    keys: list[str],
) -> dict[int, dict[str, Any]] | None:
    """`_read` of files `todo`, up to `READERS` at once; taken in file order, as one by one:
    None at the first file with problems, the first file's error raised (the rest cancelled)."""
    if len(todo) < 2 or READERS < 2 or (os.cpu_count() or 1) < 2:
        out: dict[int, dict[str, Any]] = {}
        for i in todo:
            out[i] = _read(con, plan, info, i, ids_dir, keys[i])
            if out[i]["problems"]:
                return None
        return out

    def one(i: int) -> dict[str, Any]:
        cur = con.cursor()
        try:
            open_views(cur, info, [i])
            return _read(cur, plan, info, i, ids_dir, keys[i])
        finally:
            cur.close()

    out = {}
    with ThreadPoolExecutor(READERS, thread_name_prefix="fairgov-scan") as pool:
        futures = [(i, pool.submit(one, i)) for i in todo]
        try:
            for i, fut in futures:
                out[i] = fut.result()
                if out[i]["problems"]:
                    return None
        finally:
            for _, fut in futures:
                fut.cancel()
    return out


def _reread_parts(
    con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo, i: int, as_of: Any
) -> dict[int, list[Part]]:
    log.load_table(con, plan, info, f"f{i}", [f"raw{i}"])
    parts = parts_of(con, plan, f"f{i}", as_of)
    con.execute(f"DROP TABLE f{i}")
    return parts


def _repeated_ids(ids_dir: Path, names: list[str], fresh: set[int]) -> bool:
    """True when a study-id hash of a new file appears in another file (then the exact check
    runs)."""
    if not fresh or len(names) < 2:
        return False
    arrays = [np.load(ids_dir / f"{n}.npy") for n in names]
    if len(fresh) > 2:  # many new files: one sort of everything
        # a sort, not np.unique (hash-based in numpy 2: ~100x slower)
        every = np.sort(np.concatenate(arrays))
        return bool((every[1:] == every[:-1]).any())
    for f in fresh:  # a few new files: look their (sorted) hashes up in every other file's
        for j, other in enumerate(arrays):
            if j != f and other.size:
                at = np.minimum(np.searchsorted(other, arrays[f]), other.size - 1)
                if (other[at] == arrays[f]).any():
                    return True
    return False


def _whole(
    con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo, as_of: dt.datetime | None
) -> Scan:
    """Today's path: one checked table of every row (exact diagnostics; SQL sources)."""
    log.build_log(con, plan, info)
    if as_of is None:
        as_of = _times(con, "log")[0] or dt.datetime(1970, 1, 1)
    return Scan(
        as_of,
        parts_of(con, plan, "log", as_of),
        loaded=set(range(max(1, len(info.files)))),
        sha256={i: _sha(p) for i, p in enumerate(info.files)},
        files_read=max(1, len(info.files)),
    )


def frame_source(
    con: duckdb.DuckDBPyConnection, plan: Plan, info: SourceInfo, sc: Scan, keys: list[str]
) -> str:
    """Where `frames.fetch` reads the rows of periods `keys`: table `log` when it holds their
    files; the files' raw views directly when those files hold nothing but these periods (read
    once, only the columns a frame needs); else a table `log` of those files (a file holding
    several periods is then parsed once for all of them)."""
    need = {f for f, parts in sc.parts.items() if any(p[0] in keys for p in parts)}
    if need <= sc.loaded:
        return "log"
    if all(p[0] in keys for f in need for p in sc.parts[f]):
        return (
            "("
            + " UNION ALL ".join(
                log.typed_sql(plan, f"raw{i}", log.FRAME_COLUMNS) for i in sorted(need)
            )
            + ")"
        )
    log.load_table(con, plan, info, "log", [f"raw{i}" for i in sorted(need)], log.FRAME_COLUMNS)
    sc.loaded = need
    return "log"
