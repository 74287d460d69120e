"""One diagnostic type for every stage, plus the exit codes the CLI returns.

Modelled on sqlfluff's violation objects: a stable code, a position, `to_dict()` for machine
output and `check_tuple()` so tests can assert `(code, line, col)` in one line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Literal

Severity = Literal["error", "warning"]


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    ERROR = 2


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding with a stable code and, where known, a 1-based line/column position."""

    file: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = "error"
    pointer: str = ""
    hint: str | None = field(default=None, compare=False)

    def check_tuple(self) -> tuple[str, int, int]:
        return (self.code, self.line, self.col)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class FairgovError(Exception):
    """An expected failure that carries diagnostics; the CLI prints them and exits 2."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        self.diagnostics = diagnostics if isinstance(diagnostics, list) else [diagnostics]
        super().__init__("; ".join(d.message for d in self.diagnostics))


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Stable order: by file, then position, then code (outputs are deterministic)."""
    return sorted(set(diagnostics), key=lambda d: (d.file, d.line, d.col, d.code, d.message))
