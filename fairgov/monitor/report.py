"""The monitoring report: HTML (jinja2, the render package's environment) and PDF (the render
package's weasyprint writer with its confined URL fetcher), from monitoring.json."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from fairgov.atomic import atomic_write_bytes, atomic_write_text
from fairgov.jsonout import dumps
from fairgov.monitor import chart
from fairgov.monitor.outputs import ICON, observed
from fairgov.render.environment import environment, stylesheet, templates_dir

TEMPLATE = "monitoring.html.j2"


def context(doc: dict[str, Any]) -> dict[str, Any]:
    triggers = [
        {
            **t,
            "icon": ICON[t["status"]],
            "observed": observed(t),
            "chart": chart.trigger_chart(t),
            "composition": chart.composition_chart(t) if t["type"] == "composition" else None,
        }
        for t in doc["triggers"]
    ]
    return {"doc": doc, "triggers": triggers, "css": stylesheet(templates_dir())}


def warm() -> None:
    """Import the PDF writer and compile the template now (while measures run elsewhere)."""
    # `write_reports` meets an ImportError again, where it is reported
    with contextlib.suppress(ImportError):
        import fairgov.render.pdf  # noqa: F401  (weasyprint: about 1 s to import)
    environment(templates_dir(), "en").get_template(TEMPLATE)


def render_html(doc: dict[str, Any]) -> str:
    return environment(templates_dir(), "en").get_template(TEMPLATE).render(**context(doc))


def write_reports(
    out_dir: Path, doc: dict[str, Any], pdf: bool = True, doc_text: str | None = None
) -> list[Path]:
    """monitoring.html and .pdf; the PDF attaches `doc_text` (monitoring.json's bytes) when
    given."""
    html = render_html(doc)
    atomic_write_text(out_dir / "monitoring.html", html)
    written = [out_dir / "monitoring.html"]
    if pdf:
        from fairgov.render.pdf import html_to_pdf

        data, _ = html_to_pdf(
            html,
            base_dir=out_dir,
            allowed_dirs=[templates_dir(), out_dir],
            results_bytes=(dumps(doc) if doc_text is None else doc_text).encode(),
            build_date=doc["as_of"][:10],
            description="fairgov monitoring.json of the run this report was rendered from",
        )
        atomic_write_bytes(out_dir / "monitoring.pdf", data)
        written.append(out_dir / "monitoring.pdf")
    return written
