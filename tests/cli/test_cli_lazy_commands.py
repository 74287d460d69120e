"""`main` imports only the module of the command that runs: `validate`, `monitor` and `explain`
do not pay for importing the build pipeline (and, through it, metrics and scipy)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fairgov.cli.main import build_parser, command_of
from fairgov.cli.options import COMMANDS

PROBE = """
import json, sys
from fairgov.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "pipeline": "fairgov.pipeline.build" in sys.modules,
                  "scipy": "scipy" in sys.modules}))
"""


@pytest.mark.parametrize(
    "argv", [["validate", "--help"], ["monitor", "--help"], ["explain", "FG203"]]
)
def test_a_light_command_does_not_import_the_pipeline(argv: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"code": 0, "pipeline": False, "scipy": False}


def test_build_still_imports_what_it_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "check", "--help"], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1])["pipeline"] is True


def test_the_command_is_the_first_word_that_is_not_an_option() -> None:
    assert command_of(["--debug", "build", "specs"]) == ("build",)
    assert command_of(["validate", "build"]) == (
        "validate",
    )  # a project folder named like a command
    assert command_of(["--version"]) == () and command_of(["bogus"]) == ()


def test_every_command_is_listed_with_its_summary_in_help(capsys) -> None:
    full = build_parser().format_help()
    summary_only = build_parser(()).format_help()
    assert full == summary_only  # placeholders show exactly what the full parsers show
    for name, summary in COMMANDS.items():
        assert name in summary_only and summary.split()[0] in summary_only
