"""Compare two results.json files: gate status changes and subgroup metric shifts.

A metric change is a regression when the head value lies outside the base interval in the
harmful direction (lower for higher-is-better metrics, higher for lower-is-better ones).
"""

from __future__ import annotations

from typing import Any

LOWER_IS_BETTER = {"fpr", "fnr", "brier", "ece", "calibration_in_the_large"}
BAD = {"fail", "inconclusive"}


def _gates(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{g['policy']}:{g['id']}": g for g in results.get("gates", [])}


def measures(results: dict[str, Any]):
    """(label, measure) of every evaluation and of each mitigation variant (`ref#variant`)."""
    for ref, ev in results.get("evaluations", {}).items():
        yield ref, ev.get("measure") or {}
        for vid, var in sorted((ev.get("variants") or {}).items()):
            yield f"{ref}#{vid}", var.get("measure") or {}


def _cells(results: dict[str, Any]):
    for ref, measure in measures(results):
        for metric, stat in (measure.get("overall") or {}).get("metrics", {}).items():
            yield (ref, "overall", "all", metric), stat
        for attr, block in (measure.get("attributes") or {}).items():
            for group, cell in block.get("groups", {}).items():
                for metric, stat in cell.get("metrics", {}).items():
                    yield (ref, attr, group, metric), stat


def _regressed(metric: str, base: dict[str, Any], head: dict[str, Any]) -> bool:
    hv, lo, hi = head.get("value"), base.get("ci_low"), base.get("ci_high")
    if hv is None or lo is None or hi is None:
        return False
    return hv > hi if metric in LOWER_IS_BETTER else hv < lo


def diff_results(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    bg, hg = _gates(base), _gates(head)
    gates = []
    for key in sorted(set(bg) | set(hg)):
        b, h = bg.get(key), hg.get(key)
        bs, hs = (b or {}).get("status"), (h or {}).get("status")
        if bs != hs or (b and h and b.get("value") != h.get("value")):
            gates.append({"gate": key, "base": bs, "head": hs, "base_value": (b or {}).get("value"),
                          "head_value": (h or {}).get("value"), "new_failure": hs in BAD and bs not in BAD})
    bc = dict(_cells(base))
    metrics = []
    for key, hstat in _cells(head):
        bstat = bc.get(key)
        if bstat is None or bstat.get("value") == hstat.get("value"):
            continue
        metrics.append({"evaluation": key[0], "attribute": key[1], "group": key[2], "metric": key[3],
                        "base": bstat, "head": hstat, "regression": _regressed(key[3], bstat, hstat)})
    return {"base_verdict": base.get("verdict", {}).get("status"), "head_verdict": head.get("verdict", {}).get("status"),
            "gates": gates, "metrics": metrics,
            "new_failures": [g["gate"] for g in gates if g["new_failure"]],
            "regressions": [f"{m['evaluation']} {m['attribute']}={m['group']} {m['metric']}" for m in metrics if m["regression"]]}


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
    lines += ["", "| evaluation | subgroup | metric | base | head | regression |", "|---|---|---|---|---|---|"]
    for m in d["metrics"]:
        lines.append(f"| {m['evaluation']} | {m['attribute']}={m['group']} | {m['metric']} | {_fmt(m['base'])} | {_fmt(m['head'])} | {'**yes**' if m['regression'] else 'no'} |")
    return "\n".join(lines) + "\n"
