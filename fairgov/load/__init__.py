"""Stage 1, load: bytes on disk -> `Document` (plain data + a position for every node).

libyaml (PyYAML's C parser and composer) gives every node a start mark (line, column); the
node graph is then walked into plain dicts/lists by YAML 1.2 core-schema rules (see
fairgov.load.yaml12), recording a position for every key and value. When the text could exceed a
bound, the C event parser runs first to bound nesting depth, aliases, tags and document count,
so a "billion laughs" file or a 10,000-deep document is rejected quickly in bounded memory.
The walk has a node budget, which turns any remaining alias blow-up into a diagnostic rather
than an exhausted machine. Duplicate keys are errors; explicit tags other than `!!str` are
refused before anything is constructed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
)
from yaml.nodes import MappingNode

from fairgov.diagnostics import Diagnostic
from fairgov.load.errors import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    LoadError,
    Position,
    escape_pointer,
)
from fairgov.load.errors import mark as _mark
from fairgov.load.walk import Walk
from fairgov.load.yaml12 import Loader

__all__ = [
    "MAX_ALIASES", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "Document", "LoadError", "Position",
    "escape_pointer", "load_file", "parse_bytes", "read_regular_file",
]



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




def load_file(
    path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES
) -> tuple[Document | None, list[Diagnostic]]:
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
            raise LoadError(
                "FG101", f"file is {st.st_size:,} bytes, over the limit of {max_bytes:,}"
            )
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
    if not text.strip() or all(
        ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()
    ):
        raise LoadError("FG105", "file holds no YAML document")
    if needs_event_scan(text):
        _scan_events(text)
    try:
        tree = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as err:
        raise _yaml_error(err) from err
    except RecursionError as err:  # pragma: no cover - the event scan bounds depth first
        raise LoadError("FG110", "document nests too deeply") from err
    if not isinstance(tree, MappingNode):
        raise LoadError("FG111", "top level must be a mapping with `apiVersion` and `kind`")

    positions: dict[str, Position] = {"": _mark(tree)}
    key_positions: dict[str, Position] = {}
    data = Walk(positions, key_positions).value(tree, "")
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
            raise LoadError(
                "FG104", "tab used for indentation", lineno, col, hint="indent with spaces"
            )


def needs_event_scan(text: str) -> bool:
    """Cheap textual test: can this text possibly exceed a bound the event scan enforces?

    The event scan parses the whole file a second time (with libyaml that is cheap, but
    every event is still a Python object). It is skipped only when the text has no alias,
    anchor or tag characters, no document markers, and an upper bound on its nesting depth
    (two levels per indentation column plus every flow opener) stays under the limit.
    Anything else takes the full scan.
    """
    if (
        any(ch in text for ch in "&*!")
        or "\n---" in text
        or "\n..." in text
        or text.startswith(("---", "..."))
    ):
        return True
    max_indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    openers = text.count("[") + text.count("{")
    return 2 * max_indent + 2 + openers > MAX_DEPTH


def _scan_events(text: str) -> None:
    """Bound depth, aliases, tags and document count before constructing any object."""
    depth = aliases = documents = 0
    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _at("FG108", "more than one YAML document in the file", event)
            tag = getattr(event, "tag", None) if isinstance(event, NodeEvent) else None
            if tag and tag not in ("tag:yaml.org,2002:str", "!"):
                raise _at("FG112", f"explicit tag {tag!r} is not allowed", event)
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _at("FG110", f"nesting deeper than {MAX_DEPTH} levels", event)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            elif isinstance(event, AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _at("FG109", f"more than {MAX_ALIASES} aliases", event)
    except yaml.YAMLError as err:
        raise _yaml_error(err) from err


def _at(code: str, message: str, event: Any) -> LoadError:
    return LoadError(code, message, *_mark(event))




def _yaml_error(err: yaml.YAMLError) -> LoadError:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if isinstance(err, yaml.composer.ComposerError) and "single document" in str(problem):
        return LoadError("FG108", "more than one YAML document in the file", line, col)
    if "maximum nesting depth" in str(problem):  # libyaml's own limit (1000) trips first
        return LoadError("FG110", f"nesting deeper than {MAX_DEPTH} levels", line, col)
    if isinstance(
        err, yaml.constructor.ConstructorError
    ):  # pragma: no cover - tags are scanned first
        return LoadError("FG112", f"unsupported tag: {problem}", line, col)
    return LoadError("FG106", f"YAML syntax error: {problem}", line, col)

