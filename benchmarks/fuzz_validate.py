"""Longer fuzz run of load -> validate (the test suite runs a short hypothesis budget).

Mutates the fixture project's spec files (byte flips, deleted/duplicated/swapped lines,
random YAML values spliced into mappings, truncation, junk insertion) and compiles the
project each time. Any exception escaping `compile_project` is a finding. Seeded, so a
finding reproduces. Run: .venv/bin/python benchmarks/fuzz_validate.py [SECONDS] [SEED]
Ends with one JSON line: {"examples": N, "seconds": S, "unhandled": U}.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from fairgov.validate import compile_project

REPO = Path(__file__).resolve().parents[1]
JUNK = [
    "&a [1]",
    "*a",
    "!!python/object:os.system",
    "{",
    "]",
    "\t",
    "\x00",
    "<<: *a",
    "---",
    "? x",
    "'",
    '"',
    "- - -",
    ": :",
    "%YAML 1.1",
    "\ufeff",
    "\u202e",
    "{{ 7*7 }}",
    "null",
    "~",
    "1e999",
    "-.inf",
    "0x1F",
]


def mutate(text: str, rng: random.Random) -> bytes:
    lines = text.splitlines(keepends=True)
    op = rng.randrange(7)
    if op == 0 and lines:
        del lines[rng.randrange(len(lines))]
    elif op == 1 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif op == 2 and len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3 and lines:
        i = rng.randrange(len(lines))
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        lines.insert(i, " " * indent + f"k{rng.randrange(99)}: {rng.choice(JUNK)}\n")
    elif op == 4:
        return text.encode()[: rng.randrange(len(text) + 1)]
    elif op == 5 and lines:
        i = rng.randrange(len(lines))
        pos = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + rng.choice(JUNK) + lines[i][pos:]
    data = bytearray("".join(lines).encode("utf-8"))
    if op == 6 and data:
        for _ in range(rng.randrange(1, 5)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def main(seconds: float = 60.0, seed: int = 0) -> None:
    rng = random.Random(seed)
    src = REPO / "tests/fixtures/project"
    originals = {p.name: p.read_text() for p in src.glob("*.yaml")}
    examples = unhandled = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "p"
        shutil.copytree(src, root)
        while time.perf_counter() - start < seconds:
            name = rng.choice(sorted(originals))
            for other, text in originals.items():
                (root / other).write_text(text)
            (root / name).write_bytes(mutate(originals[name], rng))
            try:
                compile_project(root)
            except Exception:  # noqa: BLE001 - this is what we look for
                unhandled += 1
                print(
                    f"FINDING (seed {seed}, example {examples}, {name}):\n{traceback.format_exc()}",
                    file=sys.stderr,
                )
            examples += 1
    elapsed = time.perf_counter() - start
    print(
        f"{examples} mutated projects compiled in {elapsed:.1f} s; {unhandled} unhandled "
        "exception(s)"
    )
    print(json.dumps({"examples": examples, "seconds": round(elapsed, 1), "unhandled": unhandled}))


if __name__ == "__main__":
    main(
        float(sys.argv[1]) if len(sys.argv) > 1 else 60.0,
        int(sys.argv[2]) if len(sys.argv) > 2 else 0,
    )
