"""Render and the report formats read the typed results model by attribute: no `.get` chains.

An AST scan of fairgov/render and fairgov/formats for `x.get(...).get(...)` and
`(x.get(...) or {}).get(...)`: such a chain digs through a loosely typed dict, which the
results model (fairgov/results) types instead (issue 17).
"""

from __future__ import annotations

import ast
from pathlib import Path

import fairgov

ROOT = Path(fairgov.__file__).parent
PACKAGES = ("render", "formats")


def _is_get(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
    )


def _chained(node: ast.AST) -> bool:
    """`<recv>.get(...)` whose receiver is itself a `.get(...)`, or `(.get(...) or ...)`."""
    if not _is_get(node):
        return False
    recv = node.func.value  # type: ignore[attr-defined]
    if _is_get(recv):
        return True
    return isinstance(recv, ast.BoolOp) and any(_is_get(v) for v in recv.values)


def chains(source: str) -> list[int]:
    """Line numbers of chained `.get` calls in `source`."""
    return [n.lineno for n in ast.walk(ast.parse(source)) if _chained(n)]


def test_scan_finds_both_patterns() -> None:
    src = "a = d.get('x').get('y')\nb = (d.get('x') or {}).get('y')\nc = d.get('x') or {}\n"
    assert chains(src) == [1, 2]


def test_render_and_formats_have_no_get_chains() -> None:
    found = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            found += [f"{path.relative_to(ROOT)}:{ln}" for ln in chains(path.read_text())]
    assert found == []
