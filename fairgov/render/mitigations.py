"""Report section of bias mitigations (issue 14): per evaluation with variants, a table per
compared statistic (baseline and candidates: estimate with interval, paired difference with
its interval, overall-performance cost), one chart of fairness gain against performance cost
(variants side by side), the statement that a group-threshold model needs the attribute at
inference time (quoting the deployment protocol), and the links of each intervention to its
lifecycle stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from fairgov.gates.metric_gates import lookup
from fairgov.render import charts, fmt
from fairgov.render.charts import Panel, Point, Row
from fairgov.render.i18n import N_, gettext
from fairgov.render.ids import Ids
from fairgov.results import Evaluation, Measure, Results
from fairgov.results.model import Comparison, ComparisonRow, Variant

STAGE_LABEL = {
    "data": N_("data stage"),
    "training": N_("training stage"),
    "decision": N_("decision stage"),
}
#: lifecycle view stage (fairgov.render.lifecycle.STAGES) of each intervention stage
LIFECYCLE = {"data": "data-collection", "training": "adaptation", "decision": "deployment"}
TYPE_LABEL = {
    "reweight": N_("group-balanced reweighting of the probe's training rows"),
    "resample": N_("group-balanced resampling of the probe's training rows"),
    "group_dro": N_("worst-group (group DRO) training of the probe"),
    "group_thresholds": N_("group-specific thresholds fitted on validation"),
    "fine_tune": N_("partial fine-tuning of the backbone"),
}
COST = "auroc.overall"


@dataclass
class MitigationView:
    ref: str
    title: str
    anchor: str
    variants: list[dict[str, Any]]
    tables: list[dict[str, Any]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    chart: Markup | None = None
    attribute_notes: list[str] = field(default_factory=list)
    level: float | None = None
    #: multilabel / multiclass: one row per (label, candidate, compared statistic)
    label_rows: list[dict[str, Any]] = field(default_factory=list)


def _stat_label(row: ComparisonRow) -> str:
    metric = fmt.metric_label(row.metric)
    if row.statistic == "overall":
        return gettext("overall %(metric)s") % {"metric": metric}
    if row.statistic == "group":
        return gettext("%(metric)s of %(attribute)s %(group)s") % {
            "metric": metric,
            "attribute": row.across,
            "group": row.group,
        }
    return gettext("%(attribute)s %(metric)s %(statistic)s") % {
        "attribute": row.across,
        "metric": metric,
        "statistic": fmt.stat_label(row.statistic),
    }


def _lookup(measure: Measure | None, row: ComparisonRow) -> Any:
    """The arm's statistic of a comparison row: a typed Stat (overall) or the gate lookup's
    record."""
    if measure is None:
        return None
    if row.statistic == "overall":
        return measure.overall.metrics.get(row.metric)
    stat, _ = lookup(measure, row.metric, row.across or "", row.statistic, row.group)
    return stat


def _diff(row: ComparisonRow | None) -> str:
    if row is None or row.difference is None:
        return fmt.undefined(None)
    d = fmt.num(row.difference)
    if row.ci_low is None:
        return d
    return f"{d} {fmt.interval(row.ci_low, row.ci_high)}"


def variant_line(
    ev: Evaluation, vid: str, var: Variant, deployments: list[Any], ids: Ids
) -> dict[str, Any]:
    m = var.mitigation  # the mitigation's own spec, as recorded
    stage = m.get("stage", "")
    by = " × ".join(m.get("by") or [])
    needs = m.get("type") == "group_thresholds"
    return {
        "id": vid,
        "anchor": ids.get("variant", ev.id, vid),
        "title": var.title or vid,
        "type": m.get("type"),
        "what": gettext(TYPE_LABEL.get(m.get("type", ""), m.get("type", ""))),
        "stage": stage,
        "stage_label": gettext(STAGE_LABEL.get(stage, stage)),
        "by": by,
        "status": var.status,
        "error": var.error,
        "needs_attribute": needs,
        "deployed_by": [
            d.model.site.name for d in deployments if d.model.operating_point.variant == vid
        ],
    }


def _attribute_notes(ref: str, variants: list[dict[str, Any]], deployments: list[Any]) -> list[str]:
    out = []
    for v in variants:
        if not v["needs_attribute"]:
            continue
        text = gettext(
            "Variant %(variant)s decides with a threshold per %(attribute)s group: a model "
            "deployed this way "
            "needs each study's %(attribute)s at inference time."
        ) % {"variant": v["id"], "attribute": v["by"]}
        quoted = []
        for d in deployments:
            op = d.model.operating_point
            if op.evaluation != ref or op.variant != v["id"]:
                continue
            aai = op.attribute_at_inference
            if aai is None:
                quoted.append(
                    gettext("%(site)s deploys it but does not state how it obtains the attribute.")
                    % {"site": d.model.site.name}
                )
            else:
                statement = getattr(aai.statement, "not_applicable", None) or str(aai.statement)
                quoted.append(
                    gettext("%(site)s obtains it from %(source)s: “%(statement)s”")
                    % {"site": d.model.site.name, "source": aai.source, "statement": statement}
                )
        if not quoted:
            quoted.append(gettext("No deployment protocol in this report deploys this variant."))
        out.append(text + " " + " ".join(quoted))
    return out


def label_view(
    ref: str, ev: Evaluation, deployments: list[Any], ids: Ids
) -> MitigationView | None:
    """A multilabel / multiclass evaluation's mitigation variants, run per endpoint: the
    variants once (status over every label), then one compact table of every label's paired
    comparison rows."""
    ends = {name: end for name, end in sorted(ev.labels.items()) if end.variants}
    if not ends:
        return None
    first = next(iter(ends.values()))
    lines = []
    for vid, var in first.variants.items():
        line = variant_line(ev, vid, var, deployments, ids)
        failed = [
            f"{name}: {end.variants[vid].error}"
            for name, end in ends.items()
            if vid in end.variants and end.variants[vid].status != "ok"
        ]
        if failed:
            line.update(status="error", error="; ".join(failed))
        lines.append(line)
    mv = MitigationView(
        ref,
        ev.title or ref,
        ids.get("mitigations", ref),
        lines,
        level=first.measure.bootstrap.level,
    )
    mv.attribute_notes = _attribute_notes(ref, lines, deployments)
    for name, end in ends.items():
        for c in end.comparisons:
            if c.status != "ok":
                mv.label_rows.append(
                    {
                        "label": name,
                        "arm": c.candidate,
                        "statistic": gettext("not compared: %(error)s") % {"error": c.error},
                        "baseline": "—",
                        "candidate": "—",
                        "difference": "—",
                    }
                )
                continue
            for row in c.rows:
                mv.label_rows.append(
                    {
                        "label": name,
                        "arm": c.candidate,
                        "statistic": _stat_label(row),
                        "baseline": fmt.num(row.baseline),
                        "candidate": fmt.num(row.candidate),
                        "difference": _diff(row),
                    }
                )
    return mv


def view(ref: str, ev: Evaluation, deployments: list[Any], ids: Ids) -> MitigationView | None:
    variants = ev.variants
    if not variants:
        return label_view(ref, ev, deployments, ids) if ev.labels else None
    lines = [variant_line(ev, vid, var, deployments, ids) for vid, var in variants.items()]
    mv = MitigationView(
        ref,
        ev.title or ref,
        ids.get("mitigations", ref),
        lines,
        level=ev.measure.bootstrap.level if ev.measure else None,
    )
    mv.attribute_notes = _attribute_notes(ref, lines, deployments)
    comps = [c for c in ev.comparisons if c.status == "ok"]
    if not comps:
        return mv
    by_key: dict[str, dict[str, ComparisonRow]] = {}
    order: list[str] = []
    for c in comps:
        for row in c.rows:
            if row.key not in by_key:
                order.append(row.key)
            by_key.setdefault(row.key, {})[c.candidate] = row
    measures = {"baseline": ev.measure} | {
        vid: (v.measure if v.status == "ok" else None) for vid, v in variants.items()
    }
    base_id = comps[0].baseline
    for key in order:
        rows = by_key[key]
        sample = next(iter(rows.values()))
        arms = [base_id] + [c.candidate for c in comps]
        table_rows = []
        for arm in arms:
            r = rows.get(arm)
            cost = next((c.row(COST) for c in comps if c.candidate == arm), None)
            table_rows.append(
                {
                    "arm": arm,
                    "estimate": fmt.estimate(_lookup(measures.get(arm), sample)),
                    "difference": "—" if arm == base_id else _diff(r),
                    "cost": "—" if arm == base_id or key == COST else _diff(cost),
                }
            )
        mv.tables.append({"key": key, "label": _stat_label(sample), "rows": table_rows})
    gaps = [k for k in order if by_key[k] and next(iter(by_key[k].values())).statistic == "gap"]
    for c in comps:
        parts = []
        for key in gaps + [COST]:
            r = c.row(key)
            if r is None or r.difference is None:
                continue
            ci = ""
            if r.ci_low is not None:
                ci = gettext(", %(level)s CI %(low)s to %(high)s") % {
                    "level": fmt.level(c.level),
                    "low": fmt.num(r.ci_low, 2),
                    "high": fmt.num(r.ci_high, 2),
                }
            parts.append(
                gettext("%(stat)s %(base)s → %(cand)s (difference %(diff)s%(ci)s)")
                % {
                    "stat": _stat_label(r),
                    "base": fmt.num(r.baseline, 2),
                    "cand": fmt.num(r.candidate, 2),
                    "diff": fmt.num(r.difference, 2),
                    "ci": ci,
                }
            )
        if parts:
            mv.sentences.append(f"{c.candidate}: " + "; ".join(parts))
    mv.chart = _chart(ref, comps, by_key, gaps, ids)
    return mv


def _gain_point(r: ComparisonRow | None) -> Point:
    """Gain = baseline − candidate (a narrower gap, or less AUROC lost, is positive)."""
    if r is None or r.difference is None:
        return Point(None)
    lo, hi = r.ci_low, r.ci_high
    return Point(-r.difference, None if hi is None else -hi, None if lo is None else -lo)


def _chart(
    ref: str,
    comps: list[Comparison],
    by_key: dict[str, dict[str, ComparisonRow]],
    gaps: list[str],
    ids: Ids,
) -> Markup | None:
    keys = gaps[:3] + ([COST] if COST in by_key else [])
    if not keys:
        return None
    panels = []
    for key in keys:
        rows = [Row(c.candidate, (_gain_point(by_key[key].get(c.candidate)),)) for c in comps]
        pts = [p for r in rows for p in r.points]
        sample = next(iter(by_key[key].values()))
        title = (
            gettext("AUROC lost (baseline − candidate)")
            if key == COST
            else gettext("%(stat)s narrowed by") % {"stat": _stat_label(sample)}
        )
        dom = charts.panel_domain(pts, [0.0], clamp01=False)
        panels.append(Panel(rows, dom, title=title))
    ident = ids.get("mitigation-chart", ref)
    title = gettext("Fairness gain against performance cost, per variant")
    desc = gettext(
        "For each candidate variant: how much each gated gap narrowed and how much overall AUROC "
        "was lost "
        "against the baseline (paired differences with their intervals; right of zero is a "
        "narrower gap, "
        "respectively AUROC lost)."
    )
    return charts.small_multiples(ident, title, desc, panels, per_row=min(len(panels), 2))


def views(
    refs: list[str], results: Results, deployments: list[Any], ids: Ids
) -> list[MitigationView]:
    out = []
    for ref in refs:
        ev = results.evaluations.get(ref)
        if ev and ev.status == "ok":
            v = view(ref, ev, deployments, ids)
            if v is not None:
                out.append(v)
    return out


def link_stages(stages: list[Any], mviews: list[MitigationView]) -> None:
    """Each intervention becomes a documented mitigation of its lifecycle stage, linking to its
    row."""
    from fairgov.render.lifecycle import StageItem

    by_id = {s.id: s for s in stages}
    for mv in mviews:
        for v in mv.variants:
            stage = by_id.get(LIFECYCLE.get(v["stage"], ""))
            if stage is None:
                continue
            question = gettext("%(variant)s: %(what)s by %(by)s (%(stage)s, run as a variant)") % {
                "variant": v["id"],
                "what": v["what"],
                "by": v["by"] or "—",
                "stage": v["stage_label"],
            }
            state = "answered" if v["status"] == "ok" else "missing"
            stage.items.append(
                StageItem("mitigation", question, "Evaluation", state, question, v["anchor"])
            )
