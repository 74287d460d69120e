"""Mitigation variants of a multilabel or multiclass Evaluation, one endpoint at a time
(issue 15).

Each endpoint (a label, or a class one-vs-rest) is a binary (label, score) table
(``fairgov.pipeline.tasks.endpoint_table``), measured as the baseline endpoint is:

- ``group_thresholds`` is exactly the binary variant (``fairgov.pipeline.variants
  ._group_thresholds``): per-group thresholds fitted on the validation rows of that endpoint's
  score, decisions measured on its test rows.
- ``reweight`` / ``resample`` / ``group_dro`` re-fit the probe on the same cached embeddings
  (train rows only; a variant never re-embeds): a multilabel task re-fits each label's binary
  probe with the binary mitigation code as is (``fairgov.mitigate.variants.fit_probe_variant``,
  one-vs-rest per label), a multiclass task re-fits the softmax probe
  (``fairgov.mitigate.multiclass.fit_softmax_variant``). Each endpoint's threshold is then fitted
  on validation by the evaluation's policy and every metric measured on test, as in
  ``fairgov.pipeline.tasks.measure_task``.

The paired comparison of an endpoint is the binary one against the endpoint's own baseline
threshold. The build (``attach_endpoint_variants``) stores them under ``labels.<k>.variants``
and ``labels.<k>.comparisons``; comparison gates name the endpoint with ``label:``.

Cache discipline (as the binary variants, ``fairgov.pipeline.variants``): a mitigation's
endpoint variants are stored under ``content_key(kind="endpoint-variant",
measurement=<baseline measurement key>, mitigation=<its spec>)``, the re-fitted probe's scores
under the baseline's probe-outputs key and the mitigation, and the comparisons under the
baseline key, the compared variants' keys and the compared statistics. A warm build with
nothing changed reads JSON records only (no table, no fit, no bootstrap).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from fairgov.evaluate.cache import content_key
from fairgov.evaluate.config import ProbeConfig
from fairgov.evaluate.hashindex import HashIndex
from fairgov.evaluate.tasks import MultiTask
from fairgov.mitigate.multiclass import fit_softmax_variant
from fairgov.mitigate.variants import fit_probe_variant
from fairgov.pipeline.predictions import EvalFailure
from fairgov.pipeline.record import EvaluationRecord, through_json
from fairgov.pipeline.tasks import endpoint_table, multi_task
from fairgov.pipeline.variants import (
    VARIANT_FORMAT,
    VariantFailure,
    VariantRun,
    _arm,
    _baseline_table,
    _compare,
    _get,
    _group_thresholds,
    _probe_inputs,
    _put,
    compared_variants,
    encode_by,
    gated_statistics,
    mitigation_record,
    probe_key,
    variant_keys,
)
from fairgov.spec.mitigation import REFIT
from fairgov.validate.project import CompiledProject, Entry

__all__ = ["PER_ENDPOINT", "attach_endpoint_variants", "endpoint_variants", "refit_scores"]

#: mitigation types run per endpoint (fine_tune trains the backbone against one label: FG323)
PER_ENDPOINT = ("group_thresholds", *REFIT)

#: re-fitted scores of a mitigation: {"scores": {row id: [score per endpoint]},
#: "probe": {endpoint: probe record}} (see :func:`refit_scores`)
Refit = Callable[[Any], dict[str, Any]]


def refit_scores(
    ev: Any, datasheet: Any, task: MultiTask, inputs: dict[str, Any], frame: pd.DataFrame, m: Any
) -> dict[str, Any]:
    """The probe of a multilabel / multiclass task re-fitted under `m` on the train rows.

    `inputs`: {split: (row ids, embeddings, 0/1 targets (rows, endpoints))}; `frame`: the
    manifest rows by row id (the groups of `m.by`). Returns the validation and test rows'
    scores per endpoint and each endpoint's probe record (C, validation AUROC per C, and what
    the mitigation did, as the binary variant records it)."""
    if ev.protocol.type != "linear_probe":
        raise VariantFailure(
            "FG483", f"{m.type} re-fits the linear probe; the protocol is {ev.protocol.type}"
        )
    (r_tr, X_tr, Y_tr), (r_va, X_va, Y_va), (r_te, X_te, _) = (
        inputs[s] for s in ("train", "validation", "test")
    )
    g_tr = encode_by(frame.loc[list(r_tr)], datasheet, m.by)
    cfg = ProbeConfig(
        Cs=tuple(ev.protocol.regularization), max_iter=ev.protocol.max_iter, seed=ev.bootstrap.seed
    )
    probe: dict[str, Any] = {}
    if task.type == "multiclass":
        fit: dict[str, Any] = {}
        val, test, rec = fit_softmax_variant(
            m, X_tr, Y_tr, g_tr, X_va, Y_va, X_te, task.names, cfg, record=fit
        )
        probe = {n: {**rec, "fit": fit} for n in task.names}
    else:
        cols_val, cols_test = [], []
        for j, name in enumerate(task.names):
            fit = {}
            try:
                res = fit_probe_variant(
                    m, X_tr, Y_tr[:, j], g_tr, X_va, Y_va[:, j], X_te, cfg, record=fit
                )
            except Exception as err:  # noqa: BLE001 - one label that cannot be fitted
                code = str(getattr(err, "code", None) or "FG487")
                probe[name] = {"error": f"{type(err).__name__}: {err}", "code": code}
                cols_val.append(np.full(len(r_va), np.nan))
                cols_test.append(np.full(len(r_te), np.nan))
                continue
            probe[name] = {
                "C": res.C,
                "val_auroc_per_C": {str(k): v for k, v in res.val_auroc_per_C.items()},
                "fit": fit,
            }
            cols_val.append(res.scores_val)
            cols_test.append(res.scores_test)
        val, test = np.column_stack(cols_val), np.column_stack(cols_test)
    scores = np.concatenate([val, test])
    rows = list(r_va) + list(r_te)
    return through_json(
        {
            "scores": {
                str(int(r)): [None if not np.isfinite(v) else float(v) for v in s]
                for r, s in zip(rows, scores, strict=True)
            },
            "probe": probe,
        }
    )


def _refit_endpoint(
    ev: Any, datasheet: Any, table: pd.DataFrame, name: str, j: int, fitted: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One endpoint of a re-fitted probe, measured as the baseline endpoint is."""
    from fairgov.pipeline.measure import measure_evaluation

    probe = fitted["probe"][name]
    if "error" in probe:
        raise VariantFailure(probe["code"], f"{name!r}: {probe['error']}")
    score = {int(r): s[j] for r, s in fitted["scores"].items()}
    vt = endpoint_table(table, name)
    vt["score"] = [float(np.clip(score[int(r)], 0.0, 1.0)) for r in vt["row_id"]]
    threshold, measured = measure_evaluation(vt, datasheet, ev)
    test = vt[vt["split"] == "test"].reset_index(drop=True)
    body = {
        "threshold": {
            "policy": ev.threshold.policy,
            "target": ev.threshold.value,
            "value": threshold,
            "fitted_on": "validation",
        },
        "probe": probe,
        "measure": measured,
    }
    return body, _arm(test, test["score"].to_numpy(float) >= threshold)


