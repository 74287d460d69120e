"""Bring-your-own predictions with no images: the manifest needs no image column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fairgov.cli.main import main


def no_images(project: Path, edit) -> None:
    """Rename the image column to a plain row id, as a team with only scores would have it."""
    for name in ("manifest.csv", "predictions.csv"):
        path = project / "data" / name
        df = pd.read_csv(path, dtype=str, keep_default_na=False).rename(
            columns={"image": "case_id"}
        )
        df["case_id"] = df["case_id"].str.replace("images/", "C-").str.replace(".png", "")
        df.to_csv(path, index=False)
    edit(
        project / "datasheet.yaml",
        "  image_column: image\n",
        "  image_column: null\n  id_column: case_id\n",
    )
    edit(project / "evaluation.yaml", "  id_column: image\n", "  id_column: case_id\n")


def test_image_column_null_validates_and_builds(
    project: Path, tmp_path: Path, edit, capsys
) -> None:
    no_images(project, edit)
    assert main(["validate", str(project)]) == 0, capsys.readouterr().out
    rc = main(["check", str(project), "--out", str(tmp_path / "o"), "--date", "2026-11-28"])
    results = json.loads((tmp_path / "o/results.json").read_text())
    ev = results["evaluations"]["evaluation/cxr-demo-probe"]
    assert ev["status"] == "ok" and ev["provenance"]["rows"]["scored"] > 0
    assert rc == 1  # the fixture's known failing gates, not an error
    assert "FG2" not in capsys.readouterr().err


def test_linear_probe_without_image_column_is_diagnosed(project: Path, edit, capsys) -> None:
    edit(project / "datasheet.yaml", "  image_column: image\n", "  image_column: null\n")
    text = (project / "evaluation.yaml").read_text()
    start = text.index("protocol:\n")
    end = text.index("splits:")
    (project / "evaluation.yaml").write_text(
        text[:start] + "protocol:\n  type: linear_probe\n" + text[end:]
    )
    assert main(["validate", str(project)]) == 1
    out = capsys.readouterr().out
    assert (
        "evaluation.yaml:15:9: FG318 error: the linear probe embeds images, but datasheet/cxr-demo "
        "has no image_column"
        in out
    )


def test_predictions_without_any_row_id_is_diagnosed(project: Path, edit, capsys) -> None:
    edit(project / "datasheet.yaml", "  image_column: image\n", "  image_column: null\n")
    assert main(["validate", str(project)]) == 1
    out = capsys.readouterr().out
    assert (
        "FG319 error: predictions are matched to manifest rows by id, but datasheet/cxr-demo names "
        "neither"
        in out
    )
    assert "hint: set `manifest.id_column` in the datasheet" in out
