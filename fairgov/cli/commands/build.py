"""`fairgov build [PATH]`: the whole pipeline, writing reports and CI outputs."""

from __future__ import annotations

import argparse

from fairgov.cli.commands._buildargs import add_common, execute


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="validate, evaluate, gate and write reports + results")
    add_common(p)
    p.set_defaults(func=lambda args: execute(args, write_reports=True))
