"""Gate records (results.json) -> rows of the verdict table, the verdict line, one-line
explanations of inconclusive gates, and the per-gate evidence (forest plot + table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from fairgov.gates.compare import Limit
from fairgov.gates.outcome import STATUS_ORDER, tally
from fairgov.render import charts, fmt, reasons
from fairgov.render.charts import Panel, Point, Row
from fairgov.render.i18n import DEFAULT, N_, current, gettext, ngettext
from fairgov.render.ids import Ids
from fairgov.results import Cell, Gate, Measure, Results, Stat, Waiver
from fairgov.results.endpoints import gate_measure

AGGREGATE_PARTS = {
    "equalized_odds": ("tpr", "fpr"),
    "equalized_odds_mean": ("tpr", "fpr"),
    "equal_opportunity": ("tpr",),
}
SIGNED = {"calibration_in_the_large"}
EFFECT = {"warn": N_("warning"), "waived": N_("waived"), "inconclusive": N_("does not block")}
#: the statistic's row label in a forest plot
#: `label:` of a gate on a multiclass task-level metric (fairgov.gates.task_gates.MACRO)
MACRO = "macro"
STAT_ROW = {"gap": N_("gap"), "worst": N_("worst"), "ratio": N_("ratio"), "group": N_("group")}
VERDICT_WORD = {"blocked": N_("BLOCKED"), "passed": N_("PASSED")}
WAIVER_STATUS = {"active": N_("active"), "expired": N_("expired")}


def waiver_view(waiver: Waiver | None) -> dict[str, Any] | None:
    """A waiver record with its expiry date and status in the report language."""
    if waiver is None:
        return None
    status = WAIVER_STATUS.get(waiver.status)
    return {
        **waiver.model_dump(mode="json", exclude_unset=True),
        "expires": fmt.date(waiver.expires),
        "status": gettext(status) if status else waiver.status,
    }


def effect(gate: Gate) -> str:
    if gate.blocking:
        return gettext("blocks")
    word = EFFECT.get(gate.status)
    return gettext(word) if word else fmt.DASH


#: the engine's titles of gates without a title of their own (fairgov/gates/engine.py `_title`)
TITLES = {
    "required_fields": N_("required fields answered"),
    "axes_evaluated": N_("intended-population axes evaluated"),
    "threshold_match": N_("deployed threshold = evaluated"),
}


def gate_title(record: Gate, spec: Any = None) -> str:
    """The engine's title of a gate whose policy names none, in the report language, from the
    gate's own fields and its policy spec `spec` (English: the title results.json records)."""
    title = record.title or record.id
    gtype = record.type
    if current().code == DEFAULT:
        return title
    if gtype in TITLES:
        return gettext(TITLES[gtype])
    standard = getattr(spec, "standard", None)  # the coverage gate's standard id, from the policy
    if gtype == "coverage" and standard:
        return gettext("coverage of %(standard)s") % {"standard": standard}
    if gtype == "metric" and record.metric and record.across:
        statistic = fmt.stat_label(record.statistic)
        if record.group:
            statistic = f"{statistic} {record.group}"
        return gettext("%(metric)s %(statistic)s across %(attribute)s %(limit)s") % {
            "metric": fmt.metric_label(
                (record.details.get("task_metric") if record.label == MACRO else None)
                or record.metric
            ),
            "statistic": statistic,
            "attribute": record.across,
            "limit": fmt.limit(record.op, record.threshold),
        }
    return title


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
    record: Gate = field(repr=False)
    estimate: str = ""  # metric gates: point estimate and interval

    @property
    def compared(self) -> bool:
        """False for a metric gate where results.json records no compared number."""
        return self.type != "metric" or fmt.is_num(self.record.compared)


