"""Mitigation variants of an Evaluation (issue 14): each declared mitigation is run as a full
variant on the same test rows, and the compared candidates get paired differences.

- reweight / resample / group_dro re-fit the linear probe on the cached embeddings
  (``fairgov.mitigate.variants.fit_probe_variant``, same C grid, splits and seed), then the
  threshold is fitted on validation as in the baseline and every metric is measured on test.
- group_thresholds keeps the baseline scores and fits one threshold per group on validation
  (``fairgov.mitigate.thresholds``); threshold metrics read the per-row decisions
  (``fairgov.metrics.decisions``), ranking metrics the unchanged scores.

Cache discipline (as ``fairgov.pipeline.reuse``): each variant is stored under
``content_key(kind="variant", measurement=<baseline measurement key>, mitigation=<its spec>)``,
so editing one mitigation reruns that variant only, and anything that reruns the baseline
(data, scores, evaluation settings) reruns every variant. The comparison is stored under the
baseline key, the compared variants' keys and the list of compared statistics. A warm run
with nothing changed reads JSON records only.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairgov import metrics as fm
from fairgov.evaluate.cache import Cache, content_key
from fairgov.evaluate.config import ProbeConfig
from fairgov.evaluate.finetune import FineTuneConfig
from fairgov.evaluate.hashindex import HashIndex
from fairgov.metrics.decisions import measure_decisions
from fairgov.mitigate.compare import Arm, Statistic, paired_differences
from fairgov.mitigate.thresholds import fit_group_thresholds
from fairgov.mitigate.variants import fit_probe_variant
from fairgov.pipeline.measure import attribute_specs, group_columns, measure_evaluation
from fairgov.pipeline.predictions import EvalFailure, _reused, predictions_table
from fairgov.pipeline.record import EvaluationRecord, through_json
from fairgov.pipeline.reuse import make_plan, rest_attributes
from fairgov.spec.mitigation import REFIT, STAGE, compared
from fairgov.validate.policies import applied_policy_refs, compose
from fairgov.validate.project import CompiledProject, Entry
from fairgov.validate.semantic import evaluations_for_gate

VARIANT_FORMAT = 1
ENTRY = ".entry.json"


class VariantFailure(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class VariantRun:
    """What every step of one evaluation's variants reads: the project, the evaluation's entry
    and baseline record, the build options and the content-hash index."""

    cp: CompiledProject
    entry: Entry
    record: EvaluationRecord
    options: dict[str, Any]
    index: HashIndex

    @property
    def ev(self) -> Any:
        return self.entry.model

    @property
    def ds_entry(self) -> Entry:
        ds_entry = self.cp.get(self.ev.dataset)
        assert ds_entry is not None
        return ds_entry

    @property
    def card(self) -> Any:
        return self.cp.model(self.ev.model)

    def predictions(
        self, options: dict[str, Any] | None = None
    ) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The evaluation's validation/test scores table and provenance (the baseline run again,
        through the embedding cache)."""
        table, prov, _ = predictions_table(
            self.cp, self.ev, self.ds_entry, self.card, options or self.options, None, self.index
        )
        return table, prov


def _settings(ev: Any) -> tuple[fm.BootstrapConfig, fm.MinEvidence]:
    """The evaluation's bootstrap and minimum-evidence settings as fairgov.metrics takes them."""
    b, mev = ev.bootstrap, ev.min_evidence
    return (
        fm.BootstrapConfig(resamples=b.resamples, level=b.level, seed=b.seed, interval=b.interval),
        fm.MinEvidence(n=mev.n, positives=mev.positives, negatives=mev.negatives),
    )


def mitigation_record(m: Any) -> dict[str, Any]:
    """The mitigation as results.json states it: its spec plus the pipeline stage it acts on."""
    return {**m.model_dump(mode="json", exclude_none=True), "stage": STAGE[m.type]}


def encode_by(frame: pd.DataFrame, datasheet: Any, by: list[str]) -> np.ndarray:
    """Group label per row of `frame` for a mitigation's `by` (one attribute, or their
    intersection)."""
    specs = [a for a in attribute_specs(datasheet) if a.name in by]
    columns = {a.name: frame[datasheet.attributes[a.name].column or a.name].tolist() for a in specs}
    inter = [fm.Intersection(tuple(by))] if len(by) > 1 else []
    groups = fm.encode_groups(columns, specs, inter)
    return np.asarray(groups[by[0] if len(by) == 1 else "×".join(by)]).astype(str)


