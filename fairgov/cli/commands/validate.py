"""`fairgov validate [PATH]`: load and validate every spec; no evaluation, no torch."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fairgov.cli.options import COMMANDS, EXIT_CODES, add_repo_root
from fairgov.diagnostics import ExitCode, has_errors, sort_diagnostics
from fairgov.formats import diagnostics as fmt
from fairgov.formats.location import uri_prefix
from fairgov.formats.sarif import sarif_log
from fairgov.load import MAX_FILE_BYTES, LoadError, read_regular_file
from fairgov.pipeline.feasibility import feasibility_diagnostics
from fairgov.validate import compile_project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help=COMMANDS["validate"], epilog=EXIT_CODES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "path", nargs="?", default=".", help="project folder or its fairgov.yaml (default: .)"
    )
    p.add_argument("--format", choices=fmt.FORMATS, default="human", help="output format")
    p.add_argument(
        "--strict", action="store_true", help="warnings (e.g. FG317 placeholder answers) are errors"
    )
    add_repo_root(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cp = compile_project(args.path)
    if not has_errors(cp.diagnostics):  # FG540: gap gates a fair model cannot pass at this size
        cp.diagnostics = sort_diagnostics([*cp.diagnostics, *feasibility_diagnostics(cp)])
    print_diagnostics(cp, args.format, uri_prefix(cp.root, args.repo_root))
    return (
        ExitCode.FINDINGS
        if has_errors(cp.diagnostics) or (args.strict and cp.diagnostics)
        else ExitCode.OK
    )


def print_diagnostics(cp, form: str, prefix: str = "") -> None:
    diags = cp.diagnostics
    if form == "json":
        print(fmt.as_json(diags))
    elif form == "sarif":
        print(json.dumps(sarif_log(diags, prefix), indent=2))
    elif form == "github":
        if diags:
            print(fmt.github(diags, prefix))
    else:
        sources = {d.relpath: d.lines for d in cp.documents}
        for d in diags:
            if d.file not in sources:
                sources[d.file] = _read_lines(cp.root / d.file, cp.root)
        text = fmt.human(diags, sources)
        print(text if diags else f"{len(cp.documents)} spec file(s) valid")


def _read_lines(path: Path, root: Path) -> list[str]:
    """Source lines to quote under a diagnostic: only ever a regular file inside the project
    (a FIFO named *.yaml would block `open` forever; discovery has already reported it)."""
    try:
        raw = read_regular_file(path, root, MAX_FILE_BYTES)
    except LoadError:
        return []
    return raw.decode("utf-8", errors="replace").splitlines()