def order(gates: list[Gate]) -> list[Gate]:
    """Blocking first, then by status severity, then as results.json lists them."""
    return [
        g
        for _, g in sorted(
            enumerate(gates),
            key=lambda ig: (not ig[1].blocking, STATUS_ORDER.get(ig[1].status, 9), ig[0]),
        )
    ]


def level_of(results: Results, evaluation: str | None) -> float:
    ev = results.evaluations.get(str(evaluation or ""))
    return float(ev.measure.bootstrap.level or 0.95) if ev and ev.measure else 0.95


def compared_side(gate: Gate) -> str:
    """Which number results.json says was compared: 'upper', 'lower', 'point' or '' (none)."""
    compared = gate.compared
    if not fmt.is_num(compared):
        return ""
    for side, number in (("upper", gate.ci_high), ("lower", gate.ci_low), ("point", gate.value)):
        if fmt.is_num(number) and compared == number:
            return side
    return "point"


def bound_words(gate: Gate, level: float) -> str:
    """The label of the compared number, from results.json's compared and bound fields: a
    number that decides a gate is never called a bound when it is the estimate, or vice versa."""
    if gate.type == "metric":
        side = compared_side(gate)
        if side == "upper":
            return gettext("upper %(level)s bound compared") % {"level": fmt.level(level)}
        if side == "lower":
            return gettext("lower %(level)s bound compared") % {"level": fmt.level(level)}
        return gettext("point estimate compared") if side == "point" else ""
    bound, limit = gate.bound, Limit.of(gate.op, gate.threshold)
    if bound == "conservative":
        bound = limit.bound_side(bound) if limit is not None else "lower"
    if bound == "upper":
        return gettext("upper %(level)s bound compared") % {"level": fmt.level(level)}
    if bound == "lower":
        return gettext("lower %(level)s bound compared") % {"level": fmt.level(level)}
    if bound == "point":
        return gettext("point estimate compared")
    return ""


def observed(gate: Gate) -> tuple[str, str]:
    gtype, value, compared = gate.type, gate.value, gate.compared
    if gtype == "metric":
        if not fmt.is_num(value):
            return fmt.DASH, gettext("undefined")
        if not fmt.is_num(compared):  # nothing was compared with the limit (e.g. evidence too thin)
            return fmt.num(value), gettext("point estimate, not compared")
        note = (
            gettext("est. %(estimate)s") % {"estimate": fmt.estimate(gate)}
            if compared != value
            else ""
        )
        return fmt.num(compared), note
    if gtype == "coverage":
        d = gate.details
        items = gettext("%(covered)s/%(total)s items") % {
            "covered": d.get("covered"),
            "total": d.get("total"),
        }
        return fmt.pct(value), (items if "covered" in d else "")
    if gtype == "threshold_match":
        return fmt.num(value), gettext("deployed threshold")
    return fmt.DASH, ""


def rows(
    gates: list[Gate],
    results: Results,
    ids: Ids,
    eval_titles: dict[str, str],
    untitled: Mapping[str, Any] | None = None,
) -> list[GateRow]:
    """`untitled`: gate id -> policy spec of the gates whose policy gives no title (results.json
    has the engine's English one)."""
    untitled = untitled or {}
    out = []
    for g in order(gates):
        obs, note = observed(g)
        src = g.source.model_dump() if not isinstance(g.source, dict) else g.source
        out.append(
            GateRow(
                id=g.id,
                anchor=ids.get("gate", g.id),
                status=g.status,
                blocking=g.blocking,
                severity=g.severity,
                type=g.type,
                title=gate_title(g, untitled[g.id]) if g.id in untitled else (g.title or g.id),
                evaluation=eval_titles.get(g.evaluation or "", g.evaluation),
                observed=obs,
                observed_note=note,
                limit=fmt.limit(g.op, g.threshold),
                reason=g.reason,
                source=f"{src.get('file', '?')}:{src.get('line', '?')}",
                waiver=waiver_view(g.waiver),
                effect=effect(g),
                bound=bound_words(g, level_of(results, g.evaluation)),
                record=g,
                estimate=fmt.estimate(g) if g.type == "metric" and fmt.is_num(g.value) else "",
            )
        )
    return out


