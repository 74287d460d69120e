"""Bring-your-own predictions: the one checker the build calls (fairgov.pipeline.predictions),
and the diagnostic codes that evaluation errors carry themselves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fairgov.evaluate.config import (
    BackboneConfig,
    BackboneError,
    EvaluateError,
    ImageError,
    ProbeError,
)
from fairgov.evaluate.weights import read_weights
from fairgov.pipeline.predictions import check_predictions


def test_every_problem_is_reported_once_per_row_and_check() -> None:
    scores = [0.1, 0.2, 1.5, float("nan"), float("inf"), 0.3, "high"]
    preds = pd.DataFrame({"id": ["a", "a", "b", "c", "d", "zz", "e"], "p": scores})
    problems = check_predictions(preds, "id", "p", ["a", "b", "c", "d", "e"])
    got = sorted((p.code, p.row) for p in problems)
    assert got == [
        ("FG411", 1),
        ("FG412", 2),
        ("FG412", 3),
        ("FG412", 4),
        ("FG412", 6),
        ("FG413", 5),
    ]
    assert all(p.file is None for p in problems)
    by_code = {p.code: p.message for p in problems}
    assert by_code["FG411"] == "prediction id 'a' is duplicated"
    assert by_code["FG413"] == "prediction id 'zz' is not in the manifest"


def test_valid_predictions_have_no_problems() -> None:
    preds = pd.DataFrame({"id": ["001", "002", "003"], "p": [0.0, 0.5, 1.0]})
    assert check_predictions(preds, "id", "p", pd.Series(["001", "002", "003", "004"])) == []
    # ids are compared as text: an integer manifest id matches its string prediction id
    assert check_predictions(pd.DataFrame({"id": ["1"], "p": [0.5]}), "id", "p", [1]) == []


@pytest.mark.parametrize(("error", "code"), [
    (EvaluateError("anything"), "FG400"),
    (ImageError("x.png: not a regular file"), "FG400"),
    (BackboneError("weights do not match architecture 'resnet18'"), "FG421"),
    (BackboneError("text that mentions a sha256 and the hub", code="FG461"), "FG461"),
    (ProbeError("the validation split needs both classes"), "FG424"),
    (EvaluateError("the test split is empty after validation", code="FG424"), "FG424"),
])  # fmt: skip
def test_evaluation_errors_carry_their_own_code(error: EvaluateError, code: str) -> None:
    assert error.code == code


def test_the_code_never_comes_from_the_message() -> None:
    assert EvaluateError("sha256 mismatch; the hub is offline; split").code == "FG400"
    assert BackboneError("split").code == "FG421"
    assert type(BackboneError("x", code="FG420")).code == "FG421"  # the instance's, not the class's


def test_a_weights_hash_mismatch_is_fg420_where_it_is_raised(tmp_path: Path) -> None:
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"not really weights")
    with pytest.raises(BackboneError, match="sha256 mismatch") as info:
        read_weights(BackboneConfig(architecture="resnet18", weights=weights, sha256="0" * 64))
    assert info.value.code == "FG420"
    with pytest.raises(BackboneError, match="cannot read weights") as info:
        read_weights(
            BackboneConfig(architecture="resnet18", weights=tmp_path / "missing.pt", sha256=None)
        )
    assert info.value.code == "FG421"
