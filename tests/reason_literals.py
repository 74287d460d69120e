"""The reason codes a package writes, read from its source: every `Reason("<code>", ...)` call."""

from __future__ import annotations

import ast
from pathlib import Path


def emitted_reason_codes(folder: Path) -> set[str]:
    """The literal first argument of every ``Reason(...)`` call in ``folder``'s modules."""
    codes = set()
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Reason"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                codes.add(node.args[0].value)
    return codes