def verdict(gates: list[Gate], results: Results) -> dict[str, Any]:
    """The verdict line of a report over its gates (the same rule as results.json's: `tally`)."""
    t = tally([(g.status, g.blocking) for g in gates])
    counts, status = t.counts, t.status
    blocking = [g for g in gates if g.blocking]
    head = gettext(VERDICT_WORD[status])
    if blocking:
        fails = sum(1 for g in blocking if g.status == "fail")
        inc = len(blocking) - fails
        first = gettext("%(gates)s: %(failed)s") % {
            "gates": fmt.counted(
                ngettext("%(num)s blocking gate", "%(num)s blocking gates", len(blocking)),
                len(blocking),
            ),
            "failed": fmt.counted(ngettext("%(num)s failed", "%(num)s failed", fails), fails),
        }
        if inc:
            first += ", " + fmt.counted(
                ngettext("%(num)s inconclusive", "%(num)s inconclusive", inc), inc
            )
    else:
        first = gettext("no blocking gate")
    rest = []
    nonblocking_inc = counts["inconclusive"] - sum(
        1 for g in blocking if g.status == "inconclusive"
    )
    if nonblocking_inc:
        text = ngettext(
            "%(num)s inconclusive (non-blocking)",
            "%(num)s inconclusive (non-blocking)",
            nonblocking_inc,
        )
        rest.append(fmt.counted(text, nonblocking_inc))
    if counts["warn"]:
        rest.append(
            fmt.counted(
                ngettext("%(num)s warning", "%(num)s warnings", counts["warn"]), counts["warn"]
            )
        )
    if counts["waived"]:
        rest.append(
            fmt.counted(
                ngettext("%(num)s waived", "%(num)s waived", counts["waived"]), counts["waived"]
            )
        )
    rest.append(
        fmt.counted(ngettext("%(num)s passed", "%(num)s passed", counts["pass"]), counts["pass"])
    )
    build = results.verdict
    total = len(results.gates)
    note = ""
    if len(gates) != total or build.status != status:
        word = VERDICT_WORD.get(build.status)
        note = gettext(
            "This report covers %(shown)s of the build's %(total)s gates; the build verdict is "
            "%(verdict)s."
        ) % {
            "shown": fmt.count(len(gates)),
            "total": fmt.count(total),
            "verdict": gettext(word) if word else build.status.upper(),
        }
    headline = gettext("VERDICT: %(word)s — %(summary)s") % {
        "word": head,
        "summary": " · ".join([first, *rest]),
    }
    return {
        "status": status,
        "headline": headline,
        "word": head,
        "counts": counts,
        "blocking": len(blocking),
        "note": note,
    }


def explain_inconclusive(gate: Gate, results: Results) -> str:
    """One line: which cell lacked evidence and how much more is needed."""
    reason = gate.reason
    structured = reasons.records(gate)
    codes = {r.code for r in structured} if structured is not None else set()
    measure = gate_measure(results, gate)
    if measure and (
        "evidence-too-thin" in codes
        or (structured is None and reason.startswith("evidence too thin"))
    ):
        needs = _shortfalls(measure, gate)
        if needs:
            return gettext("evidence too thin — %(needs)s") % {"needs": "; ".join(needs)}
    if measure and ("straddles" in codes or (structured is None and "straddles" in reason)):
        level = level_of(results, gate.evaluation)
        groups = _groups(measure, gate.across or "")
        smallest = min(groups.items(), key=lambda kv: kv[1].n, default=None)
        text = gettext(
            "the %(level)s interval %(interval)s crosses the limit %(limit)s: more patients are "
            "needed to decide"
        ) % {
            "level": fmt.level(level),
            "interval": fmt.interval(gate.ci_low, gate.ci_high),
            "limit": fmt.limit(gate.op, gate.threshold),
        }
        if smallest:
            text += gettext("; smallest group: %(group)s (n=%(n)s)") % {
                "group": smallest[0],
                "n": fmt.count(smallest[1].n),
            }
        return text
    return reasons.gate(gate) or gettext("no reason recorded")


