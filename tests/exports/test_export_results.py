"""`fairgov export results`: the subgroup table round-trips through pandas (CSV and Parquet)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from fairgov.cli.main import main
from fairgov.exports.subgroups import COLUMNS


def _read(path: Path, form: str) -> pd.DataFrame:
    if form == "csv":
        return pd.read_csv(
            path, dtype={"group": str, "attribute": str}, keep_default_na=False, na_values=[""]
        )
    return pd.read_parquet(path)


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_round_trip(built, cells, tmp_path: Path, form: str) -> None:
    out = tmp_path / f"table.{form}"
    assert main(["export", "results", str(built[1]), "--format", form, "--out", str(out)]) == 0
    frame = _read(out, form)
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == len(cells) > 100
    for row, (ref, attr, group, metric, m, cell) in zip(
        frame.itertuples(index=False), cells, strict=True
    ):
        assert (row.evaluation, row.attribute, row.group, row.metric) == (ref, attr, group, metric)
        assert (row.n, row.n_pos, row.n_neg) == (cell["n"], cell["n_pos"], cell["n_neg"])
        for key in ("value", "ci_low", "ci_high"):
            got = getattr(row, key)
            assert math.isnan(got) if m[key] is None else got == m[key], (key, got, m[key])
        assert (row.reason if isinstance(row.reason, str) else None) == m["reason"]
    assert frame["value"].dtype == "float64" and frame["n"].dtype == "int64"


def test_undefined_cells_keep_their_reason(built, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    main(["export", "results", str(built[1]), "--out", str(out)])
    frame = _read(out, "csv")
    thin = frame[(frame.group == "female×18-39") & (frame.metric == "auroc")].iloc[0]
    assert math.isnan(thin.value) and thin.reason == "undefined: 5 positives < minimum 10"


def test_default_output_and_force(
    built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results.json"
    results.write_bytes(built[1].read_bytes())
    assert main(["export", "results", str(results), "--format", "parquet"]) == 0
    target = tmp_path / "subgroups.parquet"
    before = target.read_bytes()
    target.write_bytes(b"analyst notes")
    assert main(["export", "results", str(results), "--format", "parquet"]) == 2
    assert "FG601" in capsys.readouterr().err and target.read_bytes() == b"analyst notes"
    assert main(["export", "results", str(results), "--format", "parquet", "--force"]) == 0
    assert target.read_bytes() == before


def test_not_a_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "results.json"
    bad.write_text('{"verdict": {}}')
    assert main(["export", "results", str(bad)]) == 2
    assert "FG603 error: not a fairgov results.json" in capsys.readouterr().err
    assert not (tmp_path / "subgroups.csv").exists()
