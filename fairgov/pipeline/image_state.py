"""One digest over the state of every image a manifest names, computed from stats alone
when the hash index knows the files (fairgov.evaluate.hashindex).

A row's state is its image's sha256, or why it is unusable (missing path, escapes the data
root, unreadable / not a regular file): exactly what decides whether and how the row is
embedded, so the digest changes whenever a probe rerun could give a different answer.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fairgov.evaluate.cache import canonical_json
from fairgov.evaluate.hashindex import HashIndex
from fairgov.evaluate.hashing import sha256_bytes
from fairgov.evaluate.manifest import read_manifest, resolve_image


def image_digests(mpath: Path, image_column: str, index: HashIndex) -> str | None:
    """One digest over (path, sha256 or why it is unusable) of every row's image."""
    try:
        column = read_manifest(mpath)[image_column].tolist()
    except Exception:  # noqa: BLE001 - the user's file; the full run reports it
        return None
    locate = _Locator(mpath.parent)
    rows = []
    for value in column:
        rel = None if value is None or (isinstance(value, float) and value != value) else str(value)
        rows.append([rel, "missing" if rel is None else locate.state(rel, index)])
    return sha256_bytes(canonical_json(rows).encode("utf-8"))


class _Locator:
    """`resolve_image` + hash for many files: the real path of each folder is computed once,
    and a file that is itself no symlink needs one lstat (its result feeds the index)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.dirs: dict[str, str | None] = {}

    def state(self, rel: str, index: HashIndex) -> str:
        p = Path(rel)
        if p.is_absolute() or p.drive or ".." in p.parts:
            return "escapes"
        folder, name = os.path.split(os.path.join(self.real_root, rel))
        real_folder = self._folder(folder)
        try:
            st = os.lstat(os.path.join(real_folder, name)) if real_folder is not None else None
        except OSError:
            return "unreadable"
        if st is None or stat.S_ISLNK(st.st_mode):  # a link somewhere: the careful way
            full, reason = resolve_image(self.root, rel)
            if reason is not None or full is None:
                return "escapes"
            try:
                return index.sha256(full)
            except OSError:
                return "unreadable"
        try:
            return index.sha256(os.path.join(real_folder, name), st)  # type: ignore[arg-type]
        except OSError:
            return "unreadable"

    def _folder(self, folder: str) -> str | None:
        """The folder's real path when it lies inside the root, else None."""
        if folder not in self.dirs:
            real = os.path.realpath(folder)
            inside = real == self.real_root or real.startswith(
                self.real_root.rstrip(os.sep) + os.sep
            )
            self.dirs[folder] = real if inside else None
        return self.dirs[folder]
