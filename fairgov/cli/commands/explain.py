"""`fairgov explain CODE`: print what a diagnostic code means."""

from __future__ import annotations

import argparse

from fairgov.cli.options import COMMANDS
from fairgov.codes import CODES, explain


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help=COMMANDS["explain"])
    p.add_argument("code", nargs="?", help="diagnostic code")
    p.add_argument("--list", action="store_true", help="list every code")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list or not args.code:
        for code, (slug, _) in CODES.items():
            print(f"{code}  {slug}")
        return 0
    text = explain(args.code)
    if text is None:
        print(f"unknown code {args.code!r}; `fairgov explain --list` shows all")
        return 2
    print(text)
    return 0
