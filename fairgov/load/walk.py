"""Node graph (libyaml's composer) -> plain dicts/lists, with a 1-based (line, col) for every
key and value, duplicate keys refused, `<<` merge keys applied and a node budget."""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fairgov.load.errors import MAX_NODES, LoadError, Position, escape_pointer
from fairgov.load.errors import mark as _mark
from fairgov.load.yaml12 import MERGE, PLAIN_TAG, plain_scalar


class Walk:
    """Node graph -> plain data, with a position for every key and value and a node budget."""

    def __init__(self, pos: dict[str, Position], kpos: dict[str, Position]) -> None:
        self.pos, self.kpos, self.nodes = pos, kpos, 0

    def value(self, node: Node, pointer: str) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise LoadError(
                "FG109", f"document expands to more than {MAX_NODES:,} nodes (alias expansion)"
            )
        if isinstance(node, MappingNode):
            return self.mapping(node, pointer)
        if isinstance(node, SequenceNode):
            items = []
            for idx, item in enumerate(node.value):
                child = f"{pointer}/{idx}"
                self.pos[child] = _mark(item)
                items.append(self.value(item, child))
            return items
        return _scalar(node)

    def mapping(self, node: MappingNode, pointer: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, Position] = {}
        merged: list[tuple[str, Node]] = []
        for key_node, value_node in node.value:
            if _is_merge(key_node):
                merged += self.merged_pairs(value_node)
                continue
            key = self.key(key_node, node)
            if key in seen:
                line, col = _mark(key_node)
                first = seen[key][0]
                raise LoadError(
                    "FG107", f"duplicate key {key!r} (first defined on line {first})", line, col
                )
            seen[key] = _mark(key_node)
            child = f"{pointer}/{escape_pointer(key)}"
            self.kpos[child], self.pos[child] = seen[key], _mark(value_node)
            out[key] = self.value(value_node, child)
        for key, value_node in merged:  # explicit keys win; earlier merge sources win
            if key in out:
                continue
            child = f"{pointer}/{escape_pointer(key)}"
            self.kpos[child] = self.pos[child] = _mark(node)
            if isinstance(value_node, (MappingNode, SequenceNode)):
                self.pos[child] = _mark(value_node)
            out[key] = self.value(value_node, child)
        return out

    def key(self, key_node: Node, owner: MappingNode) -> str:
        key = _scalar(key_node) if isinstance(key_node, ScalarNode) else None
        if key is None:
            raise LoadError("FG202", "mapping keys must be plain scalars", *_mark(owner))
        return str(key)

    def merged_pairs(self, source: Node) -> list[tuple[str, Node]]:
        """`<<: *base` or `<<: [*a, *b]`: the (key, value) pairs merged in, in priority order."""
        sources = source.value if isinstance(source, SequenceNode) else [source]
        pairs: list[tuple[str, Node]] = []
        for src in sources:
            if not isinstance(src, MappingNode):
                raise LoadError(
                    "FG202", "a merge key (<<) takes a mapping or a list of mappings", *_mark(src)
                )
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise LoadError(
                    "FG109", f"document expands to more than {MAX_NODES:,} nodes (alias expansion)"
                )
            for key_node, value_node in src.value:
                if _is_merge(key_node):
                    pairs += self.merged_pairs(value_node)
                else:
                    pairs.append((self.key(key_node, src), value_node))
        return pairs


def _is_merge(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode)
        and node.tag in (PLAIN_TAG, "tag:yaml.org,2002:merge")
        and node.value == MERGE
    )


def _scalar(node: Node) -> Any:
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == PLAIN_TAG:
        return plain_scalar(node.value)
    return str(node.value)
