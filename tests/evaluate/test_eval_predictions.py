"""Bring-your-own-scores: predictions are checked as strictly as manifests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fairgov.evaluate.predictions import PredictionsError, check_predictions, read_predictions


def test_valid_predictions_csv_and_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame({"id": ["001", "002", "003"], "p": [0.0, 0.5, 1.0], "y": [0, 1, 1]})
    df.to_csv(tmp_path / "p.csv", index=False)
    got = read_predictions(
        tmp_path / "p.csv", "id", "p", "y", manifest_ids=["001", "002", "003"], classes=[0, 1]
    )
    assert got["id"].tolist() == ["001", "002", "003"]
    assert got["score"].tolist() == [0.0, 0.5, 1.0]
    df.to_parquet(tmp_path / "p.parquet")
    assert len(read_predictions(tmp_path / "p.parquet", "id", "p")) == 3


def test_every_problem_is_reported(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "a", "b", "c", "d", "zz"],
            "p": [0.1, 0.2, 1.5, float("nan"), float("inf"), 0.3],
            "y": [0, 1, 2, 0, 1, None],
        }
    )
    problems = check_predictions(
        df, "id", "p", "y", manifest_ids=["a", "b", "c", "d", "e"], classes=[0, 1]
    )
    got = sorted((p.code, p.row) for p in problems)
    assert got == sorted(
        [
            ("FG411", 1), ("FG412", 2), ("FG412", 3), ("FG412", 4), ("FG415", 2), ("FG415", 5),
            ("FG413", 5), ("FG414", None),
        ]
    )  # fmt: skip
    df.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(PredictionsError) as info:
        read_predictions(
            tmp_path / "bad.csv", "id", "p", "y", manifest_ids=list("abcde"), classes=[0, 1]
        )
    assert len(info.value.problems) == 8


def test_missing_columns_and_non_numeric_scores(tmp_path: Path) -> None:
    assert check_predictions(pd.DataFrame({"id": [1]}), "id", "p")[0].code == "FG408"
    df = pd.DataFrame({"id": ["a"], "p": ["high"]})
    assert [p.code for p in check_predictions(df, "id", "p")] == ["FG412"]
    with pytest.raises(ValueError, match="unsupported"):
        read_predictions(tmp_path / "p.json", "id", "p")
