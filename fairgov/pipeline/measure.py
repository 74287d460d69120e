"""Stage measure: a predictions table + the Evaluation spec -> subgroup metrics with CIs.

The predictions table has one row per scored image: row_id, patient_id, split, label (0/1),
score, and the raw attribute columns. The threshold is fitted on the validation split and
applied unchanged to the test split, where every metric is reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fairgov import metrics as fm
from fairgov.vocabulary import SPLITS, subgroup_name


def attribute_specs(datasheet: Any) -> list[Any]:
    out: list[Any] = []
    for name, attr in datasheet.attributes.items():
        if attr.kind == "numeric":
            bins = [fm.Bin(b.label, b.low, b.high, *_closed(b.closed)) for b in attr.bins]
            out.append(fm.BinnedAttribute(name, bins))
        else:
            out.append(fm.CategoricalAttribute(name, dict(attr.values) if attr.values else None))
    return out


def _closed(closed: str) -> tuple[bool, bool]:
    return closed in ("left", "both"), closed in ("right", "both")


def group_columns(preds: pd.DataFrame, datasheet: Any, evaluation: Any) -> dict[str, np.ndarray]:
    """Encode every attribute and requested intersection of `preds` into group labels."""
    names = {s if isinstance(s, str) else None for s in evaluation.subgroups} - {None}
    combos = [tuple(s) for s in evaluation.subgroups if not isinstance(s, str)]
    needed = names | {n for c in combos for n in c}
    specs = [a for a in attribute_specs(datasheet) if a.name in needed]
    columns = {a.name: preds[_column(datasheet, a.name)].tolist() for a in specs}
    groups = fm.encode_groups(columns, specs, [fm.Intersection(c) for c in combos])
    wanted = {subgroup_name(s) for s in evaluation.subgroups}
    return {k: v for k, v in groups.items() if k in wanted}


def _column(datasheet: Any, name: str) -> str:
    attr = datasheet.attributes[name]
    return attr.column or name


def fit_threshold(preds: pd.DataFrame, evaluation: Any) -> float:
    val = preds[preds["split"] == "validation"]
    th = evaluation.threshold
    if th.policy == "fixed":
        return float(th.value)
    return float(
        fm.fit_threshold(
            val["label"].to_numpy(int), val["score"].to_numpy(float), th.policy, th.value
        )
    )


def measure_evaluation(
    preds: pd.DataFrame, datasheet: Any, evaluation: Any, versus_rest: list[str] | None = None
) -> tuple[float, dict[str, Any]]:
    threshold = fit_threshold(preds, evaluation)
    test = preds[preds["split"] == "test"].reset_index(drop=True)
    groups = group_columns(test, datasheet, evaluation)
    b, ev = evaluation.bootstrap, evaluation.min_evidence
    result = fm.measure(
        test["label"].to_numpy(int),
        test["score"].to_numpy(float),
        test["patient_id"].astype(str).to_numpy(),
        groups,
        threshold=threshold,
        metrics=list(evaluation.metrics),
        bootstrap=fm.BootstrapConfig(
            resamples=b.resamples, level=b.level, seed=b.seed, interval=b.interval
        ),
        min_evidence=fm.MinEvidence(n=ev.n, positives=ev.positives, negatives=ev.negatives),
        ece_bins=evaluation.ece_bins,
        permutations=b.permutations,
        versus_rest=versus_rest or (),
    )
    return threshold, result.to_dict()


def composition(
    preds_all: pd.DataFrame, datasheet: Any, evaluation: Any
) -> dict[str, dict[str, dict[str, int]]]:
    """Group counts per split for every single attribute: {attribute: {split: {group: n}}}."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    groups = group_columns(preds_all, datasheet, evaluation)
    splits = preds_all["split"].to_numpy()
    for attr, labels in groups.items():
        if "×" in attr:
            continue
        out[attr] = {}
        for split in SPLITS:
            mask = splits == split
            values, counts = np.unique(labels[mask], return_counts=True)
            out[attr][split] = {str(v): int(c) for v, c in zip(values, counts, strict=True)}
    return out
