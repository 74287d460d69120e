"""Stat-keyed index of file digests, like git's index: unchanged files are not re-read.

An entry maps a file's absolute path to (size, mtime_ns, ctime_ns, inode, device, sha256).
A lookup whose stat signature matches returns the recorded digest; anything that differs
falls back to hashing the file. A file changed within `RACY_NS` of being indexed could be
changed again without its mtime moving ("racy git"), so such files are hashed but not
recorded. The index only ever costs a re-hash when wrong: a missing, unreadable or
foreign index file is an empty index. `fairgov verify` never uses it (it hashes everything).
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from fairgov.atomic import atomic_write_text
from fairgov.evaluate.hashing import sha256_file

__all__ = ["FORMAT", "RACY_NS", "HashIndex"]

FORMAT = "fairgov-hash-index/1"
RACY_NS = 2_000_000_000


class HashIndex:
    """Digests of files by stat signature, loaded from and saved to one JSON file."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path is not None else None
        self.entries: dict[str, list] = self._read()
        self.hits = self.hashed = 0
        self._dirty = False

    def _read(self) -> dict[str, list]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        ok = (
            isinstance(data, dict)
            and data.get("format") == FORMAT
            and isinstance(data.get("entries"), dict)
        )
        return data["entries"] if ok else {}

    def sha256(self, path: str | os.PathLike[str], st: os.stat_result | None = None) -> str:
        """Hex SHA-256 of a regular file (OSError for anything else, as `sha256_file`).
        `st`: the file's stat when the caller already has it."""
        key = os.path.abspath(path)
        st = st if st is not None else os.stat(key)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file: {key}")
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 6 and entry[:5] == sig:
            self.hits += 1
            return str(entry[5])
        digest = sha256_file(key)
        self.hashed += 1
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
            self.entries[key] = [*sig, digest]
            self._dirty = True
        elif key in self.entries:
            del self.entries[key]
            self._dirty = True
        return digest

    def save(self) -> None:
        """Write the index atomically (only when it changed); an unwritable cache costs time."""
        if self.path is None or not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"format": FORMAT, "entries": self.entries}, separators=(",", ":"))
            atomic_write_text(self.path, text)
            self._dirty = False
        except OSError:
            pass

    def stats(self) -> dict[str, int]:
        return {"files_hashed": self.hashed, "hash_index_hits": self.hits}
