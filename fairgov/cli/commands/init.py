"""`fairgov init [DIR]`: scaffold a new governance project (non-interactive, never overwrites)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from fairgov.cli.options import COMMANDS
from fairgov.diagnostics import ExitCode
from fairgov.scaffold import MANIFEST, MANIFEST_COLUMNS, names, scaffold, write_new

NEXT_STEPS = """\
next steps:
  1. put the dataset manifest at {dir}/{manifest}
     (columns: {columns}), or edit `manifest` and `attributes` in datasheet.yaml to match yours
  2. replace every `not_applicable: TODO` and `TODO` (grep -rn TODO {dir})
  3. fairgov validate {dir}"""

NEXT_STEPS_PREDICTIONS = """\
next steps (bring-your-own predictions: no images, no model run):
  1. fairgov build {dir}
     (runs now on the example data: BLOCKED until the TODO answers are written)
  2. replace {dir}/{manifest} (columns: {columns}; no image column)
     and {dir}/{predictions} (columns: {pcolumns}: one probability of the positive class per
     validation/test case) with yours, or edit datasheet.yaml and evaluation.yaml to name
     your columns
  3. replace every `not_applicable: TODO` and `TODO` (`fairgov validate {dir}` counts them)
  the deployment uses `threshold: fitted`: the threshold fitted on validation, recorded by
  each build"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help=COMMANDS["init"])
    p.add_argument(
        "dir", nargs="?", default=".", help="folder to create the project in (default: .)"
    )
    p.add_argument(
        "--name", help="project name; ids are derived from it (default: the folder name)"
    )
    p.add_argument("--site", help="deploying site (name of the deployment protocol's site)")
    p.add_argument("--schema-url", metavar="URL",
                   help="point the `$schema` lines at URL/<kind>.schema.json instead of copying "
                        "the schemas into DIR/schemas/")
    p.add_argument(
        "--predictions",
        action="store_true",
        help="bring-your-own predictions: a scores file instead of a model run, no image column, "
        "with example data so the project validates and builds at once",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    files = scaffold(
        names(folder, args.name, args.site), dt.date.today(), args.schema_url, args.predictions
    )
    for path in write_new(folder, files):
        print(path)
    if args.predictions:
        from fairgov.scaffold import exampledata as ex

        print(
            NEXT_STEPS_PREDICTIONS.format(
                dir=folder,
                manifest=ex.MANIFEST,
                columns=", ".join(ex.MANIFEST_COLUMNS),
                predictions=ex.PREDICTIONS,
                pcolumns=", ".join(ex.PREDICTION_COLUMNS),
            )
        )
    else:
        print(NEXT_STEPS.format(dir=folder, manifest=MANIFEST, columns=", ".join(MANIFEST_COLUMNS)))
    return ExitCode.OK