def gated_statistics(cp: CompiledProject, entry: Entry) -> list[Any]:
    """Every statistic a metric gate (or comparison gate) of an applied policy reads for this
    evaluation, plus overall AUROC: what the comparison reports."""

    ev = entry.model
    out = [Statistic("auroc", None, "overall")] if "auroc" in ev.metrics else []
    for ref in applied_policy_refs(cp):
        policy, _ = compose(cp, ref)
        for sg in policy.gates:
            g = sg.gate
            if g.type != "metric" or entry.ref not in {e.ref for e in evaluations_for_gate(cp, g)}:
                continue
            if g.statistic in ("gap", "worst", "group"):
                out.append(Statistic(g.metric, "×".join(g.across), g.statistic, g.group))
        for c in getattr(cp.model(ref), "comparisons", None) or []:
            if c.evaluation == entry.ref:
                out.append(
                    Statistic(
                        c.metric,
                        "×".join(c.across) or None,
                        "overall" if not c.across else c.statistic,
                        c.group,
                    )
                )
    unique: dict[str, Any] = {}
    for s in out:
        unique.setdefault(f"{s.key}:{s.statistic}", s)
    return list(unique.values())


def compared_variants(cp: CompiledProject, entry: Entry, ev: Any) -> tuple[str, list[str]]:
    """The baseline id and the candidates compared with it: the evaluation's own, plus every
    candidate a comparison gate of an applied policy names (a gated candidate is always
    compared)."""
    base_id, candidates = compared(ev)
    for ref in _policy_refs(cp):
        for c in getattr(cp.model(ref), "comparisons", None) or []:
            if (
                c.evaluation == entry.ref
                and c.baseline == base_id
                and c.candidate not in candidates
            ):
                candidates.append(c.candidate)
    return base_id, candidates


def _policy_refs(cp: CompiledProject) -> list[str]:

    return applied_policy_refs(cp)


