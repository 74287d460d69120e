"""Everything one report template needs, built from results.json and the validated specs."""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from typing import Any

from fairgov.render import evidence, fmt, gateview, lifecycle, mitigations, summary
from fairgov.render.documents import document_view
from fairgov.render.i18n import N_, current, gettext
from fairgov.render.ids import Ids
from fairgov.render.scope import ALL_DOCUMENTS, Scope, gate_kinds, gate_spec
from fairgov.results import Results
from fairgov.spec import REF_PREFIX

DOC_KIND_LABEL = {
    "Datasheet": N_("Datasheet"),
    "ModelCard": N_("Model card"),
    "DeploymentProtocol": N_("Deployment protocol"),
    "Policy": N_("Policy"),
}
EVALUATION_STATUS = {"ok": N_("ok"), "error": N_("error")}
#: results.json words translated for the reader; identifiers (spec:Datasheet, --date) stay as
#: recorded
INPUT_ROLE = {"predictions": N_("predictions"), "manifest": N_("manifest")}
DATE_SOURCE = {"clock": N_("clock")}


def label(table: dict[str, str], value: Any) -> str:
    msgid = table.get(str(value))
    return gettext(msgid) if msgid else str(value)


@dataclass
class Ctx:
    cp: Any
    typed: Results
    roles: dict[str, list[str]]
    deployments: list[Any]


def results_sha256(results_bytes: bytes) -> str:
    return hashlib.sha256(results_bytes).hexdigest()


