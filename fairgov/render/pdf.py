"""HTML -> PDF with weasyprint: PDF/A-3b with results.json attached (AFRelationship /Data),
tagged (structure tree, /Lang, alt text from SVG titles) and identified as PDF/UA-1 in
the XMP metadata; fixed dates and identifiers so the same input gives the same bytes."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import io
import logging
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

from fairgov.render.attachment import attachment_description
from fairgov.render.fetcher import ConfinedURLFetcher

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    import pydyf
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

PDF_VARIANT = "pdf/a-3b"
_UA_XMP = (
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part>'
    b"</rdf:Description>"
    b'<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
    b'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b'<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    b"<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    b"<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    b'<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq><rdf:li '
    b'rdf:parseType="Resource">'
    b"<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    b"<pdfaProperty:category>internal</pdfaProperty:category>"
    b"<pdfaProperty:description>Indicates, which part of ISO 14289 standard is "
    b"followed</pdfaProperty:description>"
    b"</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
)


class QuietWeasyprint(logging.Handler):
    """Collects weasyprint's log records (refused fetches, layout warnings) instead of printing
    them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def build_datetime(build_date: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(build_date), dt.time(0, 0), tzinfo=dt.UTC)


def _finisher(document: Any, pdf: Any) -> None:
    """Add the PDF/UA-1 identification (with its PDF/A extension schema) to the XMP packet and
    ask viewers to show the document title instead of the file name."""
    ref = pdf.catalog["Metadata"]
    ref = int((ref.decode() if isinstance(ref, bytes) else str(ref)).split()[0])
    stream = pdf.objects[ref]
    packet = b"".join(
        part if isinstance(part, bytes) else str(part).encode() for part in stream.stream
    )
    packet = packet.replace(b"</rdf:RDF>", _UA_XMP + b"</rdf:RDF>", 1)
    stream.stream = [packet]
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@functools.cache
def _fonts() -> FontConfiguration:
    """One font configuration per process: each PDF a worker renders reuses the fonts (and
    their metrics) the first one loaded."""
    return FontConfiguration()


@functools.lru_cache(maxsize=16)
def _stylesheet(css: str) -> weasyprint.CSS:
    """The report stylesheet parsed once per process and language (its text is the key)."""
    return weasyprint.CSS(string=css, font_config=_fonts())


@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """Leave the objects that exist before a render out of the garbage collector's passes while
    it runs (gc.freeze). A render allocates millions of objects and so triggers full collections,
    and each one would walk the whole heap: in a process that has run a build (torch, the
    results, the project) that cost 0.2-0.7 s per report. The objects the render makes are
    collected as usual; the frozen ones are handed back to the collector afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def split_stylesheet(html: str) -> tuple[str, str | None]:
    """The HTML without its first <style> element (in <head>) and that element's CSS, which
    weasyprint then takes as a parsed stylesheet, the same rules in the same cascade position.
    A stylesheet that could fetch anything (url(), @import) stays in the HTML, so that every
    fetch goes through this render's fetcher and each refusal is reported for this PDF."""
    head = html.find("</head>")
    match = _STYLE.search(html, 0, head if head >= 0 else 0)
    if match is None or "url(" in match.group(1) or "@import" in match.group(1):
        return html, None
    return html[: match.start()] + html[match.end() :], match.group(1)


def html_to_pdf(
    html: str,
    *,
    base_dir: Path,
    allowed_dirs: list[Path],
    results_bytes: bytes,
    build_date: str,
    description: str | None = None,
) -> tuple[bytes, list[str]]:
    """Render `html`; returns the PDF bytes and any fetch refusals / weasyprint warnings."""
    fetcher = ConfinedURLFetcher(allowed_dirs)
    when = build_datetime(build_date)
    attachment = weasyprint.Attachment(
        file_obj=io.BytesIO(results_bytes),
        url_fetcher=fetcher,
        name="results.json",
        description=attachment_description() if description is None else description,
        created=when,
        modified=when,
        relationship="Data",
    )
    handler = QuietWeasyprint()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        with _heap_frozen():
            body, css = split_stylesheet(html)
            # weasyprint breaks no line at a <wbr> inside a word (its ::before is a box of its
            # own); the same opportunity as a zero-width space in the text it does
            body = body.replace("<wbr>", "\u200b")
            doc = weasyprint.HTML(
                string=body, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher
            ).render(
                stylesheets=[_stylesheet(css)] if css is not None else None, font_config=_fonts()
            )
            with warnings.catch_warnings():
                # weasyprint 70 opens its sRGB output-intent profile without closing it
                warnings.simplefilter("ignore", ResourceWarning)
                data = doc.write_pdf(
                    pdf_variant=PDF_VARIANT,
                    pdf_tags=True,
                    attachments=[attachment],
                    uncompressed_pdf=False,
                    custom_metadata=False,
                    finisher=_finisher,
                )
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate
    problems = [f"refused: {u}" for u in fetcher.refused] + handler.records
    return data, problems
