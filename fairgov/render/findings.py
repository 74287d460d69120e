"""Consistency findings: contradictions fairgov can see between the specs and its own numbers.

- FG610: a document claims its test mix is within N percentage points of a deployment's
  intended population, but the composition table shows a larger difference.
- FG611: a deployment's narrative states a local gap limit for a metric that differs from
  the policy gate's limit on the same metric (or on an aggregate that bounds it).

A finding is shown in the executive summary; it neither passes nor fails a gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fairgov.render import fmt
from fairgov.render.i18n import gettext
from fairgov.results import Gate, Results

WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
}
_WITHIN = re.compile(
    r"within\s+(\d+(?:\.\d+)?|"
    + "|".join(WORD_NUMBERS)
    + r")\s+(?:percentage\s+points|pp\b|points)",
    re.I,
)
METRIC_WORDS = {
    "tpr": "tpr",
    "sensitivity": "tpr",
    "fpr": "fpr",
    "auroc": "auroc",
    "ece": "ece",
    "tnr": "tnr",
    "specificity": "tnr",
    "ppv": "ppv",
    "npv": "npv",
}
_LOCAL_GAP = re.compile(r"\b(" + "|".join(METRIC_WORDS) + r")\s+gap\b[^.;]*?(\d*\.\d+)", re.I)
#: aggregates that bound a metric's gap: the equalized-odds difference is max(TPR gap, FPR gap)
BOUNDS = {"equalized_odds": ("tpr", "fpr"), "equal_opportunity": ("tpr",)}


@dataclass(frozen=True)
class Finding:
    code: str
    text: str
    where: str


def _strings(model: Any, path: str = "") -> list[tuple[str, str]]:
    """Every narrative string of a pydantic model with its dotted field path."""
    out: list[tuple[str, str]] = []
    data = model.model_dump() if hasattr(model, "model_dump") else model
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            out.append((where, value))
        elif isinstance(value, dict):
            stack += [(f"{where}.{k}" if where else str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    return sorted(out)


def composition_claims(
    datasheets: list[Any], results: Results, evaluations: list[str], deployments: list[Any]
) -> list[Finding]:
    out = []
    for ds in datasheets:
        for where, text in _strings(ds.model):
            m = _WITHIN.search(text)
            if not m:
                continue
            word = m.group(1).lower()
            claimed = float(WORD_NUMBERS.get(word, 0) or word) / 100
            worst = _worst_difference(text, results, evaluations, ds.ref, deployments)
            if worst and worst[0] > claimed + 1e-9:
                diff, attr, group, test, intended = worst
                out.append(
                    Finding(
                        "FG610",
                        gettext(
                            "%(ref)s says the test mix is within %(claimed)s percentage points of "
                            "the intended population, but "
                            "its own composition table shows %(attribute)s %(group)s at %(test)s "
                            "of the test split against "
                            "%(intended)s intended (%(diff)s points apart)."
                        )
                        % {
                            "ref": ds.ref,
                            "claimed": fmt.num(claimed * 100, 0),
                            "attribute": attr,
                            "group": group,
                            "test": fmt.pct(test),
                            "intended": fmt.pct(intended),
                            "diff": fmt.num(diff * 100, 1),
                        },
                        f"{ds.doc.relpath}: {where}",
                    )
                )
    return out


def _worst_difference(
    text: str, results: Results, evaluations: list[str], dataset: str, deployments: list[Any]
) -> tuple[float, str, str, float, float] | None:
    worst: tuple[float, str, str, float, float] | None = None
    lowered = text.lower()
    for ref in evaluations:
        ev = results.evaluations.get(ref)
        if ev is None or ev.dataset != dataset:
            continue
        comp = ev.composition
        named = [a for a in comp if a.split("_")[0].lower() in lowered]
        for attr in named or list(comp):
            test = comp[attr].test
            total = sum(test.values())
            for d in deployments:
                for group, share in (
                    d.model.intended_population.distribution.get(attr) or {}
                ).items():
                    have = test.get(group, 0) / total if total else 0.0
                    diff = abs(have - share)
                    if worst is None or diff > worst[0]:
                        worst = (diff, attr, str(group), have, float(share))
    return worst


def local_limits(deployments: list[Any], gates: list[Gate]) -> list[Finding]:
    out = []
    gap_gates = [
        g for g in gates if g.type == "metric" and g.statistic == "gap" and fmt.is_num(g.threshold)
    ]
    for d in deployments:
        for where, text in _strings(d.model):
            for m in _LOCAL_GAP.finditer(text):
                metric, local = METRIC_WORDS[m.group(1).lower()], float(m.group(2))
                for g in gap_gates:
                    covers = g.metric == metric or metric in BOUNDS.get(str(g.metric), ())
                    if (
                        covers
                        and g.threshold is not None
                        and abs(float(g.threshold) - local) > 1e-9
                    ):
                        out.append(
                            Finding(
                                "FG611",
                                gettext(
                                    "%(ref)s states a local %(metric)s gap limit of %(local)s; the "
                                    "policy gate %(gate)s "
                                    "(%(gate_metric)s) allows %(limit)s. Align the two or say "
                                    "which one governs."
                                )
                                % {
                                    "ref": d.ref,
                                    "metric": fmt.metric_label(metric),
                                    "local": fmt.num(local),
                                    "gate": g.id,
                                    "gate_metric": fmt.metric_label(g.metric),
                                    "limit": fmt.num(g.threshold),
                                },
                                f"{d.doc.relpath}: {where}",
                            )
                        )
    return out


def findings(scope: Any, results: Results) -> list[Finding]:
    """The findings about this report's own documents."""
    datasheets = [e for e in scope.documents if e.doc.kind == "Datasheet"]
    deployments = [e for e in scope.documents if e.doc.kind == "DeploymentProtocol"]
    out = composition_claims(datasheets, results, scope.evaluations, scope.deployments)
    out += local_limits(deployments, scope.gates)
    return merged(out)


def merged(found: list[Finding]) -> list[Finding]:
    """One finding per contradiction: the same code and text stated in several fields (a limit
    repeated in the local validation and in two triggers) is listed once, with every place,
    grouped by file ("deployment.yaml: a, b, c"), in the order they were found."""
    places: dict[tuple[str, str], dict[str, list[str]]] = {}
    for f in found:
        file, _, field = f.where.partition(": ")
        fields = places.setdefault((f.code, f.text), {}).setdefault(file, [])
        if field not in fields:
            fields.append(field)
    return [
        Finding(
            code,
            text,
            "; ".join(
                f"{file}: {', '.join(fields)}" if any(fields) else file
                for file, fields in files.items()
            ),
        )
        for (code, text), files in places.items()
    ]
