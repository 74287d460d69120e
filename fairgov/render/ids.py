"""Deterministic, unique HTML ids: derived from content, de-duplicated in call order."""

from __future__ import annotations

from fairgov.render import fmt


class Ids:
    def __init__(self) -> None:
        self._given: dict[tuple[str, ...], str] = {}
        self._used: set[str] = set()

    def get(self, prefix: str, *parts: object) -> str:
        """The same (prefix, parts) always gives the same id within one report."""
        key = (prefix, *map(str, parts))
        if key in self._given:
            return self._given[key]
        base = f"{prefix}-{fmt.slug(*parts)}" if parts else prefix
        ident, n = base, 2
        while ident in self._used:
            ident, n = f"{base}-{n}", n + 1
        self._used.add(ident)
        self._given[key] = ident
        return ident