def roles_of(cp: Any, refs: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {r: [] for r in refs}
    for card in sorted(cp.of_kind("ModelCard"), key=lambda e: e.ref):
        for entry in card.model.evaluations:
            if entry.ref in out and entry.role not in out[entry.ref]:
                out[entry.ref].append(entry.role)
    return out


def signoffs(scope: Scope) -> list[dict[str, Any]]:
    out = []
    for entry in [*scope.documents, *scope.policies]:
        rows = [
            {"name": s.name, "role": s.role, "date": fmt.date(s.date) if s.date else None}
            for s in entry.model.signoff
        ]
        out.append(
            {
                "document": entry.model.title,
                "kind": entry.doc.kind,
                "kind_label": label(DOC_KIND_LABEL, entry.doc.kind),
                "ref": entry.ref,
                "rows": rows,
            }
        )
    return out


def evaluated_lines(
    scope: Scope, ctx: Ctx, ids: Ids, doc_anchor: dict[str, str]
) -> list[dict[str, Any]]:
    out = []
    for ref in scope.evaluations:
        ev = ctx.typed.evaluations.get(ref)
        if ev is None:
            continue
        m = ev.measure
        ds = ctx.cp.model(ev.dataset)
        card = ctx.cp.model(ev.model)
        line = {
            "anchor": ids.get("eval", ref.split("/")[-1]),
            "title": ev.title or ref,
            "status": ev.status,
            "error": ev.error,
            "roles": ", ".join(ctx.roles.get(ref, [])),
            "what": f"{evidence.protocol_label(ev.protocol)} — {card.title if card else ev.model}",
            "data": ds.title if ds else ev.dataset,
            "data_anchor": doc_anchor.get(ev.dataset),
            "split": "",
            "threshold": "",
        }
        if ev.status == "ok":
            line["split"] = gettext(
                "test split %(n)s images, %(patients)s patients, %(pos)s positives"
            ) % {
                "n": fmt.count(m.n if m else None),
                "patients": fmt.count(m.n_clusters if m else None),
                "pos": fmt.count(m.n_pos if m else None),
            }
            line["threshold"] = evidence.threshold_text(ev)
        out.append(line)
    return out


def coverage_views(
    scope: Scope, results: Results, cp: Any, ids: Ids, anchors: dict[tuple[str, str], str]
) -> list[dict[str, Any]]:
    first = {
        k: sorted(cp.of_kind(k), key=lambda e: e.ref)[0]
        for k in sorted(ALL_DOCUMENTS)
        if cp.of_kind(k)
    }
    out = []
    for sid, cov in sorted(results.coverage.items()):
        kinds = {r.split(":", 1)[0] for item in cov.items for r in item.refs if ":" in r}
        if not kinds & scope.spec_kinds:
            continue
        items = []
        mine = [i for i in cov.items if any(r.split(":", 1)[0] in scope.spec_kinds for r in i.refs)]
        # item-by-item gap tables live in the dossier; a document's own report gets the summary row
        primary = scope.kind == "dossier"
        shown = (
            cov.items
            if scope.kind == "dossier"
            else ([i for i in cov.items if i in mine or not i.refs] if primary else [])
        )
        own = (
            set() if scope.kind == "dossier" else scope.spec_kinds
        )  # this report's own document: path only
        for item in shown:
            state = "na" if item.not_applicable else ("covered" if item.covered else "missing")
            links = [_field_link(r, first, anchors, own) for r in item.answered_by]
            missing = [_field_link(r, first, anchors, own) for r in item.missing_fields]
            if not item.refs:
                missing = [{"text": gettext("no spec field answers this item"), "anchor": None}]
            items.append(
                {
                    "id": item.id,
                    "title": item.title,
                    "group": item.group,
                    "state": state,
                    "fairness": item.fairness,
                    "optional": item.optional,
                    "answered": links,
                    "missing": missing,
                    "justifications": sorted(item.justifications.values()),
                }
            )
        docs = sorted({first[k].ref for k in kinds if k in first})
        out.append(
            {
                "id": sid,
                "anchor": ids.get("standard", sid),
                "title": cov.title,
                "missing_titles": cov.missing,
                "edition": cov.edition,
                "source": cov.source,
                "note": cov.status_note,
                "covered": cov.covered,
                "total": cov.total,
                "required_covered": cov.required_covered,
                "required_total": cov.required_total,
                "items": items,
                "documents": docs,
                "partial": len(shown) < len(cov.items),
                "primary": primary,
                "mine": len(mine),
            }
        )
    return out


def _field_link(
    ref: str, first: dict[str, Any], anchors: dict[tuple[str, str], str], own: set[str]
) -> dict[str, Any]:
    if ":" not in ref:
        return {"text": ref, "anchor": "evidence" if ref.startswith("results") else None}
    kind, path = ref.split(":", 1)
    entry = first.get(kind)
    base = path.split("[", 1)[0]
    anchor = anchors.get((entry.ref, base)) if entry else None
    return {"text": path if kind in own else ref, "anchor": anchor}


def provenance(results: Results, sha: str, scope: Scope) -> dict[str, Any]:
    prov = results.provenance
    evals = []
    for ref, ev in sorted(results.evaluations.items()):
        m = ev.measure
        evals.append(
            {
                "ref": ref,
                "seed": prov.seeds[ref].bootstrap if ref in prov.seeds else None,
                "resamples": m.bootstrap.resamples if m else None,
                "level": m.bootstrap.level if m else None,
                "method": m.bootstrap.method if m else None,
                "permutations": m.permutation.permutations if m else None,
                "status": label(EVALUATION_STATUS, ev.status),
            }
        )
    inputs = [
        {"path": i.path, "role": label(INPUT_ROLE, i.role), "sha256": i.sha256} for i in prov.inputs
    ]
    date_source = prov.build_date_source
    return {
        "inputs": inputs,
        "fairgov_version": prov.fairgov_version,
        "build_date": fmt.date(prov.build_date),
        "date_source": label(DATE_SOURCE, date_source) if date_source else None,
        "command": shlex.join(str(c) for c in prov.command),
        "evaluations": evals,
        "results_sha256": sha,
        "schema_version": results.schema_version,
        "waivers": [gateview.waiver_view(w) for w in results.waivers],
    }


def build_context(scope: Scope, typed: Results, cp: Any, results_bytes: bytes) -> dict[str, Any]:
    """`typed`: the build's results, parsed from `results_bytes` (the exact results.json)."""
    ids = Ids()
    for fixed in (
        "verdict",
        "summary",
        "evidence-passed",
        "contents",
        "evidence",
        "evaluations",
        "lifecycle",
        "documentation",
        "coverage",
        "provenance",
        "signoff",
    ):
        ids.get(fixed)
    sha = results_sha256(results_bytes)
    ctx = Ctx(cp, typed, roles_of(cp, scope.evaluations), scope.deployments)
    eval_titles = {
        r: (ev.title if (ev := typed.evaluations.get(r)) else None) or r for r in scope.evaluations
    }
    docs = [document_view(e, ids) for e in scope.documents]
    anchors = {(d.ref, path): a for d in docs for path, a in d.anchors.items()}
    doc_anchor = {d.ref: d.anchor for d in docs}
    specs = {g.id: gate_spec(cp, g) for g in scope.gates}
    untitled = {gid: spec for gid, spec in specs.items() if spec is not None and not spec.title}
    rows = gateview.rows(scope.gates, typed, ids, eval_titles, untitled)
    full = scope.kind in ("modelcard", "dossier")
    dossiers = dossier_files(scope)
    # a per-document report with a dossier to point to is short: its own evidence in compact
    # form; the full subgroup tables, composition, per-group charts, calibration curves and
    # standards coverage are in the dossier only
    compact = scope.kind != "dossier" and bool(dossiers)
    # a gate's forest plot and per-group table: in the dossier, and in a model card report that
    # has no dossier to point to; a datasheet or deployment report never copies them
    gate_evidence = [
        gateview.evidence(
            r, typed, ids, getattr(specs[r.id], "rationale", None), plot=full and not compact
        )
        for r in rows
    ]
    # where each gate's own evidence is in this report: a section (the gates that did not
    # pass, in the model card and dossier), a line of the gate table after them, or, in a
    # short report with a dossier, page one's row (its forest plot and numbers are the dossier's)
    on_page_one = {r.id for r in rows if compact and not (full and r.status != "pass")}
    gated = {r.record.metric for r in rows if r.record.metric}
    evaluations = [
        evidence.evaluation_view(
            ref,
            typed.evaluations[ref],
            ctx,
            ids,
            gated,
            full,
            charted(gate_evidence),
            compact=compact,
            across=gated_across(rows),
        )
        for ref in scope.evaluations
        if ref in typed.evaluations
    ]
    evaluations = [
        v for view in evaluations for v in (view, *view.labels)
    ]  # a label's section after its overview
    if (
        scope.kind == "deployment"
    ):  # the data's composition belongs to the datasheet report and the dossier
        for view in evaluations:
            view.composition, view.gaps = [], None
    if compact and scope.kind == "modelcard":  # the composition is the datasheet's evidence
        for view in evaluations:
            view.composition, view.gaps = [], None
    comparison = (
        evidence.comparison(scope.evaluations, typed, ctx, ids, gated)
        if scope.kind in ("modelcard", "dossier")
        else None
    )
    mviews = mitigations.views(scope.evaluations, typed, scope.deployments, ids) if full else []
    if compact:  # a summary: the variants and what changed; the paired tables in the dossier
        for mv in mviews:
            mv.chart, mv.tables, mv.label_rows = None, [], []
    stages = None
    if scope.kind == "dossier":
        by_kind: dict[str, list[Any]] = {}
        for e in scope.documents:
            by_kind.setdefault(e.doc.kind, []).append(e)
        info = {r.id: (specs[r.id], gate_kinds(cp, r.record)) for r in rows}
        stages = lifecycle.stages(by_kind, anchors, rows, info)
        mitigations.link_stages(stages, mviews)
    verdict = gateview.verdict(scope.gates, typed)
    return {
        "lang": current().code,
        "scope": scope,
        "kind": scope.kind,
        "kind_label": scope.kind_label,
        "title": scope.title,
        "subject_ref": scope.subject.ref,
        "subject_prefix": REF_PREFIX.get(scope.subject.doc.kind, ""),
        "project": typed.project or {},
        "build_date": typed.build_date,
        "build_day": fmt.date(typed.build_date),
        "fairgov_version": typed.fairgov_version,
        "results_sha256": sha,
        "verdict": verdict,
        "gates": rows,
        "summary": summary.executive_summary(
            scope, cp, typed, rows, [r.waiver for r in rows if r.status == "waived"]
        ),
        "inconclusive": [
            (r, gateview.explain_inconclusive(r.record, typed))
            for r in rows
            if r.status == "inconclusive"
        ],
        "evaluated": evaluated_lines(scope, ctx, ids, doc_anchor),
        "signoffs": signoffs(scope),
        "deployments": [_deployment_line(d, typed) for d in scope.deployments]
        if scope.kind in ("deployment", "dossier")
        else [],
        "full_evidence": full,
        "compact": compact,
        "dossiers": fmt.join_or(dossiers),
        "on_page_one": on_page_one,
        "gate_evidence": gate_evidence,
        "evaluations": evaluations,
        "comparison": comparison,
        "stages": stages,
        "mitigations": mviews,
        "documents": docs,
        "coverage": coverage_views(scope, typed, cp, ids, anchors),
        "provenance": provenance(typed, sha, scope),
        "description": f"{scope.kind_label} — {verdict['headline']}",
        "authors": sorted({p.name for e in scope.documents for p in e.model.owners}),
    }


def dossier_files(scope: Scope) -> list[str]:
    """The PDF file names of the governance dossiers that hold this report's full evidence
    (one per deployment of its model or data; none for a dossier itself)."""
    if scope.kind == "dossier":
        return []
    return [f"dossier-{d.model.id}.pdf" for d in scope.deployments]


def gated_across(rows: list[Any]) -> set[str]:
    """The attributes (intersections too) that a metric gate of this report compares across."""
    return {r.record.across for r in rows if r.record.type == "metric" and r.record.across}


def charted(gate_evidence: list[Any]) -> set[tuple[str, str, str]]:
    """(evaluation, attribute, metric) to chart per group: what a metric gate compares and no forest
    plot in this report already draws (those of failed, warned, waived, inconclusive gates).
    The subgroup tables carry every other number."""
    gated, plotted = set(), set()
    for ge in gate_evidence:
        g = ge.row.record
        if g.type != "metric" or not g.metric:
            continue
        keys = {
            (g.evaluation or "", g.across or "", part)
            for part in gateview.AGGREGATE_PARTS.get(g.metric, (g.metric,))
        }
        gated |= keys
        if ge.chart is not None and ge.row.status != "pass":
            plotted |= keys
    return gated - plotted


def _deployment_line(d: Any, results: Results) -> dict[str, Any]:
    m = d.model
    op = m.operating_point
    number = op.threshold
    if op.follows_fitted:
        ev = results.evaluations.get(op.evaluation)
        fitted: Any = ev.threshold if ev else None
        if op.variant != "baseline":  # a deployed mitigation variant (its own fitted threshold)
            var = ev.variants.get(op.variant) if ev else None
            fitted = (var.threshold or {}).get("value") if var else None
        else:
            fitted = fitted.value if fitted else None
        number = fitted
    return {
        "site": m.site.name,
        "location": m.site.location,
        "threshold": fmt.num(number),
        "evaluation": m.operating_point.evaluation,
        "policies": ", ".join(m.policies),
    }
