"""`fairgov build [PATH]`: the whole pipeline, writing reports and CI outputs."""

from __future__ import annotations

import argparse

from fairgov.cli.commands._buildargs import add_common, execute
from fairgov.cli.options import COMMANDS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help=COMMANDS["build"])
    add_common(p)
    p.set_defaults(func=lambda args: execute(args, write_reports=True))
