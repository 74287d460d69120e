"""Documentation gates: required answers, standards coverage, evaluated axes, thresholds."""

from __future__ import annotations

from typing import Any

from fairgov.gates.compare import Limit
from fairgov.gates.outcome import GateResult
from fairgov.reasons import Reason
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


def required_fields(
    gate: Any, base: GateResult, documents: list[tuple[str, Any, Any]]
) -> GateResult:
    """documents: (ref, model, loaded Document). A failure is located at the first unanswered
    field in its document (or its nearest existing parent), so SARIF points at the document."""
    problems: list[Reason] = []
    details: dict[str, Any] = dict(base.details)
    for ref, model, doc in documents:
        for name in gate.fields:
            state = answer_state(model, name)
            if state == "missing" or (state == "not_applicable" and not gate.allow_not_applicable):
                code = "field-not-answered" if state == "missing" else "field-not-applicable"
                problems.append(Reason(code, {"ref": ref, "field": name}))
                if "location" not in details:
                    line, col = doc.position("/" + name.replace(".", "/"))
                    details["location"] = {"file": doc.relpath, "line": line, "col": col}
    details["problems"] = [p.text for p in problems]
    if not documents:
        return base.with_(
            outcome="inconclusive",
            reasons=(Reason("no-document", {"kind": gate.document}),),
            details=details,
        )
    reasons = tuple(problems) or (
        Reason("fields-answered", {"fields": len(gate.fields), "documents": len(documents)}),
    )
    return base.with_(outcome="fail" if problems else "pass", reasons=reasons, details=details)


def coverage_gate(gate: Any, base: GateResult, coverage: dict[str, Any] | None) -> GateResult:
    base = base.with_(limit=Limit(">=", gate.min))
    if coverage is None:
        return base.with_(
            outcome="inconclusive",
            reasons=(Reason("unknown-standard", {"standard": gate.standard}),),
        )
    missing = coverage.get("missing", [])
    reasons = [
        Reason("items-covered", {"covered": coverage["covered"], "total": coverage["total"]})
    ]
    if missing:
        reasons.append(
            Reason(
                "items-missing",
                {"items": ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")},
            )
        )
    return base.with_(
        value=coverage["fraction"],
        compared=coverage["fraction"],
        outcome="pass" if coverage["fraction"] >= gate.min - 1e-12 else "fail",
        reasons=tuple(reasons),
        details={"covered": coverage["covered"], "total": coverage["total"], "missing": missing},
    )


def axes_evaluated(base: GateResult, deployments: list[tuple[str, Any, set[str]]]) -> GateResult:
    """deployments: (ref, DeploymentProtocol, set of attribute names its model's evaluations
    measure)."""
    if not deployments:
        return base.with_(outcome="inconclusive", reasons=(Reason("no-deployment"),))
    problems = []
    for ref, dp, measured in deployments:
        wanted = set(dp.intended_population.distribution)
        if missing := sorted(wanted - measured):
            problems.append(Reason("axes-not-evaluated", {"ref": ref, "axes": ", ".join(missing)}))
    return base.with_(
        outcome="fail" if problems else "pass",
        reasons=tuple(problems) or (Reason("axes-evaluated"),),
        details={"problems": [p.text for p in problems]},
    )


def threshold_match(
    gate: Any, base: GateResult, checks: list[tuple[str, float | str, float | None, str | None]]
) -> GateResult:
    """checks: (deployment ref, deployed threshold or "fitted", measured threshold or None, error).

    A deployment that says `threshold: fitted` deploys the evaluation's fitted threshold: it
    passes once that evaluation ran, and the number it deploys is recorded (value, details).
    A hand-written number that disagrees fails, as before."""
    if not checks:
        return base.with_(outcome="inconclusive", reasons=(Reason("no-deployment"),))
    problems, undecided, follows = [], [], []
    deployed_values: dict[str, dict[str, Any]] = {}
    for ref, deployed, measured, error in checks:
        if isinstance(
            measured, dict
        ):  # a deployed group-threshold variant: one fitted threshold per group
            deployed_values[ref] = {"thresholds": measured, "source": "fitted"}
            listed = ", ".join(f"{g} {t}" for g, t in measured.items())
            follows.append(Reason("threshold-follows-group", {"ref": ref, "listed": listed}))
            continue
        if measured is None:
            undecided.append(
                Reason("threshold-undecided", {"ref": ref, "error": error or "unknown"})
            )
            continue
        number = measured if deployed == "fitted" else float(deployed)
        deployed_values[ref] = {
            "threshold": number,
            "source": "fitted" if deployed == "fitted" else "spec",
        }
        if deployed == "fitted":
            follows.append(Reason("threshold-follows-fitted", {"ref": ref, "threshold": measured}))
        elif abs(number - measured) > gate.tolerance:
            problems.append(
                Reason("threshold-differs", {"ref": ref, "deployed": number, "evaluated": measured})
            )
    first: float | None = deployed_values.get(checks[0][0], {}).get("threshold")
    written = checks[0][1]
    evaluated = checks[0][2]
    value = first if first is not None else (float(written) if written != "fitted" else None)
    settled = tuple(follows) if follows else (Reason("threshold-equal"),)
    return base.with_(
        limit=Limit("==", evaluated) if isinstance(evaluated, (int, float)) else None,
        value=value,
        compared=value,
        details={**base.details, "deployed": deployed_values},
        outcome="fail" if problems else ("inconclusive" if undecided else "pass"),
        reasons=tuple(problems + undecided) or settled,
    )
