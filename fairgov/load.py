"""Stage 1, load: bytes on disk -> `Document` (plain data + a position for every node).

ruamel.yaml's round-trip loader keeps line/column for every mapping key and value. Before
constructing anything we run the event parser once to bound nesting depth and alias use, so a
"billion laughs" file or a 10,000-deep document is rejected quickly in bounded memory. The
constructed tree is then copied into plain dicts/lists with a node budget, which turns any
remaining alias blow-up into a diagnostic rather than an exhausted machine.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingStartEvent,
    NodeEvent,
    SequenceStartEvent,
)

from fairgov.diagnostics import Diagnostic

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 200_000

Position = tuple[int, int]


@dataclass
class Document:
    """One loaded spec file. `positions` maps JSON pointers to 1-based (line, col)."""

    path: Path
    relpath: str
    data: dict[str, Any]
    positions: dict[str, Position]
    key_positions: dict[str, Position]
    sha256: str
    lines: list[str] = field(repr=False, default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    def position(self, pointer: str) -> Position:
        """Position of the node at `pointer`, or of its nearest existing ancestor."""
        while pointer not in self.positions and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        return self.positions.get(pointer, (1, 1))

    def key_position(self, pointer: str) -> Position:
        return self.key_positions.get(pointer) or self.position(pointer)


class LoadError(Exception):
    def __init__(self, code: str, message: str, line: int = 1, col: int = 1, hint: str | None = None):
        super().__init__(message)
        self.code, self.line, self.col, self.hint = code, line, col, hint


def escape_pointer(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def load_file(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[Document | None, list[Diagnostic]]:
    """Load one spec file. Never raises for bad input: returns diagnostics instead."""
    relpath = _relpath(path, root)
    try:
        raw = read_regular_file(path, root, max_bytes)
        return parse_bytes(raw, path, relpath), []
    except LoadError as err:
        return None, [Diagnostic(relpath, err.line, err.col, err.code, str(err), hint=err.hint)]


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_regular_file(path: Path, root: Path, max_bytes: int) -> bytes:
    """Read a regular file that resolves inside `root`, refusing devices, FIFOs and escapes."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise LoadError("FG102", "not a regular file (device, FIFO or socket); not read")
        if not path.resolve().is_relative_to(root.resolve()):
            raise LoadError("FG102", "symlink points outside the project root; not read")
        if st.st_size > max_bytes:
            raise LoadError("FG101", f"file is {st.st_size:,} bytes, over the limit of {max_bytes:,}")
        # O_NONBLOCK + fstat: a FIFO swapped in after the stat above still cannot block us
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise LoadError("FG102", "not a regular file (device, FIFO or socket); not read")
            data = fh.read(max_bytes + 1)
    except OSError as err:
        raise LoadError("FG100", f"cannot read file: {err.strerror or err}") from err
    if len(data) > max_bytes:
        raise LoadError("FG101", f"file is over the limit of {max_bytes:,} bytes")
    return data


def parse_bytes(raw: bytes, path: Path, relpath: str) -> Document:
    text = _decode(raw)
    _check_tabs(text)
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        raise LoadError("FG105", "file holds no YAML document")
    if needs_event_scan(text):
        _scan_events(text)
    try:
        tree = _yaml().load(text)
    except YAMLError as err:
        raise _yaml_error(err) from err
    except RecursionError as err:  # pragma: no cover - the event scan bounds depth first
        raise LoadError("FG110", "document nests too deeply") from err
    except (TypeError, ValueError) as err:  # e.g. a mapping used as a key (found by fuzzing)
        raise LoadError("FG202", f"unsupported YAML structure: {err}; mapping keys must be plain scalars") from err
    if not isinstance(tree, CommentedMap):
        raise LoadError("FG111", "top level must be a mapping with `apiVersion` and `kind`")
    positions: dict[str, Position] = {"": (tree.lc.line + 1, tree.lc.col + 1)}
    key_positions: dict[str, Position] = {}
    data = _to_plain(tree, "", positions, key_positions, [0])
    sha = hashlib.sha256(raw).hexdigest()
    return Document(path, relpath, data, positions, key_positions, sha, text.splitlines())


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise LoadError("FG103", f"invalid UTF-8 byte 0x{raw[err.start]:02x}", line, col) from err
    if "\x00" in text:
        idx = text.index("\x00")
        line = text.count("\n", 0, idx) + 1
        raise LoadError("FG103", "NUL byte: this looks like a binary file, not YAML", line, 1)
    return text.removeprefix("\ufeff")


