"""A fixed-budget fuzz of whole projects (the longer run is benchmarks/fuzz_validate.py)."""

from __future__ import annotations

import importlib.util
import random
import shutil
from pathlib import Path

from fairgov.codes import CODES
from fairgov.validate import compile_project

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("fuzz_validate", REPO / "benchmarks/fuzz_validate.py")
fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz)  # type: ignore[union-attr]


def test_mutated_projects_give_diagnostics_never_exceptions(tmp_path: Path) -> None:
    rng = random.Random(20261128)
    src = REPO / "tests/fixtures/project"
    originals = {p.name: p.read_text() for p in src.glob("*.yaml")}
    root = tmp_path / "p"
    shutil.copytree(src, root)
    found_errors = 0
    for _ in range(60):
        name = rng.choice(sorted(originals))
        for other, text in originals.items():
            (root / other).write_text(text)
        (root / name).write_bytes(fuzz.mutate(originals[name], rng))
        cp = compile_project(root)  # must not raise
        assert all(d.code in CODES for d in cp.diagnostics)
        assert all(d.line >= 1 and d.col >= 1 for d in cp.diagnostics)
        found_errors += not cp.ok
    assert found_errors > 20  # the mutations really do break things