def _error(head: dict[str, Any], err: Exception) -> dict[str, Any]:
    code = str(getattr(err, "code", None) or "FG487")
    text = str(err) if isinstance(err, (VariantFailure, EvalFailure)) else (
        f"{type(err).__name__}: {err}"
    )
    return {"record": {**head, "status": "error", "error": text, "code": code}, "arm": None}


def mitigation_endpoints(
    ev: Any,
    datasheet: Any,
    task: MultiTask,
    table: pd.DataFrame,
    m: Any,
    refit: Refit | None = None,
) -> dict[str, dict[str, Any]]:
    """{endpoint: {"record": variant record, "arm": test scores and decisions or None}} of one
    mitigation; `refit(m)` gives the re-fitted scores of a reweight / resample / group_dro."""
    head = {"id": m.id, "title": m.title, "mitigation": mitigation_record(m)}
    if m.type not in PER_ENDPOINT:
        err = VariantFailure(
            "FG323", f"{m.type} variants are not run per endpoint: it trains against one label"
        )
        return {name: _error(head, err) for name in task.names}
    fitted = None
    if m.type in REFIT:
        if refit is None:
            raise VariantFailure("FG323", f"{m.type} re-fits the probe: pass its train rows")
        try:
            fitted = refit(m)
        except Exception as err:  # noqa: BLE001 - a mitigation that cannot be fitted is a finding
            return {name: _error(head, err) for name in task.names}
    out: dict[str, dict[str, Any]] = {}
    for j, name in enumerate(task.names):
        try:
            if fitted is None:
                body, arm = _group_thresholds(ev, datasheet, m, endpoint_table(table, name))
            else:
                body, arm = _refit_endpoint(ev, datasheet, table, name, j, fitted)
        except Exception as err:  # noqa: BLE001 - an unfittable endpoint is a finding
            out[name] = _error(head, err)
            continue
        out[name] = {"record": {**head, "status": "ok", "error": None, **body}, "arm": arm}
    return out


