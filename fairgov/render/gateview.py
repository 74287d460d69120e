"""Gate records (results.json) -> rows of the verdict table, the verdict line, one-line
explanations of inconclusive gates, and the per-gate evidence (forest plot + table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from fairgov.render import charts, fmt
from fairgov.render.charts import Band, Panel, Point, Row
from fairgov.render.ids import Ids

STATUS_ORDER = {"fail": 0, "inconclusive": 1, "warn": 2, "waived": 3, "pass": 4}
AGGREGATE_PARTS = {"equalized_odds": ("tpr", "fpr"), "equalized_odds_mean": ("tpr", "fpr"), "equal_opportunity": ("tpr",)}
SIGNED = {"calibration_in_the_large"}


def effect(gate: dict[str, Any]) -> str:
    status = gate.get("status")
    if gate.get("blocking"):
        return "blocks"
    return {"warn": "warning", "waived": "waived", "inconclusive": "does not block"}.get(status or "", "—")


@dataclass
class GateRow:
    id: str
    anchor: str
    status: str
    blocking: bool
    severity: str
    type: str
    title: str
    evaluation: str | None
    observed: str
    observed_note: str
    limit: str
    reason: str
    source: str
    waiver: dict[str, Any] | None
    effect: str
    bound: str
    record: dict[str, Any] = field(repr=False, default_factory=dict)


def order(gates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocking first, then by status severity, then as results.json lists them."""
    return [g for _, g in sorted(enumerate(gates), key=lambda ig: (not ig[1].get("blocking"), STATUS_ORDER.get(str(ig[1].get("status")), 9), ig[0]))]


def level_of(results: dict[str, Any], evaluation: str | None) -> float:
    ev = results.get("evaluations", {}).get(str(evaluation or ""), {})
    return float(ev.get("measure", {}).get("bootstrap", {}).get("level", 0.95) or 0.95)


def bound_words(gate: dict[str, Any], level: float) -> str:
    bound, op = gate.get("bound"), gate.get("op")
    pct = f"{100 * level:g}%"
    if bound == "conservative":
        return f"{'upper' if op in ('<=', '<') else 'lower'} {pct} bound compared"
    if bound in ("upper", "lower"):
        return f"{bound} {pct} bound compared"
    if bound == "point":
        return "point estimate compared"
    return ""


def observed(gate: dict[str, Any], results: dict[str, Any]) -> tuple[str, str]:
    gtype, value, compared = gate.get("type"), gate.get("value"), gate.get("compared")
    if gtype == "metric":
        if not fmt.is_num(value):
            return fmt.DASH, "undefined"
        shown = compared if fmt.is_num(compared) else value
        note = f"est. {fmt.estimate(gate)}" if fmt.is_num(compared) and compared != value else ""
        return fmt.num(shown), note
    if gtype == "coverage":
        d = gate.get("details") or {}
        return fmt.pct(value), (f"{d.get('covered')}/{d.get('total')} items" if "covered" in d else "")
    if gtype == "threshold_match":
        return fmt.num(value), "deployed threshold"
    return fmt.DASH, ""


def rows(gates: list[dict[str, Any]], results: dict[str, Any], ids: Ids, eval_titles: dict[str, str]) -> list[GateRow]:
    out = []
    for g in order(gates):
        obs, note = observed(g, results)
        src = g.get("source") or {}
        out.append(GateRow(
            id=g["id"], anchor=ids.get("gate", g["id"]), status=g["status"], blocking=bool(g.get("blocking")),
            severity=g.get("severity", "block"), type=g.get("type", ""), title=g.get("title") or g["id"],
            evaluation=eval_titles.get(g.get("evaluation") or "", g.get("evaluation")),
            observed=obs, observed_note=note, limit=fmt.limit(g.get("op"), g.get("threshold")),
            reason=g.get("reason", ""), source=f"{src.get('file', '?')}:{src.get('line', '?')}",
            waiver=g.get("waiver"), effect=effect(g), bound=bound_words(g, level_of(results, g.get("evaluation"))), record=g,
        ))
    return out


