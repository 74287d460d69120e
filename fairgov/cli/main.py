"""Entry point: parse arguments, dispatch to a command, map errors to exit codes.

One top-level handler: a user mistake prints diagnostics; an unexpected exception prints a
short message and exits 2 (the traceback only with --debug).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import NoReturn

from fairgov import __version__
from fairgov.cli.options import COMMANDS
from fairgov.diagnostics import ExitCode, FairgovError
from fairgov.exiting import finish
from fairgov.interrupts import install_stop_handlers, load_rust_extensions


def build_parser(full: Iterable[str] = tuple(COMMANDS)) -> argparse.ArgumentParser:
    """The parser, with the commands in `full` complete and the others as their summary only
    (enough for `fairgov --help` and for argparse's "invalid choice"): a command module is
    imported only when that command runs, so `fairgov validate` or `monitor` does not pay for
    importing the build pipeline."""
    parser = argparse.ArgumentParser(
        prog="fairgov", description="Fairness governance compiler for medical-imaging FMs."
    )
    parser.add_argument("--version", action="version", version=f"fairgov {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = set(full)
    for name, summary in COMMANDS.items():
        if name in wanted:
            import_module(f"fairgov.cli.commands.{name}").add_parser(sub)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


def command_of(argv: Sequence[str]) -> tuple[str, ...]:
    """The command argv runs: its first word that is not an option (the top-level options take
    no values), as a one-element tuple, or () when argv names none."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return (first,) if first in COMMANDS else ()


INTERRUPTED = "fairgov: interrupted; nothing was replaced"


def interrupted(err: BaseException) -> bool:
    """A Ctrl-C/SIGTERM, also when Python wrapped it on its way out (Python 3.11 re-raises an
    exception from a descriptor's __set_name__ during class creation as RuntimeError)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def main(argv: Sequence[str] | None = None) -> int:
    import threading

    try:
        if threading.current_thread() is threading.main_thread():
            load_rust_extensions()  # signals held: an interrupt inside pyo3's init panics
            install_stop_handlers()
        words = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(command_of(words)).parse_args(words)
    except SystemExit as exc:  # argparse: --help exits 0, usage errors exit 2
        return int(exc.code or 0)
    except Exception as err:  # interrupted while the command modules were imported
        if not interrupted(err):
            raise
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    try:
        return int(args.func(args))
    except FairgovError as err:
        from fairgov.formats.diagnostics import human

        print(human(err.diagnostics), file=sys.stderr)
        return ExitCode.ERROR
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the one top-level handler
        if interrupted(err):
            print(INTERRUPTED, file=sys.stderr)
            return 130
        if args.debug:
            raise
        return _internal_error(err)
    except BaseException as err:
        if type(err).__module__ != "pyo3_runtime" or args.debug:  # SystemExit and the like
            raise
        return _internal_error(err)  # a Rust extension panicked: a BaseException, not Exception


def _internal_error(err: BaseException) -> int:
    print(f"fairgov: FG900 internal error: {type(err).__name__}: {err}", file=sys.stderr)
    print("fairgov: re-run with --debug for the traceback", file=sys.stderr)
    return ExitCode.ERROR


def run() -> NoReturn:
    """The console entry point: `main()`, then `finish` (fairgov.exiting)."""
    finish(main())


if __name__ == "__main__":  # pragma: no cover
    run()