def _groups(measure: Measure, across: str) -> dict[str, Cell]:
    block = measure.attributes.get(across)
    groups = block.groups if block else {}
    return {g: c for g, c in groups.items() if not (g == "unknown" and not c.n)}


SHORTFALL = {
    "positives": N_("%(have)s positives, minimum %(need)s (%(more)s more needed)"),
    "negatives": N_("%(have)s negatives, minimum %(need)s (%(more)s more needed)"),
    "n": N_("%(have)s images, minimum %(need)s (%(more)s more needed)"),
}


def _shortfalls(measure: Measure, gate: Gate) -> list[str]:
    mins = measure.min_evidence
    out = []
    for name, cell in _groups(measure, gate.across or "").items():
        parts = []
        for key, have, need in (
            ("positives", cell.n_pos, mins.positives),
            ("negatives", cell.n_neg, mins.negatives),
            ("n", cell.n, mins.n),
        ):
            if have < need:
                parts.append(
                    gettext(SHORTFALL[key])
                    % {
                        "have": fmt.count(have),
                        "need": fmt.count(need),
                        "more": fmt.count(need - have),
                    }
                )
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
    elsewhere: bool = (
        False  # the per-group plot and table are left to the model card report and the dossier
    )
    statistics: str = ""  # interval method and operating characteristics of a metric gate

    @property
    def outcome(self) -> str:
        """The gate's reason, without repeating the problems listed below it."""
        reason, record = self.row.reason, self.row.record
        if self.problems and "; missing:" in reason:
            if reasons.records(record) is None:  # results written before reasons had codes
                return reason.split("; missing:", 1)[0] + gettext(
                    "; missing items are listed below"
                )
            return reasons.gate(record, skip=("items-missing",)) + gettext(
                "; missing items are listed below"
            )
        if self.problems and reason == "; ".join(self.problems):
            return fmt.counted(
                ngettext(
                    "%(num)s problem, listed below",
                    "%(num)s problems, listed below",
                    len(self.problems),
                ),
                len(self.problems),
            )
        return reasons.gate(record)

    @property
    def problem_lines(self) -> list[str]:
        """The problems below a gate's reason: its own reasons when they are the problems."""
        structured = reasons.records(self.row.record)
        if structured is not None and [r.text for r in structured] == self.problems:
            return [reasons.render(r) for r in structured]
        return list(self.problems)


def evidence(
    row: GateRow, results: Results, ids: Ids, rationale: str | None, plot: bool = True
) -> GateEvidence:
    """The evidence behind one gate; without `plot`, a metric gate's forest plot and per-group
    table are not built and `elsewhere` says another report holds them."""
    g = row.record
    problems = list(g.details.get("problems") or g.details.get("missing") or [])
    measure = gate_measure(results, g)
    pval = fmt.num(g.p_value) if fmt.is_num(g.p_value) else ""
    if g.type == "metric" and g.label == MACRO:
        return _task_evidence(row, results, ids, rationale, pval, problems, plot)
    if g.type != "metric" or not measure:
        return GateEvidence(row, None, [], [], "", rationale, pval, problems)
    metric, across = g.metric or "", g.across or ""
    parts = AGGREGATE_PARTS.get(metric, (metric,))
    groups = _groups(measure, across)
    included = set(g.details.get("included") or groups)
    table = []
    for name, cell in groups.items():
        table.append(
            {
                "group": name,
                "n": cell.n,
                "pos": cell.n_pos,
                "neg": cell.n_neg,
                "values": [fmt.cell(cell.metrics.get(p)) for p in parts],
                "included": name in included,
                "overall": False,
            }
        )
    overall = measure.overall
    table.append(
        {
            "group": gettext("overall"),
            "n": overall.n,
            "pos": overall.n_pos,
            "neg": overall.n_neg,
            "values": [fmt.cell(overall.metrics.get(p)) for p in parts],
            "included": True,
            "overall": True,
        }
    )
    stat_label = gettext("%(metric)s %(statistic)s") % {
        "metric": fmt.metric_label(metric),
        "statistic": fmt.stat_label(g.statistic),
    }
    chart = (
        forest_chart(g, groups, overall, parts, ids.get("forest", g.id), stat_label, row.title)
        if plot
        else None
    )
    return GateEvidence(
        row,
        chart,
        [fmt.metric_label(p) for p in parts],
        table if plot else [],
        f"{stat_label}: {fmt.estimate(g)}",
        rationale,
        pval,
        problems,
        elsewhere=not plot,
        statistics=statistics_line(g),
    )


