"""Stage render: results.json + validated specs -> policy-ready HTML and PDF reports.

One report per datasheet, model card and deployment protocol, and a governance dossier per
deployment protocol, each as `reports/<kind>-<id>.html` and `.pdf`. Order inside every
report: verdict (page one), evidence, documentation, provenance. Never imports torch.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from fairgov.atomic import atomic_write_bytes, atomic_write_text
from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.render import pool
from fairgov.render.attachment import attachment_description
from fairgov.render.context import build_context
from fairgov.render.environment import TemplatesMissing, environment, stylesheet, templates_dir
from fairgov.render.i18n import DEFAULT, UnknownLanguage, available, current, use
from fairgov.render.pdfcache import PdfCache
from fairgov.render.pool import PdfWorkerError
from fairgov.render.scope import Scope, scopes
from fairgov.results import Results, dump, parse

__all__ = [
    "DEFAULT",
    "PdfCache",
    "Rendered",
    "UnknownLanguage",
    "available",
    "render_all",
    "render_reports",
    "results_bytes",
]

LOG = logging.getLogger("fairgov.render")


@dataclass
class Rendered:
    stem: str
    kind: str
    html: str
    pdf: bytes | None = None
    problems: list[str] = field(default_factory=list)


def typed(results: Results | dict[str, Any]) -> Results:
    """Render reads results as `Results`: a dict (a reloaded results.json) is parsed first, so
    a file that does not match the schema is refused here, not half-rendered."""
    return results if isinstance(results, Results) else parse(results)


def results_bytes(results: Results | dict[str, Any] | bytes) -> bytes:
    """The exact bytes of results.json as the build writes it (bytes given are taken as they
    are: the build passes the file it has just written, so it is serialised once)."""
    if isinstance(results, bytes):
        return results
    return dump(typed(results)).encode("utf-8")


def render_html(scope: Scope, results: Results, cp: Any, data: bytes) -> str:
    """One report's HTML in the language of the render in progress (see `i18n.use`)."""
    folder = templates_dir()
    env = environment(folder, current().code)
    context = build_context(scope, results, cp, data)
    context["css"] = Markup(stylesheet(folder))  # noqa: S704 - our own stylesheet from templates/
    return env.get_template(f"{scope.kind}.html.j2").render(context)


def render_reports(
    results: Results | dict[str, Any] | bytes,
    cp: Any,
    *,
    out_dir: Path | None = None,
    pdf: bool = True,
    only: set[str] | None = None,
    lang: str = DEFAULT,
    workers: int | None = None,
    pdf_cache: PdfCache | None = None,
) -> list[Rendered]:
    """Render every report (or those whose file stem is in `only`) in memory, in `lang`
    (UnknownLanguage if fairgov has no catalog for it); nothing is written. `results`: typed,
    a results.json object, or the exact bytes of a results.json file. PDFs are made by
    `workers` processes (default: one per usable core, see fairgov.render.pool); with a
    `pdf_cache`, a report whose PDF is cached is not rendered again."""
    with use(lang):
        return _render_reports(
            results, cp, out_dir=out_dir, pdf=pdf, only=only, workers=workers, cached=pdf_cache
        )


def _render_reports(
    results_in: Results | dict[str, Any] | bytes,
    cp: Any,
    *,
    out_dir: Path | None,
    pdf: bool,
    only: set[str] | None,
    workers: int | None = None,
    cached: PdfCache | None = None,
) -> list[Rendered]:
    data = results_bytes(results_in)
    results = parse(
        data
    )  # parsed once from the very bytes the reports embed: the values of results.json
    base = (out_dir or Path(cp.root) / "build") / "reports"
    allowed = (templates_dir(), base.parent)
    chosen = [scope for scope in scopes(cp, results) if only is None or scope.stem in only]
    about = attachment_description() if pdf else ""
    out: list[Rendered] = []
    todo: list[tuple[Rendered, pool.PdfJob, str]] = []  # the PDFs to render, their cache keys
    with ExitStack() as stack:
        render_pdfs = None
        for n, scope in enumerate(chosen):
            if pdf and render_pdfs is None and (cached is None or todo):
                # the PDF workers start as soon as one PDF must be rendered: they import
                # weasyprint while this process builds the rest of the HTML
                count = len(chosen) - n + len(todo)
                render_pdfs = stack.enter_context(pool.renderer(count, workers))
            item = Rendered(scope.stem, scope.kind, render_html(scope, results, cp, data))
            out.append(item)
            if not pdf:
                continue
            job = pool.PdfJob(item.html, base, allowed, data, results.build_date, about)
            key = cached.key(job) if cached is not None else ""
            hit = cached.get(key) if cached is not None else None
            if hit is None:
                todo.append((item, job, key))
            else:
                item.pdf, item.problems = hit
        if todo:
            if render_pdfs is None:
                render_pdfs = stack.enter_context(pool.renderer(len(todo), workers))
            made = render_pdfs([job for _, job, _ in todo])
            for (item, _, key), (pdf_bytes, problems) in zip(todo, made, strict=True):
                item.pdf, item.problems = pdf_bytes, problems
                if cached is not None:
                    report = f"{base.resolve() / item.stem}.{current().code}"
                    cached.put(key, report, pdf_bytes, problems)
    return out


def render_all(
    out_dir: Path,
    results: Results | dict[str, Any] | bytes,
    cp: Any,
    lang: str = DEFAULT,
    pdf_cache: PdfCache | None = None,
) -> list[Path]:
    """Render every report into `out_dir/reports/` atomically, in `lang`; returns the written
    paths."""
    out_dir = Path(out_dir)
    try:
        rendered = render_reports(results, cp, out_dir=out_dir, lang=lang, pdf_cache=pdf_cache)
    except (TemplatesMissing, UnknownLanguage, jinja2.TemplateError) as err:
        raise FairgovError(
            Diagnostic(str(out_dir), 1, 1, "FG602", f"reports could not be rendered: {err}")
        ) from err
    except PdfWorkerError as err:
        raise FairgovError(
            Diagnostic(str(out_dir), 1, 1, err.code, f"PDF reports could not be rendered: {err}")
        ) from err
    written: list[Path] = []
    reports = out_dir / "reports"
    for item in rendered:
        for problem in item.problems:
            LOG.warning("%s: %s", item.stem, problem)
        atomic_write_text(reports / f"{item.stem}.html", item.html)
        written.append(reports / f"{item.stem}.html")
        if item.pdf is not None:
            atomic_write_bytes(reports / f"{item.stem}.pdf", item.pdf)
            written.append(reports / f"{item.stem}.pdf")
    return written
