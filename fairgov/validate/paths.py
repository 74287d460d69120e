"""Paths named in specs must stay inside the project root."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class PathEscape(ValueError):
    pass


def resolve_inside(root: Path, relpath: str) -> Path:
    """Resolve `relpath` against `root`; raise PathEscape if it leaves the root in any way."""
    pure = PurePosixPath(relpath.replace("\\", "/"))
    if (
        pure.is_absolute()
        or relpath.startswith(("~", "\\"))
        or (len(relpath) > 1 and relpath[1] == ":")
    ):
        raise PathEscape(
            f"absolute path {relpath!r} is not allowed; use a path relative to the project root"
        )
    if ".." in pure.parts:
        raise PathEscape(f"path {relpath!r} escapes the project root with '..'")
    candidate = root / Path(*pure.parts) if pure.parts else root
    if not candidate.resolve().is_relative_to(root.resolve()):
        raise PathEscape(f"path {relpath!r} resolves outside the project root (symlink)")
    return candidate
