"""`fairgov schema [--out DIR]`: write one JSON Schema per kind (draft 2020-12) and that of
results.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from fairgov.cli.options import COMMANDS
from fairgov.schemas import write_schemas


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help=COMMANDS["schema"])
    p.add_argument("--out", default="schemas", help="output folder (default: schemas)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for path in write_schemas(Path(args.out)):
        print(path)
    return 0
