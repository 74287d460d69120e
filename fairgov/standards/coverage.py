"""Coverage: which items of a standard the project's documents (and build results) answer.

Rules, chosen so that "covered" never means "silently skipped":

* a field answers when present and not None, not an empty or blank string, not an empty
  list/dict, not placeholder text (``TODO``, ``TBD``: see ``fairgov.spec.placeholders``),
  and (for a nested model) when at least one of its own fields answers;
* an explicit ``not_applicable: <justification>`` answers, and the item is flagged so the
  report can print the justification next to it; a placeholder justification
  (``not_applicable: TODO``) does not answer;
* through a list (``evaluations[role=external].setting``) one answering element is enough;
* ``results:*`` references answer only when the caller puts them in ``auto``;
* ``match: any`` needs one answering reference, ``match: all`` needs every one;
* an item with no reference at all (nothing in fairgov answers it) is always missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from fairgov.spec.common import NotApplicable
from fairgov.spec.placeholders import is_placeholder
from fairgov.standards.catalog import Item, Standard, get_standard, load_standards
from fairgov.standards.refs import is_auto, resolve, split_ref

Documents = Mapping[str, BaseModel | None]


@dataclass(frozen=True)
class ItemStatus:
    """The verdict on one item, with the references that decided it."""

    item: Item
    covered: bool
    answered_by: list[str]
    missing_fields: list[str]
    not_applicable: bool
    justifications: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        i = self.item
        return {
            "id": i.id,
            "title": i.title,
            "group": i.group,
            "fairness": i.fairness,
            "optional": i.optional,
            "match": i.match,
            "refs": list(i.refs),
            "unmapped": i.unmapped,
            "covered": self.covered,
            "answered_by": list(self.answered_by),
            "missing_fields": list(self.missing_fields),
            "not_applicable": self.not_applicable,
            "justifications": dict(self.justifications),
        }


@dataclass(frozen=True)
class Coverage:
    """Coverage of one standard: counts over all items, and over the non-optional ones."""

    standard: Standard
    items: list[ItemStatus]

    @property
    def covered(self) -> int:
        return sum(s.covered for s in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def fraction(self) -> float:
        return self.covered / self.total if self.total else 1.0

    @property
    def required_covered(self) -> int:
        return sum(s.covered for s in self.items if not s.item.optional)

    @property
    def required_total(self) -> int:
        return sum(not s.item.optional for s in self.items)

    @property
    def missing(self) -> list[str]:
        """Titles of uncovered items, in the standard's order."""
        return [s.item.title for s in self.items if not s.covered]

    @property
    def missing_required(self) -> list[str]:
        return [s.item.title for s in self.items if not s.covered and not s.item.optional]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (only str, int, float, bool, None, lists and dicts)."""
        s = self.standard
        return {
            "standard": s.id,
            "title": s.title,
            "edition": s.edition,
            "source": s.source,
            "status_note": s.status_note,
            "covered": self.covered,
            "total": self.total,
            "fraction": self.fraction,
            "required_covered": self.required_covered,
            "required_total": self.required_total,
            "missing": self.missing,
            "missing_required": self.missing_required,
            "items": [i.to_dict() for i in self.items],
        }


def is_answered(value: Any) -> bool:
    """Whether one value counts as an answer (see the module docstring)."""
    if value is None:
        return False
    if isinstance(value, str | NotApplicable) and is_placeholder(value):
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, NotApplicable):
        return True
    if isinstance(value, BaseModel):
        return any(is_answered(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, list | tuple | dict | set | frozenset):
        return len(value) > 0
    return True


def _check_ref(ref: str, documents: Documents, auto: frozenset[str]) -> tuple[bool, str | None]:
    """(answered, justification when every answering value is ``not_applicable``)."""
    if is_auto(ref):
        return ref in auto, None
    kind, path = split_ref(ref)
    answers = [v for v in resolve(documents.get(kind), path) if is_answered(v)]
    if answers and all(isinstance(v, NotApplicable) for v in answers):
        return True, "; ".join(v.not_applicable for v in answers)
    return bool(answers), None


def item_status(item: Item, documents: Documents, auto: frozenset[str] = frozenset()) -> ItemStatus:
    """Decide one item."""
    answered: list[str] = []
    missing: list[str] = []
    justifications: dict[str, str] = {}
    for ref in item.refs:
        ok, why = _check_ref(ref, documents, auto)
        (answered if ok else missing).append(ref)
        if why is not None:
            justifications[ref] = why
    if item.match == "all":
        covered = bool(item.refs) and not missing
    else:
        covered = bool(answered)
        missing = [] if covered else missing
    not_applicable = covered and all(r in justifications for r in answered)
    return ItemStatus(item, covered, answered, missing, not_applicable, justifications)


def coverage(
    standard: Standard | str, documents: Documents, auto: Iterable[str] = frozenset()
) -> Coverage:
    """Coverage of ``standard`` by ``documents`` (spec kind -> validated model, or None when the
    project has no such document) and the automatic results in ``auto``."""
    std = get_standard(standard) if isinstance(standard, str) else standard
    done = frozenset(auto)
    return Coverage(std, [item_status(item, documents, done) for item in std.items])


def coverage_for_project(
    models_by_kind: Documents, auto: Iterable[str] = frozenset()
) -> dict[str, Coverage]:
    """Coverage of every shipped standard, by standard id."""
    done = frozenset(auto)
    return {sid: coverage(std, models_by_kind, done) for sid, std in load_standards().items()}


def auto_refs(roles_run: Iterable[str], *, intersections: bool = False) -> frozenset[str]:
    """The ``auto`` set for a build, from the model-card roles of the evaluations that ran
    successfully and whether any of them reported an intersection of attributes."""
    roles = set(roles_run)
    refs: set[str] = set()
    if "internal" in roles:
        refs |= {"results:composition", "results:metrics", "results:subgroup_metrics"}
    if "external" in roles:
        refs |= {
            "results:external_composition",
            "results:external_metrics",
            "results:external_subgroup_metrics",
        }
    if intersections and roles & {"internal", "external"}:
        refs.add("results:intersectional_metrics")
    return frozenset(refs)
