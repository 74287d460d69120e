"""An interrupt is an interrupt even when Python wrapped it on its way out.

Python 3.11 re-raises an exception raised inside a descriptor's ``__set_name__`` (pydantic and
functools.cached_property run there while a module's classes are created) as ``RuntimeError``
with the original as its cause; a SIGTERM that lands while a command module imports arrives so.
"""

from __future__ import annotations

import argparse

import pytest

from fairgov.cli import main as cli


def _wrapped_interrupt() -> RuntimeError:
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as err:
        wrapped = RuntimeError("Error calling __set_name__ on 'cached_property' instance")
        wrapped.__cause__ = err
        return wrapped


def test_wrapped_interrupt_while_commands_import(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def build_parser(*_: object) -> argparse.ArgumentParser:
        raise _wrapped_interrupt()

    monkeypatch.setattr(cli, "build_parser", build_parser)
    assert cli.main(["check"]) == 130
    assert capsys.readouterr().err.strip() == cli.INTERRUPTED


def test_wrapped_interrupt_inside_a_command(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    parser = argparse.ArgumentParser()
    parser.set_defaults(func=lambda args: (_ for _ in ()).throw(_wrapped_interrupt()), debug=False)
    monkeypatch.setattr(cli, "build_parser", lambda *_: parser)
    assert cli.main([]) == 130
    assert capsys.readouterr().err.strip() == cli.INTERRUPTED


def test_other_errors_stay_internal_errors(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    parser = argparse.ArgumentParser()
    parser.set_defaults(func=lambda args: (_ for _ in ()).throw(RuntimeError("boom")), debug=False)
    monkeypatch.setattr(cli, "build_parser", lambda *_: parser)
    assert cli.main([]) == 2
    assert "FG900 internal error: RuntimeError: boom" in capsys.readouterr().err
