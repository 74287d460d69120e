"""What changed decides what reruns: cached stages are reused only when every input that
determines them is unchanged, and a warm result is byte-identical to a cold one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fairgov
from fairgov.pipeline.build import run_build

DATE = "2026-11-28"


def build(project: Path, out: Path, cache: Path | None = None) -> tuple[bytes, dict]:
    options = {"cache_dir": cache} if cache is not None else None
    outcome = run_build(
        project,
        out=out,
        date=DATE,
        write_reports=False,
        command=["fairgov", "check"],
        options=options,
    )
    assert outcome.results is not None, outcome.diagnostics
    stats = json.loads((out / "run-stats.json").read_text())
    return (out / "results.json").read_bytes(), stats["evaluation/cxr-demo-probe"]


def cold(project: Path, tmp_path: Path, name: str) -> bytes:
    """The reference: the same specs built with an empty cache."""
    return build(project, tmp_path / f"cold-{name}", tmp_path / f"cache-{name}")[0]


def test_unchanged_inputs_reuse_the_measurement(project: Path, tmp_path: Path) -> None:
    first, s1 = build(project, tmp_path / "a")
    assert s1["stages"]["measurement"] == {
        "reused": False,
        "reason": "no earlier run of this evaluation in this cache",
    }
    second, s2 = build(project, tmp_path / "b")
    assert s2["stages"]["measurement"] == {"reused": True, "reason": None}
    assert second == first


def test_policy_change_reruns_only_the_gates(project: Path, tmp_path: Path, edit) -> None:
    build(project, tmp_path / "a")
    edit(project / "policy.yaml", "max: 0.10", "max: 0.01")
    warm, stats = build(project, tmp_path / "b")
    assert stats["stages"]["measurement"]["reused"] is True  # no bootstrap ran
    assert warm == cold(project, tmp_path, "policy")
    assert (
        json.loads(warm)["gates"] != json.loads((tmp_path / "a/results.json").read_text())["gates"]
    )


@pytest.mark.parametrize(("file", "old", "new", "component"), [
    ("evaluation.yaml", "resamples: 2000", "resamples: 500", "evaluation.bootstrap"),
    ("evaluation.yaml", "seed: 20261128", "seed: 7", "evaluation.bootstrap"),
    ("datasheet.yaml", "{label: \"80+\", low: 80}", "{label: \"80 plus\", low: 80}", "dataset"),
    ("data/predictions.csv", "images/0001.png,0.361110", "images/0001.png,0.961110", "predictions"),
    ("data/manifest.csv", "\n", "\n\n", "manifest"),
])
def test_a_changed_input_reruns_the_measurement(
    project: Path, tmp_path: Path, edit, file: str, old: str, new: str, component: str
) -> None:
    build(project, tmp_path / "a")
    edit(project / file, old, new)
    warm, stats = build(project, tmp_path / "b")
    assert stats["stages"]["measurement"]["reused"] is False
    assert component in stats["stages"]["measurement"]["reason"]
    assert warm == cold(project, tmp_path, "changed")


def test_a_new_fairgov_version_reruns(project: Path, tmp_path: Path, monkeypatch) -> None:
    build(project, tmp_path / "a")
    monkeypatch.setattr(fairgov, "__version__", fairgov.__version__ + ".post1")
    _, stats = build(project, tmp_path / "b")
    assert stats["stages"]["measurement"]["reused"] is False


def test_a_damaged_cache_entry_costs_time_not_correctness(project: Path, tmp_path: Path) -> None:
    first, _ = build(project, tmp_path / "a")
    entries = list((project / ".fairgov/cache/objects").rglob("*.entry.json"))
    assert entries
    for e in entries:
        e.write_text(
            e.read_text().replace("0.", "9.", 1)
        )  # tampered: sha256 sidecar no longer matches
    again, stats = build(project, tmp_path / "b")
    assert stats["stages"]["measurement"] == {
        "reused": False,
        "reason": "cached entry missing or damaged",
    }
    assert stats["stage_cache_corrupt_entries"] >= 1
    assert again == first


def test_reuse_can_be_turned_off(project: Path, tmp_path: Path) -> None:
    build(project, tmp_path / "a")
    outcome = run_build(
        project, out=tmp_path / "b", date=DATE, write_reports=False, options={"reuse": False}
    )
    assert "stages" not in outcome.results["evaluations"]["evaluation/cxr-demo-probe"]
    stats = json.loads((tmp_path / "b/run-stats.json").read_text())["evaluation/cxr-demo-probe"]
    assert "stages" not in stats


def test_image_locator_agrees_with_resolve_image(tmp_path: Path) -> None:
    """The fast per-folder path check gives exactly the careful answer, symlinks included."""
    import os

    from fairgov.evaluate.hashindex import HashIndex
    from fairgov.evaluate.hashing import sha256_file
    from fairgov.evaluate.manifest import resolve_image
    from fairgov.pipeline.image_state import _Locator

    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "img").mkdir(parents=True)
    outside.mkdir()
    (root / "img/a.png").write_bytes(b"a")
    (outside / "b.png").write_bytes(b"b")
    (root / "img/inside-link.png").symlink_to(root / "img/a.png")
    (root / "img/outside-link.png").symlink_to(outside / "b.png")
    (root / "out-dir").symlink_to(outside)
    (root / "in-dir").symlink_to(root / "img")
    os.mkfifo(root / "img/pipe.png")
    rels = [
        "img/a.png",
        "img/inside-link.png",
        "img/outside-link.png",
        "out-dir/b.png",
        "in-dir/a.png",
        "img/none.png",
        "../outside/b.png",
        str(outside / "b.png"),
        "img/pipe.png",
        "img",
    ]

    def careful(rel: str) -> str:
        full, reason = resolve_image(root, rel)
        if reason is not None or full is None:
            return "escapes"
        try:
            if not full.is_file():
                return "unreadable"
            return sha256_file(full)
        except OSError:
            return "unreadable"

    locate, index = _Locator(root), HashIndex(None)
    assert [locate.state(r, index) for r in rels] == [careful(r) for r in rels]
    assert (
        locate.state("out-dir/b.png", index) == "escapes"
        and locate.state("in-dir/a.png", index) != "escapes"
    )


def test_torchrun_followers_stop_when_everything_is_cached(
    project: Path, tmp_path: Path, monkeypatch
) -> None:
    build(project, tmp_path / "a")
    monkeypatch.setenv("RANK", "1")
    with pytest.raises(SystemExit) as stop:
        run_build(
            project,
            out=tmp_path / "b",
            date=DATE,
            write_reports=False,
            options={"runner": "torchrun"},
        )
    assert stop.value.code == 0 and not (tmp_path / "b").exists()


def test_no_reuse_flag_recomputes(project: Path, tmp_path: Path) -> None:
    from fairgov.cli.main import main

    build(project, tmp_path / "a")
    assert main(
        ["check", str(project), "--out", str(tmp_path / "b"), "--date", DATE, "--no-reuse"]
    ) in (0, 1)
    stats = json.loads((tmp_path / "b/run-stats.json").read_text())["evaluation/cxr-demo-probe"]
    assert "stages" not in stats
    fresh, cached = (json.loads((tmp_path / f"{d}/results.json").read_text()) for d in "ba")
    assert fresh["evaluations"] == cached["evaluations"] and fresh["gates"] == cached["gates"]


def test_unwritable_cache_costs_time_not_the_build(project: Path, tmp_path: Path) -> None:
    """A cache folder that cannot be created (its parent is a file; works even as root)."""
    (tmp_path / "file").write_text("not a folder")
    first, _ = build(project, tmp_path / "a", tmp_path / "ok-cache")
    broken, stats = build(project, tmp_path / "b", tmp_path / "file/cache")
    assert broken == first
    assert stats["stages"]["measurement"]["reused"] is False
