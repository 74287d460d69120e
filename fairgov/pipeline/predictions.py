"""Produce the predictions table of an Evaluation: run the FM (linear probe) or read the
team's own scores file. Both give the same columns: row_id, patient_id, split, label, score
and the raw attribute columns, for the validation and test rows."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairgov.diagnostics import Diagnostic
from fairgov.evaluate.config import RayOptions, RunConfig
from fairgov.evaluate.hashing import sha256_file
from fairgov.evaluate.manifest import canonical, check_rows, patient_split, read_manifest
from fairgov.evaluate.problems import RowProblem
from fairgov.evaluate.tasks import label_column, label_problems, score_column, targets
from fairgov.pipeline.rowdiags import row_diagnostics
from fairgov.pipeline.tasks import multi_task, prediction_columns
from fairgov.validate.paths import resolve_inside
from fairgov.validate.project import CompiledProject, Entry
from fairgov.vocabulary import SCORED_SPLITS, SPLITS

#: per-run statistics: they differ between a cold and a warm (cached) build of the same
#: inputs, so they go to run-stats.json instead of the deterministic results.json
RUN_STATS = (
    "forward_passes", "images_embedded", "cache_hits", "cache_misses", "cache_corrupt_entries",
    "runner_workers", "shards_computed", "shards_cached", "shard_retries",
)


class EvalFailure(Exception):
    """The evaluation cannot produce predictions; carries a code and per-row diagnostics."""

    def __init__(self, code: str, message: str, rows: list[Diagnostic] | None = None):
        super().__init__(message)
        self.code, self.rows = code, rows or []


def _classes(ds: Any, ev: Any) -> tuple[str, str, str]:
    label = ds.manifest.labels[ev.task.label]
    others = [c for c in label.classes if c != ev.task.positive]
    if len(others) != 1:
        raise EvalFailure(
            "FG400",
            f"label {ev.task.label!r} has {len(label.classes)} classes; binary tasks only for now",
        )
    return label.column, others[0], ev.task.positive


def _attribute_maps(ds: Any) -> dict[str, list[str]]:
    return {a.column: list(a.values) for a in ds.attributes.values() if a.column and a.values}


def _row_diags(table_rel: str, problems: list[Any], ds: Any = None) -> list[Diagnostic]:
    """Row problems as grouped diagnostics (count + first lines + remedy), see rowdiags.py."""
    columns = (
        {a.column: name for name, a in ds.attributes.items() if a.column}
        if ds is not None
        else None
    )
    return row_diagnostics(table_rel, problems, columns)


def _split_column(df: pd.DataFrame, ds: Any, ev: Any) -> str | None:
    if ev.splits.source == "patient_hash":
        return None
    col = ds.manifest.split_column
    rename = {ev.splits.train: "train", ev.splits.validation: "validation", ev.splits.test: "test"}
    if any(k != v for k, v in rename.items()):
        df[col] = df[col].map(lambda v: rename.get(str(v), v))
    return col


def predictions_table(
    cp: CompiledProject,
    ev: Any,
    ds_entry: Entry,
    card: Any,
    options: dict[str, Any],
    reused: tuple[bytes, dict[str, Any]] | None = None,
    index: Any = None,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """`reused`: cached probe outputs (scores table as Parquet, record) from fairgov.pipeline.reuse;
    `index`: the build's stat-keyed hash index (None: hash every file)."""
    ds = ds_entry.model
    mpath = resolve_inside(cp.root, ds.manifest.path)
    try:
        df = read_manifest(mpath).reset_index(drop=True)
    except Exception as err:  # noqa: BLE001 - the user's file
        raise EvalFailure("FG306", f"manifest cannot be read: {err}") from err
    split_col = _split_column(df, ds, ev)
    task = multi_task(ds, ev)
    label_col, negative, positive = _classes(ds, ev) if task is None else ("", "0", "1")
    attr_cols = sorted({a.column for a in ds.attributes.values() if a.column})
    file_digest = index.sha256 if index is not None else sha256_file
    if reused is not None:
        table, prov, dropped = _reused(reused)
    elif ev.protocol.type in ("linear_probe", "zero_shot"):
        table, prov, dropped = _probe(
            cp,
            ev,
            ds,
            card,
            df,
            mpath,
            split_col,
            label_col,
            (negative, positive),
            attr_cols,
            options,
            file_digest,
            task,
        )
    elif task is not None:
        table, prov, dropped = _own_task_predictions(
            cp, ev, ds, df, mpath, split_col, attr_cols, task)
    else:
        table, prov, dropped = _own_predictions(
            cp, ev, ds, df, mpath, split_col, label_col, positive, attr_cols
        )
    if task is not None:
        _check_endpoints(table, task)
    prov["manifest"] = {"path": ds.manifest.path, "sha256": file_digest(mpath)}
    comp = df.copy()
    comp["split"] = comp[split_col] if split_col else _hash_splits(df, ds, ev)
    prov["_dropped_index"] = dropped.pop("_index")
    # dropped rows are counted nowhere
    prov["_composition_table"] = comp.drop(index=prov["_dropped_index"])
    return table, prov, dropped


