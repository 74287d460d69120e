"""Hostile inputs through the whole CLI: always a coded diagnostic, fail closed, no leak."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fairgov.cli.main import main

REPO = Path(__file__).resolve().parents[2]
pytest.importorskip("torch")


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    dest = tmp_path / "specs"
    shutil.copytree(
        REPO / "specs", dest, ignore=shutil.ignore_patterns("build", ".fairgov", "generate.py")
    )
    return dest


def run(specs: Path, out: Path, capsys) -> tuple[int, dict, str]:
    rc = main(["check", str(specs), "--out", str(out), "--date", "2026-11-28"])
    err = capsys.readouterr().err
    return rc, json.loads((out / "results.json").read_text()), err


def set_image(specs: Path, row: int, value: str) -> None:
    path = specs / "data/manifest.csv"
    lines = path.read_text().splitlines()
    cells = lines[row].split(",")
    cells[0] = value
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("image", "code"), [
    ("/etc/passwd", "FG405"), ("../../../../etc/passwd", "FG405"), ("/dev/zero", "FG405"),
    ("images/missing.png", "FG401"),
])
def test_hostile_manifest_rows_fail_closed(
    specs: Path, tmp_path: Path, capsys, image: str, code: str
) -> None:
    set_image(specs, 3, image)
    rc, results, err = run(specs, tmp_path / "out", capsys)
    assert rc == 1
    assert f"data/manifest.csv:4:1: {code}" in err  # data row 3 is line 4 (after the header)
    ev = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert ev["status"] == "error"
    assert "root:" not in json.dumps(results)  # nothing of /etc/passwd leaked


def test_device_file_and_empty_image_inside_the_project(
    specs: Path, tmp_path: Path, capsys
) -> None:
    (specs / "data/images/zero.png").symlink_to("/dev/zero")
    (specs / "data/images/empty.png").write_bytes(b"")
    set_image(specs, 3, "images/zero.png")
    set_image(specs, 4, "images/empty.png")
    rc, results, err = run(specs, tmp_path / "out", capsys)
    assert rc == 1 and results["evaluations"]["evaluation/cxr-demo-probe"]["status"] == "error"
    assert "data/manifest.csv:4:1: FG405" in err  # the symlink leaves the project
    assert "data/manifest.csv:5:1: FG402" in err


def test_truncated_weights_stop_before_running(specs: Path, tmp_path: Path, capsys) -> None:
    weights = specs / "data/backbone.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    rc, results, err = run(specs, tmp_path / "out", capsys)
    assert rc == 1
    ev = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert ev["status"] == "error" and ev["code"] == "FG420"  # pinned sha256 no longer matches
    assert all(
        g["status"] in ("inconclusive", "warn") for g in results["gates"] if g["type"] == "metric"
    )
