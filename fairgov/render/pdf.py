"""HTML -> PDF with weasyprint: PDF/A-3b with results.json attached (AFRelationship /Data),
tagged (structure tree, /Lang, alt text from SVG titles) and identified as PDF/UA-1 in
the XMP metadata; fixed dates and identifiers so the same input gives the same bytes."""

from __future__ import annotations

import datetime as dt
import io
import logging
import warnings
from pathlib import Path
from typing import Any

from fairgov.render.attachment import attachment_description
from fairgov.render.fetcher import ConfinedURLFetcher

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    import pydyf
    import weasyprint

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
        doc = weasyprint.HTML(
            string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher
        ).render()
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
