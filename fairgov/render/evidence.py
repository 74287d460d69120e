"""Per-evaluation evidence: what was evaluated, composition vs the intended population,
subgroup tables, per-group metric charts, reliability curves, and comparisons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from fairgov.render import charts, fmt, labels, reasons
from fairgov.render.charts import CalibrationCurve, Panel, Point, Row, ShareSeries
from fairgov.render.gateview import AGGREGATE_PARTS, SIGNED, _point
from fairgov.render.i18n import N_, gettext, ngettext
from fairgov.render.ids import Ids
from fairgov.render.protocol import protocol_facts
from fairgov.results import Aggregate, AttributeBlock, Cell, Evaluation, Measure, Results, Stat
from fairgov.results.model import CalibrationBin
from fairgov.spec.evaluation import METRIC_NAMES
from fairgov.vocabulary import SPLITS

DEFAULT_CHARTED = ("auroc", "tpr", "fpr", "ece")
PROTOCOL = {
    "predictions": N_("bring-your-own predictions file"),
    "linear_probe": N_("linear probe on frozen foundation-model embeddings"),
    "zero_shot": N_("zero-shot: CLIP image embeddings against class prompts, no probe"),
}
SPLIT_LABEL = {"train": N_("train"), "validation": N_("validation"), "test": N_("test")}
CHUNK = 4


@dataclass
class SubgroupTable:
    attribute: str
    caption: str
    metrics: list[str]
    rows: list[dict[str, Any]]


@dataclass
class EvaluationView:
    ref: str
    anchor: str
    title: str
    status: str
    error: str | None
    facts: list[tuple[str, str]] = field(default_factory=list)
    composition: list[dict[str, Any]] = field(default_factory=list)
    tables: list[SubgroupTable] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    calibration: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    level: float = 0.95
    overview: Any = None  # multilabel / multiclass: fairgov.render.labels.LabelOverview
    #: compact reports: the gated and headline metrics of every attribute in one table (parts)
    compact_tables: list[SubgroupTable] = field(default_factory=list)
    #: compact reports: test share against each intended population, per attribute and group
    gaps: dict[str, Any] | None = None
    no_intended: list[str] = field(default_factory=list)  # attributes no deployment states
    labels: list[EvaluationView] = field(default_factory=list)  # and one view per label


def protocol_label(name: Any) -> str:
    label = PROTOCOL.get(str(name))
    return gettext(label) if label else str(name)


def split_label(name: Any) -> str:
    label = SPLIT_LABEL.get(str(name))
    return gettext(label) if label else str(name)


def metric_order(names: Any) -> list[str]:
    names = list(names)
    known = [m for m in METRIC_NAMES if m in names]
    return known + sorted(m for m in names if m not in known)


def groups_of(attr: AttributeBlock) -> dict[str, Cell]:
    return {g: c for g, c in attr.groups.items() if not (g == "unknown" and not c.n)}


def charted_metrics(available: list[str], gated: set[str]) -> list[str]:
    wanted = set(DEFAULT_CHARTED)
    for m in gated:
        wanted |= set(AGGREGATE_PARTS.get(m, (m,)))
    return [m for m in available if m in wanted][:6]


def threshold_text(ev: Evaluation) -> str:
    th = ev.threshold
    policy, target = (th.policy, th.target) if th else (None, None)
    how = {
        "fixed": gettext("fixed"),
        "target_fpr": gettext("target FPR %(target)s") % {"target": fmt.num(target, 2)},
        "target_sensitivity": gettext("target sensitivity %(target)s")
        % {"target": fmt.num(target, 2)},
        "max_f1": gettext("maximum F1"),
        "youden": gettext("Youden's J"),
    }.get(policy or "", str(policy))
    return gettext("%(value)s, fitted on the %(split)s split (%(how)s)") % {
        "value": fmt.num(th.value if th else None),
        "split": split_label(th.fitted_on if th else "validation"),
        "how": how,
    }


def facts(
    ev: Evaluation, cp: Any, roles: list[str], dataset_link: str | None
) -> list[tuple[str, str]]:
    m = ev.measure
    card = cp.model(ev.model) if cp else None
    ds = cp.model(ev.dataset) if cp else None
    task = ev.task
    out = [
        (gettext("Model"), f"{card.title} ({ev.model})" if card else ev.model),
        (gettext("Data"), f"{ds.title} ({ev.dataset})" if ds else ev.dataset),
        (gettext("Role in the model card"), ", ".join(roles) or fmt.DASH),
        (gettext("Protocol"), protocol_label(ev.protocol)),
        (
            gettext("Task"),
            gettext("label %(label)s, positive class %(positive)s")
            % {"label": task.get("label"), "positive": task.get("positive")},
        ),
    ]
    out += protocol_facts(
        ev.protocol, ev.provenance
    )  # backbone, prompts, DICOM (also when it failed)
    if ev.status != "ok" or m is None:
        return out
    b, p, mins = m.bootstrap, m.permutation, m.min_evidence
    rows = ev.provenance.get("rows") or {}
    dropped = ev.dropped.get("rows", 0)
    scored = rows.get(
        "scored", rows.get("used")
    )  # predictions protocol: scored; linear probe: used
    out += [
        (
            gettext("Test split"),
            gettext("%(n)s images, %(patients)s patients; %(pos)s positives, %(neg)s negatives")
            % {
                "n": fmt.count(m.n),
                "patients": fmt.count(m.n_clusters),
                "pos": fmt.count(m.n_pos),
                "neg": fmt.count(m.n_neg),
            },
        ),
        *(
            [
                (
                    gettext("Rows scored"),
                    gettext("%(scored)s of %(total)s manifest rows; %(dropped)s dropped")
                    % {
                        "scored": fmt.count(scored),
                        "total": fmt.count(rows.get("total")),
                        "dropped": fmt.count(dropped),
                    },
                )
            ]
            if fmt.is_num(scored) and fmt.is_num(rows.get("total"))
            else []
        ),
        (gettext("Threshold"), threshold_text(ev)),
        (
            gettext("Uncertainty"),
            gettext(
                "%(resamples)s patient-level bootstrap resamples (%(method)s), %(level)s "
                "intervals, seed %(seed)s; "
                "%(permutations)s permutations for gap p-values"
            )
            % {
                "resamples": fmt.count(b.resamples),
                "method": b.method,
                "level": fmt.level(float(b.level)),
                "seed": b.seed,
                "permutations": fmt.count(p.permutations),
            },
        ),
        (
            gettext("Minimum evidence per cell"),
            gettext("%(pos)s positives, %(neg)s negatives, %(n)s images")
            % {
                "pos": fmt.count(mins.positives),
                "neg": fmt.count(mins.negatives),
                "n": fmt.count(mins.n),
            },
        ),
    ]
    return out


def evaluation_view(
    ref: str,
    ev: Evaluation,
    ctx: Any,
    ids: Ids,
    gated: set[str],
    full: bool = True,
    charted: set[tuple[str, str, str]] | None = None,
    *,
    compact: bool = False,
    across: set[str] | None = None,
) -> EvaluationView:
    """`full`: subgroup tables, per-group charts and calibration too (model card and dossier).
    `charted`: the (evaluation, attribute, metric) to chart per group; None: the default metrics
    and every gated one. `compact` (a per-document report whose dossier has the rest): instead,
    one overview of the gated and headline metrics per group (`full`) and the composition as its
    gaps against the intended populations; `across`: the attributes a gate compares across (an
    intersection is in the overview only then)."""
    view = EvaluationView(
        ref, ids.get("eval", ref.split("/")[-1]), ev.title or ref, ev.status, ev.error
    )
    view.facts = facts(ev, ctx.cp, ctx.roles.get(ref, []), None)
    m = ev.measure
    if view.status == "ok" and ev.labels:  # overview, then one section per label (render/labels.py)
        view.facts, view.overview = [*view.facts[:4], labels.task_fact(ev)], labels.overview(ev)
        view.composition = composition_views(ref, ev, ctx.deployments, ids)
        view.labels = [
            evaluation_view(
                f"{ref}@{n}",
                labels.endpoint_evaluation(ev, n),
                ctx,
                ids,
                gated,
                full,
                compact=compact,
                across=across,
            )
            for n in labels.ordered(ev)
        ]
        for sub in view.labels:
            sub.composition, sub.gaps, view.level = [], None, sub.level
        if compact:
            view.gaps, view.no_intended = composition_gaps(view.composition)
            view.composition = []
        return view
    if view.status != "ok" or m is None:
        return view
    view.level = float(m.bootstrap.level or 0.95)
    view.composition = composition_views(ref, ev, ctx.deployments, ids)
    if compact:
        view.gaps, view.no_intended = composition_gaps(view.composition)
        view.composition = []
    if not full:
        return view
    metrics = metric_order(m.overall.metrics)
    if compact:
        view.compact_tables = overview_tables(m, charted_metrics(metrics, gated), across or set())
        view.notes = interval_notes(m)
        return view
    for attr_name in sorted(m.attributes, key=lambda a: ("×" in a, a)):
        attr = m.attributes[attr_name]
        view.tables += subgroup_tables(attr_name, attr, m.overall, metrics)
        shown = (
            charted_metrics(metrics, gated)
            if charted is None
            else [x for x in metrics if (ref, attr_name, x) in charted]
        )
        if shown and "×" not in attr_name:
            view.charts.append(group_chart(ref, attr_name, attr, m.overall, shown, ids))
    view.calibration = calibration_views(ref, m, ids)
    view.notes = interval_notes(m)
    return view


def subgroup_tables(
    attr_name: str, attr: AttributeBlock, overall: Cell, metrics: list[str]
) -> list[SubgroupTable]:
    out = []
    groups = groups_of(attr)
    chunks = [metrics[i : i + CHUNK] for i in range(0, len(metrics), CHUNK)]
    for k, chunk in enumerate(chunks):
        rows = []
        for name, cell in [*groups.items(), ("overall", overall)]:
            cells = [fmt.cell(cell.metrics.get(mname)) for mname in chunk]
            rows.append(
                {
                    "group": name,
                    "n": cell.n,
                    "pos": cell.n_pos,
                    "neg": cell.n_neg,
                    "overall": name == "overall" and cell is overall,
                    "cells": cells,
                    "span": _shared_undefined(cells),
                }
            )
            if rows[-1]["overall"]:
                rows[-1]["group"] = gettext("overall")
        if all(r["span"] for r in rows if not r["overall"]):
            continue  # every group undefined for every metric of this part: nothing to read
        if len(chunks) > 1:
            caption = gettext("Subgroup results by %(attribute)s (part %(part)s of %(parts)s)") % {
                "attribute": attr_name,
                "part": fmt.count(k + 1),
                "parts": fmt.count(len(chunks)),
            }
        else:
            caption = gettext("Subgroup results by %(attribute)s") % {"attribute": attr_name}
        out.append(SubgroupTable(attr_name, caption, chunk, rows))
    return out


def overview_tables(m: Measure, metrics: list[str], across: set[str]) -> list[SubgroupTable]:
    """The compact reports' overview: every single attribute's groups (and the intersections a
    gate compares across), one block each, under the overall row; a part per CHUNK metrics."""
    names = sorted(a for a in m.attributes if "×" not in a or a in across)
    names.sort(key=lambda a: "×" in a)
    chunks = [metrics[i : i + CHUNK] for i in range(0, len(metrics), CHUNK)]
    out = []
    for k, chunk in enumerate(chunks):
        rows = [_overview_row(gettext("overall"), m.overall, chunk, overall=True)]
        for attr_name in names:
            groups = groups_of(m.attributes[attr_name])
            if groups:
                rows.append({"head": attr_name})
                rows += [_overview_row(g, c, chunk) for g, c in groups.items()]
        if len(chunks) > 1:
            parts = {"part": fmt.count(k + 1), "parts": fmt.count(len(chunks))}
            caption = gettext("Gated and headline metrics by group (part %(part)s of %(parts)s)")
            caption %= parts
        else:
            caption = gettext("Gated and headline metrics by group")
        out.append(SubgroupTable("", caption, chunk, rows))
    return out


def _overview_row(name: str, cell: Cell, chunk: list[str], overall: bool = False) -> dict[str, Any]:
    cells = [fmt.cell(cell.metrics.get(mname)) for mname in chunk]
    return {
        "group": name,
        "n": cell.n,
        "pos": cell.n_pos,
        "neg": cell.n_neg,
        "overall": overall,
        "cells": cells,
        "span": _shared_undefined(cells),
    }


def composition_gaps(views: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[str]]:
    """The compact composition summary: for each attribute with an intended distribution, each
    group's share of the test split against each intended population and the difference in
    percentage points (the largest difference of each attribute marked); and the
    attributes no deployment states a distribution for. One table: `sites` are its intended
    columns (a site that states no distribution for an attribute: None)."""
    missing = [c["attribute"] for c in views if not c["intended_names"] and c["missing_intended"]]
    stated = [c for c in views if c["intended_names"]]
    if not stated:
        return None, missing
    sites = list(dict.fromkeys(n for c in stated for n in c["intended_names"]))
    blocks = []
    for c in stated:
        rows = []
        for r in c["rows"]:
            test = r["splits"][SPLITS.index("test")]
            mine = dict(zip(c["intended_names"], r["intended"], strict=True))
            intended = [mine.get(n) for n in sites]
            diffs = [
                (float(test["share"]) - float(i)) * 100
                if test["share"] is not None and i is not None
                else None
                for i in intended
            ]
            rows.append({"group": r["group"], "test": test, "intended": intended, "d": diffs})
        largest = max((abs(d) for r in rows for d in r["d"] if d is not None), default=None)
        for r in rows:
            r["diffs"] = [
                {
                    "text": _points(d),
                    "largest": d is not None and abs(d) == largest and round(abs(d), 1) > 0,
                }
                for d in r.pop("d")
            ]
        blocks.append({"attribute": c["attribute"], "rows": rows})
    return {"sites": sites, "blocks": blocks}, missing


def _points(d: float | None) -> str:
    if d is None:
        return fmt.DASH
    sign = "+" if round(d, 1) > 0 else ""
    return gettext("%(diff)s points") % {"diff": sign + fmt.num(d, 1)}


def _shared_undefined(cells: list[dict[str, Any]]) -> str | None:
    """The one 'undefined: reason' text when every cell of a table row is undefined for the same
    reason (small intersections): printed once across the row instead of once per metric."""
    texts = {c["text"] for c in cells if not c["defined"]}
    if len(cells) > 1 and len(texts) == 1 and all(not c["defined"] for c in cells):
        return texts.pop()
    return None


def interval_notes(m: Measure) -> list[str]:
    """The reasons of defined values (intervals not formed, groups left out), once each."""
    notes: dict[str, Stat] = {}
    for attr in m.attributes.values():
        for agg in attr.aggregates.values():
            for stat in agg.values() if isinstance(agg, dict) else [agg]:
                if stat.reason and fmt.is_num(stat.value):
                    notes.setdefault(stat.reason, stat)
        for cell in attr.groups.values():
            for one in cell.metrics.values():
                if one.reason and fmt.is_num(one.value):
                    notes.setdefault(one.reason, one)
    out = [reasons.metric(notes[n]) for n in sorted(notes)]
    return out + ([gettext(fmt.OUTSIDE_NOTE)] if any_outside(m) else [])


def any_outside(m: Measure) -> bool:
    """Whether any estimate of this measurement lies outside its own interval."""
    cells = [m.overall, *(c for a in m.attributes.values() for c in a.groups.values())]
    return any(fmt.outside(stat) for c in cells for stat in c.metrics.values())


def group_chart(
    ref: str, attr_name: str, attr: AttributeBlock, overall: Cell, shown: list[str], ids: Ids
) -> dict[str, Any]:
    groups = groups_of(attr)
    panels, desc = [], []
    for mname in shown:
        rows = [Row(g, (_point(c.metrics.get(mname)),)) for g, c in groups.items()]
        whole = overall.metrics.get(mname)
        ov = whole.value if whole is not None and fmt.is_num(whole.value) else None
        dom = charts.panel_domain([p for r in rows for p in r.points], [ov], mname not in SIGNED)
        panels.append(Panel(rows, dom, title=fmt.metric_label(mname), overall=ov))
        items = [f"{r.label} {fmt.estimate(groups[r.label].metrics.get(mname))}" for r in rows]
        if ov is not None:
            items.append(gettext("overall %(value)s") % {"value": fmt.num(ov)})
        desc.append(f"{fmt.metric_label(mname)}: " + "; ".join(items))
    ident = ids.get("chart", ref.split("/")[-1], attr_name)
    title = ngettext(
        "%(metrics)s by %(attribute)s with %(num)s group",
        "%(metrics)s by %(attribute)s with %(num)s groups",
        len(groups),
    ) % {
        "metrics": ", ".join(fmt.metric_label(m) for m in shown),
        "attribute": attr_name,
        "num": fmt.count(len(groups)),
    }
    svg = charts.small_multiples(ident, title, ". ".join(desc) + ".", panels)
    caption = gettext(
        "Per-group estimates by %(attribute)s with intervals; dashed line: all test images"
    ) % {"attribute": attr_name}
    return {"attribute": attr_name, "svg": svg, "caption": caption}


def calibration_views(ref: str, m: Measure, ids: Ids) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cal = m.calibration
    if cal is None:
        return out
    for attr_name, groups in sorted(cal.attributes.items()):
        if "×" in attr_name:
            continue
        curves = [CalibrationCurve(gettext("all test images"), _bins(cal.overall))]
        curves += [
            CalibrationCurve(g, _bins(bins))
            for g, bins in groups.items()
            if sum(b.n for b in bins) > 0
        ]
        ident = ids.get("calibration", ref.split("/")[-1], attr_name)
        binned = gettext("mean score %(score)s observed %(observed)s n=%(n)s")
        desc = "; ".join(
            f"{c.label}: "
            + ", ".join(
                binned % {"score": fmt.num(s, 2), "observed": fmt.num(o, 2), "n": fmt.count(n)}
                for s, o, n, _ in c.bins
                if n
            )
            for c in curves
        )
        svg = charts.calibration(
            ident,
            gettext("Reliability curves by %(attribute)s") % {"attribute": attr_name},
            desc,
            curves,
        )
        caption = gettext(
            "Reliability by %(attribute)s: observed positive rate against mean score per bin; the "
            "dashed diagonal "
            "is perfect calibration; numbers under each panel are images per bin"
        ) % {"attribute": attr_name}
        out.append({"attribute": attr_name, "svg": svg, "caption": caption})
    return out


def _bins(bins: list[CalibrationBin]) -> tuple[tuple[float, float, int, float], ...]:
    out = []
    for b in bins:
        if (
            b.n
            and b.mean_score is not None
            and b.mean_label is not None
            and fmt.is_num(b.mean_score)
            and fmt.is_num(b.mean_label)
        ):
            centre = (float(b.bin_low) + float(b.bin_high)) / 2
            out.append((float(b.mean_score), float(b.mean_label), int(b.n), centre))
    return tuple(out)


def composition_views(
    ref: str, ev: Evaluation, deployments: list[Any], ids: Ids
) -> list[dict[str, Any]]:
    out = []
    for attr_name, splits in sorted(ev.composition.items()):
        totals = {s: sum(splits.split(s).values()) for s in SPLITS}
        intended = [
            (d, d.model.intended_population.distribution.get(attr_name)) for d in deployments
        ]
        intended = [(d, dist) for d, dist in intended if dist]
        groups = list(
            dict.fromkeys(
                [g for s in SPLITS for g in splits.split(s)]
                + [g for _, dist in intended for g in dist]
            )
        )
        series = [
            ShareSeries(
                split_label(s),
                {
                    g: splits.split(s).get(g, 0) / totals[s] if totals[s] else None
                    for g in groups
                },
            )
            for s in SPLITS
        ]
        series += [
            ShareSeries(
                gettext("intended: %(site)s") % {"site": d.model.site.name},
                {g: dist.get(g) for g in groups},
            )
            for d, dist in intended
        ]
        rows = []
        for g in groups:
            cells = [
                {"count": splits.split(s).get(g, 0), "share": series[i].shares.get(g)}
                for i, s in enumerate(SPLITS)
            ]
            rows.append(
                {"group": g, "splits": cells, "intended": [dist.get(g) for _, dist in intended]}
            )
        ident = ids.get("composition", ref.split("/")[-1], attr_name)
        desc = "; ".join(
            f"{g}: " + ", ".join(f"{s.name} {fmt.pct(s.shares.get(g))}" for s in series)
            for g in groups
        )
        title = gettext(
            "Composition by %(attribute)s: train, validation and test shares vs intended population"
        ) % {"attribute": attr_name}
        svg = charts.composition(ident, title, desc, groups, series)
        out.append(
            {
                "attribute": attr_name,
                "svg": svg,
                "rows": rows,
                "totals": [totals[s] for s in SPLITS],
                "intended_names": [d.model.site.name for d, _ in intended],
                "missing_intended": not intended and bool(deployments),
            }
        )
    return out


@dataclass
class Comparison:
    anchor: str
    evaluations: list[tuple[str, str]]  # (ref, label)
    blocks: list[dict[str, Any]]


def comparison(
    refs: list[str], results: Results, ctx: Any, ids: Ids, gated: set[str]
) -> Comparison | None:
    evs = [(r, results.evaluations.get(r)) for r in refs]
    ok = [(r, e.measure) for r, e in evs if e and e.status == "ok" and e.measure is not None]
    if len(ok) < 2:
        return None
    titles = {r: results.evaluations[r].title for r, _ in ok}
    labels = [
        (
            r,
            f"{titles[r] or r}"
            + (f" [{', '.join(ctx.roles.get(r, []))}]" if ctx.roles.get(r) else ""),
        )
        for r, _ in ok
    ]
    common = set.intersection(*(set(m.attributes) for _, m in ok))
    metrics = [m for m in metric_order(set.intersection(*(set(m.overall.metrics) for _, m in ok)))]
    shown = charted_metrics(metrics, gated)[:4]
    blocks = []
    for attr_name in sorted(common, key=lambda a: ("×" in a, a)):
        if "×" in attr_name:
            continue
        blocks.append(_compare_attribute(attr_name, ok, labels, shown, ids))
    return Comparison(ids.get("comparison"), labels, blocks)


def _compare_attribute(
    attr_name: str,
    ok: list[tuple[str, Measure]],
    labels: list[tuple[str, str]],
    shown: list[str],
    ids: Ids,
) -> dict[str, Any]:
    group_names = list(dict.fromkeys(g for _, m in ok for g in groups_of(m.attributes[attr_name])))
    panels, tables = [], []
    for mname in shown:
        rows: list[Row] = []
        pts: list[Point] = []
        for g in group_names:
            points = tuple(_point(_stat(m, attr_name, g, mname)) for _, m in ok)
            rows.append(Row(g, points))
            pts += points
        panels.append(
            Panel(
                rows,
                charts.panel_domain(pts, [], mname not in SIGNED),
                title=fmt.metric_label(mname),
                series=len(ok),
            )
        )
        gaps = [_gap(m, attr_name, mname) for _, m in ok]
        tables.append(
            {
                "metric": mname,
                "rows": [
                    {
                        "group": g,
                        "cells": [fmt.estimate(_stat(m, attr_name, g, mname)) for _, m in ok],
                    }
                    for g in group_names
                ],
                "gaps": [fmt.estimate(gp) for gp in gaps],
                "change": _gap_change(gaps, labels),
            }
        )
    ident = ids.get("compare", attr_name)
    title = gettext("Comparison of evaluations by %(attribute)s") % {"attribute": attr_name}
    desc = gettext("Series: %(series)s. Metrics: %(metrics)s.") % {
        "series": "; ".join(lbl for _, lbl in labels),
        "metrics": ", ".join(fmt.metric_label(m) for m in shown),
    }
    svg = charts.small_multiples(
        ident, title, desc, panels, per_row=2, series_names=[lbl for _, lbl in labels]
    )
    return {"attribute": attr_name, "svg": svg, "tables": tables}


def _stat(m: Measure, attr_name: str, group: str, metric: str) -> Stat | None:
    cell = m.attributes[attr_name].groups.get(group)
    return cell.metrics.get(metric) if cell else None


def _gap(m: Measure, attr_name: str, metric: str) -> Aggregate | None:
    """The gap aggregate of one metric (None where the metric has none or it is not a family)."""
    family = m.attributes[attr_name].aggregates.get(metric)
    return family.get("gap") if isinstance(family, dict) else None


def _gap_change(gaps: list[Aggregate | None], labels: list[tuple[str, str]]) -> list[str]:
    base: Any = gaps[0].value if gaps[0] else None
    out = []
    for gap, (_, label) in zip(gaps[1:], labels[1:], strict=False):
        v: Any = gap.value if gap else None
        if not (fmt.is_num(base) and fmt.is_num(v)):
            out.append(gettext("%(label)s: gap change undefined") % {"label": label})
            continue
        d = float(v) - float(base)
        values = {"label": label, "delta": fmt.num(abs(d)), "base": labels[0][1]}
        if d < 0:
            out.append(gettext("%(label)s: gap narrowed by %(delta)s vs %(base)s") % values)
        elif d > 0:
            out.append(gettext("%(label)s: gap widened by %(delta)s vs %(base)s") % values)
        else:
            out.append(gettext("%(label)s: gap unchanged vs %(base)s") % values)
    return out


def as_markup(x: Any) -> Markup:
    return x if isinstance(x, Markup) else Markup("")
