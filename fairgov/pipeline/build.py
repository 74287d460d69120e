"""The build: load -> validate -> evaluate (cached) -> measure -> gate -> write outputs."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairgov.atomic import atomic_write_text
from fairgov.diagnostics import Diagnostic, ExitCode, FairgovError, sort_diagnostics
from fairgov.evaluate.hashindex import HashIndex
from fairgov.evaluate.hashing import sha256_file
from fairgov.formats import ci as ci_outputs
from fairgov.formats.location import uri_prefix
from fairgov.gates import run_gates
from fairgov.pipeline.evaluations import run_all
from fairgov.pipeline.record import EvaluationRecord
from fairgov.pipeline.results import assemble
from fairgov.pipeline.reuse import cache_dir
from fairgov.pipeline.steps import SILENT, Steps
from fairgov.results import Results, dump, plain
from fairgov.validate import CompiledProject, compile_project
from fairgov.validate.paths import PathEscape, resolve_inside
from fairgov.validate.semantic import file_paths

if TYPE_CHECKING:  # render is imported only when reports are written (`check` never loads it)
    from fairgov.render.pdfcache import PdfCache


@dataclass
class BuildOutcome:
    exit_code: int
    results: dict[str, Any] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    project: CompiledProject | None = None
    out_dir: Path | None = None
    written: list[Path] = field(default_factory=list)
    uri_prefix: str = ""  # makes project paths repository-relative in CI outputs


def resolve_build_date(cli_date: str | None, project: Any) -> tuple[dt.date, str]:
    """--date, then SOURCE_DATE_EPOCH, then the Project's build_date, then today's date."""
    if cli_date:
        try:
            return dt.date.fromisoformat(cli_date), "--date"
        except ValueError as err:
            raise FairgovError(
                Diagnostic(
                    "<command line>", 1, 1, "FG206", f"--date {cli_date!r} is not YYYY-MM-DD"
                )
            ) from err
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date(), "SOURCE_DATE_EPOCH"
        except (ValueError, OverflowError, OSError) as err:
            raise FairgovError(
                Diagnostic(
                    "<environment>",
                    1,
                    1,
                    "FG206",
                    f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time",
                )
            ) from err
    if project is not None and project.build_date:
        return project.build_date, "fairgov.yaml build_date"
    return dt.date.today(), "clock"


def spec_inputs(cp: CompiledProject, index: HashIndex | None = None) -> list[dict[str, str]]:
    """Every input file with its sha256: spec files, manifests, weights, predictions."""
    digest = index.sha256 if index is not None else sha256_file
    inputs = [
        {"path": d.relpath, "sha256": d.sha256, "role": f"spec:{d.kind}"} for d in cp.documents
    ]
    for entry in cp.entries.values():
        for _, rel in file_paths(entry):
            try:
                path = resolve_inside(cp.root, rel)
                inputs.append({"path": rel, "sha256": digest(path), "role": _role(entry.doc.kind)})
            except (PathEscape, OSError):
                continue
    unique = {(i["path"], i["role"]): i for i in inputs}
    return sorted(unique.values(), key=lambda i: (i["role"], i["path"]))


def _role(kind: str) -> str:
    return {"Datasheet": "manifest", "ModelCard": "weights", "Evaluation": "predictions"}.get(
        kind, "file"
    )


def project_coverage(cp: CompiledProject, records: dict[str, EvaluationRecord]) -> dict[str, Any]:
    from fairgov.standards import auto_refs, coverage_for_project

    docs = {}
    for kind in ("Datasheet", "ModelCard", "DeploymentProtocol"):
        entries = sorted(cp.of_kind(kind), key=lambda e: e.ref)
        docs[kind] = entries[0].model if entries else None
    roles = set()
    intersections = False
    for card in cp.of_kind("ModelCard"):
        for ev in card.model.evaluations:
            rec = records.get(ev.ref)
            if rec is not None and rec.result["status"] == "ok":
                roles.add(ev.role)
                intersections |= any("×" in s for s in rec.result["subgroups"])
    cov = coverage_for_project(docs, auto_refs(roles, intersections=intersections))
    return {sid: c.to_dict() for sid, c in sorted(cov.items())}


def run_build(
    path: str | Path,
    *,
    out: str | Path | None = None,
    date: str | None = None,
    strict: bool = False,
    write_reports: bool = True,
    command: list[str] | None = None,
    options: dict[str, Any] | None = None,
    steps: Steps = SILENT,
) -> BuildOutcome:
    with steps.step("validating specs"):
        cp = compile_project(path)
    prefix = uri_prefix(cp.root, (options or {}).get("repo_root"))
    if not cp.ok:
        return BuildOutcome(ExitCode.ERROR, None, cp.diagnostics, cp, uri_prefix=prefix)
    build_date, date_source = resolve_build_date(date, cp.project)
    index = HashIndex(hash_index_path(cp, options or {}))
    records = run_all(cp, options, index, steps)
    with steps.step("deciding gates"):
        coverage = project_coverage(cp, records)
        report = run_gates(cp, {r: rec.outcome for r, rec in records.items()}, coverage, build_date)
        attach_variant_gates(cp, records)
    typed = assemble(
        project=cp.project,
        build_date=build_date,
        report=report,
        evaluations={r: rec.result for r, rec in records.items()},
        coverage=coverage,
        inputs=spec_inputs(cp, index),
        command=command or ["fairgov", "build"],
        strict=strict,
        date_source=date_source,
    )
    results = plain(typed)
    diags = sort_diagnostics(
        cp.diagnostics
        + report.diagnostics
        + [d for rec in records.values() for d in rec.diagnostics]
    )
    out_dir = resolve_out(cp, out)
    pdf_cache = report_cache(cp, options or {}) if write_reports else None
    written = write_outputs(
        out_dir,
        typed,
        cp,
        records if write_reports else None,
        lang=(options or {}).get("lang") or "en",
        prefix=prefix,
        steps=steps,
        pdf_cache=pdf_cache,
    )
    index.save()
    reports = pdf_cache.stats() if pdf_cache is not None else None
    written += write_run_stats(out_dir, records, index, reports)
    code = ExitCode.FINDINGS if results["verdict"]["status"] == "blocked" else ExitCode.OK
    return BuildOutcome(code, results, diags, cp, out_dir, written, prefix)


def attach_variant_gates(cp: CompiledProject, records: dict[str, EvaluationRecord]) -> None:
    """Each mitigation variant (an endpoint's too) gets the applied policies' metric gates
    (informational)."""
    from fairgov.gates.variant_gates import summary, variant_gates

    for ref, rec in records.items():
        groups = [(None, rec.result.get("variants"))]
        labels = rec.result.get("labels") or {}
        groups += [(k, body.get("variants")) for k, body in labels.items()]
        for label, variants in groups:
            if variants:
                for vid, gates in variant_gates(cp, ref, variants, label).items():
                    variants[vid]["gates"] = gates
                    variants[vid]["gates_summary"] = summary(gates)


def resolve_out(cp: CompiledProject, out: str | Path | None) -> Path:
    if out is not None:
        return Path(out)
    return cp.output_dir


def write_outputs(
    out_dir: Path,
    typed: Results,
    cp: CompiledProject,
    records: dict[str, EvaluationRecord] | None,
    lang: str = "en",
    prefix: str = "",
    steps: Steps = SILENT,
    pdf_cache: PdfCache | None = None,
) -> list[Path]:
    """Write every output atomically; an unwritable folder is a diagnostic (exit 2).
    `pdf_cache`: PDFs of unchanged reports are reused from it."""
    import json

    files = {
        "results.json": dump(typed),
        "junit.xml": ci_outputs.junit(typed, prefix),
        "results.sarif": json.dumps(
            ci_outputs.sarif(typed.gates, prefix), indent=2, sort_keys=True
        )
        + "\n",
        "summary.md": ci_outputs.summary_md(typed),
    }
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            atomic_write_text(out_dir / name, text)
            written.append(out_dir / name)
        if records is not None:
            with steps.step("rendering HTML/PDF reports"):
                # the bytes just written: every report embeds and hashes that very file
                data = files["results.json"].encode("utf-8")
                written += render_reports(out_dir, data, cp, lang, pdf_cache)
    except OSError as err:
        raise cannot_write(out_dir, err) from err
    return written


def hash_index_path(cp: CompiledProject, options: dict[str, Any]) -> Path | None:
    """The stat-keyed hash index lives in the cache folder (None: no index, hash everything)."""
    try:
        return cache_dir(cp, options) / "index" / "hashes.json"
    except PathEscape:
        return None


def report_cache(cp: CompiledProject, options: dict[str, Any]) -> PdfCache | None:
    """The cache of PDF reports, in the cache folder (None with --no-reuse or when that
    folder is unusable)."""
    from fairgov.render.pdfcache import PdfCache

    if not options.get("reuse", True):
        return None
    try:
        return PdfCache(cache_dir(cp, options) / "reports")
    except PathEscape:
        return None


def write_run_stats(
    out_dir: Path,
    records: dict[str, EvaluationRecord],
    index: HashIndex | None = None,
    reports: dict[str, int] | None = None,
) -> list[Path]:
    """Cache hits, forward passes and which stages were reused or reran and why (this run's
    statistics are not deterministic, so they are not in results.json)."""
    import json

    stats: dict[str, Any] = {ref: rec.run_stats for ref, rec in sorted(records.items())}
    if index is not None:
        stats["hash_index"] = index.stats()
    if reports is not None:
        stats["reports"] = reports
    try:
        atomic_write_text(
            out_dir / "run-stats.json", json.dumps(stats, indent=2, sort_keys=True) + "\n"
        )
    except OSError as err:
        raise cannot_write(out_dir, err) from err
    return [out_dir / "run-stats.json"]


def cannot_write(out_dir: Path, err: OSError) -> FairgovError:
    """FG601 (exit 2) for an output folder that cannot be written."""
    return FairgovError(
        Diagnostic(str(out_dir), 1, 1, "FG601", f"cannot write outputs: {err.strerror or err}")
    )


def render_reports(
    out_dir: Path,
    results: Results | bytes,
    cp: CompiledProject,
    lang: str = "en",
    pdf_cache: PdfCache | None = None,
) -> list[Path]:
    # imported here so that `fairgov check` never loads weasyprint; a core dependency, so a
    # broken install fails loudly instead of quietly building without reports
    from fairgov.render import render_all

    return render_all(out_dir, results, cp, lang=lang, pdf_cache=pdf_cache)