def _check_endpoints(table: pd.DataFrame, task: Any) -> None:
    """FG440: a label or class with no positive row among the scored (validation, test) rows."""
    empty = [n for n in task.names if not table[label_column(n)].astype(int).any()]
    if empty:
        kind = "label" if task.type == "multilabel" else "class"
        names = ", ".join(map(repr, empty))
        raise EvalFailure("FG440", f"{kind}(s) {names} have no positive row in the "
                          "validation and test splits")


def _hash_splits(df: pd.DataFrame, ds: Any, ev: Any) -> np.ndarray:
    fr = dict(zip(SPLITS, ev.splits.fractions, strict=True))
    return np.asarray(
        patient_split(df[ds.manifest.patient_column].tolist(), fr, seed=ev.splits.seed)
    )


def _reused(
    reused: tuple[bytes, dict[str, Any]],
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    import io

    data, record = reused
    dropped = {**record["dropped"], "_index": list(record.get("dropped_index") or [])}
    return pd.read_parquet(io.BytesIO(data)), dict(record["provenance"]), dropped


def table_bytes(table: pd.DataFrame) -> bytes | None:
    """The scores table as Parquet for the probe-outputs cache; None when a column does not
    round-trip (mixed-type attribute values), so that the stage is simply not cached."""
    import io

    buf = io.BytesIO()
    try:
        table.to_parquet(buf, index=False)
        back = pd.read_parquet(io.BytesIO(buf.getvalue()))
        pd.testing.assert_frame_equal(back, table.reset_index(drop=True), check_exact=True)
    except Exception:  # noqa: BLE001 - any failure only means "do not cache"
        return None
    return buf.getvalue()


def _probe(
    cp, ev, ds, card, df, mpath, split_col, label_col, classes, attr_cols, options,
    file_digest=None,
    task=None,
):
    try:
        from fairgov.evaluate.cache import Cache
        from fairgov.evaluate.config import (
            BackboneConfig,
            EvaluateError,
            ImageSpec,
            ProbeConfig,
            ZeroShotConfig,
        )
        from fairgov.evaluate.run import InvalidRowsError, run_evaluation
    except ImportError as err:
        raise EvalFailure(
            "FG423", f"the linear probe needs the eval extra (torch + timm): {err}"
        ) from err
    bb = card.model.foundation_model.backbone if card is not None else None
    if bb is None:
        raise EvalFailure("FG400", f"{ev.model} names no backbone to run")
    pre = bb.preprocessing
    backbone = BackboneConfig(
        architecture=bb.architecture,
        weights=resolve_inside(cp.root, bb.weights) if bb.weights else None,
        sha256=bb.sha256,
        allow_hub=bb.allow_hub,
        input_size=pre.input_size,
        mean=pre.mean,
        std=pre.std,
        crop_pct=pre.crop_pct,
        interpolation=pre.interpolation,
        library=bb.library,
        pooling=bb.pooling,
        config=resolve_inside(cp.root, bb.config) if bb.config else None,
    )
    run_cfg = _run_config(ev.compute, options)
    proto, zero_shot, probe = ev.protocol, None, ProbeConfig(seed=ev.bootstrap.seed)
    if proto.type == "zero_shot":
        names = classes if task is None else task.names
        zero_shot = ZeroShotConfig(prompts=tuple(tuple(proto.prompts[str(c)]) for c in names),  # type: ignore[arg-type]
                                   temperature=proto.temperature)
    else:
        probe = ProbeConfig(
            Cs=tuple(proto.regularization), max_iter=proto.max_iter, seed=ev.bootstrap.seed
        )
    cache_dir = options.get("cache_dir") or cp.cache_dir
    try:
        res = run_evaluation(
            df,
            mpath.parent,
            backbone=backbone,
            image_column=ds.manifest.image_column,
            label_column=label_col,
            classes=classes,
            patient_column=ds.manifest.patient_column,
            attribute_columns=attr_cols,
            attribute_maps=_attribute_maps(ds),
            split_column=split_col,
            split_fractions=dict(zip(SPLITS, ev.splits.fractions, strict=True)),
            split_seed=ev.splits.seed,
            probe=probe,
            run=run_cfg,
            cache=Cache(Path(cache_dir)),
            drop_invalid=ev.drop_invalid_rows,
            file_digest=file_digest,
            zero_shot=zero_shot,
            fine_tune=options.get("fine_tune"),
            image_spec=image_spec(ImageSpec, ds.manifest.image_spec),
            task=task,
        )
    except InvalidRowsError as err:
        raise EvalFailure(err.problems[0].code if err.problems else "FG400", str(err),
                    _row_diags(ds.manifest.path, err.problems, ds)) from err
    except EvaluateError as err:
        raise EvalFailure(err.code, str(err)) from err
    dropped = _dropped_summary(
        res.dropped, res.problems, _row_diags(ds.manifest.path, res.problems, ds)
    )
    prov = _deterministic(res.provenance)
    if res.inputs is not None:
        prov["_probe_inputs"] = (
            res.inputs
        )  # popped by the build: what mitigation variants re-fit on
    return res.predictions, prov, dropped


def image_spec(cls: Any, spec: Any) -> Any:
    """The datasheet's `manifest.image_spec` as the engine's ImageSpec (None when empty)."""
    if spec is None or not spec.declared:
        return None
    window = (spec.window_center, spec.window_width) if spec.window_center is not None else None
    return cls(windowing=window, frames=spec.frames)


def _run_config(comp: Any, options: dict[str, Any]) -> Any:
    """The Evaluation's compute settings with the command line's overrides (--device,
    --runner, --ray-address)."""
    ray = comp.ray
    ray_opts = RayOptions(address=options.get("ray_address") or ray.address, actors=ray.actors,
                          cpus_per_actor=ray.cpus_per_actor, gpus_per_actor=ray.gpus_per_actor)
    return RunConfig(
        batch_size=comp.batch_size,
        workers=comp.workers,
        device=options.get("device") or comp.device,
        runner=options.get("runner") or comp.runner,
        shard_size=comp.shard_size,
        retries=comp.retries,
        threads=comp.threads,
        ray=ray_opts,
    )


def _deterministic(provenance: dict[str, Any]) -> dict[str, Any]:
    """Drop the per-run shard statistics that the build does not route to run-stats.json, so
    results.json stays byte-identical between cold, resumed and warm builds."""
    from fairgov.evaluate.run import PER_RUN_KEYS

    return {k: v for k, v in provenance.items() if k not in PER_RUN_KEYS or k in RUN_STATS}


def _dropped_summary(
    dropped: pd.DataFrame, problems: list[Any], reasons: list[Diagnostic]
) -> dict[str, Any]:
    """What `drop_invalid_rows` left out: manifest rows, problem counts by code, and the grouped
    reasons (file, first line, code, message) that the build prints (FG430)."""
    codes: dict[str, int] = {}
    for p in problems:
        codes[p.code] = codes.get(p.code, 0) + 1
    return {
        "rows": int(len(dropped)),
        "by_code": dict(sorted(codes.items())),
        "reasons": [
            {"file": d.file, "line": d.line, "code": d.code, "message": d.message} for d in reasons
        ],
        "_index": list(dropped.index),
    }


def _own_predictions(cp, ev, ds, df, mpath, split_col, label_col, positive, attr_cols):
    proto = ev.protocol
    ppath = resolve_inside(cp.root, proto.path)
    digest = sha256_file(ppath)
    if proto.sha256 and proto.sha256 != digest:
        raise EvalFailure(
            "FG409",
            f"predictions file sha256 {digest[:12]}… does not match the pinned "
            f"{proto.sha256[:12]}…",
        )
    try:
        preds = read_manifest(ppath)
    except Exception as err:  # noqa: BLE001
        raise EvalFailure("FG409", f"predictions file cannot be read: {err}") from err
    id_col = ds.manifest.id_column or ds.manifest.image_column
    for col, where in ((proto.id_column, "predictions"), (proto.score_column, "predictions")):
        if col not in preds.columns:
            raise EvalFailure("FG408", f"column {col!r} missing from the {where} file")
    classes = ds.manifest.labels[ev.task.label].classes
    _, problems, _ = check_rows(
        df.assign(_noimg=""), mpath.parent, "_noimg", label_col, classes, _attribute_maps(ds)
    )
    problems = [p for p in problems if p.code not in ("FG401", "FG405", "FG402")]
    ids = preds[proto.id_column].astype(str)
    pred_problems = check_predictions(preds, proto.id_column, proto.score_column, df[id_col])
    if (problems or pred_problems) and not ev.drop_invalid_rows:
        first = (problems or pred_problems)[0]
        rows = _row_diags(ds.manifest.path, problems, ds) + _row_diags(proto.path, pred_problems)
        raise EvalFailure(
            first.code, f"{len(problems) + len(pred_problems)} invalid rows: {first.message}", rows
        )
    bad_rows = {p.row for p in problems if p.row is not None}
    bad_ids = {ids[p.row] for p in pred_problems if p.row is not None}
    reasons = _row_diags(ds.manifest.path, problems, ds) + _row_diags(proto.path, pred_problems)
    problems += pred_problems
    score = dict(zip(ids, pd.to_numeric(preds[proto.score_column], errors="coerce"), strict=True))
    splits = df[split_col].astype(str) if split_col else pd.Series(_hash_splits(df, ds, ev))
    keep = [i for i in range(len(df)) if splits[i] in SCORED_SPLITS and i not in bad_rows
            and str(df.at[i, id_col]) in score and str(df.at[i, id_col]) not in bad_ids]
    table = pd.DataFrame({
        "row_id": keep,
        "patient_id": [str(df.at[i, ds.manifest.patient_column]) for i in keep],
        "split": [splits[i] for i in keep],
        "label": [int(canonical(df.at[i, label_col]) == canonical(positive)) for i in keep],
        "score": [float(score[str(df.at[i, id_col])]) for i in keep],
    })
    for col in attr_cols:
        table[col] = [df.at[i, col] for i in keep]
    prov = {"predictions": {"path": proto.path, "sha256": digest}, "runner": "predictions-file",
            "rows": {"total": len(df), "scored": len(keep)}}
    return table, prov, _dropped_summary(df.iloc[sorted(bad_rows)], problems, reasons)


def _own_task_predictions(cp, ev, ds, df, mpath, split_col, attr_cols, task):
    """A predictions file of a multilabel / multiclass task: one score column per endpoint."""
    proto = ev.protocol
    ppath = resolve_inside(cp.root, proto.path)
    digest = sha256_file(ppath)
    if proto.sha256 and proto.sha256 != digest:
        raise EvalFailure("FG409", f"predictions file sha256 {digest[:12]}… does not match the "
                          "pinned "
                          f"{proto.sha256[:12]}…")
    try:
        preds = read_manifest(ppath)
    except Exception as err:  # noqa: BLE001
        raise EvalFailure("FG409", f"predictions file cannot be read: {err}") from err
    columns = prediction_columns(ev, task)
    id_col = ds.manifest.id_column or ds.manifest.image_column
    for col in (proto.id_column, *columns.values()):
        if col not in preds.columns:
            raise EvalFailure("FG408", f"column {col!r} missing from the predictions file")
    _, problems, _ = check_rows(
        df.assign(_noimg=""), mpath.parent, "_noimg", None, None, _attribute_maps(ds))
    problems = [p for p in problems if p.code not in ("FG401", "FG405", "FG402")]
    problems += label_problems(df, task)
    seen: set[tuple[Any, str, str]] = set()
    pred_problems = []
    for col in columns.values():
        for p in check_predictions(preds, proto.id_column, col, df[id_col]):
            if (p.row, p.code, p.message) not in seen:
                seen.add((p.row, p.code, p.message))
                pred_problems.append(p)
    reasons = _row_diags(ds.manifest.path, problems, ds) + _row_diags(proto.path, pred_problems)
    if (problems or pred_problems) and not ev.drop_invalid_rows:
        first = (problems or pred_problems)[0]
        count = len(problems) + len(pred_problems)
        raise EvalFailure(first.code, f"{count} invalid rows: {first.message}", reasons)
    ids = preds[proto.id_column].astype(str)
    bad_rows = {p.row for p in problems if p.row is not None}
    bad_ids = {ids[p.row] for p in pred_problems if p.row is not None}
    position = {v: i for i, v in enumerate(ids)}
    splits = df[split_col].astype(str) if split_col else pd.Series(_hash_splits(df, ds, ev))
    keep = [i for i in range(len(df)) if splits[i] in SCORED_SPLITS and i not in bad_rows
            and str(df.at[i, id_col]) in position and str(df.at[i, id_col]) not in bad_ids]
    at = [position[str(df.at[i, id_col])] for i in keep]
    table = pd.DataFrame({
        "row_id": keep,
        "patient_id": [str(df.at[i, ds.manifest.patient_column]) for i in keep],
        "split": [splits[i] for i in keep],
    })
    Y = targets(df, keep, task)
    for j, (name, col) in enumerate(columns.items()):
        table[label_column(name)] = Y[:, j]
        table[score_column(name)] = pd.to_numeric(preds[col], errors="coerce").to_numpy(float)[at]
    for col in attr_cols:
        table[col] = [df.at[i, col] for i in keep]
    prov = {"predictions": {"path": proto.path, "sha256": digest, "score_columns": columns},
            "runner": "predictions-file", "rows": {"total": len(df), "scored": len(keep)}}
    dropped = df.iloc[sorted(bad_rows)]
    return table, prov, _dropped_summary(dropped, problems + pred_problems, reasons)


def _problem(row: int, code: str, message: str) -> RowProblem:
    return RowProblem(row, None, code, message)


def check_predictions(preds: pd.DataFrame, id_column: str, score_column: str,
                      manifest_ids: Iterable[object]) -> list[RowProblem]:  # fmt: skip
    """Every problem of a bring-your-own predictions table, one per row and check: a duplicated
    id (FG411), a score that is not a probability in [0, 1] (FG412), an id the manifest does
    not have (FG413). Never raises on bad rows; the columns are known to exist."""
    out = []
    ids = preds[id_column].astype(str)
    for i, dup in enumerate(ids.duplicated()):
        if dup:
            out.append(_problem(i, "FG411", f"prediction id {ids[i]!r} is duplicated"))
    scores = pd.to_numeric(preds[score_column], errors="coerce").to_numpy(float)
    for i, s in enumerate(scores):
        if not np.isfinite(s) or s < 0 or s > 1:
            out.append(
                _problem(
                    i,
                    "FG412",
                    f"score {preds[score_column].iloc[i]!r} is not a probability in [0, 1]",
                )
            )
    known = {str(v) for v in manifest_ids}
    out += [
        _problem(i, "FG413", f"prediction id {v!r} is not in the manifest")
        for i, v in enumerate(ids)
        if v not in known
    ]
    return out