def endpoint_comparisons(
    ev: Any,
    datasheet: Any,
    task: MultiTask,
    table: pd.DataFrame,
    labels: dict[str, Any],
    entries: dict[str, dict[str, dict[str, Any]] | None],
    stats: list[Any],
    candidates: list[str],
    baseline: str = "baseline",
) -> dict[str, list[dict[str, Any]]]:
    """{endpoint: paired comparisons}; `entries`: {mitigation id: mitigation_endpoints(...)}."""
    out = {}
    for name in task.names:
        one = {vid: (e or {}).get(name) for vid, e in entries.items()}
        threshold = labels[name]["threshold"]["value"]
        out[name] = _compare(
            ev, datasheet, endpoint_table(table, name), one, baseline, candidates, stats, threshold
        )
    return out


def endpoint_variants(
    ev: Any,
    datasheet: Any,
    task: MultiTask,
    table: pd.DataFrame,
    labels: dict[str, Any],
    mitigations: list[Any],
    stats: list[Any],
    candidates: list[str] | None = None,
    baseline: str = "baseline",
    refit: Refit | None = None,
) -> dict[str, dict[str, Any]]:
    """{endpoint: {"variants": {id: record}, "comparisons": [...]}}.

    `table`: the evaluation's predictions table (validation and test rows, every endpoint's
    label and score columns); `labels`: the measured endpoints (``measure_task(...)["labels"]``),
    whose fitted thresholds are the baselines; `stats`: the compared statistics
    (``fairgov.mitigate.compare.Statistic``); `candidates`: the compared variants (default:
    every mitigation); `refit`: the re-fitted scores of a mitigation (:func:`refit_scores` on the
    evaluation's train rows), needed by reweight / resample / group_dro."""
    for m in mitigations:
        if m.type not in PER_ENDPOINT:
            raise VariantFailure(
                "FG323", f"{m.type} variants are not run per endpoint: it trains against one label"
            )
    chosen = [m.id for m in mitigations] if candidates is None else list(candidates)
    entries: dict[str, Any] = {
        m.id: mitigation_endpoints(ev, datasheet, task, table, m, refit) for m in mitigations
    }
    comparisons = endpoint_comparisons(
        ev, datasheet, task, table, labels, entries, stats, chosen, baseline
    )
    return {
        name: {
            "variants": {vid: e[name]["record"] for vid, e in entries.items()},
            "comparisons": comparisons[name],
        }
        for name in task.names
    }


