"""Content-addressed, self-verifying cache of embeddings and embedding shards.

Keys are SHA-256 digests of canonical JSON describing everything that determines a
result (weights hash, preprocessing, image hash, fairgov version...). Each entry is a
payload (``.npy`` array or ``.parquet`` shard) plus a JSON sidecar holding the payload's
SHA-256; a mismatch (truncated or tampered entry) is treated as a miss and the entry
deleted, so a damaged cache can only cost time, never correctness. Writes are atomic (temp
file + fsync + os.replace) and serialised per key stripe with a file lock so concurrent runs
can share one cache.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock

import fairgov
from fairgov.atomic import atomic_write_bytes
from fairgov.evaluate.hashing import sha256_bytes

__all__ = ["SUFFIXES", "Cache", "CacheStats", "canonical_json", "content_key"]

#: payload kinds: per-image embeddings (.npy), embedding shards and probe outputs (.parquet),
#: the JSON records of cached stages (.entry.json, see fairgov.pipeline.reuse) and PDF reports
#: (.pdf, see fairgov.render.pdfcache)
SUFFIXES = (".npy", ".parquet", ".entry.json", ".pdf")


def canonical_json(parts: object) -> str:
    """Sorted-key, whitespace-free JSON; Paths and tuples are normalised first."""

    def default(obj: object) -> object:
        if isinstance(obj, os.PathLike):
            return os.fspath(obj)
        if isinstance(obj, set | frozenset):
            return sorted(obj)
        if isinstance(obj, np.generic):
            return obj.item()
        raise TypeError(f"cannot canonicalise {type(obj).__name__} for a cache key")

    return json.dumps(
        parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default
    )


def content_key(**parts: object) -> str:
    """SHA-256 of the canonical JSON of ``parts`` plus the fairgov version."""
    payload = {"fairgov_version": fairgov.__version__, **parts}
    return sha256_bytes(canonical_json(payload).encode("utf-8"))


@dataclass
class CacheStats:
    """Counters a run reports in its provenance."""

    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    writes: int = 0


class Cache:
    """Content-addressed payloads: ``objects/<k[:2]>/<k>.npy`` + ``<k>.json`` for arrays,
    ``<k>.parquet`` + ``<k>.parquet.json`` for embedding shards."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.stats = CacheStats()

    def key(self, **parts: object) -> str:
        """SHA-256 of the canonical JSON of ``parts`` plus the fairgov version."""
        return content_key(**parts)

    def _paths(self, key: str, suffix: str = ".npy") -> tuple[Path, Path]:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"cache keys are lowercase sha256 hex digests, got {key!r}")
        if suffix not in SUFFIXES:
            raise ValueError(f"cache payload suffix must be one of {SUFFIXES}, got {suffix!r}")
        d = self.root / "objects" / key[:2]
        sidecar = f"{key}.json" if suffix == ".npy" else f"{key}{suffix}.json"
        return d / f"{key}{suffix}", d / sidecar

    def _lock(self, key: str) -> FileLock:
        locks = self.root / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        return FileLock(str(locks / f"{key[:2]}.lock"))

    def _drop(self, key: str, suffix: str, corrupt: bool = True) -> None:
        self.stats.corrupt += corrupt
        for p in self._paths(key, suffix):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def _load_verified(self, key: str, suffix: str) -> bytes | None:
        payload_path, meta_path = self._paths(key, suffix)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            data = payload_path.read_bytes()
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            meta, data = {}, b""
        if meta.get("sha256") == sha256_bytes(data):
            return data
        self._drop(key, suffix)
        return None

    def get_bytes(self, key: str, suffix: str) -> bytes | None:
        """The verified payload stored under (key, suffix), or None on a miss."""
        payload_path, _ = self._paths(key, suffix)
        data = None
        if payload_path.parent.exists():
            with self._lock(key):
                data = self._load_verified(key, suffix)
        if data is None:
            self.stats.misses += 1
        else:
            self.stats.hits += 1
        return data

    def put_bytes(self, key: str, data: bytes, suffix: str, **meta: object) -> None:
        """Atomically store ``data`` (payload first, then the sidecar that validates it)."""
        payload_path, meta_path = self._paths(key, suffix)
        sidecar = {"sha256": sha256_bytes(data), **meta}
        payload_path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock(key):
            atomic_write_bytes(payload_path, data)
            atomic_write_bytes(meta_path, canonical_json(sidecar).encode("utf-8"))
        self.stats.writes += 1

    def sidecar(self, key: str, suffix: str) -> dict[str, object]:
        """The JSON sidecar of an entry (informational fields only; {} when unreadable)."""
        try:
            meta = json.loads(self._paths(key, suffix)[1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def discard(self, key: str, suffix: str) -> None:
        """Delete an entry whose verified payload turned out unusable (counted as corrupt)."""
        with self._lock(key):
            self._drop(key, suffix)

    def remove(self, key: str, suffix: str) -> None:
        """Delete an entry that is no longer wanted (not counted as corrupt)."""
        with self._lock(key):
            self._drop(key, suffix, corrupt=False)

    def get_array(self, key: str) -> np.ndarray | None:
        """Return the stored array, or None on a miss (absent, truncated or corrupt)."""
        data = self.get_bytes(key, ".npy")
        if data is None:
            return None
        try:
            return np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError, EOFError):
            self.stats.hits -= 1
            self.stats.misses += 1
            self.discard(key, ".npy")
            return None

    def put_array(self, key: str, arr: np.ndarray) -> None:
        """Atomically store ``arr`` as ``.npy`` with a JSON sidecar holding its sha256."""
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
        self.put_bytes(key, buf.getvalue(), ".npy", shape=list(arr.shape), dtype=str(arr.dtype))
