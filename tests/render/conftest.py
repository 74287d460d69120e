"""Session fixtures: the fixture project is built once and its reports rendered once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from render_helpers import FIXTURE, PDF_STEM, build, copy_fixture

from fairgov.render import Rendered, render_reports


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    return build(FIXTURE, tmp_path_factory.mktemp("render-build") / "build")


@pytest.fixture(scope="session")
def html_reports(built: tuple[dict[str, Any], Any]) -> dict[str, Rendered]:
    results, cp = built
    return {r.stem: r for r in render_reports(results, cp, pdf=False)}


@pytest.fixture(scope="session")
def pdf_report(built: tuple[dict[str, Any], Any]) -> Rendered:
    """One PDF (the deployment report: every page-one element, the smallest PDF of the set)."""
    results, cp = built
    (item,) = render_reports(results, cp, only={PDF_STEM})
    return item


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    dest = copy_fixture(tmp_path / "project")
    ev = dest / "evaluation.yaml"
    text = (
        ev.read_text(encoding="utf-8")
        .replace("resamples: 2000", "resamples: 200")
        .replace("permutations: 1000", "permutations: 100")
    )
    ev.write_text(text, encoding="utf-8")
    return dest
