"""A spec document as readable prose: each field's answer under its question.

The question is the field's pydantic description (the same text editors show on hover);
bracketed standard references ("[HTI-1 2.ii] [F]") become small tags, [F] marks a
fairness-relevant item. `not_applicable` answers print their justification.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel

from fairgov.render import fmt
from fairgov.render.i18n import N_, gettext, tr
from fairgov.render.ids import Ids
from fairgov.render.markdown import markdown
from fairgov.spec import REF_PREFIX
from fairgov.spec.common import NotApplicable

HEADER_FIELDS = ("apiVersion", "kind", "id", "title", "version", "owners", "signoff")
_TAGS = re.compile(r"\s*\[([^\]]+)\]\s*$")
CLOSED = {
    "left": N_("left-closed"),
    "right": N_("right-closed"),
    "both": N_("both-closed"),
    "neither": N_("neither-closed"),
}


@dataclass
class Node:
    type: str  # section | answer | table
    title: str
    anchor: str
    refs: list[str] = field(default_factory=list)
    fairness: bool = False
    lead: str = ""
    state: str = ""  # answer: text | na | value | missing
    html: Markup = Markup("")
    text: str = ""
    children: list[Node] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def split_description(desc: str | None) -> tuple[str, list[str], bool]:
    """'Question? [Gebru 1.1] [F]' -> ('Question?', ['Gebru 1.1'], True)."""
    text, tags = (desc or "").strip(), list[str]()
    while (m := _TAGS.search(text)) is not None:
        tags.insert(0, m.group(1).strip())
        text = text[: m.start()].rstrip()
    fairness = "F" in tags
    return text, [t for t in tags if t != "F"], fairness


def is_narrative(annotation: Any) -> bool:
    args = typing.get_args(annotation)
    return NotApplicable in args or any(is_narrative(a) for a in args if a is not annotation)


@dataclass
class DocumentView:
    ref: str
    kind: str
    anchor: str
    title: str
    facts: list[tuple[str, str]]
    nodes: list[Node]
    anchors: dict[str, str]  # dotted field path -> anchor


def document_view(entry: Any, ids: Ids) -> DocumentView:
    model, doc = entry.model, entry.doc
    prefix = REF_PREFIX.get(doc.kind, doc.kind.lower())
    anchors: dict[str, str] = {}
    walker = _Walker(ids, prefix, model.id, anchors)
    nodes = walker.fields(model, "", skip=HEADER_FIELDS)
    owners = "; ".join(
        f"{p.name} ({p.role}{', ' + p.email if p.email else ''})" for p in model.owners
    )
    facts = [
        (
            gettext("Document"),
            gettext("%(kind)s %(ref)s, version %(version)s")
            % {"kind": doc.kind, "ref": entry.ref, "version": model.version},
        ),
        (gettext("Owners"), owners),
        (gettext("Source file"), doc.relpath),
        ("sha256", doc.sha256),
    ]
    return DocumentView(
        entry.ref, doc.kind, ids.get("doc", prefix, model.id), model.title, facts, nodes, anchors
    )


class _Walker:
    def __init__(self, ids: Ids, prefix: str, doc_id: str, anchors: dict[str, str]):
        self.ids, self.prefix, self.doc_id, self.anchors = ids, prefix, doc_id, anchors

    def anchor(self, path: str) -> str:
        ident = self.ids.get("f", self.prefix, self.doc_id, path)
        self.anchors.setdefault(path, ident)
        return ident

    def fields(self, model: BaseModel, base: str, skip: tuple[str, ...] = ()) -> list[Node]:
        out = []
        for name, info in type(model).model_fields.items():
            if name in skip:
                continue
            path = f"{base}.{name}" if base else name
            out.append(
                self.node(name, info.description, info.annotation, getattr(model, name), path)
            )
        return out

    def node(self, name: str, desc: str | None, annotation: Any, value: Any, path: str) -> Node:
        question, refs, fair = split_description(desc)
        question = tr(question) or ""
        anchor = self.anchor(path)
        if isinstance(value, BaseModel) and not isinstance(value, NotApplicable):
            return Node(
                "section",
                tr(fmt.humanize(name)),
                anchor,
                refs,
                fair,
                lead=question,
                children=self.fields(value, path),
            )
        items = (
            list(value.items())
            if isinstance(value, dict)
            else list(enumerate(value))
            if isinstance(value, list)
            else []
        )
        if (
            items
            and all(isinstance(v, BaseModel) for _, v in items)
            and not any(_has_narrative(v) for _, v in items)
        ):
            return self.table(name, question, refs, fair, anchor, items, isinstance(value, dict))
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, BaseModel) for v in value.values())
        ):
            kids = [
                Node(
                    "section",
                    str(k),
                    self.anchor(f"{path}.{k}"),
                    children=self.fields(v, f"{path}.{k}"),
                )
                for k, v in value.items()
            ]
            return Node(
                "section", tr(fmt.humanize(name)), anchor, refs, fair, lead=question, children=kids
            )
        if isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value):
            kids = [
                Node(
                    "section",
                    _item_title(v, i),
                    self.anchor(f"{path}[{i}]"),
                    children=self.fields(v, f"{path}[{i}]"),
                )
                for i, v in enumerate(value)
            ]
            return Node(
                "section", tr(fmt.humanize(name)), anchor, refs, fair, lead=question, children=kids
            )
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            rows = [
                [str(k), str(g), _scalar(v)] for k, sub in value.items() for g, v in sub.items()
            ]
            return Node(
                "table",
                question or tr(fmt.humanize(name)),
                anchor,
                refs,
                fair,
                columns=[gettext("Attribute"), gettext("Group"), gettext("Value")],
                rows=rows,
            )
        return self.answer(name, question, refs, fair, anchor, annotation, value)

    def table(
        self,
        name: str,
        question: str,
        refs: list[str],
        fair: bool,
        anchor: str,
        items: list[tuple[Any, BaseModel]],
        keyed: bool,
    ) -> Node:
        names = [
            n
            for n in type(items[0][1]).model_fields
            if any(getattr(v, n) not in (None, [], {}) for _, v in items)
        ]
        columns = ([gettext("Name")] if keyed else []) + [tr(fmt.humanize(n)) for n in names]
        rows = [
            ([str(k)] if keyed else [])
            + [
                _scalar(getattr(v, n)) if getattr(v, n) not in (None, [], {}) else fmt.DASH
                for n in names
            ]
            for k, v in items
        ]
        return Node(
            "table",
            question or tr(fmt.humanize(name)),
            anchor,
            refs,
            fair,
            lead=tr(fmt.humanize(name)),
            columns=columns,
            rows=rows,
        )

    def answer(
        self,
        name: str,
        question: str,
        refs: list[str],
        fair: bool,
        anchor: str,
        annotation: Any,
        value: Any,
    ) -> Node:
        node = Node(
            "answer",
            question or tr(fmt.humanize(name)),
            anchor,
            refs,
            fair,
            lead=tr(fmt.humanize(name)),
        )
        if isinstance(value, NotApplicable):
            node.state, node.text = "na", value.not_applicable
        elif value is None or value == [] or value == {}:
            node.state, node.text = "missing", gettext("not given")
        elif isinstance(value, str) and is_narrative(annotation):
            node.state, node.html = "text", markdown(value)
        else:
            node.state, node.text = "value", _scalar(value)
        return node


def _has_narrative(model: BaseModel) -> bool:
    return any(is_narrative(info.annotation) for info in type(model).model_fields.values())


def _item_title(item: BaseModel, i: int) -> str:
    for key in ("name", "ref", "condition", "label", "gate", "id"):
        v = getattr(item, key, None)
        if isinstance(v, str) and v:
            return v
    return gettext("Item %(n)s") % {"n": fmt.count(i + 1)}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "; ".join(f"{k} → {_scalar(v)}" for k, v in value.items())
    if isinstance(value, BaseModel):
        if hasattr(value, "label") and hasattr(value, "low"):
            b: Any = value
            closed = gettext(CLOSED[b.closed]) if b.closed in CLOSED else f"{b.closed}-closed"
            return f"{b.label}: {_edge(b.low)}–{_edge(b.high)} ({closed})"
        return ", ".join(
            f"{k}={_scalar(v)}" for k, v in value.model_dump(exclude_none=True).items()
        )
    if isinstance(value, (list, tuple)):
        return ", ".join(
            " × ".join(map(str, v)) if isinstance(v, (list, tuple)) else _scalar(v) for v in value
        )
    return str(value)


def _edge(x: float | None) -> str:
    return "∞" if x is None else f"{x:g}"
