"""Validate-time operating characteristics: can a gap gate pass a truly fair model at all?

For every upper-capped gap gate (`statistic: gap`, `max`, conservative or upper bound) and
each evaluation it applies to, the declared test split of the evaluation's manifest gives
the patients per group of the gate's attribute, the patients' prevalence and the images per
patient. ``planning.fair_upper_at`` simulates one truly fair data set of exactly that shape
(the plan engine: planted binormal data, every group AUROC 0.85) and measures it with the
evaluation's interval method and at most ``RESAMPLES`` resamples; the quantiles of the gap's
simultaneous upper bound under no gap give P(pass | fair) for the gate's limit. Below
``CANNOT_PASS`` the gate gets warning FG540 at its file:line:col.

Cost: validate runs on every commit, so the quantiles are cached under the project's cache
folder, keyed by the manifest's bytes, the datasheet's attribute and manifest declarations,
the evaluation's settings and the metric (the limit is applied after the lookup, so editing a
limit costs nothing). A cache hit reads no manifest and imports neither pandas nor scipy; a
miss costs one simulated measurement per (evaluation, attribute) (benchmarks/validate.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fairgov import __version__
from fairgov.atomic import atomic_write_text
from fairgov.diagnostics import Diagnostic
from fairgov.validate.paths import PathEscape, resolve_inside
from fairgov.validate.policies import applied_policy_refs, compose
from fairgov.validate.project import CompiledProject
from fairgov.validate.semantic import evaluations_for_gate

CANNOT_PASS = 0.05
RESAMPLES = 200
CACHE_DIR = "feasibility"
LEVELS = tuple(round(0.05 * i, 2) for i in range(1, 20))  # simultaneous.OC_QUANTILES
SETTINGS = {"resamples": RESAMPLES, "auroc": 0.85, "method": "fair_upper_at/1"}


def feasibility_diagnostics(cp: CompiledProject) -> list[Diagnostic]:
    """FG540 warnings: gap gates a truly fair model (almost) never passes at the declared size."""
    out: list[Diagnostic] = []
    memo: dict[Any, Any] = {}
    for ref in applied_policy_refs(cp):
        for sg in compose(cp, ref)[0].gates:
            if not _capped_gap(sg.gate):
                continue
            for entry in evaluations_for_gate(cp, sg.gate):
                p, smallest = _p_pass(cp, entry.model, sg.gate, memo)
                if p is not None and p < CANNOT_PASS:
                    out.append(_warning(sg, entry.model.id, p, smallest))
    return out


HINT = "more test patients, a wider limit, or see `fairgov plan` for the size needed"


def _warning(sg: Any, evaluation: str, p: float, smallest: tuple[str, int]) -> Diagnostic:
    src = sg.source
    return Diagnostic(
        str(src.get("file", "")),
        int(src.get("line", 1)),
        int(src.get("col", 1)),
        "FG540",
        f"gate {sg.gate.id!r}: at the declared test split of evaluation {evaluation!r} "
        f"(smallest group {smallest[0]!r}: {smallest[1]} patients) a truly fair model "
        f"passes with probability {p:.0%} (simulated, {RESAMPLES} resamples)",
        severity="warning",
        hint=HINT,
    )


def _capped_gap(gate: Any) -> bool:
    return (
        gate.type == "metric"
        and gate.statistic == "gap"
        and gate.max is not None
        and gate.bound in ("conservative", "upper")
        and getattr(gate, "multiplicity", "max-t") == "max-t"  # fair_upper is the max-t rule
    )


def _p_pass(
    cp: CompiledProject, ev: Any, gate: Any, memo: dict[Any, Any]
) -> tuple[float | None, tuple[str, int]]:
    attribute = "×".join(gate.across)
    record = _quantiles(cp, ev, attribute, gate.metric, memo)
    if record is None or record.get("fair_upper") is None:
        return None, ("", 0)
    name, patients = record["smallest"]
    return p_pass(record["fair_upper"], float(gate.max)), (str(name), int(patients))


def p_pass(quantiles: list[float], limit: float) -> float:
    """``metrics.simultaneous.p_pass`` in plain Python (a cache hit imports neither numpy nor
    scipy): P(upper bound <= limit) interpolated between the stored 5%..95% quantiles."""
    levels = LEVELS[: len(quantiles)]
    if limit < quantiles[0]:
        return 0.0
    if limit >= quantiles[-1]:
        return 1.0
    for (q0, p0), (q1, p1) in zip(
        zip(quantiles, levels, strict=True),
        zip(quantiles[1:], levels[1:], strict=True),
        strict=False,
    ):
        if q0 <= limit < q1:
            return p0 if q1 == q0 else p0 + (p1 - p0) * (limit - q0) / (q1 - q0)
    return 1.0


def _quantiles(
    cp: CompiledProject, ev: Any, attribute: str, metric: str, memo: dict[Any, Any]
) -> dict | None:
    """The cached record of (evaluation, attribute, metric); memoised within one validate."""
    if (ev.id, attribute, metric) not in memo:
        memo[ev.id, attribute, metric] = _lookup(cp, ev, attribute, metric, memo)
    return memo[ev.id, attribute, metric]


def _lookup(cp: CompiledProject, ev: Any, attribute: str, metric: str, memo: dict) -> dict | None:
    ds = cp.model(ev.dataset)
    if ds is None or ev.bootstrap.interval == "percentile" or ev.bootstrap.resamples == 0:
        return None
    try:
        manifest = resolve_inside(cp.root, ds.manifest.path)
        if manifest not in memo:
            memo[manifest] = hashlib.sha256(manifest.read_bytes()).hexdigest()
    except (OSError, PathEscape):
        return None
    key = _key(memo[manifest], ds, ev, attribute, metric)
    if key not in memo:
        path = _cache_path(cp, key)
        record = _read(path)
        if record is None:
            record = _compute(manifest, ds, ev, attribute, metric)
            if record is not None:
                _write(path, record)
        memo[key] = record
    return memo[key]


def _key(manifest_sha: str, ds: Any, ev: Any, attribute: str, metric: str) -> str:
    h = hashlib.sha256(manifest_sha.encode())
    spec = {
        "fairgov": __version__,
        "settings": SETTINGS,
        "attribute": attribute,
        "metric": metric,
        "manifest": ds.manifest.model_dump(mode="json"),
        "attributes": {k: v.model_dump(mode="json") for k, v in ds.attributes.items()},
        "evaluation": ev.model_dump(
            mode="json",
            include={
                "task",
                "splits",
                "subgroups",
                "bootstrap",
                "threshold",
                "min_evidence",
                "ece_bins",
            },
        ),
    }
    h.update(json.dumps(spec, sort_keys=True, default=str).encode())
    return h.hexdigest()[:32]


def _cache_path(cp: CompiledProject, key: str) -> Path | None:
    cache = cp.project.cache if cp.project is not None else ".fairgov/cache"
    try:
        return resolve_inside(cp.root, cache) / CACHE_DIR / f"{key}.json"
    except PathEscape:
        return None


def _read(path: Path | None) -> dict | None:
    try:
        return json.loads(path.read_text()) if path is not None and path.is_file() else None
    except (OSError, ValueError):
        return None


def _write(path: Path | None, record: dict) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(record, sort_keys=True))
    except OSError:  # a read-only checkout still validates; it only recomputes next time
        pass


def _compute(manifest: Path, ds: Any, ev: Any, attribute: str, metric: str) -> dict | None:
    """Quantiles of the fair upper bound at the declared test split (None: nothing to simulate)."""
    declared = declared_split(manifest, ds, ev, attribute)
    if declared is None:
        return None
    from fairgov.gates.planning import PlanSettings, fair_upper_at
    from fairgov.metrics import BootstrapConfig, MinEvidence

    b, me, th = ev.bootstrap, ev.min_evidence, ev.threshold
    st = PlanSettings(
        bootstrap=BootstrapConfig(
            resamples=min(RESAMPLES, b.resamples), level=b.level, seed=b.seed, interval=b.interval
        ),
        min_evidence=MinEvidence(me.n, me.positives, me.negatives),
        threshold=float(th.value) if th.policy == "fixed" else 0.5,
    )
    try:
        quantiles = fair_upper_at(declared, [metric], st)[metric]
    except (ValueError, ArithmeticError):  # a split the simulation cannot mirror: no warning
        return None
    smallest = min(declared.patients.items(), key=lambda kv: kv[1])
    return {"fair_upper": quantiles, "smallest": list(smallest), "patients": declared.patients}


def declared_split(manifest: Path, ds: Any, ev: Any, attribute: str) -> Any:
    """Patients per group of ``attribute`` in the evaluation's test split, its prevalence and
    images per patient (``planning.Declared``), or None when the manifest cannot say."""
    import numpy as np

    from fairgov.evaluate.manifest import patient_split, read_manifest
    from fairgov.gates.planning import Declared
    from fairgov.pipeline.measure import group_columns

    try:
        frame = read_manifest(manifest)
        label = ds.manifest.labels[ev.task.label]
        patients = frame[ds.manifest.patient_column].astype(str)
        if ev.splits.source == "column" and ds.manifest.split_column:
            test = frame[ds.manifest.split_column].astype(str) == ev.splits.test
        else:
            fr = dict(zip(("train", "validation", "test"), ev.splits.fractions, strict=True))
            test = patient_split(patients, fr, ev.splits.seed) == "test"
        rows = frame[test.to_numpy()].reset_index(drop=True)
        groups = group_columns(rows, ds, ev).get(attribute)
        positive = rows[label.column].astype(str).to_numpy() == str(ev.task.positive)
    except (KeyError, ValueError, TypeError, OSError):  # validate has reported what it can
        return None
    if groups is None or not len(rows):
        return None
    pid = patients[test.to_numpy()].to_numpy()
    counts: dict[str, int] = {}
    for g in sorted(set(groups.tolist()) - {"unknown"}):
        counts[str(g)] = int(np.unique(pid[groups == g]).size)
    counts = {g: n for g, n in counts.items() if n > 0}
    if len(counts) < 2:
        return None
    pos_patients = np.unique(pid[positive]).size
    n_patients = np.unique(pid).size
    return Declared(counts, pos_patients / n_patients, int(round(len(rows) / n_patients)))
