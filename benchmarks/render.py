"""Benchmark the report renderer: seconds per PDF report for the example project.

    python benchmarks/render.py [PROJECT]

PROJECT defaults to the example project in specs/ (it needs the eval extra to build; without
torch, pass tests/fixtures/project, a bring-your-own-predictions copy of it). The build
(evaluate, measure, gate) is run once and not timed; then

1. after one untimed warm-up PDF (weasyprint's import and font setup, paid once per process),
   every report is rendered alone (HTML + PDF, in this process, from the results.json bytes the
   build wrote, as `fairgov build` hands them to the renderer) and timed, wall clock and CPU:
   `seconds_per_pdf` is the mean wall time of one report rendered on its own;
2. all reports are rendered together the way `fairgov build` does it (PDFs spread over one
   worker process per usable core, fairgov.render.pool): `build_seconds_per_pdf` is that wall
   time divided by the number of reports;
3. the same again, as an unchanged rebuild does it: every PDF from the cache the second step
   filled (fairgov.render.pdfcache): `pdf_stage_cached_seconds`.

The reference is the rendering notes' figure for weasyprint 70 on this machine (about 0.2 s of
CPU per page), printed as a ratio of our CPU seconds per page to it.

It also prints the slowest single report and the whole PDF stage against issue 18's targets
(<= 2 s per report, <= 12 s for the stage) with the load average, since the CPUs are shared.

The last line is one JSON object: {"seconds_per_pdf": S, "build_seconds_per_pdf": B, ...}.
"""

from __future__ import annotations

import compileall
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pypdf

from fairgov.pipeline.build import run_build
from fairgov.render import PdfCache, render_reports
from fairgov.render.pool import workers_for

REFERENCE_CPU_PER_PAGE = 0.2  # ../shared/reference/rendering-notes.md: 5 pages in about 1.0 s
TARGET_PER_PDF, TARGET_STAGE = (
    2.0,
    12.0,
)  # issue 18: seconds per per-document PDF, seconds for all PDFs of a build


def main(argv: list[str]) -> int:
    project = (
        Path(argv[0])
        if argv
        else Path(__file__).resolve().parent.parent / "specs"
    )
    # the PDF workers import fairgov: byte-compiled, as an installed or once-run copy is (this
    # machine's PYTHONDONTWRITEBYTECODE=1 would make each worker recompile its sources)
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "fairgov", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run_build(
            project,
            out=Path(tmp) / "build",
            date="2026-11-28",
            write_reports=False,
            command=["fairgov", "build", str(project)],
        )
        if outcome.results is None:
            print("build failed:", [d.message for d in outcome.diagnostics], file=sys.stderr)
            return 2
        cp = outcome.project
        # the reports are rendered from results.json's bytes, as `fairgov build` does (it
        # serialises results once, writes the file and hands the same bytes to the renderer)
        results = (Path(tmp) / "build" / "results.json").read_bytes()
        render_reports(results, cp, pdf=False)  # warm caches (templates, markdown parser)
        stems = [r.stem for r in render_reports(results, cp, pdf=False)]
        # warm the PDF engine too (weasyprint's import, fonts, stylesheet parsing: ~1.5 s once per
        # process; a build's workers pay it while the HTML is built), so that the first report
        # timed is not charged with it
        render_reports(results, cp, only={stems[0]}, out_dir=Path(tmp) / "build", workers=1)
        walls, pages = [], 0
        cpu0 = time.process_time()
        for stem in stems:
            t0 = time.perf_counter()
            (item,) = render_reports(
                results, cp, only={stem}, out_dir=Path(tmp) / "build", workers=1
            )
            wall = time.perf_counter() - t0
            n = len(pypdf.PdfReader(io.BytesIO(item.pdf or b"")).pages)
            walls.append(wall)
            pages += n
            print(f"{stem:40s} {wall:6.2f} s  {n:3d} pages  {len(item.pdf or b'') / 1024:7.0f} KiB")
        cpu = time.process_time() - cpu0
        workers = workers_for(len(stems))
        cache = PdfCache(Path(tmp) / "cache")
        t0 = time.perf_counter()
        together = render_reports(results, cp, out_dir=Path(tmp) / "build", pdf_cache=cache)
        build_wall = time.perf_counter() - t0
        assert [r.stem for r in together] == stems and all(r.pdf for r in together)
        # an unchanged rebuild: every PDF comes from the cache the run above filled
        t0 = time.perf_counter()
        warm = render_reports(results, cp, out_dir=Path(tmp) / "build", pdf_cache=cache)
        warm_wall = time.perf_counter() - t0
        assert [r.pdf for r in warm] == [r.pdf for r in together]
        assert cache.stats()["pdf_reused"] == len(stems)
    per_pdf = sum(walls) / len(walls)
    build_per_pdf = build_wall / len(stems)
    print(
        f"{len(walls)} reports, {pages} pages, one at a time: {per_pdf:.2f} s wall per report, "
        f"{cpu / len(walls):.2f} s CPU per report, "
        f"{cpu / pages:.3f} s CPU per page = {cpu / pages / REFERENCE_CPU_PER_PAGE:.2f}x the "
        f"reference ~{REFERENCE_CPU_PER_PAGE} s per page"
    )
    print(
        f"all {len(stems)} together as fairgov build renders them ({workers} worker processes): "
        f"{build_wall:.2f} s wall, "
        f"{build_per_pdf:.2f} s per report, {per_pdf / build_per_pdf:.2f}x faster than one at a "
        f"time; an unchanged rebuild (PDFs from the cache): {warm_wall:.2f} s, "
        f"{build_wall / warm_wall:.0f}x faster"
    )
    load = os.getloadavg()[0]
    per_doc = max(
        w for stem, w in zip(stems, walls, strict=True) if not stem.startswith("dossier-")
    )
    print(
        f"targets (issue 18): each per-document PDF (dossier excluded) <= {TARGET_PER_PDF} s: "
        f"slowest {per_doc:.2f} s; whole PDF stage "
        f"<= {TARGET_STAGE} s: {build_wall:.2f} s; 1-minute load average {load:.2f} on "
        f"{os.cpu_count()} CPUs"
    )
    print(
        json.dumps(
            {
                "seconds_per_pdf": round(per_pdf, 3),
                "build_seconds_per_pdf": round(build_per_pdf, 3),
                "max_seconds_per_document_pdf": round(per_doc, 3),
                "pdf_stage_seconds": round(build_wall, 3),
                "pdf_stage_cached_seconds": round(warm_wall, 3),
                "cached_stage_speedup": round(build_wall / warm_wall, 1),
                "per_pdf_vs_target": round(per_doc / TARGET_PER_PDF, 2),
                "stage_vs_target": round(build_wall / TARGET_STAGE, 2),
                "load_average": round(load, 2),
                "workers": workers,
                "pages": pages,
                "cpu_seconds_per_page": round(cpu / pages, 3),
                "ratio_to_reference_per_page": round(cpu / pages / REFERENCE_CPU_PER_PAGE, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