def _task_evidence(row: GateRow, results: Results, ids: Ids, rationale: str | None, pval: str,
                   problems: list[str], plot: bool) -> GateEvidence:
    """A `label: macro` gate: the multiclass task-level metric it checks (macro AUROC or balanced
    accuracy) per group, with the task's bootstrap intervals; Pos./Neg. do not apply (—)."""
    g = row.record
    ev = results.evaluations.get(g.evaluation or "")
    summary = ev.task_metrics if ev is not None else None
    metric = str(g.details.get("task_metric") or "")
    block = summary.attributes.get(g.across or "") if summary is not None else None
    if summary is None or block is None or not metric:
        return GateEvidence(row, None, [], [], "", rationale, pval, problems)
    groups = {name: c for name, c in block.groups.items() if not (name == "unknown" and not c.n)}
    table = [{"group": name, "n": c.n, "pos": None, "neg": None,
              "values": [fmt.cell(c.metrics.get(metric))], "included": True, "overall": False}
             for name, c in groups.items()]
    table.append({"group": gettext("overall"), "n": summary.overall.n, "pos": None, "neg": None,
                  "values": [fmt.cell(summary.overall.metrics.get(metric))], "included": True,
                  "overall": True})
    stat_label = gettext("%(metric)s %(statistic)s") % {
        "metric": fmt.metric_label(metric), "statistic": fmt.stat_label(g.statistic)}
    chart = (
        forest_chart(g.model_copy(update={"metric": metric}), groups, summary.overall,  # type: ignore[arg-type]
                     (metric,), ids.get("forest", g.id), stat_label, row.title)
        if plot
        else None
    )
    return GateEvidence(
        row,
        chart,
        [fmt.metric_label(metric)],
        table if plot else [],
        f"{stat_label}: {fmt.estimate(g)}",
        rationale,
        pval,
        problems,
        elsewhere=not plot,
        statistics=statistics_line(g),
    )


def statistics_line(g: Gate) -> str:
    """Interval method of the compared statistic and the gate's operating characteristic."""
    details = g.details  # a gate kind's own record (free-form in the schema)
    parts = []
    if details.get("interval"):
        parts.append(gettext("Interval: %(method)s.") % {"method": details["interval"]})
    oc = details.get("operating_characteristics") or {}
    if fmt.is_num(oc.get("p_pass_if_fair")):
        parts.append(
            gettext(
                "A truly fair model passes this gate with probability %(p)s at this evaluation’s "
                "size."
            )
            % {"p": fmt.pct(oc["p_pass_if_fair"])}
        )
        if oc.get("note"):
            parts.append(gettext("At this size a truly fair model would rarely pass this gate."))
    if details.get("multiplicity") == "holm":
        parts.append(
            gettext(
                "Multiplicity: Holm-adjusted per-pair tests (fail); every pair's interval within "
                "the "
                "limit (pass)."
            )
        )
    rest = details.get("versus_rest") or []
    if rest:
        listed = "; ".join(f"{d['group']} {fmt.estimate(d)}" for d in rest)
        parts.append(gettext("Each group minus the rest: %(listed)s.") % {"listed": listed})
    return " ".join(parts)


