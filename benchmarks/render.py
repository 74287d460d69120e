"""Benchmark the report renderer: seconds per PDF report for the example project.

    python benchmarks/render.py [PROJECT]

PROJECT defaults to tests/fixtures/project (bring-your-own predictions, no torch); the
specs/ example needs the eval extra to build. The build (evaluate, measure, gate) is run
once and not timed; then every report is rendered (HTML + PDF) and timed, wall clock and
CPU. The reference is the rendering notes' figure for weasyprint 70 on this machine
(about 0.2 s of CPU per page), printed as seconds per page.

The last line is one JSON object: {"seconds_per_pdf": S} (mean wall seconds per report,
HTML and PDF together).
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
from pathlib import Path

import pypdf

from fairgov.build.pipeline import run_build
from fairgov.render import render_reports


def main(argv: list[str]) -> int:
    project = (
        Path(argv[0])
        if argv
        else Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "project"
    )
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
        results, cp = outcome.results, outcome.project
        render_reports(results, cp, pdf=False)  # warm caches (templates, markdown parser)
        stems = [r.stem for r in render_reports(results, cp, pdf=False)]
        walls, pages = [], 0
        cpu0 = time.process_time()
        for stem in stems:
            t0 = time.perf_counter()
            (item,) = render_reports(results, cp, only={stem}, out_dir=Path(tmp) / "build")
            wall = time.perf_counter() - t0
            n = len(pypdf.PdfReader(io.BytesIO(item.pdf or b"")).pages)
            walls.append(wall)
            pages += n
            print(f"{stem:40s} {wall:6.2f} s  {n:3d} pages  {len(item.pdf or b'') / 1024:7.0f} KiB")
        cpu = time.process_time() - cpu0
    per_pdf = sum(walls) / len(walls)
    print(
        f"{len(walls)} reports, {pages} pages: {per_pdf:.2f} s wall per report, {cpu / len(walls):.2f} s CPU per report, "
        f"{cpu / pages:.3f} s CPU per page (reference: ~0.2 s per page)"
    )
    print(json.dumps({"seconds_per_pdf": round(per_pdf, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
