"""The previous loader's tree walk on ruamel.yaml's pure-Python round-trip parser.

Kept only as a reference: tests/load/test_loader_libyaml.py checks that the libyaml loader
gives the same data and the same positions on every spec in the repository, and
benchmarks/validate.py times it against the libyaml loader in the same process.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from fairgov.load import escape_pointer

Position = tuple[int, int]


def parse(text: str) -> tuple[Any, dict[str, Position], dict[str, Position]]:
    """(data, positions, key_positions) exactly as fairgov 0.x built them from ruamel."""
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    tree = yaml.load(text)
    pos: dict[str, Position] = {"": (tree.lc.line + 1, tree.lc.col + 1)}
    kpos: dict[str, Position] = {}
    return _to_plain(tree, "", pos, kpos), pos, kpos


def _to_plain(node: Any, pointer: str, pos: dict[str, Position], kpos: dict[str, Position]) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            child = f"{pointer}/{escape_pointer(key)}"
            try:
                kl, kc = node.lc.key(key)
                vl, vc = node.lc.value(key)
            except (KeyError, TypeError):
                kl, kc, vl, vc = node.lc.line, node.lc.col, node.lc.line, node.lc.col
            kpos[child], pos[child] = (kl + 1, kc + 1), (vl + 1, vc + 1)
            value = node[key]
            if isinstance(value, (CommentedMap, CommentedSeq)) and value.lc.line is not None:
                pos[child] = (value.lc.line + 1, value.lc.col + 1)
            out[str(key)] = _to_plain(value, child, pos, kpos)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for idx, value in enumerate(node):
            line, col = node.lc.item(idx)
            pos[f"{pointer}/{idx}"] = (line + 1, col + 1)
            items.append(_to_plain(value, f"{pointer}/{idx}", pos, kpos))
        return items
    return scalar(node)


def scalar(node: Any) -> Any:
    if node is None or isinstance(node, bool):
        return node
    if type(node).__name__ == "ScalarBoolean":
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if hasattr(node, "isoformat"):
        return node.isoformat()
    return str(node)
