"""Validate a 200-file project: ms per spec file, and the ratio to the previous parser.

Run: .venv/bin/python benchmarks/validate.py
The project is the example's documents replicated (each copy with its own id and refs), so
every file goes through load -> schema -> semantic checks. In this process, on the same
files: the whole `fairgov validate` (compile_project), fairgov's libyaml loader alone, and
the previous loader (ruamel.yaml's pure-Python round-trip parser + the same tree walk, kept
in tests/load/ruamel_reference.py); and the FG540 feasibility check `fairgov validate` adds
(cold: simulated; cached: what a re-run costs). The last line is one JSON object.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fairgov.load import parse_bytes  # noqa: E402
from fairgov.pipeline.feasibility import feasibility_diagnostics  # noqa: E402
from fairgov.validate import compile_project  # noqa: E402
from tests.load import ruamel_reference  # noqa: E402

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
        raws = [f.read_bytes() for f in files]
        previous = best_of(
            lambda: [ruamel_reference.parse(r.decode("utf-8")) for r in raws], repeat=3
        )
        loader = best_of(
            lambda: [parse_bytes(r, f, f.name) for r, f in zip(raws, files, strict=True)]
        )
        ours = best_of(lambda: compile_project(root))
        t0 = time.perf_counter()
        warnings = feasibility_diagnostics(cp)  # FG540, cold: simulates (one per attribute)
        cold = time.perf_counter() - t0
        warm = best_of(lambda: feasibility_diagnostics(cp))  # the cached quantiles
    per = {
        k: v / len(files) * 1000
        for k, v in (("validate", ours), ("loader", loader), ("previous", previous))
    }
    print(
        f"{n} spec files (+ fairgov.yaml): fairgov validate {ours:.3f} s = {per['validate']:.2f} "
        f"ms/file; "
        f"libyaml loader {per['loader']:.2f} ms/file; previous ruamel.yaml loader "
        f"{per['previous']:.2f} ms/file; "
        f"loader speed-up {previous / loader:.1f}x; "
        f"validate vs previous loader alone {ours / previous:.3f}"
    )
    print(
        f"FG540 feasibility ({len(warnings)} warnings): cold {cold:.3f} s, "
        f"cached {warm * 1000:.2f} ms "
        f"= {warm / ours:.4f} of validate"
    )
    print(
        json.dumps(
            {
                "files": len(files),
                "ms_per_file": round(per["validate"], 3),
                "loader_ms_per_file": round(per["loader"], 3),
                "previous_loader_ms_per_file": round(per["previous"], 3),
                "loader_ratio_to_previous": round(loader / previous, 4),
                "validate_ratio_to_previous_loader": round(ours / previous, 4),
                "feasibility_cold_s": round(cold, 3),
                "feasibility_cached_ms": round(warm * 1000, 3),
                "feasibility_cached_ratio_to_validate": round(warm / ours, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
