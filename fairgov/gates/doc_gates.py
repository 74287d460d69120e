"""Documentation gates: required answers, standards coverage, evaluated axes, thresholds."""

from __future__ import annotations

from typing import Any

from fairgov.gates.outcome import GateResult
from fairgov.spec.common import NotApplicable
from fairgov.spec.placeholders import is_placeholder


def answer_state(model: Any, dotted: str) -> str:
    """'answered', 'not_applicable' or 'missing' for a dotted field path of a model
    (placeholder text such as `TODO` or `not_applicable: TODO` is 'missing')."""
    node = model
    for part in dotted.split("."):
        if node is None:
            return "missing"
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    if is_placeholder(node):
        return "missing"
    if isinstance(node, NotApplicable):
        return "not_applicable"
    if node is None or (isinstance(node, (str, list, dict, tuple)) and not node):
        return "missing"
    return "answered"


def required_fields(gate: Any, base: GateResult, documents: list[tuple[str, Any, Any]]) -> GateResult:
    """documents: (ref, model, loaded Document). A failure is located at the first unanswered
    field in its document (or its nearest existing parent), so SARIF points at the document."""
    problems = []
    for ref, model, doc in documents:
        for name in gate.fields:
            state = answer_state(model, name)
            if state == "missing" or (state == "not_applicable" and not gate.allow_not_applicable):
                problems.append(f"{ref}: {name} {'is not answered' if state == 'missing' else 'is not_applicable'}")
                if "location" not in base.details:
                    line, col = doc.position("/" + name.replace(".", "/"))
                    base.details["location"] = {"file": doc.relpath, "line": line, "col": col}
    if not documents:
        base.outcome, base.reason = "inconclusive", f"no {gate.document} document in the project"
    else:
        base.outcome = "fail" if problems else "pass"
        base.reason = "; ".join(problems) or f"{len(gate.fields)} field(s) answered in {len(documents)} document(s)"
    base.details["problems"] = problems
    return base


def coverage_gate(gate: Any, base: GateResult, coverage: dict[str, Any] | None) -> GateResult:
    base.op, base.threshold = ">=", gate.min
    if coverage is None:
        base.outcome, base.reason = "inconclusive", f"unknown standard {gate.standard!r} or no document to cover it"
        return base
    base.value = base.compared = coverage["fraction"]
    missing = coverage.get("missing", [])
    base.outcome = "pass" if coverage["fraction"] >= gate.min - 1e-12 else "fail"
    base.reason = f"{coverage['covered']}/{coverage['total']} items covered"
    if missing:
        base.reason += "; missing: " + ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
    base.details = {"covered": coverage["covered"], "total": coverage["total"], "missing": missing}
    return base


def axes_evaluated(base: GateResult, deployments: list[tuple[str, Any, set[str]]]) -> GateResult:
    """deployments: (ref, DeploymentProtocol, set of attribute names its model's evaluations measure)."""
    if not deployments:
        base.outcome, base.reason = "inconclusive", "no deployment protocol in the project"
        return base
    problems = []
    for ref, dp, measured in deployments:
        wanted = set(dp.intended_population.distribution)
        if missing := sorted(wanted - measured):
            problems.append(f"{ref}: {', '.join(missing)} not evaluated")
    base.outcome = "fail" if problems else "pass"
    base.reason = "; ".join(problems) or "every intended-population axis is evaluated"
    base.details = {"problems": problems}
    return base


def threshold_match(gate: Any, base: GateResult, checks: list[tuple[str, float | str, float | None, str | None]]) -> GateResult:
    """checks: (deployment ref, deployed threshold or "fitted", measured threshold or None, error).

    A deployment that says `threshold: fitted` deploys the evaluation's fitted threshold: it
    passes once that evaluation ran, and the number it deploys is recorded (value, details).
    A hand-written number that disagrees fails, as before."""
    if not checks:
        base.outcome, base.reason = "inconclusive", "no deployment protocol in the project"
        return base
    problems, undecided, follows = [], [], []
    deployed_values: dict[str, dict[str, Any]] = {}
    for ref, deployed, measured, error in checks:
        if isinstance(measured, dict):  # a deployed group-threshold variant: one fitted threshold per group
            deployed_values[ref] = {"thresholds": measured, "source": "fitted"}
            listed = ", ".join(f"{g} {t}" for g, t in measured.items())
            follows.append(f"{ref}: deploys the fitted per-group thresholds ({listed})")
            continue
        if measured is None:
            undecided.append(f"{ref}: evaluation did not run ({error or 'unknown'})")
            continue
        number = measured if deployed == "fitted" else float(deployed)
        deployed_values[ref] = {"threshold": number, "source": "fitted" if deployed == "fitted" else "spec"}
        if deployed == "fitted":
            follows.append(f"{ref}: deploys the fitted threshold {measured:.4f}")
        elif abs(number - measured) > gate.tolerance:
            problems.append(f"{ref}: deployed threshold {number:.4f} ≠ evaluated {measured:.4f}")
    first: float | None = deployed_values.get(checks[0][0], {}).get("threshold")
    written = checks[0][1]
    base.op, base.threshold = "==", checks[0][2] if not isinstance(checks[0][2], dict) else None
    base.value = base.compared = first if first is not None else (float(written) if written != "fitted" else None)
    base.details["deployed"] = deployed_values
    base.outcome = "fail" if problems else ("inconclusive" if undecided else "pass")
    settled = "; ".join(follows) if follows else "deployed threshold equals the evaluated one"
    base.reason = "; ".join(problems + undecided) or settled
    return base
