"""Placeholder answers (`TODO`, `TBD`, `not_applicable: TODO`) never count: validate says how
many remain (a warning, an error with --strict), and coverage and gates treat them as missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairgov.cli.main import main

APPROACH = (
    "  approach: Gates on the upper 95% bound of AUROC and TPR gaps; "
    "inconclusive results block deployment.\n"
)


def test_validate_counts_placeholders_and_strict_fails(project: Path, edit, capsys) -> None:
    assert main(["validate", str(project)]) == 0
    # the fixture has none (its FG540s are about its size)
    assert "FG317" not in capsys.readouterr().out
    edit(project / "modelcard.yaml", APPROACH, "  approach: TBD\n")
    edit(
        project / "datasheet.yaml",
        "    description: Sex recorded",
        '    description: "TODO: Sex recorded',
    )
    edit(project / "datasheet.yaml", "information system.\n", "information system.\"\n")
    capsys.readouterr()
    assert main(["validate", str(project)]) == 0
    out = capsys.readouterr().out
    assert (
        "modelcard.yaml:72:13: FG317 warning: 1 placeholder answer(s) remain (/fairness/approach); "
        "they count as unanswered" in out
    )
    assert (
        "datasheet.yaml:34:18: FG317 warning: 1 placeholder answer(s) remain "
        "(/attributes/sex/description)"
        in out
    )
    assert "hint: write the answer, or `not_applicable: <why it does not apply>`" in out
    assert out.count("FG317 warning") == 2
    assert out.rstrip().endswith("0 error(s), 5 warning(s)")  # + 3 FG540
    assert main(["validate", str(project), "--strict"]) == 1


def test_help_documents_exit_codes(capsys) -> None:
    for command in ("validate", "check", "build"):
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert (
            "1 findings: spec errors" in out
            and "2 spec errors (nothing is evaluated or written)" in out
        )


@pytest.mark.slow  # two full checks of the project per answer (about 4 s each)
@pytest.mark.parametrize(
    "answer", ["{not_applicable: TODO}", "TBD", '"FIXME: ask the data owner"', '"?"']
)
def test_placeholder_never_covers_a_standard_item_or_a_required_field(
    project: Path, tmp_path: Path, edit, answer: str
) -> None:
    main(["check", str(project), "--out", str(tmp_path / "before"), "--date", "2026-11-28"])
    before = json.loads((tmp_path / "before/results.json").read_text())
    edit(project / "modelcard.yaml", APPROACH, f"  approach: {answer}\n")
    rc = main(["check", str(project), "--out", str(tmp_path / "after"), "--date", "2026-11-28"])
    after = json.loads((tmp_path / "after/results.json").read_text())
    gates = {g["id"]: g for g in after["gates"]}
    assert rc == 1
    assert gates["fairness-documented"]["status"] == "fail"
    assert "fairness.approach is not answered" in gates["fairness-documented"]["reason"]
    hti = after["coverage"]["hti1-2024"]
    assert hti["covered"] == before["coverage"]["hti1-2024"]["covered"] - 1
    assert gates["hti1-coverage"]["reason"].startswith(
        f"{hti['covered']}/{hti['total']} items covered"
    )
