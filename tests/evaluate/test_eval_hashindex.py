"""The stat-keyed hash index: unchanged files are not re-read; anything that differs
(size, mtime, ctime, inode, device) is hashed again; recently changed files are never
trusted to their stat ("racy git"); `fairgov verify` ignores the index entirely."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from fairgov.evaluate import hashindex
from fairgov.evaluate.hashindex import HashIndex


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashindex, "RACY_NS", -(10**18))  # files written by the test are "old"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = hashindex.sha256_file

    def counting(path: str) -> str:
        seen.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(hashindex, "sha256_file", counting)
    return seen


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_unchanged_file_is_not_read_again(tmp_path: Path, no_racy_window, reads) -> None:
    f = tmp_path / "a.png"
    f.write_bytes(b"one")
    index = HashIndex(tmp_path / "idx.json")
    assert index.sha256(f) == sha(b"one")
    index.save()
    again = HashIndex(tmp_path / "idx.json")
    assert again.sha256(f) == sha(b"one")
    assert reads == ["a.png"] and again.stats() == {"files_hashed": 0, "hash_index_hits": 1}


def test_same_size_same_mtime_edit_is_still_seen(tmp_path: Path, no_racy_window) -> None:
    f = tmp_path / "a.png"
    f.write_bytes(b"one")
    index = HashIndex(tmp_path / "idx.json")
    index.sha256(f)
    st = os.stat(f)
    with open(f, "r+b") as fh:  # same inode, same size
        fh.write(b"two")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime put back; ctime moves anyway
    assert index.sha256(f) == sha(b"two")


def test_replaced_file_is_rehashed(tmp_path: Path, no_racy_window) -> None:
    f, g = tmp_path / "a.png", tmp_path / "b.png"
    f.write_bytes(b"one")
    index = HashIndex(tmp_path / "idx.json")
    index.sha256(f)
    g.write_bytes(b"new")
    os.replace(g, f)
    assert index.sha256(f) == sha(b"new")


def test_recently_changed_files_are_hashed_but_not_recorded(tmp_path: Path, reads) -> None:
    f = tmp_path / "a.png"
    f.write_bytes(b"one")
    index = HashIndex(tmp_path / "idx.json")
    index.sha256(f)
    index.sha256(f)
    assert reads == ["a.png", "a.png"]
    index.save()
    assert not (tmp_path / "idx.json").exists()


def test_damaged_or_foreign_index_is_an_empty_index(tmp_path: Path, no_racy_window) -> None:
    f = tmp_path / "a.png"
    f.write_bytes(b"one")
    for text in (
        "{not json",
        json.dumps({"format": "other", "entries": {str(f): [1, 2, 3, 4, 5, "x"]}}),
        "[]",
    ):
        (tmp_path / "idx.json").write_text(text)
        assert HashIndex(tmp_path / "idx.json").sha256(f) == sha(b"one")


def test_non_regular_files_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(OSError):
        HashIndex(None).sha256(tmp_path / "pipe.png")


def test_verify_hashes_everything_even_with_a_forged_index(
    project: Path, tmp_path: Path, capsys
) -> None:
    from fairgov.cli.main import main
    from fairgov.pipeline.build import run_build

    run_build(project, out=tmp_path / "out", date="2026-11-28", write_reports=False)
    preds = project / "data/predictions.csv"
    st = os.stat(preds)
    preds.write_bytes(preds.read_bytes().replace(b"0.838408", b"0.938408"))  # same size
    os.utime(preds, ns=(st.st_atime_ns, st.st_mtime_ns))
    st = os.stat(preds)
    index_path = project / ".fairgov/cache/index/hashes.json"
    index_path.parent.mkdir(parents=True, exist_ok=True)
    stale = next(
        i["sha256"]
        for i in json.loads((tmp_path / "out/results.json").read_text())["provenance"]["inputs"]
        if i["path"] == "data/predictions.csv"
    )
    forged = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, stale]
    index_path.write_text(
        json.dumps({"format": hashindex.FORMAT, "entries": {os.path.abspath(preds): forged}})
    )
    capsys.readouterr()
    assert (
        main(["verify", str(tmp_path / "out/results.json"), str(project), "--format", "json"]) == 1
    )
    bad = {
        c["path"]: c["status"]
        for c in json.loads(capsys.readouterr().out)
        if c["status"] != "unchanged"
    }
    assert bad == {"data/predictions.csv": "changed"}
