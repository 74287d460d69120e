"""Command-line options shared by several commands (kept light: `validate` imports this)."""

from __future__ import annotations

import argparse


def add_repo_root(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--repo-root",
        metavar="DIR",
        help="make file paths in github/sarif output relative to DIR (default: GITHUB_WORKSPACE, "
        "else the git repository holding the project)",
    )


#: printed by `--help` of validate, check and build: the two commands mean different things by 1
EXIT_CODES = """\
exit codes:
  validate  0 every spec is valid (warnings allowed unless --strict)
            1 findings: spec errors (with --strict, warnings too), as a linter reports them
            2 usage or internal error
  check/build
            0 every blocking gate passes or is waived
            1 a blocking gate failed or is inconclusive (with --strict, a warning gate too)
            2 spec errors (nothing is evaluated or written), usage or internal error
A CI job that runs `fairgov check` alone gets both: spec errors exit 2, gate failures 1."""
