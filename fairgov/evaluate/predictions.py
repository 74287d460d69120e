"""Bring-your-own-scores protocol: read and check a predictions table.

Teams that cannot share a backbone submit scores instead; the same fail-closed checks
apply (unique ids, finite scores in [0, 1], ids that exist in the manifest).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from fairgov.evaluate.config import EvaluateError
from fairgov.evaluate.manifest import canonical
from fairgov.evaluate.problems import RowProblem

__all__ = ["PredictionsError", "check_predictions", "read_predictions"]


class PredictionsError(EvaluateError):
    """The predictions table failed its checks; ``problems`` lists every finding."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        head = "; ".join(f"row {p.row}: {p.code} {p.message}" for p in problems[:5])
        super().__init__(f"{len(problems)} problems in predictions: {head}")


def check_predictions(
    df: pd.DataFrame,
    id_column: str,
    score_column: str,
    label_column: str | None = None,
    *,
    manifest_ids: Iterable[object] | None = None,
    classes: Iterable[object] | None = None,
) -> list[RowProblem]:
    """Return every problem found (empty list = usable); never raises on bad rows."""
    missing = [c for c in (id_column, score_column, label_column) if c and c not in df.columns]
    if missing:
        return [RowProblem(None, None, "FG408", f"missing columns: {missing}")]
    problems: list[RowProblem] = []
    ids = [canonical(v) for v in df[id_column].tolist()]
    seen: dict[str, int] = {}
    for pos, rid in enumerate(ids):
        if rid in seen:
            problems.append(
                RowProblem(pos, None, "FG411", f"id {rid!r} duplicates row {seen[rid]}")
            )
        else:
            seen[rid] = pos
    scores = pd.to_numeric(df[score_column], errors="coerce").to_numpy(dtype=np.float64)
    for pos, (raw, s) in enumerate(zip(df[score_column].tolist(), scores, strict=True)):
        if not math.isfinite(s) or not 0.0 <= s <= 1.0:
            problems.append(
                RowProblem(pos, None, "FG412", f"score {raw!r} is not a finite number in [0, 1]")
            )
    if label_column is not None:
        allowed = None if classes is None else {canonical(c) for c in classes}
        for pos, lab in enumerate(df[label_column].tolist()):
            if (
                lab is None
                or (isinstance(lab, float) and math.isnan(lab))
                or (allowed is not None and canonical(lab) not in allowed)
            ):
                problems.append(
                    RowProblem(pos, None, "FG415", f"label {lab!r} missing or not declared")
                )
    if manifest_ids is not None:
        known = [canonical(v) for v in manifest_ids]
        known_set = set(known)
        for pos, rid in enumerate(ids):
            if rid not in known_set:
                problems.append(
                    RowProblem(pos, None, "FG413", f"id {rid!r} is not in the manifest")
                )
        for mid in sorted(known_set - set(ids)):
            problems.append(
                RowProblem(None, None, "FG414", f"manifest id {mid!r} has no prediction")
            )
    return problems


def read_predictions(
    path: str | os.PathLike[str],
    id_column: str,
    score_column: str,
    label_column: str | None = None,
    *,
    manifest_ids: Iterable[object] | None = None,
    classes: Iterable[object] | None = None,
) -> pd.DataFrame:
    """Read CSV/Parquet predictions; raise ``PredictionsError`` (fail closed) on problems.

    Returns columns ``id``, ``score`` (float) and, if given, ``label`` (as read).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        df = pd.read_csv(p, dtype={id_column: str}, keep_default_na=True)
    elif suffix in {".parquet", ".pq"}:
        df = pd.read_parquet(p)
    else:
        raise ValueError(f"unsupported predictions format {suffix!r} (use .csv or .parquet)")
    problems = check_predictions(
        df, id_column, score_column, label_column, manifest_ids=manifest_ids, classes=classes
    )
    if problems:
        raise PredictionsError(problems)
    out = pd.DataFrame(
        {"id": df[id_column].map(canonical), "score": df[score_column].astype(float)}
    )
    if label_column is not None:
        out["label"] = df[label_column].to_numpy()
    return out
