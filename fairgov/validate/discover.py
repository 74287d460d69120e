"""Find the project root and its spec files without reading anything that is not ours."""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path

from fairgov.diagnostics import Diagnostic

PROJECT_FILE = "fairgov.yaml"
DEFAULT_INCLUDE = ("**/*.yaml", "**/*.yml")


@lru_cache(maxsize=64)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a `**`-aware glob to a regex over POSIX relative paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches(relpath: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return any(_glob_regex(p).match(relpath) for p in patterns)


def discover(
    root: Path,
    include: list[str] | tuple[str, ...] = DEFAULT_INCLUDE,
    exclude: list[str] | tuple[str, ...] = (),
    skip_dirs: tuple[str, ...] = (),
) -> tuple[list[Path], list[Diagnostic]]:
    """Spec files under `root` (sorted), plus diagnostics for files that must not be read.

    Hidden folders and fairgov's own output/cache folders are skipped. Symlinks are followed
    only when they resolve inside the root; anything that is not a regular file is reported.
    """
    root_resolved = root.resolve()
    skip = {(root / d).resolve() for d in skip_dirs}
    files: list[Path] = []
    diags: list[Diagnostic] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and (here / d).resolve() not in skip
            and (here / d).resolve().is_relative_to(root_resolved)
        )
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if not matches(rel, include) or matches(rel, exclude):
                continue
            problem = _unreadable_reason(path, root_resolved)
            if problem:
                diags.append(Diagnostic(rel, 1, 1, "FG102", problem))
            else:
                files.append(path)
    return files, diags


def _unreadable_reason(path: Path, root: Path) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return "broken symlink or unreadable entry; not read"
    if not path.resolve().is_relative_to(root):
        return "symlink points outside the project root; not read"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (device, FIFO or socket); not read"
    return None
