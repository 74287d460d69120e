from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fairgov.cli.main import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "project"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(project, results.json): the fixture project checked once for every export test."""
    root = tmp_path_factory.mktemp("exports")
    project = root / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns(".fairgov", "build"))
    main(
        [
            "check",
            str(project),
            "--out",
            str(root / "out"),
            "--date",
            "2026-11-28",
            "--format",
            "json",
        ]
    )
    return project, root / "out" / "results.json"


@pytest.fixture
def results(built: tuple[Path, Path]) -> dict:
    return json.loads(built[1].read_text(encoding="utf-8"))


@pytest.fixture
def cells(results: dict) -> list[tuple[str, str, str, str, dict, dict]]:
    """(evaluation, attribute, group, metric, metric dict, cell dict) for every measured cell."""
    out = []
    for ref, ev in results["evaluations"].items():
        for attr, block in ev["measure"]["attributes"].items():
            for group, cell in block["groups"].items():
                out += [(ref, attr, group, m, v, cell) for m, v in cell["metrics"].items()]
    return out
