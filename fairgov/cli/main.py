"""Entry point: parse arguments, dispatch to a command, map errors to exit codes.

One top-level handler: a user mistake prints diagnostics; an unexpected exception prints a
short message and exits 2 (the traceback only with --debug).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from fairgov import __version__
from fairgov.diagnostics import ExitCode, FairgovError

COMMANDS = (
    "validate",
    "check",
    "build",
    "diff",
    "verify",
    "schema",
    "explain",
    "init",
    "export",
    "plan",
    "monitor",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fairgov", description="Fairness governance compiler for medical-imaging FMs."
    )
    parser.add_argument("--version", action="version", version=f"fairgov {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        import_module(f"fairgov.cli.commands.{name}").add_parser(sub)
    return parser


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM behaves like Ctrl-C, so temp files are removed and nothing half-written stays."""
    raise KeyboardInterrupt


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
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        args = build_parser().parse_args(argv)
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
        print(f"fairgov: FG900 internal error: {type(err).__name__}: {err}", file=sys.stderr)
        print("fairgov: re-run with --debug for the traceback", file=sys.stderr)
        return ExitCode.ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
