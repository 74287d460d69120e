"""`fairgov diff BASE HEAD`: what changed between two results.json files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pydantic import ValidationError

from fairgov.cli.options import COMMANDS
from fairgov.diagnostics import Diagnostic, ExitCode, FairgovError
from fairgov.results import Results, parse
from fairgov.resultsdiff import diff_results, to_markdown


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help=COMMANDS["diff"])
    p.add_argument("base", help="results.json of the base (e.g. main)")
    p.add_argument("head", help="results.json of the change")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.set_defaults(func=run)


def _read(path: str) -> Results:
    """A results.json of any readable schema version (1.1, 1.2) as `Results`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise FairgovError(Diagnostic(path, 1, 1, "FG603", f"cannot read results: {err}")) from err
    try:
        return parse(text)
    except ValidationError as err:
        first = err.errors()[0]
        where = "/".join(str(x) for x in first["loc"])
        raise FairgovError(
            Diagnostic(
                path,
                1,
                1,
                "FG603",
                f"not a results.json fairgov can read: {where}: {first['msg']}"
                f" ({err.error_count()} problem(s))",
            )
        ) from err
    except ValueError as err:
        raise FairgovError(Diagnostic(path, 1, 1, "FG603", f"cannot read results: {err}")) from err


def run(args: argparse.Namespace) -> int:
    d = diff_results(_read(args.base), _read(args.head))
    print(json.dumps(d, indent=2, ensure_ascii=False) if args.format == "json" else to_markdown(d))
    return ExitCode.FINDINGS if d["new_failures"] or d["regressions"] else ExitCode.OK
