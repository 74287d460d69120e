"""The small deterministic build whose CI outputs are kept as golden files (tests/build/golden/).

    python tests/build/golden_build.py     # regenerate after an intended change; look at the diff

The fixture project (bring-your-own predictions, no torch) is built on a fixed date without
reports; what varies between machines and releases is normalised: the fairgov version and
the absolute output folder.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = ("results.json", "junit.xml", "results.sarif", "summary.md")
DATE = "2026-01-15"


def normalise(text: str, out: Path) -> str:
    from fairgov import __version__

    text = text.replace(str(out), "<out>").replace(f'"{__version__}"', '"<fairgov-version>"')
    return text.replace(f"fairgov {__version__}", "fairgov <fairgov-version>")


def build_outputs(workdir: Path) -> dict[str, str]:
    """Build a fresh copy of the fixture project in `workdir`; file name -> normalised text."""
    from fairgov.pipeline.build import run_build

    project = workdir / "project"
    shutil.copytree(
        REPO / "tests/fixtures/project", project, ignore=shutil.ignore_patterns(".fairgov", "build")
    )
    out = workdir / "out"
    outcome = run_build(
        project,
        out=out,
        date=DATE,
        write_reports=False,
        command=["fairgov", "build"],
        options={"cache_dir": str(workdir / "cache")},
    )
    assert outcome.results is not None, [d.message for d in outcome.diagnostics]
    return {name: normalise((out / name).read_text(encoding="utf-8"), out) for name in FILES}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        outputs = build_outputs(Path(tmp))
    GOLDEN.mkdir(exist_ok=True)
    for name, text in outputs.items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print(GOLDEN / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
