"""Validate a 200-file project: fairgov time per file, and its ratio to a bare ruamel.yaml load.

Run: .venv/bin/python benchmarks/validate.py
The project is the example's documents replicated (each copy with its own id and refs), so
every file goes through load -> schema -> semantic checks. Both timings run in this process
on the same files; the last line is one JSON object.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

from fairgov.validate import compile_project

REPO = Path(__file__).resolve().parents[1]
KINDS = {
    "datasheet.yaml": "datasheet",
    "modelcard.yaml": "modelcard",
    "evaluation.yaml": "evaluation",
    "policy.yaml": "policy",
    "deployment.yaml": "deployment",
}


def make_project(root: Path, copies: int = 40) -> int:
    src = REPO / "tests/fixtures/project"
    shutil.copytree(src / "data", root / "data")
    (root / "fairgov.yaml").write_text(
        (src / "fairgov.yaml")
        .read_text()
        .replace("policy/st-example-fairness", "policy/st-example-fairness-0")
    )
    ids = {
        "datasheet": "cxr-demo",
        "modelcard": "cxr-triage-fm",
        "evaluation": "cxr-demo-probe",
        "policy": "st-example-fairness",
        "deployment": "st-example-central",
    }
    for i in range(copies):
        for name in KINDS:
            text = (src / name).read_text()
            for kind, ident in ids.items():
                text = text.replace(f"{kind}/{ident}", f"{kind}/{ident}-{i}")
                if KINDS[name] == kind:
                    text = text.replace(f"id: {ident}\n", f"id: {ident}-{i}\n", 1)
            (root / f"{i:03d}-{name}").write_text(text)
    return copies * len(KINDS)


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        n = make_project(root)
        cp = compile_project(root)
        errors = [d for d in cp.diagnostics if d.is_error]
        assert not errors, errors[:3]
        files = sorted(root.glob("*.yaml"))
        yaml = YAML(typ="rt")
        bare = best_of(lambda: [yaml.load(f.read_text()) for f in files])
        ours = best_of(lambda: compile_project(root))
    ms = ours / len(files) * 1000
    print(
        f"{n} spec files (+ fairgov.yaml): fairgov validate {ours:.3f} s = {ms:.2f} ms/file; "
        f"bare ruamel.yaml round-trip load {bare:.3f} s; ratio {ours / bare:.2f}; "
        f"fairgov's own time beyond the YAML parse {max(ours - bare, 0.0):.3f} s"
    )
    print(
        json.dumps({"ms_per_file": round(ms, 3), "ratio_to_bare_yaml_load": round(ours / bare, 3)})
    )


if __name__ == "__main__":
    main()