def attach_endpoint_variants(
    cp: CompiledProject,
    entry: Entry,
    record: EvaluationRecord,
    options: dict[str, Any],
    index: HashIndex,
) -> None:
    """Run (or reuse) every mitigation of a multilabel / multiclass evaluation on each endpoint
    and add them, with their paired comparisons, to the record's `labels` in place."""
    ev = entry.model
    mitigations = [m for m in ev.mitigations if m.type in PER_ENDPOINT]
    if not mitigations or record.result.get("status") != "ok":
        return
    run = VariantRun(cp, entry, record, options, index)
    ds = run.ds_entry.model
    task = multi_task(ds, ev)
    assert task is not None
    plan, cache, base_key, keys = variant_keys(run, mitigations, "endpoint-variant")
    entries: dict[str, Any] = {
        m.id: ((_get(cache, keys[m.id]) or {}).get("endpoints") if base_key else None)
        for m in mitigations
    }
    base_id, candidates = compared_variants(cp, entry, ev)
    stats = gated_statistics(cp, entry)
    cmp_key = content_key(
        kind="endpoint-comparison",
        format=VARIANT_FORMAT,
        measurement=base_key,
        baseline=base_id,
        arms={c: keys.get(c) for c in candidates},
        statistics=sorted(f"{s.key}:{s.statistic}" for s in stats),
    )
    cmp_entry = _get(cache, cmp_key) if base_key else None
    todo = [m for m in mitigations if entries[m.id] is None]
    table = record.predictions
    if (todo or cmp_entry is None) and table is None:
        table = _baseline_table(run, plan)
    labels = record.result["labels"]
    stages: dict[str, Any] = {}

    def refit(m: Any) -> dict[str, Any]:
        key = probe_key(plan, m, "endpoint-variant-probe")
        fitted = _get(cache, key) if key else None
        if fitted is None:
            got = _probe_inputs(run)
            fitted = refit_scores(ev, ds, task, got["inputs"], got["frame"], m)
            if key and not any("error" in p for p in fitted["probe"].values()):
                _put(cache, key, fitted)
        return fitted

    for m in todo:
        assert table is not None
        done = through_json(mitigation_endpoints(ev, ds, task, table, m, refit))
        entries[m.id] = done
        if all(e["record"]["status"] == "ok" for e in done.values()):
            _put(cache, keys[m.id], {"endpoints": done})
        stages[m.id] = {"reused": False, "reason": "mitigation new or changed, or baseline reran"}
    for m in mitigations:
        stages.setdefault(m.id, {"reused": True, "reason": None})
    if cmp_entry is None:
        assert table is not None
        cmp_entry = {
            "endpoints": through_json(
                endpoint_comparisons(
                    ev, ds, task, table, labels, entries, stats, candidates, base_id
                )
            )
        }
        compared_ok = all(
            entries.get(c) is not None
            and all(x["record"]["status"] == "ok" for x in entries[c].values())
            for c in candidates
            if c != "baseline"
        )
        if compared_ok:
            _put(cache, cmp_key, cmp_entry)
        stages["comparison"] = {
            "reused": False,
            "reason": "variants or compared statistics changed",
        }
    else:
        stages["comparison"] = {"reused": True, "reason": None}
    record.run_stats.setdefault("stages", {})["variants"] = stages
    positions = {m.id: i for i, m in enumerate(ev.mitigations)}
    for name in task.names:
        variants = {m.id: entries[m.id][name]["record"] for m in mitigations}
        labels[name]["variants"] = through_json(variants)
        labels[name]["comparisons"] = cmp_entry["endpoints"][name]
        record.outcome.label_comparisons[name] = labels[name]["comparisons"]
        for vid, rec in labels[name]["variants"].items():
            if rec.get("status") != "ok":
                record.diagnostics.append(
                    entry.diag(
                        f"/mitigations/{positions[vid]}",
                        rec.get("code") or "FG487",
                        f"variant {vid!r} did not run on {name!r}: {rec.get('error')}",
                        severity="warning",
                        hint="its comparison gates on this label are inconclusive",
                    )
                )