def _check_tabs(text: str) -> None:
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            col = len(line) - len(stripped) + 1
            raise LoadError("FG104", "tab used for indentation", lineno, col, hint="indent with spaces")


def needs_event_scan(text: str) -> bool:
    """Cheap textual test: can this text possibly exceed a bound the event scan enforces?

    The event scan parses the whole file a second time (ruamel's round-trip parser is pure
    Python, so that doubles the load time). It is skipped only when the text has no alias,
    anchor or tag characters, no document markers, and an upper bound on its nesting depth
    (two levels per indentation column plus every flow opener) stays under the limit.
    Anything else takes the full scan.
    """
    if any(ch in text for ch in "&*!") or "\n---" in text or "\n..." in text or text.startswith(("---", "...")):
        return True
    max_indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    openers = text.count("[") + text.count("{")
    return 2 * max_indent + 2 + openers > MAX_DEPTH


def _scan_events(text: str) -> None:
    """Bound depth, aliases, tags and document count before constructing any object."""
    depth = aliases = documents = 0
    try:
        for event in _yaml().parse(text):
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _at("FG108", "more than one YAML document in the file", event)
            tag_value = getattr(event, "tag", None) if isinstance(event, NodeEvent) else None
            if tag_value:
                tag = str(tag_value)
                if tag not in ("tag:yaml.org,2002:str", "!"):
                    raise _at("FG112", f"explicit tag {tag!r} is not allowed", event)
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _at("FG110", f"nesting deeper than {MAX_DEPTH} levels", event)
            elif type(event).__name__ in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
            elif isinstance(event, AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _at("FG109", f"more than {MAX_ALIASES} aliases", event)
    except YAMLError as err:
        raise _yaml_error(err) from err
    except RecursionError as err:
        raise LoadError("FG110", "document nests too deeply") from err


def _at(code: str, message: str, event: Any) -> LoadError:
    mark = event.start_mark
    return LoadError(code, message, mark.line + 1, mark.column + 1)


def _yaml_error(err: YAMLError) -> LoadError:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if type(err).__name__ == "DuplicateKeyError":
        return LoadError("FG107", _duplicate_message(err), line, col)
    if isinstance(err, MarkedYAMLError) and "constructor for the tag" in str(problem):
        return LoadError("FG112", f"unsupported tag: {problem}", line, col)
    return LoadError("FG106", f"YAML syntax error: {problem}", line, col)


def _duplicate_message(err: YAMLError) -> str:
    problem = str(getattr(err, "problem", "") or "")
    return problem.replace("found", "duplicate").strip() or "duplicate key"


def _to_plain(node: Any, pointer: str, pos: dict[str, Position], kpos: dict[str, Position], budget: list[int]) -> Any:
    budget[0] += 1
    if budget[0] > MAX_NODES:
        raise LoadError("FG109", f"document expands to more than {MAX_NODES:,} nodes (alias expansion)")
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            if not isinstance(key, (str, int, float, bool)) or key is None:
                line, col = node.lc.line, node.lc.col
                raise LoadError("FG202", "mapping keys must be plain scalars", line + 1, col + 1)
            child = f"{pointer}/{escape_pointer(key)}"
            kl, kc, vl, vc = _key_value_position(node, key)
            kpos[child] = (kl + 1, kc + 1)
            pos[child] = (vl + 1, vc + 1)
            value = node[key]
            if isinstance(value, (CommentedMap, CommentedSeq)) and value.lc.line is not None:
                pos[child] = (value.lc.line + 1, value.lc.col + 1)
            out[str(key)] = _to_plain(value, child, pos, kpos, budget)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for idx, value in enumerate(node):
            child = f"{pointer}/{idx}"
            line, col = node.lc.item(idx)
            pos[child] = (line + 1, col + 1)
            items.append(_to_plain(value, child, pos, kpos, budget))
        return items
    return _scalar(node)


def _key_value_position(node: CommentedMap, key: Any) -> tuple[int, int, int, int]:
    """0-based key and value positions; keys merged in with `<<:` take the mapping's own."""
    try:
        kl, kc = node.lc.key(key)
        vl, vc = node.lc.value(key)
        return kl, kc, vl, vc
    except (KeyError, TypeError):
        return node.lc.line, node.lc.col, node.lc.line, node.lc.col


def _scalar(node: Any) -> Any:
    if node is None or isinstance(node, bool):
        return node
    if type(node).__name__ == "ScalarBoolean":  # anchored booleans subclass int in ruamel
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if hasattr(node, "isoformat"):  # ruamel timestamps -> ISO text; pydantic parses it
        return node.isoformat()
    return str(node)
