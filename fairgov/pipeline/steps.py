"""Progress lines between the steps of a build, on stderr.

`fairgov build` can run for a minute on a small project (evaluations, then one PDF per
document); a line per step says what it is doing and how long each step took. The lines go
to stderr, so `--format json|sarif|github` on stdout stay machine-readable; `--quiet` turns
them off. Timings are never written to results.json (it stays deterministic).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Steps:
    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = stream
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def say(self, text: str) -> None:
        if self.enabled:
            print(f"fairgov: {text}", file=self.stream or sys.stderr, flush=True)

    @contextmanager
    def step(self, doing: str) -> Iterator[None]:
        """`doing …` before the step, `doing: done in 1.2 s` after it."""
        self.say(f"{doing} …")
        start = time.perf_counter()
        yield
        self.say(f"{doing}: done in {time.perf_counter() - start:.1f} s")


#: the reporter of a library call (no output): `run_build` without `steps`
SILENT = Steps(enabled=False)
