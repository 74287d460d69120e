"""Command-line options shared by several commands (kept light: `validate` imports this)."""

from __future__ import annotations

import argparse


def add_repo_root(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repo-root", metavar="DIR",
                   help="make file paths in github/sarif output relative to DIR (default: GITHUB_WORKSPACE, "
                        "else the git repository holding the project)")
