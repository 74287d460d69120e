"""Multilabel and multiclass tasks: their endpoints, label checks and probes.

A task of several endpoints (a label of a multilabel task, a class of a multiclass task) is
evaluated one-vs-rest: endpoint ``k`` has a 0/1 target ``label:k`` and a score ``score:k`` in
the predictions table. The probes are in fairgov.evaluate.multiprobe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fairgov.evaluate.manifest import canonical
from fairgov.evaluate.problems import RowProblem

__all__ = ["Endpoint", "MultiTask", "label_column", "label_problems", "score_column", "targets"]


def label_column(name: str) -> str:
    """The predictions table's 0/1 target column of an endpoint."""
    return f"label:{name}"


def score_column(name: str) -> str:
    """The predictions table's score column of an endpoint."""
    return f"score:{name}"


@dataclass(frozen=True)
class Endpoint:
    """One one-vs-rest endpoint: its name, the manifest column it reads, its positive value."""

    name: str
    column: str
    positive: str


@dataclass(frozen=True)
class MultiTask:
    """A multilabel or multiclass task; ``allowed`` = the declared values of each label column."""

    type: Literal["multilabel", "multiclass"]
    endpoints: tuple[Endpoint, ...]
    allowed: dict[str, tuple[str, ...]]

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.endpoints]


def label_problems(df: pd.DataFrame, task: MultiTask) -> list[RowProblem]:
    """FG403 for every row whose value of a task's label column is missing or undeclared."""
    out = []
    for column, values in task.allowed.items():
        if column not in df.columns:
            out.append(RowProblem(None, None, "FG408", f"missing columns: [{column!r}]"))
            continue
        allowed = {canonical(v) for v in values}
        for pos, value in enumerate(df[column].tolist()):
            if (
                value is None
                or (isinstance(value, float) and np.isnan(value))
                or str(value).strip() == ""
            ):
                out.append(RowProblem(pos, None, "FG403", f"label {column!r} is missing"))
            elif canonical(value) not in allowed:
                out.append(
                    RowProblem(
                        pos,
                        None,
                        "FG403",
                        f"label {column!r} value {value!r} not in {sorted(allowed)}",
                    )
                )
    return out


def targets(df: pd.DataFrame, rows: Sequence[int], task: MultiTask) -> np.ndarray:
    """(len(rows), endpoints) 0/1 targets of the given manifest rows."""
    out = np.zeros((len(rows), len(task.endpoints)), dtype=int)
    for j, e in enumerate(task.endpoints):
        values = [canonical(df.at[i, e.column]) for i in rows]
        out[:, j] = [int(v == canonical(e.positive)) for v in values]
    return out
