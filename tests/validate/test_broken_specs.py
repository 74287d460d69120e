"""Each broken spec gives exactly the expected (code, line, col) diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from fairgov.validate import compile_project

CASES = YAML(typ="safe").load(
    (Path(__file__).parent / "broken_cases.yaml").read_text(encoding="utf-8")
)


def test_at_least_thirty_distinct_cases() -> None:
    assert len({c["name"] for c in CASES}) == len(CASES) >= 30
    assert len({c["expect"][0][0] for c in CASES}) >= 25  # many distinct codes


def test_fixture_project_is_clean(project: Path) -> None:
    cp = compile_project(project)
    assert cp.diagnostics == []
    assert len(cp.entries) == 6


def apply_case(project: Path, case: dict) -> None:
    path = project / case["file"]
    if case.get("delete"):
        path.unlink()
    elif "content_from" in case:
        path.write_text(
            (project / case["content_from"]).read_text(encoding="utf-8"), encoding="utf-8"
        )
    elif "content" in case:
        path.write_text(case["content"], encoding="utf-8")
    elif case.get("raw"):
        data = path.read_bytes()
        old, new = case["old"].encode("utf-8"), case["new"].encode("latin-1")
        assert old in data
        path.write_bytes(data.replace(old, new, 1))
    else:
        text = path.read_text(encoding="utf-8")
        assert case["old"] in text, f"{case['name']}: {case['old']!r} not found"
        path.write_text(text.replace(case["old"], case["new"], 1), encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_broken_spec(project: Path, case: dict) -> None:
    apply_case(project, case)
    cp = compile_project(project)
    where = case.get("check_file", case["file"])
    got = [d.check_tuple() for d in cp.diagnostics if d.file == where or case.get("delete")]
    assert got == [tuple(e) for e in case["expect"]], [d.message for d in cp.diagnostics]
    assert all(d.message for d in cp.diagnostics)
