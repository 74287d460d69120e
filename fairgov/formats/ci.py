"""CI-facing outputs of a build: JUnit XML, SARIF for gates, summary.md, the gate table.

summary.md is meant for a pull-request comment or `$GITHUB_STEP_SUMMARY`: it keeps every
reason in full. The terminal table wraps long reasons to the terminal width and ends a
reason cut short with `…`; `--format json` and summary.md carry the full text. Every writer
reads the typed results (`fairgov.results.Results`).
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from fairgov.diagnostics import Diagnostic
from fairgov.formats.gatecells import limit, observed, waiver, worst_served
from fairgov.formats.location import with_prefix
from fairgov.formats.sarif import sarif_log
from fairgov.results import Gate, Results

ICON = {
    "pass": "✔ pass",
    "fail": "✖ FAIL",
    "inconclusive": "? INCONCLUSIVE",
    "warn": "! warn",
    "waived": "~ waived",
}
#: lines of a reason in the terminal table before it is cut with an ellipsis
REASON_LINES = 3


def _source(g: Gate) -> dict[str, Any]:
    """Where a gate is placed: the location its details name, else its policy source."""
    location = g.details.get("location")
    if location:
        return dict(location)
    if isinstance(g.source, dict):
        return g.source
    return g.source.model_dump()


def gate_diagnostics(gates: Sequence[Gate]) -> list[Diagnostic]:
    """Failing, inconclusive and warning gates as diagnostics at the gate's line in its policy."""
    out = []
    for g in gates:
        if g.status in ("pass", "waived"):
            continue
        code = {"fail": "FG501", "inconclusive": "FG502", "warn": "FG504"}[g.status]
        if g.type != "metric" and g.status == "fail":
            code = "FG506"
        src = _source(g)
        sev = "error" if g.blocking else "warning"
        msg = (
            f"gate {g.id} {g.status}: {g.title} — observed {observed(g)}, "
            f"limit {limit(g)}; {g.reason}"
        )
        out.append(
            Diagnostic(
                src.get("file", "fairgov.yaml"),
                src.get("line", 1),
                src.get("col", 1),
                code,
                msg,
                sev,  # type: ignore[arg-type]
            )
        )
    return out


def sarif(gates: Sequence[Gate], uri_prefix: str = "") -> dict[str, Any]:
    return sarif_log(gate_diagnostics(gates), uri_prefix)


def junit(results: Results, uri_prefix: str = "") -> str:
    """One testcase per gate. `time` is 0: a gate's decision takes no measurable time, and the
    file stays byte-identical between builds (evaluation timings are in run-stats.json)."""
    gates = results.gates
    counts = {
        "tests": len(gates),
        "failures": sum(g.status == "fail" for g in gates),
        "errors": sum(g.status == "inconclusive" for g in gates),
        "skipped": sum(g.status == "waived" for g in gates),
    }
    attrs = {
        "name": "fairgov",
        **{k: str(v) for k, v in counts.items()},
        "time": "0",
        "timestamp": results.build_date + "T00:00:00",
    }
    suite = ET.Element("testsuite", attrs)
    for g in gates:
        src = _source(g)  # where SARIF places it too
        case = ET.SubElement(
            suite,
            "testcase",
            classname=g.policy,
            name=g.id,
            time="0",
            file=with_prefix(src.get("file", "fairgov.yaml"), uri_prefix),
            line=str(src.get("line", 1)),
        )
        text = f"{g.title}\nobserved {observed(g)}, limit {limit(g)}\n{g.reason}"
        if g.status == "fail":
            ET.SubElement(case, "failure", message=_short(g.reason), type="FG501").text = text
        elif g.status == "inconclusive":
            ET.SubElement(case, "error", message=_short(g.reason), type="FG502").text = text
        elif g.status == "waived":
            justification = g.waiver.justification if g.waiver is not None else ""
            message = f"waived by {waiver(g, results)}: {justification}"
            ET.SubElement(case, "skipped", message=message)
        elif g.status == "warn":
            ET.SubElement(case, "system-out").text = "WARNING: " + text
    root = ET.Element(
        "testsuites",
        name="fairgov",
        tests=str(len(gates)),
        failures=str(counts["failures"]),
        errors=str(counts["errors"]),
        skipped=str(counts["skipped"]),
        time="0",
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _short(text: str, size: int = 200) -> str:
    return text if len(text) <= size else text[: size - 2].rstrip() + " …"


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def summary_md(results: Results) -> str:
    v = results.verdict
    lines = [
        f"## fairgov: {_md(v.summary)}",
        "",
        f"Build date {results.build_date} · fairgov {results.fairgov_version}",
        "",
        "| status | gate | observed | worst-served group | limit | blocking | reason | waiver |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for g in results.gates:
        lines.append(
            f"| {ICON[g.status]} | {_md(g.id)}: {_md(g.title)} | {observed(g)} | "
            f"{_md(worst_served(g, results))} | {limit(g)} | {'yes' if g.blocking else 'no'} | "
            f"{_md(g.reason)} | {_md(waiver(g, results)) or '—'} |"
        )
    expired = [w for w in results.waivers if w.status == "expired"]
    if expired:
        listed = ", ".join(
            f"{_md(w.gate)} ({_md(w.owner)}, {_md(w.ticket)}, expired {w.expires})" for w in expired
        )
        lines += ["", "**Expired waivers:** " + listed]
    failed = [e for e in results.evaluations.values() if e.status != "ok"]
    for e in failed:
        lines += ["", f"**Evaluation {_md(e.id)} did not run:** {_md(e.error)}"]
    return "\n".join(lines) + "\n"


def gate_table(results: Results, width: int | None = None) -> str:
    """Plain-text table for the terminal (`fairgov check`): the reason column wraps within
    `width` (default: the terminal's, 120 when not a terminal) and is cut after
    REASON_LINES lines with `…`."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    rows = [("status", "gate", "observed", "worst-served group", "limit", "reason")]
    for g in results.gates:
        waived = waiver(g, results)
        reason = g.reason + (f" [waived: {waived}]" if waived else "")
        rows.append((ICON[g.status], g.id, observed(g), worst_served(g, results), limit(g), reason))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    left = sum(widths) + 2 * 5
    room = max(width - left, 30)
    out = []
    for r in rows:
        head = "  ".join(r[i].ljust(widths[i]) for i in range(5)) + "  "
        for n, part in enumerate(_wrap(r[5], room)):
            out.append((head if n == 0 else " " * left) + part)
    return "\n".join(line.rstrip() for line in out) + "\n\n" + results.verdict.summary


def _wrap(text: str, room: int) -> list[str]:
    parts = textwrap.wrap(text, room, break_on_hyphens=False) or [""]
    if len(parts) > REASON_LINES:
        last = parts[REASON_LINES - 1]
        cut = last if len(last) + 2 <= room else last[: room - 2].rstrip()
        parts = parts[: REASON_LINES - 1] + [cut + " …"]
    return parts
