"""`fairgov validate` through the CLI: exit codes, formats, the exact text a user sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from fairgov.cli.main import main

REPO = Path(__file__).resolve().parents[2]
# the official SARIF 2.1.0 schema (copied from the OASIS repository into the fixtures)
SARIF_SCHEMA = json.loads((REPO / "tests/fixtures/sarif-schema-2.1.0.json").read_text())


def break_policy(project: Path) -> None:
    path = project / "policy.yaml"
    path.write_text(
        path.read_text().replace(
            "  - id: auroc-gap-sex", "  - id: auroc-gap-sex\n    colour: red", 1
        )
    )


def test_clean_project_exits_zero(project: Path, capsys) -> None:
    assert main(["validate", str(project)]) == 0
    # only FG540: gap limits of 0.10 at 57-127 test patients per group
    out = capsys.readouterr().out
    assert out.rstrip().endswith("0 error(s), 3 warning(s)") and out.count("FG540 warning") == 3


def test_human_output_has_source_line_and_caret(project: Path, capsys) -> None:
    break_policy(project)
    assert main(["validate", str(project)]) == 1
    out = capsys.readouterr().out
    assert "policy.yaml:24:5: FG203 error: unknown field 'colour'" in out
    assert "        colour: red\n        ^" in out
    assert out.rstrip().endswith("1 error(s), 0 warning(s)")


def test_json_format(project: Path, capsys) -> None:
    break_policy(project)
    assert main(["validate", str(project), "--format", "json"]) == 1
    items = json.loads(capsys.readouterr().out)
    assert items == [
        {
            "file": "policy.yaml",
            "line": 24,
            "col": 5,
            "code": "FG203",
            "message": "unknown field 'colour'",
            "severity": "error",
            "pointer": "/gates/1/colour",
            "hint": None,
        }
    ]


def test_sarif_format_is_valid_sarif(project: Path, capsys) -> None:
    break_policy(project)
    assert main(["validate", str(project), "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    jsonschema.validate(log, SARIF_SCHEMA)
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "FG203"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 24,
        "startColumn": 5,
    }


def test_github_annotations(project: Path, capsys) -> None:
    break_policy(project)
    main(["validate", str(project), "--format", "github"])
    assert (
        capsys.readouterr().out.strip()
        == "::error file=policy.yaml,line=24,col=5,title=FG203::unknown field 'colour'"
    )


def test_missing_project_and_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(tmp_path)]) == 1
    assert "FG115" in capsys.readouterr().out
    assert main(["validate", "--format", "xml"]) == 2


def test_explain(capsys) -> None:
    assert main(["explain", "FG107"]) == 0
    assert "duplicate-key" in capsys.readouterr().out
    assert main(["explain", "FG999"]) == 2


def test_internal_error_has_no_traceback(project: Path, capsys, monkeypatch) -> None:
    import fairgov.cli.commands.validate as cmd

    def boom(*_a, **_k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(cmd, "compile_project", boom)
    assert main(["validate", str(project)]) == 2
    err = capsys.readouterr().err
    assert "FG900 internal error: RuntimeError: kaboom" in err and "Traceback" not in err


@pytest.mark.slow
def test_validate_does_not_import_torch(project: Path) -> None:
    code = (
        "import sys; from fairgov.cli.main import main; rc = main(['validate', sys.argv[1]]);"
        "bad = [m for m in ('torch', 'timm', 'torchvision') if m in sys.modules]; print(bad); "
        "sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(project)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("[]")


def test_spec_discovery_skips_hidden_output_and_excluded(project: Path) -> None:
    from fairgov.validate import compile_project

    for folder in (".hidden", "build", "data"):
        (project / folder).mkdir(exist_ok=True)
        (project / folder / "junk.yaml").write_text("not: [valid\n")
    (project / "notes.txt").write_text("x")
    assert compile_project(project).diagnostics == []


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.parametrize("form", ["human", "json", "github", "sarif"])
def test_fifo_spec_is_reported_not_opened(project: Path, form: str) -> None:
    """A FIFO named *.yaml is FG102 in every format; the human printer must not open it to
    quote the source line (it used to block forever). A subprocess with a timeout turns a
    hang into a failure."""
    os.mkfifo(project / "pipe.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "fairgov", "validate", str(project), "--format", form],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "FG102" in proc.stdout and "pipe.yaml" in proc.stdout
    if form == "human":
        assert "pipe.yaml:1:1: FG102 error: not a regular file" in proc.stdout
        assert "Traceback" not in proc.stderr


def test_source_lines_never_read_outside_the_project(project: Path, tmp_path: Path) -> None:
    """The human printer quotes only regular files inside the project root."""
    from fairgov.cli.commands.validate import _read_lines

    outside = tmp_path / "outside.yaml"
    outside.write_text("secret: 1\n")
    (project / "link.yaml").symlink_to(outside)
    assert _read_lines(project / "link.yaml", project) == []
    assert (
        _read_lines(project / "policy.yaml", project)[0]
        == (project / "policy.yaml").read_text().splitlines()[0]
    )
