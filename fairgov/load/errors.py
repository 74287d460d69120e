"""The loader's limits, positions and error: a leaf under ``load`` and ``load.walk``."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "LoadError", "Position",
           "escape_pointer", "mark"]  # fmt: skip

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 200_000

Position = tuple[int, int]


class LoadError(Exception):
    def __init__(
        self, code: str, message: str, line: int = 1, col: int = 1, hint: str | None = None
    ):
        super().__init__(message)
        self.code, self.line, self.col, self.hint = code, line, col, hint


def escape_pointer(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def mark(item: Any) -> Position:
    mark = item.start_mark
    return mark.line + 1, mark.column + 1
