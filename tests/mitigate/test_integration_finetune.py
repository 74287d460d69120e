"""A fine_tune mitigation through the build: the example's backbone is fine-tuned on the train
rows (last block), every split re-embedded, the probe re-fitted, and the variant measured and
compared on the same test rows; a measurement-only change re-measures it from its cached scores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fairgov.pipeline.build import run_build

REPO = Path(__file__).resolve().parents[2]
EVAL = "evaluation/cxr-demo-probe"
pytestmark = pytest.mark.slow


def test_fine_tune_variant_runs_and_is_cached(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    shutil.copytree(REPO / "specs", root, ignore=shutil.ignore_patterns(".fairgov", "build"))
    spec = root / "evaluation.yaml"
    text = spec.read_text(encoding="utf-8").replace("resamples: 2000", "resamples: 200")
    text = text.replace(
        "compare:\n", "  - {id: ft-last1, type: fine_tune, blocks: 1, epochs: 1}\ncompare:\n", 1
    )
    spec.write_text(
        text.replace("candidates: [site-dro]", "candidates: [site-dro, ft-last1]"), encoding="utf-8"
    )
    opts = {"cache_dir": tmp_path / "cache"}
    outcome = run_build(
        root, out=tmp_path / "a", date="2026-11-28", write_reports=False, options=opts
    )
    ev = outcome.results["evaluations"][EVAL]
    var = ev["variants"]["ft-last1"]
    assert var["status"] == "ok" and var["mitigation"]["stage"] == "training"
    ft = var["probe"]["fine_tune"]
    assert (
        ft["blocks"] == 1
        and ft["train_rows"]
        == ev["composition"]["site"]["train"]["central"]
        + ev["composition"]["site"]["train"]["north"]
        + ev["composition"]["site"]["train"]["river"]
    )
    assert (
        var["measure"]["overall"]["metrics"]["auroc"]
        != ev["measure"]["overall"]["metrics"]["auroc"]
    )
    cmp = next(c for c in ev["comparisons"] if c["candidate"] == "ft-last1")
    row = next(r for r in cmp["rows"] if r["key"] == "auroc.overall")
    assert row["candidate"] == pytest.approx(var["measure"]["overall"]["metrics"]["auroc"]["value"])
    assert row["ci_low"] <= row["difference"] <= row["ci_high"]
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("resamples: 200", "resamples: 100"),
        encoding="utf-8",
    )
    run_build(root, out=tmp_path / "b", date="2026-11-28", write_reports=False, options=opts)
    stats = json.loads((tmp_path / "b/run-stats.json").read_text())[EVAL]
    assert (
        stats["stages"]["variants"]["ft-last1"]["reused"] is False
    )  # re-measured (bootstrap changed)
    assert stats["forward_passes"] == 0  # the baseline's probe outputs were reused
    again = json.loads((tmp_path / "b/results.json").read_text())["evaluations"][EVAL]["variants"][
        "ft-last1"
    ]
    assert again["probe"] == var["probe"]  # the same fine-tuned scores (cached under the probe key)