def _get(cache: Cache | None, key: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    try:
        data = cache.get_bytes(key, ENTRY)
        entry = json.loads(data) if data is not None else None
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def _put(cache: Cache | None, key: str, entry: dict[str, Any]) -> None:
    if cache is not None:
        with contextlib.suppress(OSError):
            cache.put_bytes(
                key, json.dumps(entry, sort_keys=True).encode("utf-8"), ENTRY, kind="stage-record"
            )


def variant_keys(
    run: VariantRun, mitigations: list[Any], kind: str
) -> tuple[Any, Any, str | None, dict[str, str]]:
    """The baseline's reuse plan (None with reuse off), its cache, its measurement key, and each
    mitigation's cache key of `kind` under that measurement."""
    plan = (
        make_plan(run.cp, run.entry, run.ds_entry, run.card, run.options, run.index)
        if run.options.get("reuse", True)
        else None
    )
    cache = plan.cache if plan is not None else None
    base_key = plan.key_measure if plan is not None else None
    keys = {
        m.id: content_key(
            kind=kind,
            format=VARIANT_FORMAT,
            measurement=base_key,
            mitigation=m.model_dump(mode="json"),
        )
        for m in mitigations
    }
    return plan, cache, base_key, keys


def probe_key(plan: Any, mitigation: Any, kind: str) -> str | None:
    """Cache key of `mitigation`'s re-fitted probe (`kind`) under the baseline's probe key;
    None with reuse off or no probe key."""
    if plan is None or plan.key_probe is None:
        return None
    return content_key(
        kind=kind,
        format=VARIANT_FORMAT,
        probe=plan.key_probe,
        mitigation=mitigation.model_dump(mode="json"),
    )


def attach_variants(
    cp: CompiledProject,
    entry: Entry,
    record: EvaluationRecord,
    options: dict[str, Any],
    index: HashIndex,
) -> None:
    """Run (or reuse) every variant and the comparison; add them to the record in place."""
    run = VariantRun(cp, entry, record, options, index)
    ev = entry.model
    stages: dict[str, Any] = {}
    if record.result.get("status") != "ok":
        record.result["variants"] = {
            m.id: {
                "id": m.id,
                "status": "error",
                "mitigation": mitigation_record(m),
                "error": "the baseline evaluation did not run",
            }
            for m in ev.mitigations
        }
        record.result["comparisons"] = []
        return
    plan, cache, base_key, keys = variant_keys(run, ev.mitigations, "variant")
    entries = {m.id: (_get(cache, keys[m.id]) if base_key else None) for m in ev.mitigations}
    base_id, candidates = compared_variants(cp, entry, ev)
    stats = gated_statistics(cp, entry)
    cmp_key = content_key(
        kind="comparison",
        format=VARIANT_FORMAT,
        measurement=base_key,
        baseline=base_id,
        arms={c: keys.get(c) for c in candidates},
        statistics=sorted(f"{s.key}:{s.statistic}" for s in stats),
    )
    cmp_entry = _get(cache, cmp_key) if base_key else None
    todo = [m for m in ev.mitigations if entries[m.id] is None]
    table: pd.DataFrame = record.predictions if record.predictions is not None else pd.DataFrame()
    if (todo or cmp_entry is None) and record.predictions is None:
        table = _baseline_table(run, plan)
    for m in todo:
        done = _run_variant(run, m, table, (cache, probe_key(plan, m, "variant-probe")))
        entries[m.id] = done
        if done["record"]["status"] == "ok":
            _put(cache, keys[m.id], through_json(done))
        stages[m.id] = {"reused": False, "reason": "mitigation new or changed, or baseline reran"}
    for m in ev.mitigations:
        stages.setdefault(m.id, {"reused": True, "reason": None})
    variants = {m.id: entries[m.id]["record"] for m in ev.mitigations}  # type: ignore[index]
    if cmp_entry is None:
        cmp_entry = {
            "comparisons": _compare(
                ev,
                run.ds_entry.model,
                table,
                entries,
                base_id,
                candidates,
                stats,
                record.result["threshold"]["value"],
            )
        }
        if all(variants.get(c, {}).get("status") == "ok" for c in candidates if c != "baseline"):
            _put(cache, cmp_key, through_json(cmp_entry))
        stages["comparison"] = {
            "reused": False,
            "reason": "variants or compared statistics changed",
        }
    else:
        stages["comparison"] = {"reused": True, "reason": None}
    record.result["variants"] = through_json(variants)
    record.result["comparisons"] = cmp_entry["comparisons"]
    record.outcome.variants = record.result["variants"]
    record.outcome.comparisons = record.result["comparisons"]
    record.run_stats.setdefault("stages", {})["variants"] = stages
    for m in ev.mitigations:
        rec = variants[m.id]
        if rec.get("status") != "ok":
            i = ev.mitigations.index(m)
            record.diagnostics.append(
                entry.diag(
                    f"/mitigations/{i}",
                    rec.get("code") or "FG487",
                    f"variant {m.id!r} did not run: {rec.get('error')}",
                    severity="warning",
                    hint="its gates and comparisons are inconclusive",
                )
            )


def _baseline_table(run: VariantRun, plan: Any) -> pd.DataFrame:
    """The baseline's validation/test scores table when the baseline itself was reused."""
    hit = plan.load_probe() if plan is not None else None
    if hit is not None:
        return _reused(hit)[0]
    table, prov = run.predictions()
    prov.pop("_composition_table", None)
    prov.pop("_dropped_index", None)
    prov.pop("_probe_inputs", None)
    return table


def _probe_inputs(run: VariantRun) -> dict[str, Any]:
    """Train/validation/test embeddings (from this run, else re-read through the embedding
    cache)."""
    record = run.record
    if record.probe_inputs is None:
        _, prov = run.predictions()
        record.probe_inputs = {
            "inputs": prov.pop("_probe_inputs"),
            "frame": prov.pop("_composition_table"),
        }
    return record.probe_inputs


def _run_variant(
    run: VariantRun,
    m: Any,
    table: pd.DataFrame,
    probe_cache: tuple[Any, str | None] = (None, None),
) -> dict[str, Any]:
    head = {"id": m.id, "title": m.title, "mitigation": mitigation_record(m)}
    try:
        if m.type in REFIT or m.type == "fine_tune":
            body, arm = _refit(run, m, table, probe_cache)
        elif m.type == "group_thresholds":
            body, arm = _group_thresholds(run.ev, run.ds_entry.model, m, table)
        else:
            raise VariantFailure(
                "FG488", f"{m.type} variants are not run by this version of the build"
            )
    except (VariantFailure, EvalFailure) as err:
        return {
            "record": {**head, "status": "error", "error": str(err), "code": err.code},
            "arm": None,
        }
    except Exception as err:  # noqa: BLE001 - a mitigation that cannot be fitted is a finding, not a crash
        code = getattr(err, "code", None) or "FG487"
        return {
            "record": {
                **head,
                "status": "error",
                "error": f"{type(err).__name__}: {err}",
                "code": str(code),
            },
            "arm": None,
        }
    return {"record": {**head, "status": "ok", "error": None, **body}, "arm": arm}


def _arm(test: pd.DataFrame, decisions: np.ndarray) -> dict[str, Any]:
    return {"scores": [float(x) for x in test["score"]], "decisions": [bool(x) for x in decisions]}


def _refit(
    run: VariantRun,
    m: Any,
    table: pd.DataFrame,
    probe_cache: tuple[Any, str | None] = (None, None),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The re-fitted probe's scores come from their own cache entry (keyed by the baseline's
    probe-outputs key and the mitigation), so a change that only reruns the measurement
    (bootstrap, metrics, threshold policy) re-measures the variant without loading the model."""
    ev = run.ev
    if ev.protocol.type != "linear_probe":
        raise VariantFailure(
            "FG483", f"{m.type} re-fits the linear probe; the protocol is {ev.protocol.type}"
        )
    cache, key = probe_cache
    fitted = _get(cache, key) if key else None
    if fitted is None:
        fit = _fine_tuned if m.type == "fine_tune" else _fit_probe
        fitted = fit(run, m)
        if key:
            _put(cache, key, fitted)
    score = {int(k): v for k, v in fitted["scores"].items()}
    vt = table.copy()
    vt["score"] = [float(np.clip(score[int(r)], 0.0, 1.0)) for r in vt["row_id"]]
    threshold, measured = measure_evaluation(
        vt, run.ds_entry.model, ev, rest_attributes(run.cp, run.record.ref)
    )
    test = vt[vt["split"] == "test"].reset_index(drop=True)
    body = {
        "threshold": {
            "policy": ev.threshold.policy,
            "target": ev.threshold.value,
            "value": threshold,
            "fitted_on": "validation",
        },
        "probe": fitted["probe"],
        "measure": measured,
    }
    return body, _arm(test, test["score"].to_numpy(float) >= threshold)


def _fit_probe(run: VariantRun, m: Any) -> dict[str, Any]:
    ev = run.ev
    got = _probe_inputs(run)
    (r_tr, X_tr, y_tr), (r_va, X_va, y_va), (r_te, X_te, _) = (
        got["inputs"][s] for s in ("train", "validation", "test")
    )
    g_tr = encode_by(got["frame"].loc[list(r_tr)], run.ds_entry.model, m.by)
    cfg = ProbeConfig(
        Cs=tuple(ev.protocol.regularization), max_iter=ev.protocol.max_iter, seed=ev.bootstrap.seed
    )
    fit_record: dict[str, Any] = {}
    res = fit_probe_variant(m, X_tr, y_tr, g_tr, X_va, y_va, X_te, cfg, record=fit_record)
    scores = np.concatenate([res.scores_val, res.scores_test]).tolist()
    return through_json(
        {
            "scores": {
                str(r): float(v) for r, v in zip(list(r_va) + list(r_te), scores, strict=True)
            },
            "probe": {
                "C": res.C,
                "val_auroc_per_C": {str(k): v for k, v in res.val_auroc_per_C.items()},
                "fit": fit_record,
            },
        }
    )


def _fine_tuned(run: VariantRun, m: Any) -> dict[str, Any]:
    """The whole probe protocol again with a backbone fine-tuned on the train rows
    (fairgov.evaluate.finetune through run_evaluation; its embeddings are cached by the tuned
    weights)."""
    ev = run.ev
    cfg = FineTuneConfig(
        blocks=m.blocks,
        lora_r=m.adapter.r if m.adapter else None,
        lora_alpha=int(m.adapter.alpha) if m.adapter else 8,
        epochs=m.epochs,
        seed=ev.bootstrap.seed,
    )
    table, prov = run.predictions({**run.options, "fine_tune": cfg})
    for key in ("_composition_table", "_probe_inputs", "_dropped_index"):
        prov.pop(key, None)
    probe = dict(prov.get("probe") or {})
    return through_json(
        {
            "scores": {
                str(int(r)): float(v) for r, v in zip(table["row_id"], table["score"], strict=True)
            },
            "probe": {**probe, "fine_tune": prov.get("fine_tune")},
        }
    )


def _group_thresholds(
    ev: Any, ds: Any, m: Any, table: pd.DataFrame
) -> tuple[dict[str, Any], dict[str, Any]]:

    val = table[table["split"] == "validation"].reset_index(drop=True)
    test = table[table["split"] == "test"].reset_index(drop=True)
    g_test = encode_by(test, ds, m.by)
    gt = fit_group_thresholds(
        val["score"].to_numpy(float),
        val["label"].to_numpy(int),
        encode_by(val, ds, m.by),
        m.objective,
        value=m.value,
        randomized=m.randomized,
        seed=m.seed,
        by="×".join(m.by),
        required=sorted(set(g_test.tolist())),
    )
    flags = np.asarray(gt.flags(test["score"].to_numpy(float), g_test, seed=m.seed), dtype=bool)
    bootstrap, min_evidence = _settings(ev)
    measured = measure_decisions(
        test["label"].to_numpy(int),
        test["score"].to_numpy(float),
        flags,
        test["patient_id"].astype(str).to_numpy(),
        group_columns(test, ds, ev),
        metrics=list(ev.metrics),
        bootstrap=bootstrap,
        min_evidence=min_evidence,
        ece_bins=ev.ece_bins,
        permutations=ev.bootstrap.permutations,
    )
    body = {
        "threshold": {
            "policy": "group_thresholds",
            "objective": m.objective,
            "target": m.value,
            "by": "×".join(m.by),
            "value": None,
            "groups": gt.to_json(),
            "fitted_on": "validation",
            "needs_attribute_at_inference": True,
        },
        "measure": measured,
    }
    return body, _arm(test, flags)


def _compare(
    ev: Any,
    ds: Any,
    table: pd.DataFrame,
    entries: dict[str, Any],
    base_id: str,
    candidates: list[str],
    stats: list[Any],
    threshold: float,
) -> list[dict[str, Any]]:
    """Paired baseline-vs-candidate differences on the test rows of a binary (label, score)
    table; `threshold` is the baseline's fitted threshold."""

    test = table[table["split"] == "test"].reset_index(drop=True)
    arms: dict[str, Any] = {
        "baseline": Arm(test["score"].to_numpy(float), test["score"].to_numpy(float) >= threshold)
    }
    for vid, e in entries.items():
        if e is not None and e.get("arm") is not None:
            arms[vid] = Arm(
                np.asarray(e["arm"]["scores"], float), np.asarray(e["arm"]["decisions"], bool)
            )
    if base_id not in arms:
        return [
            {
                "baseline": base_id,
                "candidate": c,
                "status": "error",
                "error": f"{base_id!r} did not run",
                "rows": [],
            }
            for c in candidates
        ]
    ok = [c for c in candidates if c in arms]
    b = ev.bootstrap
    diffs = (
        paired_differences(
            test["label"].to_numpy(int),
            test["patient_id"].astype(str).to_numpy(),
            group_columns(test, ds, ev),
            {k: arms[k] for k in [base_id, *ok]},
            base_id,
            stats,
            *_settings(ev),
            ev.ece_bins,
        )
        if ok
        else {}
    )
    out: list[dict[str, Any]] = []
    for c in candidates:
        if c not in diffs:
            out.append(
                {
                    "baseline": base_id,
                    "candidate": c,
                    "status": "error",
                    "error": f"variant {c!r} did not run",
                    "rows": [],
                }
            )
            continue
        rows: list[dict[str, Any]] = []
        for key, row in diffs[c].items():
            metric, rest = key.split(".", 1)
            stat, _, where = rest.partition(".")
            group = where[where.index("[") + 1 : -1] if "[" in where else None
            rows.append(
                {
                    "key": key,
                    "metric": metric,
                    "statistic": stat,
                    "across": where.split("[")[0] or None,
                    "group": group,
                    **row,
                }
            )
        out.append(
            {
                "baseline": base_id,
                "candidate": c,
                "status": "ok",
                "error": None,
                "paired": True,
                "level": b.level,
                "interval": b.interval,
                "resamples": b.resamples,
                "rows": rows,
            }
        )
    return out