def verdict(gates: list[dict[str, Any]], results: dict[str, Any]) -> dict[str, Any]:
    counts = {s: sum(1 for g in gates if g.get("status") == s) for s in STATUS_ORDER}
    blocking = [g for g in gates if g.get("blocking")]
    status = "blocked" if blocking else "passed"
    head = "BLOCKED" if blocking else "PASSED"
    if blocking:
        fails = sum(1 for g in blocking if g["status"] == "fail")
        inc = len(blocking) - fails
        first = f"{fmt.plural(len(blocking), 'blocking gate')}: {fails} failed" + (f", {inc} inconclusive" if inc else "")
    else:
        first = "no blocking gate"
    rest = []
    nonblocking_inc = counts["inconclusive"] - sum(1 for g in blocking if g["status"] == "inconclusive")
    if nonblocking_inc:
        rest.append(f"{nonblocking_inc} inconclusive (non-blocking)")
    if counts["warn"]:
        rest.append(fmt.plural(counts["warn"], "warning"))
    if counts["waived"]:
        rest.append(f"{counts['waived']} waived")
    rest.append(f"{counts['pass']} passed")
    build = results.get("verdict", {})
    total = len(results.get("gates", []))
    note = ""
    if len(gates) != total or build.get("status") != status:
        note = (f"This report covers {len(gates)} of the build's {total} gates; "
                f"the build verdict is {str(build.get('status', '?')).upper()}.")
    return {"status": status, "headline": f"VERDICT: {head} — {first} · " + " · ".join(rest),
            "word": head, "counts": counts, "blocking": len(blocking), "note": note}


def explain_inconclusive(gate: dict[str, Any], results: dict[str, Any]) -> str:
    """One line: which cell lacked evidence and how much more is needed."""
    reason = gate.get("reason", "")
    measure = results.get("evaluations", {}).get(gate.get("evaluation") or "", {}).get("measure")
    if measure and reason.startswith("evidence too thin"):
        needs = _shortfalls(measure, gate)
        if needs:
            return "evidence too thin — " + "; ".join(needs)
    if measure and "straddles" in reason:
        level = level_of(results, gate.get("evaluation"))
        groups = _groups(measure, gate.get("across") or "")
        smallest = min(groups.items(), key=lambda kv: kv[1].get("n", 0), default=None)
        tail = f"; smallest group: {smallest[0]} (n={fmt.count(smallest[1].get('n'))})" if smallest else ""
        return (f"the {100 * level:g}% interval {fmt.interval(gate.get('ci_low'), gate.get('ci_high'))} crosses the limit "
                f"{fmt.limit(gate.get('op'), gate.get('threshold'))}: more patients are needed to decide{tail}")
    return reason or "no reason recorded"


def _groups(measure: dict[str, Any], across: str) -> dict[str, dict[str, Any]]:
    groups = measure.get("attributes", {}).get(across, {}).get("groups", {})
    return {g: c for g, c in groups.items() if not (g == "unknown" and not c.get("n"))}


def _shortfalls(measure: dict[str, Any], gate: dict[str, Any]) -> list[str]:
    mins = measure.get("min_evidence", {})
    out = []
    for name, cell in _groups(measure, gate.get("across") or "").items():
        parts = []
        for key, label, have in (("positives", "positives", cell.get("n_pos", 0)),
                                 ("negatives", "negatives", cell.get("n_neg", 0)), ("n", "images", cell.get("n", 0))):
            need = int(mins.get(key, 0) or 0)
            if have < need:
                parts.append(f"{have} {label}, minimum {need} ({need - have} more needed)")
        if parts:
            out.append(f"{name}: " + ", ".join(parts))
    return out


@dataclass
class GateEvidence:
    row: GateRow
    chart: Markup | None
    columns: list[str]
    table: list[dict[str, Any]]
    statistic: str
    rationale: str | None
    p_value: str
    problems: list[str]

    @property
    def outcome(self) -> str:
        """The gate's reason, without repeating the problems listed below it."""
        reason = self.row.reason
        if self.problems and "; missing:" in reason:
            return reason.split("; missing:", 1)[0] + "; missing items are listed below"
        if self.problems and reason == "; ".join(self.problems):
            return f"{len(self.problems)} problem(s), listed below"
        return reason


