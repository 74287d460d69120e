"""The one-page executive summary in plain language: what the model is for, which groups are
worse served and by how much (with intervals), what the deployment must watch, what is waived
and until when, and the contradictions fairgov found in the specs themselves."""

from __future__ import annotations

from typing import Any

from fairgov.render import fmt
from fairgov.render.findings import findings
from fairgov.render.i18n import gettext
from fairgov.results import Results
from fairgov.results.endpoints import gate_measure

CONCERNS = ("fail", "inconclusive", "warn")


def purpose(scope: Any, cp: Any) -> str:
    cards = [e for e in scope.documents if e.doc.kind == "ModelCard"]
    if not cards:
        refs = {d.model.model for d in scope.deployments}
        cards = [e for e in cp.of_kind("ModelCard") if e.ref in refs]
    if not cards:
        return ""
    statement = cards[0].model.intended_use.statement
    return statement if isinstance(statement, str) else ""


def worse_served(rows: list[Any], results: Results) -> list[dict[str, Any]]:
    """Per metric gate that did not pass: the worst and best group with intervals."""
    out = []
    for row in rows:
        g = row.record
        if g.type != "metric" or row.status not in CONCERNS:
            continue
        measure = gate_measure(results, g)
        block = measure.attributes.get(g.across or "") if measure else None
        metric = g.metric or ""
        defined = [
            (name, stat)
            for name, c in (block.groups.items() if block else ())
            if (stat := c.metrics.get(metric)) is not None and fmt.is_num(stat.value)
        ]
        line = {
            "id": row.id,
            "anchor": row.anchor,
            "status": row.status,
            "title": row.title,
            "statistic": fmt.estimate(g),
            "limit": row.limit,
            "low": "",
            "high": "",
        }
        if len(defined) > 1:
            defined.sort(
                key=lambda kv: kv[1].value if kv[1].value is not None else 0.0
            )  # all defined
            lo, hi = defined[0], defined[-1]
            line["low"] = f"{lo[0]} {fmt.estimate(lo[1])}"
            line["high"] = f"{hi[0]} {fmt.estimate(hi[1])}"
        out.append(line)
    return out


def watch(scope: Any) -> list[str]:
    out = []
    for d in scope.deployments:
        mon = d.model.monitoring
        f = mon.fairness
        out.append(
            gettext("%(site)s: %(metrics)s by %(subgroups)s, %(frequency)s")
            % {
                "site": d.model.site.name,
                "metrics": ", ".join(fmt.metric_label(m) for m in f.metrics),
                "subgroups": ", ".join(f.subgroups) or fmt.DASH,
                "frequency": f.frequency,
            }
        )
        out += [
            gettext("trigger: %(condition)s → %(action)s")
            % {"condition": t.condition, "action": t.action}
            for t in mon.triggers
        ]
    return out


def executive_summary(
    scope: Any, cp: Any, results: Results, rows: list[Any], waivers: list[Any]
) -> dict[str, Any]:
    return {
        "purpose": purpose(scope, cp),
        "worse": worse_served(rows, results),
        "watch": watch(scope),
        "waivers": [w for w in waivers if w],
        "findings": findings(scope, results),
        "passed": sum(1 for r in rows if r.status == "pass"),
    }
