"""The committed example data is exactly what ``specs/data/generate.py`` produces."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from fairgov.evaluate.hashing import sha256_file

pytest.importorskip("timm")
pytestmark = [pytest.mark.torch, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "specs" / "data"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "fairgov_example_generate", EXAMPLE / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digests(root: Path) -> dict[str, str]:
    files = [
        root / "manifest.csv",
        root / "backbone.safetensors",
        *sorted((root / "images").glob("*.png")),
    ]
    return {str(p.relative_to(root)): sha256_file(p) for p in files}


@pytest.mark.skipif(not (EXAMPLE / "manifest.csv").exists(), reason="example data not generated")
def test_generator_reproduces_committed_files_byte_for_byte(tmp_path: Path) -> None:
    gen = _generator()
    gen.build_dataset(tmp_path)  # type: ignore[attr-defined]
    gen.build_backbone(tmp_path)  # type: ignore[attr-defined]
    assert _digests(tmp_path) == _digests(EXAMPLE)


@pytest.mark.skipif(not (EXAMPLE / "manifest.csv").exists(), reason="example data not generated")
def test_example_manifest_shape() -> None:
    df = pd.read_csv(EXAMPLE / "manifest.csv", dtype={"patient_id": str})
    assert list(df.columns) == ["image", "patient_id", "split", "finding", "sex", "age", "site"]
    assert df["patient_id"].nunique() == len(df) == 800
    assert (df.groupby("patient_id")["split"].nunique() == 1).all()
    test = df[df["split"] == "test"]
    assert (test.groupby("site")["finding"].sum() >= 10).all()  # enough evidence per site
    assert set(df["site"]) == {"north", "central", "river"} and set(df["sex"]) == {"F", "M"}
    assert df["age"].between(18, 95).all() and 0.25 < df["finding"].mean() < 0.4
    assert sum(p.stat().st_size for p in (EXAMPLE / "images").glob("*.png")) < 3_000_000
    assert (EXAMPLE / "backbone.safetensors").stat().st_size < 5_000_000
