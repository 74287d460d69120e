"""The datasheet's `manifest.image_spec` through `fairgov check`: the example project on
multi-frame DICOM copies of 200 of its images. Without a frame policy the evaluation stops
with one grouped FG426 diagnostic; with a policy and a window it runs, results.json records
both, and a changed window re-embeds (it is in the cache keys)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fairgov.cli.main import main

pytest.importorskip("torch")
pydicom = pytest.importorskip("pydicom")
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EVAL = "evaluation/cxr-demo-probe"
ROWS = 200


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, make_dicom: Any) -> Path:
    from PIL import Image

    root = tmp_path_factory.mktemp("dicom") / "specs"
    shutil.copytree(REPO / "specs", root, ignore=shutil.ignore_patterns(".fairgov", "build"))
    manifest = root / "data" / "manifest.csv"
    df = pd.read_csv(manifest, dtype=str, keep_default_na=False).head(ROWS)
    (root / "data" / "dicom").mkdir()
    for i, rel in enumerate(df["image"]):
        png = np.asarray(Image.open(root / "data" / rel).convert("L"), dtype=np.float64) * 4
        name = f"dicom/{Path(rel).stem}.dcm"
        frames = np.stack([png, np.clip(png + 40, 0, 1020)]).astype(np.uint16)
        make_dicom(root / "data" / name, frames, PatientID=Path(rel).stem)
        df.loc[df.index[i], "image"] = name
    df.to_csv(manifest, index=False)
    return root


def _check(root: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, dict]:
    capsys.readouterr()
    rc = main(["check", str(root), "--out", str(out), "--date", "2026-11-28"])
    stats = json.loads((out / "run-stats.json").read_text()).get(EVAL, {})
    return rc, capsys.readouterr().err, {"results": json.loads((out / "results.json").read_text()),
                                         "stats": stats}


def _datasheet(root: Path, image_spec: str) -> None:
    original = (REPO / "specs" / "datasheet.yaml").read_text()
    anchor = "  image_column: image\n"
    assert anchor in original
    (root / "datasheet.yaml").write_text(
        original.replace(anchor, f"{anchor}  image_spec:\n{image_spec}", 1)
    )


def test_image_spec_through_the_spec(project: Path, tmp_path: Path, capsys) -> None:
    rc, err, out = _check(project, tmp_path / "none", capsys)
    ev = out["results"]["evaluations"][EVAL]
    assert rc == 1 and ev["status"] == "error" and ev["code"] == "FG426"
    assert err.count("FG426 error") == 1  # 200 rows, one grouped diagnostic
    assert f"{ROWS} rows (lines 2, 3, 4, 5, 6 and {ROWS - 5} more): multi-frame DICOM" in err
    assert "hint: declare `manifest.image_spec.frames: first | middle | mean`" in err

    _datasheet(project, "    window_center: 500\n    window_width: 1001\n    frames: mean\n")
    rc, err, out = _check(project, tmp_path / "mean", capsys)
    ev = out["results"]["evaluations"][EVAL]
    assert rc in (0, 1) and ev["status"] == "ok", err
    assert ev["provenance"]["image_spec"] == {"window": [500.0, 1001.0], "frames": "mean"}
    assert out["stats"]["images_embedded"] == ROWS

    _datasheet(project, "    window_center: 300\n    window_width: 601\n    frames: mean\n")
    rc, err, out2 = _check(project, tmp_path / "window", capsys)
    ev2 = out2["results"]["evaluations"][EVAL]
    assert ev2["provenance"]["image_spec"]["window"] == [300.0, 601.0]
    assert out2["stats"]["forward_passes"] > 0 and out2["stats"]["cache_hits"] == 0
    assert "dataset" in out2["stats"]["stages"]["probe_outputs"]["reason"]