def evidence(row: GateRow, results: dict[str, Any], ids: Ids, rationale: str | None) -> GateEvidence:
    g = row.record
    problems = list((g.get("details") or {}).get("problems") or (g.get("details") or {}).get("missing") or [])
    ev = results.get("evaluations", {}).get(g.get("evaluation") or "", {})
    measure = ev.get("measure")
    pval = fmt.num(g.get("p_value")) if fmt.is_num(g.get("p_value")) else ""
    if g.get("type") != "metric" or not measure:
        return GateEvidence(row, None, [], [], "", rationale, pval, problems)
    metric, across = g.get("metric") or "", g.get("across") or ""
    parts = AGGREGATE_PARTS.get(metric, (metric,))
    groups = _groups(measure, across)
    included = set((g.get("details") or {}).get("included") or groups)
    table = []
    for name, cell in groups.items():
        table.append({"group": name, "n": cell.get("n"), "pos": cell.get("n_pos"), "neg": cell.get("n_neg"),
                      "values": [fmt.estimate(cell.get("metrics", {}).get(p)) for p in parts],
                      "included": name in included, "overall": False})
    overall = measure.get("overall", {})
    table.append({"group": "overall", "n": overall.get("n"), "pos": overall.get("n_pos"), "neg": overall.get("n_neg"),
                  "values": [fmt.estimate(overall.get("metrics", {}).get(p)) for p in parts], "included": True, "overall": True})
    stat_label = f"{fmt.metric_label(metric)} {fmt.STAT_LABEL.get(g.get('statistic') or '', g.get('statistic') or '')}"
    chart = forest_chart(g, groups, overall, parts, ids.get("forest", g["id"]), stat_label)
    return GateEvidence(row, chart, [fmt.metric_label(p) for p in parts], table,
                        f"{stat_label}: {fmt.estimate(g)}", rationale, pval, problems)


def forest_chart(g: dict[str, Any], groups: dict[str, Any], overall: dict[str, Any], parts: tuple[str, ...],
                 ident: str, stat_label: str) -> Markup:
    metric, statistic = g.get("metric") or "", g.get("statistic") or ""
    band = Band(g["op"], g["threshold"]) if fmt.is_num(g.get("threshold")) and g.get("op") in ("<=", ">=", "<", ">") else None
    on_groups = statistic in ("worst", "group") and metric not in AGGREGATE_PARTS
    rws: list[Row] = []
    pts: list[Point] = []
    for name, cell in groups.items():
        points = tuple(_point(cell.get("metrics", {}).get(p)) for p in parts)
        rws.append(Row(name, points))
        pts += points
    ov = overall.get("metrics", {}).get(parts[0], {}).get("value") if len(parts) == 1 else None
    clamp = metric not in SIGNED
    top = Panel(rws, charts.panel_domain(pts, [ov, g.get("threshold") if on_groups else None], clamp),
                title=f"{fmt.metric_label(parts[0]) if len(parts) == 1 else ' and '.join(fmt.metric_label(p) for p in parts)} by {g.get('across')}",
                overall=ov, band=band if on_groups else None, series=len(parts))
    stat_panel = None
    if statistic != "group":
        sp = Point(g.get("value"), g.get("ci_low"), g.get("ci_high"), fmt.undefined(None))
        extra = [g.get("threshold"), 0.0 if statistic not in ("ratio", "worst") else None]
        dom = top.dom if on_groups else charts.panel_domain([sp], extra, clamp)
        stat_panel = Panel([Row(statistic or metric, (sp,))], dom, title=stat_label, band=band)
    title = f"Forest plot for gate {g['id']}: {g.get('title', '')}"
    desc = _desc(rws, ov, g, stat_label, parts)
    return charts.forest(ident, title, desc, top, stat_panel, [fmt.metric_label(p) for p in parts])


def _point(stat: dict[str, Any] | None) -> Point:
    stat = stat or {}
    value = stat.get("value") if fmt.is_num(stat.get("value")) else None
    lo, hi = stat.get("ci_low"), stat.get("ci_high")
    return Point(value, lo if fmt.is_num(lo) else None, hi if fmt.is_num(hi) else None,
                 fmt.undefined(stat.get("reason")) if value is None else "")


def _desc(rws: list[Row], ov: float | None, g: dict[str, Any], stat_label: str, parts: tuple[str, ...]) -> str:
    items = []
    for r in rws:
        vals = ", ".join(f"{fmt.metric_label(p)} {_ptext(pt)}" if len(parts) > 1 else _ptext(pt) for p, pt in zip(parts, r.points, strict=False))
        items.append(f"{r.label}: {vals}")
    text = "; ".join(items)
    if ov is not None:
        text += f"; overall {fmt.num(ov)}"
    return (f"{text}. {stat_label} {fmt.estimate(g)}; limit {fmt.limit(g.get('op'), g.get('threshold'))}; "
            f"status {fmt.status_word(g.get('status', ''))}.")


def _ptext(p: Point) -> str:
    if p.value is None:
        return p.note or "undefined"
    return f"{fmt.num(p.value)} {fmt.interval(p.lo, p.hi)}".strip()
