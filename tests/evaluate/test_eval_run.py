"""End-to-end runs: the example dataset, fail-closed validation, cache-backed re-runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fairgov.evaluate.cache import Cache
from fairgov.evaluate.config import BackboneConfig, RunConfig
from fairgov.evaluate.hashing import sha256_file
from fairgov.evaluate.manifest import read_manifest
from fairgov.evaluate.probe import auroc

pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.slow]

from fairgov.evaluate.run import InvalidRowsError, run_evaluation  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "specs" / "data"
ATTRS = {"sex": {"F", "M"}, "site": {"north", "central", "river"}}
COLUMNS = ["row_id", "patient_id", "split", "label", "score", "sex", "age", "site"]


def _example_backbone() -> BackboneConfig:
    weights = EXAMPLE / "backbone.safetensors"
    # Same preprocessing as specs/modelcard.yaml.
    return BackboneConfig(
        "test_byobnet", weights, sha256_file(weights), input_size=64, mean=(0.5,) * 3,
        std=(0.25,) * 3, crop_pct=1.0,
    )  # fmt: skip


def _run_example(cache: Cache | None) -> Any:
    return run_evaluation(
        read_manifest(EXAMPLE / "manifest.csv"),
        EXAMPLE,
        backbone=_example_backbone(),
        label_column="finding",
        split_column="split",
        attribute_columns=["sex", "age", "site"],
        attribute_maps=ATTRS,
        run=RunConfig(batch_size=64, progress=False),
        cache=cache,
        manifest_sha256=sha256_file(EXAMPLE / "manifest.csv"),
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    if not (EXAMPLE / "manifest.csv").exists():
        pytest.skip("example data not generated")
    cache_dir = tmp_path_factory.mktemp("cache")
    return _run_example(Cache(cache_dir)), cache_dir


def test_example_predictions_and_provenance(example: tuple[Any, Path]) -> None:
    res, _ = example
    preds = res.predictions
    assert list(preds.columns) == COLUMNS
    assert set(preds["split"]) == {"validation", "test"}
    assert preds["row_id"].is_unique and preds["score"].between(0, 1).all()
    prov = res.provenance
    n = prov["rows"]["total"]
    assert len(prov["files"]) == n and all(len(h) == 64 for h in prov["files"].values())
    assert prov["manifest_sha256"] == sha256_file(EXAMPLE / "manifest.csv")
    assert prov["weights_sha256"] == sha256_file(EXAMPLE / "backbone.safetensors")
    assert prov["sha256_verified"] and prov["architecture"] == "test_byobnet"
    assert prov["preprocessing"]["input_size"] == [3, 64, 64]
    assert (prov["runner"], prov["device"], prov["workers"]) == ("local", "cpu", 0)
    assert prov["images_embedded"] == n and prov["forward_passes"] == -(-n // 64)
    assert prov["cache_hits"] == 0 and prov["cache_misses"] == n


def test_example_has_the_planted_disparity(example: tuple[Any, Path]) -> None:
    test = example[0].predictions.query("split == 'test'")

    def auc(mask: Any) -> float:
        return auroc(test.loc[mask, "label"], test.loc[mask, "score"])

    overall = auroc(test["label"], test["score"])
    site = {s: auc(test["site"] == s) for s in ("north", "central", "river")}
    sex = {s: auc(test["sex"] == s) for s in ("F", "M")}
    old = test["age"].astype(int) >= 80
    assert overall > 0.8
    assert min(site["north"], site["central"]) - site["river"] > 0.1
    assert abs(sex["F"] - sex["M"]) < 0.05
    assert auc(~old) - auc(old) > 0.1


def test_rerun_with_cache_does_no_forward_passes(example: tuple[Any, Path]) -> None:
    first, cache_dir = example
    again = _run_example(Cache(cache_dir))
    n = first.provenance["rows"]["total"]
    assert again.provenance["forward_passes"] == 0 and again.provenance["cache_hits"] == n
    pd.testing.assert_frame_equal(again.predictions, first.predictions)


@pytest.fixture
def small(tmp_path: Path, make_png: Any) -> tuple[pd.DataFrame, Path]:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(30):
        label = i % 2
        img = rng.integers(0, 60, (24, 24), dtype=np.uint8) + (150 if label else 0)
        make_png(tmp_path / "imgs" / f"{i}.png", img.astype(np.uint8))
        split = ("train", "train", "validation", "test", "train")[i % 5]
        rows.append(
            {
                "image": f"imgs/{i}.png",
                "pid": f"p{i}",
                "label": label,
                "split": split,
                "sex": "MF"[i % 2],
            }
        )
    return pd.DataFrame(rows), tmp_path


def _small_run(df: pd.DataFrame, root: Path, backbone: BackboneConfig, **kw: Any) -> Any:
    return run_evaluation(
        df, root, backbone=backbone, patient_column="pid", attribute_columns=["sex"],
        attribute_maps={"sex": {"F", "M"}}, run=RunConfig(batch_size=8, progress=False),
        probe=None, **kw,
    )  # fmt: skip


def test_fail_closed_then_drop(
    small: tuple[pd.DataFrame, Path], tiny_backbone: BackboneConfig
) -> None:
    df, root = small
    df = pd.concat(
        [
            df,
            pd.DataFrame(
                [
                    {
                        "image": "imgs/missing.png",
                        "pid": "q",
                        "label": 1,
                        "split": "train",
                        "sex": "F",
                    }
                ]
            ),
        ]
    )
    with pytest.raises(InvalidRowsError, match="FG401"):
        _small_run(df, root, tiny_backbone, split_column="split")
    res = _small_run(df, root, tiny_backbone, split_column="split", drop_invalid=True)
    assert [p.code for p in res.problems] == ["FG401"] and len(res.dropped) == 1
    assert res.provenance["rows"] == {"total": 31, "used": 30, "dropped": 1}
    assert "imgs/missing.png" not in res.provenance["files"]


def test_decode_failure_during_embedding(
    small: tuple[pd.DataFrame, Path], tiny_backbone: BackboneConfig
) -> None:
    df, root = small
    (root / "imgs" / "3.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(InvalidRowsError, match="FG402"):
        _small_run(df, root, tiny_backbone, split_column="split")
    res = _small_run(df, root, tiny_backbone, split_column="split", drop_invalid=True)
    assert [(p.row, p.code) for p in res.problems] == [(3, "FG402")]
    assert 3 not in set(res.predictions["row_id"])


def test_split_leakage_and_unknown_split(
    small: tuple[pd.DataFrame, Path], tiny_backbone: BackboneConfig
) -> None:
    df, root = small
    df.loc[1, "pid"] = df.loc[2, "pid"]  # same patient in train and validation
    df.loc[4, "split"] = "holdout"
    df.loc[7, "pid"] = None
    with pytest.raises(InvalidRowsError) as info:
        _small_run(df, root, tiny_backbone, split_column="split")
    got = sorted((p.row, p.code) for p in info.value.problems)
    assert got == [(1, "FG407"), (2, "FG407"), (4, "FG406"), (7, "FG410")]


def test_auto_patient_split(
    small: tuple[pd.DataFrame, Path], tiny_backbone: BackboneConfig
) -> None:
    df, root = small
    df = pd.concat([df] * 3, ignore_index=True)  # 3 images per patient
    res = _small_run(df.drop(columns="split"), root, tiny_backbone, split_seed=1)
    per_patient = res.predictions.groupby("patient_id")["split"].nunique()
    assert (per_patient == 1).all()
    assert res.provenance["split"]["column"] is None and res.provenance["split"]["seed"] == 1
