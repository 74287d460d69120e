"""CI-facing outputs of a build: JUnit XML, SARIF for gates, summary.md, the gate table."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from fairgov.diagnostics import Diagnostic
from fairgov.formats.sarif import sarif_log

ICON = {"pass": "✔ pass", "fail": "✖ FAIL", "inconclusive": "? INCONCLUSIVE", "warn": "! warn", "waived": "~ waived"}


def fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def observed(g: dict[str, Any]) -> str:
    if g["type"] != "metric":
        return fmt(g.get("compared")) if g.get("compared") is not None else "—"
    if g.get("value") is None:
        return "—"
    ci = f" ({fmt(g['ci_low'])}–{fmt(g['ci_high'])})" if g.get("ci_low") is not None else ""
    return fmt(g["value"]) + ci


def limit(g: dict[str, Any]) -> str:
    if g.get("threshold") is None:
        return "—"
    return f"{g['op']} {g['threshold']:g}"


def gate_diagnostics(gates: list[dict[str, Any]]) -> list[Diagnostic]:
    """Failing, inconclusive and warning gates as diagnostics at the gate's line in its policy."""
    out = []
    for g in gates:
        if g["status"] in ("pass", "waived"):
            continue
        code = {"fail": "FG501", "inconclusive": "FG502", "warn": "FG504"}[g["status"]]
        if g["type"] != "metric" and g["status"] == "fail":
            code = "FG506"
        src = (g.get("details") or {}).get("location") or g.get("source") or {}
        sev = "error" if g["blocking"] else "warning"
        msg = f"gate {g['id']} {g['status']}: {g['title']} — observed {observed(g)}, limit {limit(g)}; {g['reason']}"
        out.append(Diagnostic(src.get("file", "fairgov.yaml"), src.get("line", 1), src.get("col", 1), code, msg, sev))  # type: ignore[arg-type]
    return out


def sarif(gates: list[dict[str, Any]], uri_prefix: str = "") -> dict[str, Any]:
    return sarif_log(gate_diagnostics(gates), uri_prefix)


def junit(results: dict[str, Any]) -> str:
    gates = results["gates"]
    suite = ET.Element("testsuite", name="fairgov", tests=str(len(gates)),
                       failures=str(sum(g["status"] == "fail" for g in gates)),
                       errors=str(sum(g["status"] == "inconclusive" for g in gates)),
                       skipped=str(sum(g["status"] == "waived" for g in gates)),
                       timestamp=results["build_date"] + "T00:00:00")
    for g in gates:
        case = ET.SubElement(suite, "testcase", classname=f"{g['policy']}", name=g["id"])
        text = f"{g['title']}\nobserved {observed(g)}, limit {limit(g)}\n{g['reason']}"
        if g["status"] == "fail":
            ET.SubElement(case, "failure", message=g["reason"][:200], type="FG501").text = text
        elif g["status"] == "inconclusive":
            ET.SubElement(case, "error", message=g["reason"][:200], type="FG502").text = text
        elif g["status"] == "waived":
            ET.SubElement(case, "skipped", message=f"waived until {g['waiver']['expires']} ({g['waiver']['ticket']})")
        elif g["status"] == "warn":
            ET.SubElement(case, "system-out").text = "WARNING: " + text
    root = ET.Element("testsuites", name="fairgov")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_md(results: dict[str, Any]) -> str:
    v = results["verdict"]
    lines = [f"## fairgov: {_md(v['summary'])}", "",
             f"Build date {results['build_date']} · fairgov {results['fairgov_version']}", "",
             "| status | gate | observed | limit | blocking |", "|---|---|---|---|---|"]
    for g in results["gates"]:
        lines.append(f"| {ICON[g['status']]} | {_md(g['id'])}: {_md(g['title'])} | {observed(g)} | {limit(g)} | {'yes' if g['blocking'] else 'no'} |")
    expired = [w for w in results["waivers"] if w["status"] == "expired"]
    if expired:
        lines += ["", "**Expired waivers:** " + ", ".join(f"{_md(w['gate'])} ({_md(w['ticket'])}, expired {w['expires']})" for w in expired)]
    failed = [e for e in results["evaluations"].values() if e["status"] != "ok"]
    for e in failed:
        lines += ["", f"**Evaluation {_md(e['id'])} did not run:** {_md(e['error'])}"]
    return "\n".join(lines) + "\n"


def gate_table(results: dict[str, Any]) -> str:
    """Plain-text table for the terminal (`fairgov check`)."""
    rows = [("status", "gate", "observed", "limit", "reason")]
    for g in results["gates"]:
        rows.append((ICON[g["status"]], g["id"], observed(g), limit(g), g["reason"][:70]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    return "\n".join(out) + "\n\n" + results["verdict"]["summary"]
