"""Command-line options shared by several commands (kept light: `validate` imports this)."""

from __future__ import annotations

import argparse

#: the commands in `fairgov --help` order, with the one-line summary each shows there; `main`
#: imports only the module of the command being run (`build` alone pulls in torch-free but
#: heavy stages: the pipeline, metrics, scipy)
COMMANDS: dict[str, str] = {
    "validate": "validate the specs of a project",
    "check": "like build, without reports: gate table + exit code",
    "build": "validate, evaluate, gate and write reports + results",
    "diff": "compare two results.json files (gates and subgroup metrics)",
    "verify": "re-hash the inputs named in a results.json or report PDF",
    "schema": "write the JSON Schemas of the spec language",
    "explain": "explain a diagnostic code (e.g. FG203), or list all with --list",
    "init": "scaffold a new governance project (every field, commented)",
    "export": "export a document or results for other tools (HF, Croissant, CSV)",
    "plan": "patients per group each metric gate needs (simulation)",
    "monitor": "judge the production log against the deployment's monitoring triggers",
}


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
