"""No module imports a later pipeline stage (DESIGN.md); `build` and `cli` orchestrate."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "fairgov"
#: pipeline order; packages outside this map (build, cli) orchestrate and may import anything
STAGE = {
    "diagnostics": 0, "codes": 0, "atomic": 0, "jsonout": 0, "locale": 0, "load": 0, "spec": 0,
    "schemas": 0, "formats": 0, "reasons": 0, "results": 0,
    "validate": 1, "standards": 1,
    "evaluate": 2, "metrics": 2,
    "gates": 3,
    "render": 4, "exports": 4, "verify": 4, "resultsdiff": 4, "scaffold": 4, "monitor": 4,
}


def imported_packages(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fairgov."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("fairgov.")}
    return out


def test_every_package_has_a_stage() -> None:
    tops = {p.name.removesuffix(".py") for p in PACKAGE.iterdir() if p.suffix == ".py" or p.is_dir()}
    tops -= {"__init__", "__main__", "__pycache__", "build", "cli"}
    assert tops <= set(STAGE), sorted(tops - set(STAGE))


def test_no_stage_imports_a_later_one() -> None:
    bad = []
    for path in PACKAGE.rglob("*.py"):
        top = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if top not in STAGE:
            continue
        for target in imported_packages(path):
            if target in ("build", "cli") or STAGE.get(target, -1) > STAGE[top]:
                bad.append(f"{path.relative_to(PACKAGE)} imports fairgov.{target}")
    assert bad == []
