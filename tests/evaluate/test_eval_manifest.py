"""Manifest IO, hashing, patient-level splits and fail-closed row validation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairgov.evaluate.manifest import CODES, check_rows, manifest_hash, patient_split, read_manifest
from fairgov.evaluate.problems import RowProblem


@pytest.mark.slow
def test_importing_evaluate_does_not_import_torch() -> None:
    code = (
        "import sys, fairgov.evaluate as e, fairgov.evaluate.manifest, fairgov.evaluate.cache\n"
        "assert 'torch' not in sys.modules and 'timm' not in sys.modules, 'torch imported'\n"
        "assert callable(e.patient_split)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_read_manifest_csv_and_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"image": ["a.png", "b.png"], "patient_id": ["007", "008"], "age": ["65", ""]}
    )
    df.to_csv(tmp_path / "m.csv", index=False)
    got = read_manifest(tmp_path / "m.csv")
    assert got["patient_id"].tolist() == ["007", "008"]  # ids keep leading zeros
    assert pd.isna(got.loc[1, "age"])
    df.to_parquet(tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(read_manifest(tmp_path / "m.parquet"), df)
    with pytest.raises(ValueError, match="unsupported"):
        read_manifest(tmp_path / "m.xlsx")


def test_manifest_hash_file_and_frame(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert manifest_hash(df) == manifest_hash(df.copy())
    assert manifest_hash(df) != manifest_hash(df.iloc[::-1])
    (tmp_path / "m.csv").write_text("a,b\n1,x\n")
    assert manifest_hash(tmp_path / "m.csv") == manifest_hash(str(tmp_path / "m.csv"))


ids = st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(ids, st.integers(0, 3), st.randoms(use_true_random=False))
def test_patient_split_is_row_order_free_and_patient_level(
    pids: list[str], seed: int, rnd: Any
) -> None:
    a = patient_split(pids, seed=seed)
    perm = list(range(len(pids)))
    rnd.shuffle(perm)
    b = patient_split([pids[i] for i in perm], seed=seed)
    assert [a[i] for i in perm] == list(b)
    per_patient: dict[str, set[str]] = {}
    for pid, split in zip(pids, a, strict=True):
        per_patient.setdefault(pid, set()).add(split)
    assert all(len(s) == 1 for s in per_patient.values())
    assert set(a) <= {"train", "validation", "test"}


def test_patient_split_fractions_and_seed() -> None:
    pids = [f"p{i}" for i in range(20000)]
    a = patient_split(pids, seed=0)
    frac = {s: float(np.mean(a == s)) for s in ("train", "validation", "test")}
    assert frac == pytest.approx({"train": 0.6, "validation": 0.2, "test": 0.2}, abs=0.015)
    assert (patient_split(pids, seed=1) != a).mean() > 0.3
    two = patient_split(pids[:1000], {"dev": 0.5, "holdout": 0.5})
    assert set(two) == {"dev", "holdout"}
    with pytest.raises(ValueError):
        patient_split(pids, {"train": 0.5, "test": 0.6})


@pytest.fixture
def tree(tmp_path: Path, make_png: Any) -> Path:
    pytest.importorskip("PIL")
    root = tmp_path / "root"
    make_png(root / "ok.png", np.zeros((4, 4), np.uint8))
    make_png(tmp_path / "outside.png", np.zeros((4, 4), np.uint8))
    (root / "empty.png").write_bytes(b"")
    (root / "junk.png").write_bytes(b"garbage")
    os.symlink(tmp_path / "outside.png", root / "escape.png")
    os.symlink(root / "ok.png", root / "inside.png")
    return root


def _df(rows: list[tuple[object, object, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["image", "label", "sex"])


def test_check_rows_reports_every_code(tree: Path) -> None:
    df = _df(
        [
            ("ok.png", 1, "F"),  # 0 fine
            ("inside.png", "0", "M"),  # 1 fine: symlink within root
            ("nope.png", 1, "F"),  # 2 FG401
            (None, 1, "F"),  # 3 FG401
            ("empty.png", 1, "F"),  # 4 FG402
            ("ok.png", 3, "F"),  # 5 FG403
            ("ok.png", 1, "X"),  # 6 FG404
            ("../outside.png", 1, "F"),  # 7 FG405
            (str(tree / "ok.png"), 1, "F"),  # 8 FG405 absolute
            ("escape.png", 1, "F"),  # 9 FG405 symlink out
            ("ok.png", None, None),  # 10 FG403 + FG404
        ]
    )
    clean, problems, dropped = check_rows(
        df, tree, "image", "label", [0, 1], {"sex": {"F", "M"}}, False
    )
    got = sorted((p.row, p.code) for p in problems)
    assert got == [
        (2, "FG401"), (3, "FG401"), (4, "FG402"), (5, "FG403"), (6, "FG404"), (7, "FG405"),
        (8, "FG405"), (9, "FG405"), (10, "FG403"), (10, "FG404"),
    ]  # fmt: skip
    assert clean is df and dropped.empty
    assert all(p.code in CODES and p.message for p in problems)
    clean, _, dropped = check_rows(df, tree, "image", "label", [0, 1], {"sex": {"F", "M"}}, True)
    assert list(clean.index) == [0, 1] and len(dropped) == 9


def test_check_rows_verify_images_and_missing_columns(tree: Path) -> None:
    df = _df([("junk.png", 1, "F"), ("ok.png", 1, "F")])
    _, cheap, _ = check_rows(df, tree, "image", "label", [0, 1], None, False)
    assert cheap == []  # decode failures are deferred by default...
    _, deep, _ = check_rows(df, tree, "image", "label", [0, 1], None, False, verify_images=True)
    assert [(p.row, p.code) for p in deep] == [(0, "FG402")]  # ...or caught now if asked
    _, missing, _ = check_rows(df, tree, "image", "finding", [0, 1], None, False)
    assert missing[0].code == "FG408" and missing[0].row is None


def test_row_problem_rejects_unknown_codes() -> None:
    with pytest.raises(ValueError):
        RowProblem(0, None, "FG999", "nope")


def test_progress_bar_on_tty_and_quiet_lines_otherwise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fairgov.evaluate.progress import Progress

    with Progress(25, "work", None, every=2) as bar:
        for _ in range(5):
            bar.advance(5)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [ln.split(" (")[0] for ln in lines] == ["work: 10/25", "work: 20/25", "work: 25/25"]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with Progress(25, "work", None) as bar:
        assert bar._bar is not None  # rich bar chosen on a terminal
        bar.advance(25)
    assert "work: 25/25" not in capsys.readouterr().err
    with Progress(25, "work", False) as bar:
        bar.advance(25)
    assert capsys.readouterr().err == ""
