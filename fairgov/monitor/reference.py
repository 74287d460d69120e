"""Reference scores for score-shift checks: the evaluation's test-split scores, exported as a
CSV/Parquet file with a `score` column and the datasheet's attribute columns."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from fairgov import metrics as fm
from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.evaluate.hashing import sha256_file
from fairgov.monitor.frames import Frame, _plain
from fairgov.monitor.log import q
from fairgov.monitor.plan import Plan
from fairgov.validate.paths import PathEscape, resolve_inside


def load_reference(plan: Plan, relpath: str) -> tuple[Frame, str]:
    """The reference frame and the file's sha256; FG713 when it cannot be used."""
    where = plan.entry.doc.relpath
    try:
        path = resolve_inside(plan.root, relpath)
    except PathEscape as err:
        raise FairgovError(
            Diagnostic(where, 1, 1, "FG718", f"score_shift reference: {err}")
        ) from err
    if not path.is_file():
        raise FairgovError(
            Diagnostic(where, 1, 1, "FG713", f"score_shift reference {relpath!r} does not exist")
        )
    reader = "read_parquet" if path.suffix.lower() == ".parquet" else "read_csv"
    columns = {a: plan.datasheet.attributes[a].column or a for a in plan.monitored_attributes()}
    select = ", ".join(
        ["TRY_CAST(score AS DOUBLE) AS score"]
        + [f"{q(c)} AS {q('a_' + a)}" for a, c in columns.items()]
    )
    try:
        res = (
            duckdb.connect().execute(f"SELECT {select} FROM {reader}(?)", [str(path)]).fetchnumpy()
        )
    except duckdb.Error as err:
        msg = str(err).strip().splitlines()[0]
        raise FairgovError(
            Diagnostic(relpath, 1, 1, "FG713", f"score_shift reference unreadable: {msg}")
        ) from err
    score = _plain(res["score"]).astype(float)
    if np.isnan(score).any() or (score < 0).any() or (score > 1).any():
        raise FairgovError(
            Diagnostic(
                relpath, 1, 1, "FG713", "score_shift reference has scores missing or outside [0, 1]"
            )
        )
    specs = [s for s in plan.attribute_specs() if s.name in columns]
    raw: dict[str, Any] = {a: _plain(res["a_" + a]) for a in columns}
    groups = fm.encode_groups(raw, specs) if columns else {}
    empty = np.zeros(score.size)
    return Frame(empty, score, empty.astype(int), empty, empty, groups), sha256_file(path)
