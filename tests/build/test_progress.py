"""Progress lines between build steps go to stderr; stdout formats stay machine-readable."""

from __future__ import annotations

import json
from pathlib import Path

from fairgov.cli.main import main


def test_check_prints_each_step_on_stderr_and_json_stays_clean(
    project: Path, tmp_path: Path, capsys
) -> None:
    main(
        [
            "check",
            str(project),
            "--out",
            str(tmp_path / "o"),
            "--date",
            "2026-11-28",
            "--format",
            "json",
        ]
    )
    captured = capsys.readouterr()
    assert (
        json.loads(captured.out)["verdict"]["status"] == "blocked"
    )  # stdout is only the JSON document
    lines = [line for line in captured.err.splitlines() if line.startswith("fairgov: ")]
    assert lines[0] == "fairgov: validating specs …"
    assert "fairgov: evaluating evaluation/cxr-demo-probe (predictions) …" in lines
    assert any(
        line.startswith("fairgov: evaluating evaluation/cxr-demo-probe (predictions): done in ")
        and line.endswith(" s")
        for line in lines
    )
    assert lines[-1].startswith("fairgov: deciding gates: done in ")
    assert not any("rendering" in line for line in lines)  # check writes no reports


def test_quiet_and_sarif(project: Path, tmp_path: Path, capsys) -> None:
    main(
        [
            "check",
            str(project),
            "--out",
            str(tmp_path / "o"),
            "--date",
            "2026-11-28",
            "--format",
            "sarif",
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert json.loads(captured.out)["version"] == "2.1.0"
    assert "fairgov: " not in captured.err


def test_library_calls_print_nothing(project: Path, tmp_path: Path, capsys) -> None:
    from fairgov.pipeline.build import run_build

    run_build(project, out=tmp_path / "o", date="2026-11-28", write_reports=False)
    assert capsys.readouterr().err == ""
