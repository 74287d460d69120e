"""Repository-relative paths for CI annotations (GitHub workflow commands, SARIF).

Diagnostics carry project-relative paths (`policy.yaml`). GitHub places an annotation or a
code-scanning alert on a file only when the path is relative to the repository root, so a
project kept in a subfolder (`specs/`) needs a prefix (`specs/`). The repository root is,
in order: `--repo-root`, the `GITHUB_WORKSPACE` environment variable (set by GitHub
Actions), the nearest folder above the project that holds `.git`. A project outside that
root gets no prefix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def git_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder, or a worktree's file)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def repo_root(project_root: Path, explicit: str | Path | None = None,
              env: Mapping[str, str] | None = None) -> Path | None:
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit).resolve()
    if env.get("GITHUB_WORKSPACE"):
        return Path(env["GITHUB_WORKSPACE"]).resolve()
    return git_root(project_root.resolve())


def uri_prefix(project_root: Path, explicit: str | Path | None = None,
               env: Mapping[str, str] | None = None) -> str:
    """`specs/` for a project at <repo>/specs, `` at the repository root or outside it."""
    root = repo_root(project_root, explicit, env)
    if root is None:
        return ""
    try:
        rel = project_root.resolve().relative_to(root)
    except ValueError:
        return ""
    return "" if rel == Path(".") else rel.as_posix() + "/"


def with_prefix(file: str, prefix: str) -> str:
    """Prefix a project-relative path; `<command line>` and absolute paths stay as they are."""
    if not prefix or file.startswith("<") or os.path.isabs(file):
        return file
    return prefix + file
