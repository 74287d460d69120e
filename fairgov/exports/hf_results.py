"""The "Results" part of the Hugging Face card: one table per evaluation and attribute.

Every cell shows the point estimate with its bootstrap interval; an undefined cell says
`undefined` and its reason is listed under the table, so a thin subgroup is never hidden.
"""

from __future__ import annotations

from typing import Any

from fairgov.exports.text import cell, estimate


def results_markdown(refs: list[str], results: dict[str, Any] | None) -> list[str]:
    if results is None:
        return [
            "No results were exported: run `fairgov check` and pass `--results build/results.json`."
        ]
    out: list[str] = []
    for ref in refs:
        ev = results["evaluations"].get(ref)
        out += [f"#### {cell(ev.get('title') or ref) if ev else ref} (`{ref}`)", ""]
        if ev is None:
            out += ["Not in the results file: this evaluation was not part of the build.", ""]
        elif ev.get("status") == "ok" and ev.get("labels"):  # multilabel / multiclass (schema 1.3)
            for name, end in ev["labels"].items():
                out += [f"Label `{cell(name)}` (positive: `{cell(end.get('positive'))}`):", ""]
                out += _evaluation({**end, "threshold": end.get("threshold")})
        elif ev.get("status") != "ok" or not ev.get("measure"):
            out += [
                f"Did not run ({cell(ev.get('status'))}): "
                f"{cell(ev.get('error') or 'no measurements')}.",
                "",
            ]
        else:
            out += _evaluation(ev)
    return out


def _evaluation(ev: dict[str, Any]) -> list[str]:
    measure = ev["measure"]
    level = (measure.get("bootstrap") or {}).get("level")
    th = ev.get("threshold") or {}
    out = [
        f"Operating threshold {th.get('value')} ({th.get('policy')}, fitted on "
        f"{th.get('fitted_on')}); "
        f"cells show the estimate ({_interval(level)})."
    ]
    overall = measure.get("overall") or {}
    metrics = list((overall.get("metrics") or {}).keys())
    out += ["", *_table("overall", {"all": overall}, metrics)]
    for attribute, block in (measure.get("attributes") or {}).items():
        out += ["", *_table(attribute, block.get("groups") or {}, metrics)]
    return [*out, ""]


def _table(attribute: str, groups: dict[str, Any], metrics: list[str]) -> list[str]:
    head = [cell(attribute), "n", "positives", "negatives", *metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes: list[str] = []
    for group, c in groups.items():
        ms = c.get("metrics") or {}
        values = [estimate(ms.get(m) or {}) for m in metrics]
        lines.append(
            "| "
            + " | ".join(
                [cell(group), *(str(c.get(k, "")) for k in ("n", "n_pos", "n_neg")), *values]
            )
            + " |"
        )
        reasons = sorted({ms[m]["reason"] for m in metrics if ms.get(m, {}).get("reason")})
        notes += [f"- {cell(group)}: {cell(r)}" for r in reasons]
    return lines + (["", "Undefined cells:", *notes] if notes else [])


def _interval(level: float | None) -> str:
    return f"{level * 100:g}% bootstrap interval" if level else "bootstrap interval"
