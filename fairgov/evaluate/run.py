"""Local evaluation runner: manifest -> validated rows -> embeddings -> probe -> scores.

Fails closed: any row problem stops the run (``InvalidRowsError``) unless the caller asked
to drop invalid rows, in which case the dropped rows are returned alongside the problems.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import fairgov
from fairgov.evaluate.backbone import load_backbone
from fairgov.evaluate.config import (
    BackboneConfig,
    EvaluateError,
    ImageSpec,
    ProbeConfig,
    RunConfig,
    ZeroShotConfig,
)
from fairgov.evaluate.embed import EmbedStats, embed_rows
from fairgov.evaluate.hashing import sha256_file
from fairgov.evaluate.manifest import (
    canonical,
    check_rows,
    manifest_hash,
    patient_split,
    resolve_image,
)
from fairgov.evaluate.multiprobe import multi_probe
from fairgov.evaluate.probe import ProbeResult, linear_probe
from fairgov.evaluate.problems import RowProblem, untag
from fairgov.evaluate.tasks import MultiTask, label_problems, score_column, targets
from fairgov.evaluate.tasks import label_column as target_column
from fairgov.evaluate.zeroshot import zero_shot_probabilities, zero_shot_scores
from fairgov.vocabulary import SPLITS

__all__ = ["PER_RUN_KEYS", "SPLITS", "EvaluationResult", "InvalidRowsError", "run_evaluation"]

#: provenance entries that describe this run (they differ between a cold and a resumed or
#: warm run of the same inputs), next to forward_passes and the cache counters
PER_RUN_KEYS = ("runner_workers", "shards_computed", "shards_cached", "shard_retries")


class InvalidRowsError(EvaluateError):
    """Rows failed validation and ``drop_invalid`` was not set; ``problems`` lists them."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        head = "; ".join(f"row {p.row}: {p.code} {p.message}" for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} invalid manifest rows: {head}{more}")


@dataclass
class EvaluationResult:
    """Scores for validation/test rows, the provenance record and what was dropped."""

    predictions: pd.DataFrame
    provenance: dict[str, Any]
    problems: list[RowProblem] = field(default_factory=list)
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)
    probe: ProbeResult | None = None
    #: linear probe only: {split: (row ids, embeddings, 0/1 labels)}, what a mitigation re-fits on
    #: (a multilabel / multiclass task: 0/1 targets of shape (rows, endpoints))
    inputs: dict[str, tuple[list[int], np.ndarray, np.ndarray]] | None = None


def _split_problems(df: pd.DataFrame, split_column: str, patient_column: str) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for pos, value in enumerate(df[split_column].tolist()):
        if canonical(value) not in SPLITS:
            problems.append(
                RowProblem(pos, None, "FG406", f"split {value!r} not in {list(SPLITS)}")
            )
    per_patient = df.groupby(df[patient_column].astype(str))[split_column].nunique()
    leaking = set(per_patient[per_patient > 1].index)
    for pos, pid in enumerate(df[patient_column].astype(str).tolist()):
        if pid in leaking:
            problems.append(
                RowProblem(pos, None, "FG407", f"patient {pid!r} appears in several splits")
            )
    return problems


def _fail_or_drop(problems: list[RowProblem], drop_invalid: bool) -> set[int]:
    if problems and not drop_invalid:
        raise InvalidRowsError(problems)
    return {p.row for p in problems if p.row is not None}


