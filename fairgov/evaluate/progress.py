"""Progress reporting: a rich bar on an interactive stderr, sparse plain lines otherwise.

CI logs should not fill with carriage-return spam, and a human at a terminal wants a bar;
``enabled=None`` picks between the two from ``sys.stderr.isatty()``.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any


class Progress:
    """Context manager counting processed items; call ``advance(n)`` after each batch."""

    def __init__(
        self, total: int, description: str, enabled: bool | None = None, every: int = 10
    ) -> None:
        self.total = max(int(total), 0)
        self.description = description
        self.enabled = enabled
        self.every = max(int(every), 1)
        self.done = 0
        self.note_every = 1
        self._notes = 0
        self._calls = 0
        self._bar: Any = None
        self._task: Any = None
        self._t0 = 0.0

    def __enter__(self) -> Progress:
        self._t0 = time.perf_counter()
        tty = sys.stderr.isatty()
        if self.total and (self.enabled or (self.enabled is None and tty)) and tty:
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self, n: int) -> None:
        self.done += n
        self._calls += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=n)
        elif (
            self.enabled is not False
            and self.total
            and (self._calls % self.every == 0 or self.done >= self.total)
        ):
            rate = self.done / max(time.perf_counter() - self._t0, 1e-9)
            print(
                f"{self.description}: {self.done}/{self.total} ({rate:.1f}/s)",
                file=sys.stderr,
                flush=True,
            )

    def note(self, text: str) -> None:
        """A per-shard message: the bar's label on a TTY, else every ``note_every``-th line."""
        self._notes += 1
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.description} ({text})")
        elif self.enabled is not False and self._notes % max(self.note_every, 1) == 0:
            print(f"{self.description} {text}", file=sys.stderr, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
