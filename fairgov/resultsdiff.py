"""Compare two results.json files: gate status changes and subgroup metric shifts.

A metric change is a regression when the head value lies outside the base interval in the
harmful direction (lower for higher-is-better metrics, higher for lower-is-better ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fairgov.results import Gate, Results, Stat, measures, parse

LOWER_IS_BETTER = {"fpr", "fnr", "brier", "ece", "calibration_in_the_large"}
BAD = {"fail", "inconclusive"}


def _gates(results: Results) -> dict[str, Gate]:
    return {f"{g.policy}:{g.id}": g for g in results.gates}


def _cells(results: Results) -> Iterator[tuple[tuple[str, str, str, str], Stat]]:
    for ref, measure in measures(results):
        for metric, stat in measure.overall.metrics.items():
            yield (ref, "overall", "all", metric), stat
        for attr, block in measure.attributes.items():
            for group, cell in block.groups.items():
                for metric, stat in cell.metrics.items():
                    yield (ref, attr, group, metric), stat


def _regressed(metric: str, base: Stat, head: Stat) -> bool:
    hv, lo, hi = head.value, base.ci_low, base.ci_high
    if hv is None or lo is None or hi is None:
        return False
    return hv > hi if metric in LOWER_IS_BETTER else hv < lo


def _stat(stat: Stat) -> dict[str, Any]:
    return stat.model_dump(mode="json", exclude_unset=True)


def diff_results(base: Results | dict[str, Any], head: Results | dict[str, Any]) -> dict[str, Any]:
    """Gate and metric changes between two results (any readable schema version)."""
    base, head = _typed(base), _typed(head)
    bg, hg = _gates(base), _gates(head)
    gates = []
    for key in sorted(set(bg) | set(hg)):
        b, h = bg.get(key), hg.get(key)
        bs, hs = (b.status if b else None), (h.status if h else None)
        if bs != hs or (b and h and b.value != h.value):
            gates.append(
                {
                    "gate": key,
                    "base": bs,
                    "head": hs,
                    "base_value": b.value if b else None,
                    "head_value": h.value if h else None,
                    "new_failure": hs in BAD and bs not in BAD,
                }
            )
    bc = dict(_cells(base))
    metrics = []
    for ckey, hstat in _cells(head):
        bstat = bc.get(ckey)
        if bstat is None or bstat.value == hstat.value:
            continue
        metrics.append(
            {
                "evaluation": ckey[0],
                "attribute": ckey[1],
                "group": ckey[2],
                "metric": ckey[3],
                "base": _stat(bstat),
                "head": _stat(hstat),
                "regression": _regressed(ckey[3], bstat, hstat),
            }
        )
    return {
        "base_verdict": base.verdict.status,
        "head_verdict": head.verdict.status,
        "gates": gates,
        "metrics": metrics,
        "new_failures": [g["gate"] for g in gates if g["new_failure"]],
        "regressions": [
            f"{m['evaluation']} {m['attribute']}={m['group']} {m['metric']}"
            for m in metrics
            if m["regression"]
        ],
    }


def _typed(results: Results | dict[str, Any]) -> Results:
    return results if isinstance(results, Results) else parse(results)


def _fmt(stat: dict[str, Any] | None) -> str:
    if not stat or stat.get("value") is None:
        return "—"
    ci = f" ({stat['ci_low']:.3f}–{stat['ci_high']:.3f})" if stat.get("ci_low") is not None else ""
    return f"{stat['value']:.3f}{ci}"


def to_markdown(d: dict[str, Any]) -> str:
    lines = [f"## fairgov diff: {d['base_verdict']} → {d['head_verdict']}", ""]
    if d["new_failures"]:
        lines += ["**New failures:** " + ", ".join(d["new_failures"]), ""]
    lines += ["| gate | base | head | value base → head |", "|---|---|---|---|"]
    for g in d["gates"]:
        bv = "—" if g["base_value"] is None else f"{g['base_value']:.3f}"
        hv = "—" if g["head_value"] is None else f"{g['head_value']:.3f}"
        lines.append(f"| {g['gate']} | {g['base']} | {g['head']} | {bv} → {hv} |")
    lines += [
        "",
        "| evaluation | subgroup | metric | base | head | regression |",
        "|---|---|---|---|---|---|",
    ]
    for m in d["metrics"]:
        regression = "**yes**" if m["regression"] else "no"
        lines.append(
            f"| {m['evaluation']} | {m['attribute']}={m['group']} | {m['metric']} | "
            f"{_fmt(m['base'])} | {_fmt(m['head'])} | {regression} |"
        )
    return "\n".join(lines) + "\n"
