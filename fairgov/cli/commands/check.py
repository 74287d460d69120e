"""`fairgov check [PATH]`: the build without reports; prints the gate table (CI, pre-commit)."""

from __future__ import annotations

import argparse

from fairgov.cli.commands._buildargs import add_common, execute


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="like build, without reports: gate table + exit code")
    add_common(p)
    p.set_defaults(func=lambda args: execute(args, write_reports=False))
