"""`fairgov check [PATH]`: the build without reports; prints the gate table (CI, pre-commit)."""

from __future__ import annotations

import argparse

from fairgov.cli.commands._buildargs import add_common, execute
from fairgov.cli.options import COMMANDS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help=COMMANDS["check"])
    add_common(p)
    p.set_defaults(func=lambda args: execute(args, write_reports=False))
