"""The cells of a gate row, shared by the terminal table and summary.md.

Both say the same things in the same words: the observed number with its interval, the
worst-served group of the gate's axis with its own estimate and interval
(`V-VI: 0.647 (0.471–0.781)`), the limit, the reason, and who waived the gate until when.
They read the typed results (`fairgov.results`), never the JSON dict.
"""

from __future__ import annotations

from fairgov.results import AttributeBlock, Gate, Results
from fairgov.results.endpoints import gate_measure


def fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def interval(lo: float | None, hi: float | None) -> str:
    return f" ({fmt(lo)}–{fmt(hi)})" if lo is not None and hi is not None else ""


def observed(g: Gate) -> str:
    if g.type != "metric":
        return fmt(g.compared) if g.compared is not None else "—"
    if g.value is None:
        return "—"
    return fmt(g.value) + interval(g.ci_low, g.ci_high)


def limit(g: Gate) -> str:
    if g.threshold is None:
        return "—"
    return f"{g.op} {g.threshold:g}"


def worst_served(g: Gate, results: Results) -> str:
    """`group: estimate (low–high)` of the gate axis's worst-served group, `—` where none.

    The group is the one the `worst` statistic picks for the gate's metric (lowest value of
    a higher-is-better metric, highest of a lower-is-better one); the estimate and interval
    are that group's own. Aggregate metrics (equalized odds) and documentation gates have none.
    """
    attribute = _attribute(g, results)
    if attribute is None or g.metric is None:
        return "—"
    aggregate = attribute.aggregates.get(g.metric)
    worst = aggregate.get("worst") if isinstance(aggregate, dict) else None
    group = worst.group if worst is not None else None
    cell = attribute.groups.get(group) if group is not None else None
    stat = cell.metrics.get(g.metric) if cell is not None else None
    if stat is None or stat.value is None:
        return "—"
    return f"{group}: {fmt(stat.value)}{interval(stat.ci_low, stat.ci_high)}"


def _attribute(g: Gate, results: Results) -> AttributeBlock | None:
    if g.type != "metric" or not g.evaluation or not g.across:
        return None
    measure = gate_measure(results, g)
    return measure.attributes.get(g.across) if measure is not None else None


def waiver(g: Gate, results: Results) -> str:
    """`OWNER (TICKET) until DATE` for an active waiver, `... expired DATE` for one that no
    longer waives, `` for a gate without a waiver."""
    w = g.waiver or next(
        (
            x
            for x in results.waivers
            if x.gate == g.gate and x.policy == g.policy and x.status == "expired"
        ),
        None,
    )
    if w is None:
        return ""
    state = "until" if w.status == "active" else "expired"
    return f"{w.owner} ({w.ticket}) {state} {w.expires}"
