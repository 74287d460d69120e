"""PDF reports reused across builds: a report whose HTML and embedded results did not change is
not laid out again.

The key is everything the PDF bytes depend on: the report's HTML (all its visible content,
the stylesheet included), the results.json bytes it embeds, the build date (PDF metadata), the
attachment's description, the folder its relative links resolve against, the PDF writer's own
source (fairgov/render/pdf.py) and the versions of fairgov, weasyprint and pydyf. A hit is the
same bytes a fresh render writes (tests check it). Entries are the evaluation cache's
self-verifying ones (fairgov.evaluate.cache.Cache: a truncated or altered PDF is a miss, never
copied out); each report keeps its last few entries, so the folder does not grow per build.
Fonts installed on the machine are not in the key: after a font change, delete `reports/` in
the cache folder (or build with --no-reuse).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from filelock import FileLock

from fairgov.atomic import atomic_write_bytes
from fairgov.evaluate.cache import Cache
from fairgov.evaluate.hashing import sha256_bytes
from fairgov.render.pool import PdfJob

SUFFIX = ".pdf"
KEEP = 3  # entries kept per report (its stem, language and output folder)


@cache
def _engine() -> dict[str, str]:
    def of(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "absent"

    writer = Path(__file__).with_name("pdf.py").read_bytes()
    return {"weasyprint": of("weasyprint"), "pydyf": of("pydyf"), "writer": sha256_bytes(writer)}


@dataclass
class PdfCache:
    """Cached PDFs under `root` (the project's cache folder); counts what a build reused."""

    root: Path
    hits: int = 0
    rendered: int = 0
    store: Cache = field(init=False)

    def __post_init__(self) -> None:
        self.store = Cache(self.root)

    def key(self, job: PdfJob) -> str:
        """The entry `job`'s PDF is stored under (hashes its HTML and results: compute once)."""
        return self.store.key(
            kind="pdf-report",
            format=1,
            engine=_engine(),
            html=sha256_bytes(job.html.encode("utf-8")),
            results=sha256_bytes(job.results_bytes),
            build_date=job.build_date,
            attachment=job.attachment_description,
            base_dir=str(job.base_dir.resolve()),
            allowed=[str(Path(p).resolve()) for p in job.allowed_dirs],
        )

    def get(self, key: str) -> tuple[bytes, list[str]] | None:
        """The PDF and render problems stored under `key`, or None."""
        data = self.store.get_bytes(key, SUFFIX)
        if data is None:
            return None
        problems = self.store.sidecar(key, SUFFIX).get("problems")
        if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
            self.store.discard(key, SUFFIX)
            return None
        self.hits += 1
        return data, problems

    def put(self, key: str, report: str, pdf: bytes, problems: list[str]) -> None:
        """Store a freshly rendered PDF under `key` and drop the entries of `report` (its
        output path and language) beyond the last KEEP. A cache that cannot be written costs
        reuse, never the build."""
        self.rendered += 1
        identity = sha256_bytes(report.encode())
        index = self.root / "pdf-index" / f"{identity}.json"
        try:
            self.store.put_bytes(key, pdf, SUFFIX, problems=problems)
            index.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(index) + ".lock"):
                try:
                    seen = json.loads(index.read_text("utf-8"))
                    keys = [k for k in seen if isinstance(k, str) and k != key]
                except (OSError, ValueError, TypeError):
                    keys = []
                keep, drop = [key, *keys][:KEEP], keys[KEEP - 1 :]
                atomic_write_bytes(index, json.dumps(keep).encode("utf-8"))
            for old in drop:
                self.store.remove(old, SUFFIX)
        except (OSError, ValueError):  # ValueError: an index entry that is not a key
            return

    def stats(self) -> dict[str, int]:
        return {"pdf_reused": self.hits, "pdf_rendered": self.rendered,
                "pdf_cache_corrupt_entries": self.store.stats.corrupt}
