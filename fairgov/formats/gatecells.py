"""The cells of a gate row, shared by the terminal table and summary.md.

Both say the same things in the same words: the observed number with its interval, the
worst-served group of the gate's axis with its own estimate and interval
(`V-VI: 0.647 (0.471–0.781)`), the limit, the reason, and who waived the gate until when.
"""

from __future__ import annotations

from typing import Any

from fairgov.results.endpoints import gate_measure


def fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def interval(lo: float | None, hi: float | None) -> str:
    return f" ({fmt(lo)}–{fmt(hi)})" if lo is not None and hi is not None else ""


def observed(g: dict[str, Any]) -> str:
    if g["type"] != "metric":
        return fmt(g.get("compared")) if g.get("compared") is not None else "—"
    if g.get("value") is None:
        return "—"
    return fmt(g["value"]) + interval(g.get("ci_low"), g.get("ci_high"))


def limit(g: dict[str, Any]) -> str:
    if g.get("threshold") is None:
        return "—"
    return f"{g['op']} {g['threshold']:g}"


def worst_served(g: dict[str, Any], results: dict[str, Any]) -> str:
    """`group: estimate (low–high)` of the gate axis's worst-served group, `—` where none.

    The group is the one the `worst` statistic picks for the gate's metric (lowest value of
    a higher-is-better metric, highest of a lower-is-better one); the estimate and interval
    are that group's own. Aggregate metrics (equalized odds) and documentation gates have none.
    """
    attribute = _attribute(g, results)
    if attribute is None:
        return "—"
    worst = (attribute.get("aggregates", {}).get(g["metric"]) or {}).get("worst")
    group = (worst or {}).get("group") if isinstance(worst, dict) else None
    cell = (attribute.get("groups", {}).get(group) or {}).get("metrics", {}).get(g["metric"]) if group else None
    if not cell or cell.get("value") is None:
        return "—"
    return f"{group}: {fmt(cell['value'])}{interval(cell.get('ci_low'), cell.get('ci_high'))}"


def _attribute(g: dict[str, Any], results: dict[str, Any]) -> dict[str, Any] | None:
    if g["type"] != "metric" or not g.get("evaluation") or not g.get("across"):
        return None
    attrs = (gate_measure(results, g) or {}).get("attributes") or {}
    return attrs.get(g["across"])


def waiver(g: dict[str, Any], results: dict[str, Any]) -> str:
    """`OWNER (TICKET) until DATE` for an active waiver, `... expired DATE` for one that no
    longer waives, `` for a gate without a waiver."""
    w = g.get("waiver") or next((x for x in results.get("waivers", []) if x["gate"] == g["gate"]
                                 and x["policy"] == g["policy"] and x["status"] == "expired"), None)
    if not w:
        return ""
    state = "until" if w.get("status", "active") == "active" else "expired"
    return f"{w['owner']} ({w['ticket']}) {state} {w['expires']}"
