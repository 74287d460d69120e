"""Content-addressed cache: stable keys, self-verification, atomic writes, locking."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

import fairgov
from fairgov.evaluate.cache import Cache


def test_key_is_canonical_and_versioned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = Cache(tmp_path)
    k1 = c.key(weights="ab", pre={"size": 64, "mean": (0.5, 0.5)}, image=Path("x"))
    k2 = c.key(image=Path("x"), pre={"mean": [0.5, 0.5], "size": 64}, weights="ab")
    assert k1 == k2 and len(k1) == 64
    assert c.key(weights="ac", pre={}, image="x") != c.key(weights="ab", pre={}, image="x")
    monkeypatch.setattr(fairgov, "__version__", "9.9.9")
    assert c.key(weights="ab", pre={"size": 64, "mean": (0.5, 0.5)}, image=Path("x")) != k1
    with pytest.raises(TypeError):
        c.key(obj=object())


def test_roundtrip_and_miss(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    k = c.key(a=1)
    assert c.get_array(k) is None
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    c.put_array(k, arr)
    np.testing.assert_array_equal(c.get_array(k), arr)
    assert (c.stats.hits, c.stats.misses, c.stats.writes) == (1, 1, 1)
    with pytest.raises(ValueError):
        c.get_array("../../etc/passwd")


@pytest.mark.parametrize("damage", ["truncate", "flip", "sidecar", "no_sidecar"])
def test_corrupt_entries_are_deleted_and_missed(tmp_path: Path, damage: str) -> None:
    c = Cache(tmp_path)
    k = c.key(a=2)
    c.put_array(k, np.ones(100, np.float32))
    payload = next(tmp_path.rglob("*.npy"))
    sidecar = payload.with_suffix(".json")
    if damage == "truncate":
        payload.write_bytes(payload.read_bytes()[:50])
    elif damage == "flip":
        data = bytearray(payload.read_bytes())
        data[-1] ^= 0xFF
        payload.write_bytes(bytes(data))
    elif damage == "sidecar":
        sidecar.write_text('{"sha256": "00"')
    else:
        sidecar.unlink()
    assert c.get_array(k) is None
    if damage != "no_sidecar":
        assert c.stats.corrupt == 1 and not payload.exists() and not sidecar.exists()
    c.put_array(k, np.ones(100, np.float32))  # recompute path
    np.testing.assert_array_equal(c.get_array(k), np.ones(100, np.float32))


def test_failed_write_leaves_old_entry_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = Cache(tmp_path)
    k = c.key(a=3)
    c.put_array(k, np.zeros(4))
    real_replace = os.replace

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        c.put_array(k, np.ones(4))
    monkeypatch.setattr(os, "replace", real_replace)
    np.testing.assert_array_equal(c.get_array(k), np.zeros(4))
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_concurrent_writers_and_readers(tmp_path: Path) -> None:
    k = Cache(tmp_path).key(a=4)
    arr = np.random.default_rng(0).normal(size=(64, 32))
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            c = Cache(tmp_path)
            for _ in range(15):
                c.put_array(k, arr)
                got = c.get_array(k)
                assert got is not None and np.array_equal(got, arr)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