def forest_chart(
    g: Gate,
    groups: dict[str, Cell],
    overall: Cell,
    parts: tuple[str, ...],
    ident: str,
    stat_label: str,
    gate_title: str,
) -> Markup:
    metric, statistic = g.metric or "", g.statistic or ""
    limit = Limit.of(g.op, g.threshold)
    band = limit if limit is not None and limit.op != "==" else None
    on_groups = statistic in ("worst", "group") and metric not in AGGREGATE_PARTS
    rws: list[Row] = []
    pts: list[Point] = []
    for name, cell in groups.items():
        points = tuple(_point(cell.metrics.get(p)) for p in parts)
        rws.append(Row(name, points))
        pts += points
    whole = overall.metrics.get(parts[0]) if len(parts) == 1 else None
    ov = whole.value if whole else None
    clamp = metric not in SIGNED
    top = Panel(
        rws,
        charts.panel_domain(pts, [ov, g.threshold if on_groups else None], clamp),
        title=gettext("%(metric)s by %(attribute)s")
        % {"metric": fmt.join_and([fmt.metric_label(p) for p in parts]), "attribute": g.across},
        overall=ov,
        band=band if on_groups else None,
        series=len(parts),
    )
    stat_panel = None
    if statistic != "group":
        sp = Point(g.value, g.ci_low, g.ci_high, fmt.undefined(None))
        extra = [g.threshold, 0.0 if statistic not in ("ratio", "worst") else None]
        dom = top.dom if on_groups else charts.panel_domain([sp], extra, clamp)
        row = gettext(STAT_ROW[statistic]) if statistic in STAT_ROW else (statistic or metric)
        stat_panel = Panel([Row(row, (sp,))], dom, title=stat_label, band=band)
    title = gettext("Forest plot for gate %(id)s: %(title)s") % {"id": g.id, "title": gate_title}
    desc = _desc(rws, ov, g, stat_label, parts)
    return charts.forest(ident, title, desc, top, stat_panel, [fmt.metric_label(p) for p in parts])


def _point(stat: Stat | dict[str, Any] | None) -> Point:
    rec = fmt.plain_stat(stat) or {}  # evidence.py still passes the JSON record
    value = rec.get("value") if fmt.is_num(rec.get("value")) else None
    lo, hi = rec.get("ci_low"), rec.get("ci_high")
    return Point(
        value,
        lo if fmt.is_num(lo) else None,
        hi if fmt.is_num(hi) else None,
        fmt.undefined(rec) if value is None else "",
    )


def _desc(
    rws: list[Row], ov: float | None, g: Gate, stat_label: str, parts: tuple[str, ...]
) -> str:
    items = []
    for r in rws:
        vals = ", ".join(
            f"{fmt.metric_label(p)} {_ptext(pt)}" if len(parts) > 1 else _ptext(pt)
            for p, pt in zip(parts, r.points, strict=False)
        )
        items.append(f"{r.label}: {vals}")
    if ov is not None:
        items.append(gettext("overall %(value)s") % {"value": fmt.num(ov)})
    return (
        "; ".join(items)
        + ". "
        + gettext("%(statistic)s %(estimate)s; limit %(limit)s; status %(status)s.")
        % {
            "statistic": stat_label,
            "estimate": fmt.estimate(g),
            "limit": fmt.limit(g.op, g.threshold),
            "status": fmt.status_word(g.status),
        }
    )


def _ptext(p: Point) -> str:
    if p.value is None:
        return p.note or gettext("undefined")
    return f"{fmt.num(p.value)} {fmt.interval(p.lo, p.hi)}".strip()