def run_evaluation(
    manifest: pd.DataFrame,
    root: str | os.PathLike[str],
    *,
    backbone: BackboneConfig,
    image_column: str = "image",
    label_column: str = "label",
    classes: Sequence[object] = (0, 1),
    patient_column: str = "patient_id",
    attribute_columns: Sequence[str] = (),
    attribute_maps: Mapping[str, Iterable[object]] | None = None,
    split_column: str | None = None,
    split_fractions: Mapping[str, float] | None = None,
    split_seed: int = 0,
    probe: ProbeConfig | None = None,
    run: RunConfig | None = None,
    image_spec: ImageSpec | None = None,
    cache: Any = None,
    drop_invalid: bool = False,
    manifest_sha256: str | None = None,
    file_digest: Any = None,
    zero_shot: ZeroShotConfig | None = None,
    fine_tune: Any = None,
    task: MultiTask | None = None,
) -> EvaluationResult:
    """Embed every valid row, fit the probe on train, score validation and test rows.

    ``classes`` is ``(negative, positive)``. ``split_column=None`` assigns patient-level
    splits by hashing ``patient_column`` (see ``patient_split``). ``row_id`` in the output
    is the 0-based position of the row in ``manifest``. ``file_digest`` hashes an image
    file (default ``sha256_file``; the build passes its stat-keyed index). ``zero_shot``
    scores with the CLIP model's text prompts instead of a probe (train rows are not embedded).
    ``fine_tune`` (a ``fairgov.evaluate.finetune.FineTuneConfig``) first fine-tunes the
    backbone on the train rows (local runner only), then embeds every split with it; the
    provenance gains ``fine_tune`` and the tuned weights' digest. ``task`` (multilabel or
    multiclass, fairgov.evaluate.tasks) replaces ``label_column``/``classes``: the output has
    ``label:<name>`` and ``score:<name>`` columns per endpoint instead of ``label``/``score``.
    """
    probe, run = probe or ProbeConfig(), run or RunConfig()
    if task is not None and fine_tune is not None:
        raise EvaluateError(f"fine_tune is binary only; this task is {task.type}", code="FG441")
    if task is None and len(classes) != 2:
        raise EvaluateError(
            f"the linear probe is binary: classes must be (negative, positive), got {classes}"
        )
    root_p = Path(root)
    df = manifest.reset_index(drop=True)
    needed = [patient_column, *attribute_columns] + ([split_column] if split_column else [])
    absent = [c for c in needed if c not in df.columns]
    if absent:
        raise InvalidRowsError([RowProblem(None, None, "FG408", f"missing columns: {absent}")])
    _, problems, _ = check_rows(
        df, root_p, image_column, label_column if task is None else None,
        classes if task is None else None, attribute_maps, drop_invalid=False
    )
    if task is not None:
        problems += label_problems(df, task)
    if any(p.row is None for p in problems):
        raise InvalidRowsError(problems)
    for pos, pid in enumerate(df[patient_column].tolist()):
        if pid is None or (isinstance(pid, float) and np.isnan(pid)) or not str(pid).strip():
            problems.append(RowProblem(pos, None, "FG410", "patient id is missing"))
    if split_column:
        splits = df[split_column].map(canonical).to_numpy(dtype=object)
        problems += _split_problems(df, split_column, patient_column)
    else:
        if split_fractions is not None and set(split_fractions) != set(SPLITS):
            raise EvaluateError(f"split_fractions must name exactly {list(SPLITS)}", code="FG424")
        splits = patient_split(df[patient_column].tolist(), split_fractions, seed=split_seed)
    bad = _fail_or_drop(problems, drop_invalid)

    keep = [i for i in range(len(df)) if i not in bad]
    rel = {i: str(df.at[i, image_column]) for i in keep}
    paths = {i: resolve_image(root_p, rel[i])[0] for i in keep}
    file_digest = file_digest or sha256_file
    digests = {i: file_digest(paths[i]) for i in keep}
    loaded = load_backbone(backbone)
    if fine_tune is not None:
        from fairgov.evaluate.finetune import tune_backbone

        if zero_shot is not None:
            raise EvaluateError("fine_tune applies to the linear probe, not to zero_shot")
        positive_class = canonical(classes[1])
        train_rows = [i for i in keep if splits[i] == "train"]
        y_tune = np.array(
            [int(canonical(df.at[i, label_column]) == positive_class) for i in train_rows]
        )
        loaded, _ = tune_backbone(
            loaded,
            [str(paths[i]) for i in train_rows],
            y_tune,
            fine_tune,
            runner=run.runner,
            windowing=image_spec.windowing if image_spec else None,
            frames=image_spec.frames if image_spec else None,
        )
    stats = EmbedStats()
    embed = [i for i in keep if zero_shot is None or splits[i] != "train"]
    items = [(i, os.fspath(paths[i]), digests[i]) for i in embed]  # type: ignore[arg-type]
    emb, meta = embed_rows(
        items, backbone, run, cache, image_spec=image_spec, stats=stats, loaded=loaded
    )
    decode_problems = [RowProblem(int(i), rel[i], *untag(text)) for i, text in stats.errors]
    problems += decode_problems
    bad |= _fail_or_drop(decode_problems, drop_invalid)
    keep = [i for i in keep if i not in bad]

    positive = canonical(classes[1])
    y = {} if task is not None else {
        i: int(canonical(df.at[i, label_column]) == positive) for i in keep}
    by_split = {s: [i for i in keep if splits[i] == s] for s in SPLITS}
    for s in SPLITS if zero_shot is None else SPLITS[1:]:
        if not by_split[s]:
            raise EvaluateError(f"the {s} split is empty after validation", code="FG424")

    def xy(s: str) -> tuple[np.ndarray, np.ndarray]:
        return np.stack([emb[i] for i in by_split[s]]), np.array([y[i] for i in by_split[s]])

    scored = by_split["validation"] + by_split["test"]
    res: ProbeResult | None = None
    inputs = None
    multi_scores: np.ndarray | None = None
    if task is not None:
        X = {s: np.stack([emb[i] for i in by_split[s]])
             for s in (SPLITS if zero_shot is None else SPLITS[1:])}
        Y = {s: targets(df, by_split[s], task) for s in SPLITS}
        if zero_shot is None:
            inputs = {s: (by_split[s], X[s], Y[s]) for s in SPLITS}  # Y: (rows, endpoints)
            val, test, probe_record = multi_probe(task, X, Y, probe)
            multi_scores = np.concatenate([val, test])
            method: dict[str, Any] = {"probe": probe_record}
        else:
            if task.type != "multiclass":
                raise EvaluateError(
                    "zero_shot scores classes: it takes a binary or multiclass task", code="FG441")
            multi_scores, used = zero_shot_probabilities(
                np.concatenate([X["validation"], X["test"]]), loaded, zero_shot)
            prompts = zip(task.names, zero_shot.prompts, strict=True)
            method = {"zero_shot": {"prompts": {n: list(p) for n, p in prompts}, **used}}
        scores = np.zeros(len(scored))
    elif zero_shot is None:
        (Xtr, ytr), (Xva, yva), (Xte, yte) = xy("train"), xy("validation"), xy("test")
        inputs = {
            "train": (by_split["train"], Xtr, ytr),
            "validation": (by_split["validation"], Xva, yva),
            "test": (by_split["test"], Xte, yte),
        }
        res = linear_probe(Xtr, ytr, Xva, yva, Xte, probe)
        scores = np.concatenate([res.scores_val, res.scores_test])
        method = {"probe": {
            "C": res.C, "val_auroc_per_C": {str(k): v for k, v in res.val_auroc_per_C.items()}}}
    else:
        scores, used = zero_shot_scores(np.stack([emb[i] for i in scored]), loaded, zero_shot)
        names = [str(c) for c in classes]
        method = {"zero_shot": {
            "prompts": {n: list(p) for n, p in zip(names, zero_shot.prompts, strict=True)}, **used}}
    preds = pd.DataFrame(
        {
            "row_id": scored,
            "patient_id": [str(df.at[i, patient_column]) for i in scored],
            "split": [splits[i] for i in scored],
            "label": [y.get(i, 0) for i in scored],
            "score": scores,
        }
    )
    if task is not None and multi_scores is not None:
        Yall = targets(df, scored, task)
        preds = preds.drop(columns=["label", "score"])
        for j, name in enumerate(task.names):
            preds[target_column(name)] = Yall[:, j]
            preds[score_column(name)] = multi_scores[:, j]
    for col in attribute_columns:
        preds[col] = df[col].iloc[scored].to_numpy()
    preds = preds.sort_values("row_id", kind="stable").reset_index(drop=True)
    provenance: dict[str, Any] = {
        "manifest_sha256": manifest_sha256 or manifest_hash(manifest),
        "files": {rel[i]: digests[i] for i in sorted(keep, key=lambda j: rel[j])},
        "weights_sha256": meta["weights_sha256"],
        "sha256_verified": meta["sha256_verified"],
        "architecture": meta["architecture"],
        **{k: meta[k] for k in ("library", "library_version", "pooling", "fine_tune") if k in meta},
        "preprocessing": meta["preprocessing"],
        **_image_spec(image_spec),
        "device": meta["device"],
        "forward_passes": stats.forward_passes,
        "images_embedded": stats.images_embedded,
        "cache_hits": stats.cache_hits,
        "cache_misses": stats.cache_misses,
        "cache_corrupt_entries": getattr(getattr(cache, "stats", None), "corrupt", 0),
        "runner": meta["runner"],
        "workers": run.workers,
        "runner_workers": stats.runner_workers,
        "shards_computed": stats.shards_computed + stats.shards_joined,
        "shards_cached": stats.shards_cached,
        "shard_retries": stats.shard_retries,
        "batch_size": run.batch_size,
        **method,
        "split": {
            "column": split_column,
            "seed": None if split_column else split_seed,
            "counts": {s: len(by_split[s]) for s in SPLITS},
        },
        "rows": {"total": len(df), "used": len(keep), "dropped": len(df) - len(keep)},
        "versions": _versions(),
    }
    dropped = df.iloc[sorted(set(range(len(df))) - set(keep))]
    return EvaluationResult(preds, provenance, problems, dropped, res, inputs)


def _image_spec(spec: ImageSpec | None) -> dict[str, Any]:
    """The declared decoding (DICOM window override, frame policy) for provenance; nothing
    when none was declared, so that earlier provenance records stay as they were."""
    if spec is None or (spec.windowing is None and spec.frames is None):
        return {}
    window = list(spec.windowing) if spec.windowing is not None else None
    return {"image_spec": {"window": window, "frames": spec.frames}}


def _versions() -> dict[str, str]:
    import timm
    import torch

    return {"fairgov": fairgov.__version__, "torch": torch.__version__, "timm": timm.__version__}
