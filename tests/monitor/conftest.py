from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def copy_example(dest: Path, resamples: int | None = 100) -> Path:
    """The example project without images, optionally with fewer bootstrap resamples."""
    shutil.copytree(
        REPO / "specs",
        dest,
        ignore=shutil.ignore_patterns("images", "build", ".fairgov", "generate.py"),
    )
    if resamples is not None:
        spec = dest / "deployment.yaml"
        spec.write_text(spec.read_text().replace("resamples: 500", f"resamples: {resamples}"))
    return dest


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "specs")


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory):
    """The example exactly as committed (500 resamples), run once per module."""
    from fairgov.monitor.api import run_monitor

    root = copy_example(tmp_path_factory.mktemp("ex") / "specs", resamples=None)
    return root, run_monitor(root)
