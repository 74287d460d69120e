"""`fairgov verify RESULTS_OR_PDF [PATH]`: which inputs changed since the report was built."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fairgov.cli.options import COMMANDS
from fairgov.diagnostics import Diagnostic, ExitCode, FairgovError
from fairgov.verify import load_results, verify


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help=COMMANDS["verify"])
    p.add_argument("results", help="results.json, or a PDF report with results.json attached")
    p.add_argument(
        "path", nargs="?", default=".", help="project root the inputs are relative to (default: .)"
    )
    p.add_argument("--format", choices=("human", "json"), default="human")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        results = load_results(Path(args.results))
    except (OSError, ValueError) as err:
        raise FairgovError(
            Diagnostic(args.results, 1, 1, "FG603", f"cannot read results: {err}")
        ) from err
    root = Path(args.path)
    root = root.parent if root.is_file() else root
    checks = verify(results, root)
    bad = [c for c in checks if c.status != "unchanged"]
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "path": c.path,
                        "role": c.role,
                        "status": c.status,
                        "expected": c.expected,
                        "actual": c.actual,
                    }
                    for c in checks
                ],
                indent=2,
            )
        )
    else:
        for c in bad:
            print(
                f"{c.status.upper():9} {c.path} ({c.role}) expected {c.expected[:12]}… got "
                f"{(c.actual or '—')[:12]}"
            )
        print(
            f"{len(checks)} input(s) checked: {len(checks) - len(bad)} unchanged, {len(bad)} "
            "changed or missing"
        )
    return ExitCode.FINDINGS if bad else ExitCode.OK
