"""Regenerate the golden HTML files of the render tests.

    python tests/render/regen.py

Builds the fixture project (no torch: bring-your-own predictions), renders every report's
HTML and writes the normalised result to tests/render/golden/<report>.html.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from render_helpers import FIXTURE, GOLDEN, GOLDEN_HEADER, build, golden_path, normalise  # noqa: E402

from fairgov.render import render_reports  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        results, cp = build(FIXTURE, Path(tmp) / "build")
    GOLDEN.mkdir(exist_ok=True)
    stale = {p.name for p in GOLDEN.glob("*.html")}
    for item in render_reports(results, cp, pdf=False):
        path = golden_path(item.stem)
        path.write_text(GOLDEN_HEADER + normalise(item.html), encoding="utf-8")
        stale.discard(path.name)
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    for name in sorted(stale):
        (GOLDEN / name).unlink()
        print(f"removed stale {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
