"""Content-addressed, self-verifying array cache.

Keys are SHA-256 digests of canonical JSON describing everything that determines a
result (weights hash, preprocessing, image hash, fairgov version...). Each entry is a
``.npy`` payload plus a JSON sidecar holding the payload's SHA-256; a mismatch (truncated
or tampered entry) is treated as a miss and the entry deleted, so a damaged cache can only
cost time, never correctness. Writes are atomic (temp file + fsync + os.replace) and
serialised per key stripe with a file lock so concurrent runs can share one cache.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock

import fairgov
from fairgov.evaluate.hashing import sha256_bytes

__all__ = ["Cache", "CacheStats", "canonical_json"]


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


@dataclass
class CacheStats:
    """Counters a run reports in its provenance."""

    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    writes: int = 0


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class Cache:
    """A directory of content-addressed arrays: ``objects/<k[:2]>/<k>.npy`` + ``.json``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.stats = CacheStats()

    def key(self, **parts: object) -> str:
        """SHA-256 of the canonical JSON of ``parts`` plus the fairgov version."""
        payload = {"fairgov_version": fairgov.__version__, **parts}
        return sha256_bytes(canonical_json(payload).encode("utf-8"))

    def _paths(self, key: str) -> tuple[Path, Path]:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"cache keys are lowercase sha256 hex digests, got {key!r}")
        d = self.root / "objects" / key[:2]
        return d / f"{key}.npy", d / f"{key}.json"

    def _lock(self, key: str) -> FileLock:
        locks = self.root / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        return FileLock(str(locks / f"{key[:2]}.lock"))

    def _load_verified(self, key: str) -> np.ndarray | None:
        payload_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            data = payload_path.read_bytes()
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            meta, data = {}, b""
        if meta.get("sha256") == sha256_bytes(data):
            try:
                return np.load(io.BytesIO(data), allow_pickle=False)
            except (ValueError, OSError, EOFError):
                pass
        self.stats.corrupt += 1
        for p in (payload_path, meta_path):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        return None

    def get_array(self, key: str) -> np.ndarray | None:
        """Return the stored array, or None on a miss (absent, truncated or corrupt)."""
        payload_path, _ = self._paths(key)
        if not payload_path.parent.exists():
            self.stats.misses += 1
            return None
        with self._lock(key):
            arr = self._load_verified(key)
        if arr is None:
            self.stats.misses += 1
        else:
            self.stats.hits += 1
        return arr

    def put_array(self, key: str, arr: np.ndarray) -> None:
        """Atomically store ``arr`` (payload first, then the sidecar that validates it)."""
        payload_path, meta_path = self._paths(key)
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
        data = buf.getvalue()
        meta = {"sha256": sha256_bytes(data), "shape": list(arr.shape), "dtype": str(arr.dtype)}
        payload_path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock(key):
            _atomic_write(payload_path, data)
            _atomic_write(meta_path, canonical_json(meta).encode("utf-8"))
        self.stats.writes += 1
