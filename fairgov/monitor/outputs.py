"""CI-facing outputs of a monitor run: trigger diagnostics, JUnit, SARIF, summary.md, the
terminal table, and writing every file atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from fairgov.atomic import atomic_write_text
from fairgov.diagnostics import Diagnostic, FairgovError
from fairgov.formats.sarif import sarif_log
from fairgov.jsonout import dumps

ICON = {"ok": "✔ ok", "alert": "✖ ALERT", "inconclusive": "? INCONCLUSIVE", "pending": "… pending"}


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def latest(t: dict[str, Any]) -> dict[str, Any] | None:
    judged = [p for p in t["periods"] if p["status"] != "pending"]
    return judged[-1] if judged else None


def observed(t: dict[str, Any]) -> str:
    p = latest(t)
    if p is None or p.get("value") is None:
        return "—"
    ci = f" ({fmt(p['ci_low'])}–{fmt(p['ci_high'])})" if p.get("ci_low") is not None else ""
    group = f" [{p['group']}]" if p.get("group") and p["group"] != "all" else ""
    return fmt(p["value"]) + ci + group


def trigger_diagnostics(doc: dict[str, Any]) -> list[Diagnostic]:
    """Alerts and inconclusive triggers, located at the trigger in the deployment spec."""
    out = []
    for t in doc["triggers"]:
        if t["status"] in ("ok", "pending"):
            continue
        code = "FG720" if t["status"] == "alert" else "FG721"
        if not t["blocking"]:
            code = "FG722"
        line = t.get("line", 1)
        msg = (
            f"trigger {t['id']} {t['status']} in {t['latest_period']}: {t['condition']} — observed "
            f"{observed(t)}; "
            f"{t['reason']}. Action: {t['action']}"
        )
        out.append(
            Diagnostic(
                doc["deployment"]["file"],
                line,
                1,
                code,
                msg,
                "error" if t["blocking"] else "warning",
            )
        )
    return out


def junit(doc: dict[str, Any]) -> str:
    ts = doc["triggers"]
    suite = ET.Element(
        "testsuite",
        name=f"fairgov-monitor:{doc['deployment']['id']}",
        tests=str(len(ts)),
        failures=str(sum(t["status"] == "alert" for t in ts)),
        errors=str(sum(t["status"] == "inconclusive" for t in ts)),
        skipped=str(sum(t["status"] == "pending" for t in ts)),
        timestamp=doc["as_of"],
    )
    for t in ts:
        case = ET.SubElement(suite, "testcase", classname=doc["deployment"]["id"], name=t["id"])
        text = (
            f"{t['condition']}\nobserved {observed(t)} in {t['latest_period']}\n"
            f"{t['reason']}\nAction: {t['action']}"
        )
        if t["status"] == "alert":
            ET.SubElement(case, "failure", message=t["reason"][:200], type="FG720").text = text
        elif t["status"] == "inconclusive":
            ET.SubElement(case, "error", message=t["reason"][:200], type="FG721").text = text
        elif t["status"] == "pending":
            ET.SubElement(case, "skipped", message="labels pending")
    root = ET.Element("testsuites", name="fairgov-monitor")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_md(doc: dict[str, Any]) -> str:
    v = doc["verdict"]
    lines = [
        f"## fairgov monitor: {_md(v['summary'])}",
        "",
        f"Deployment {doc['deployment']['id']} · as of {doc['as_of']} · fairgov "
        f"{doc['fairgov_version']}",
        "",
        "| status | trigger | latest period | observed | first alert | action |",
        "|---|---|---|---|---|---|",
    ]
    for t in doc["triggers"]:
        lines.append(
            f"| {ICON[t['status']]} | {_md(t['id'])}: {_md(t['condition'])} | "
            f"{t['latest_period'] or '—'} | "
            f"{observed(t)} | {t['first_alert'] or '—'} | "
            f"{_md(t['action']) if t['status'] == 'alert' else ''} |"
        )
    pending = [p["start"] for p in doc["periods"] if not p["judged"]]
    if pending:
        lines += ["", "**Labels pending:** " + ", ".join(pending)]
    return "\n".join(lines) + "\n"


def table(doc: dict[str, Any]) -> str:
    rows = [("status", "trigger", "period", "observed", "reason")]
    for t in doc["triggers"]:
        rows.append(
            (ICON[t["status"]], t["id"], t["latest_period"] or "—", observed(t), t["reason"][:80])
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    body = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    actions = [f"  {t['id']}: {t['action']}" for t in doc["triggers"] if t["status"] == "alert"]
    tail = ["", "Actions the protocol prescribes:", *actions] if actions else []
    return "\n".join(body + tail) + "\n\n" + doc["verdict"]["summary"]


def write_all(
    out_dir: Path, doc: dict[str, Any], stats: dict[str, Any], doc_text: str | None = None
) -> list[Path]:
    """Write monitoring.json (`doc_text`: its serialisation when the caller already has it,
    so the report's attachment and the file are the same bytes, serialised once) and the CI
    files."""
    files = {
        "monitoring.json": dumps(doc) if doc_text is None else doc_text,
        "junit.xml": junit(doc),
        "monitoring.sarif": json.dumps(
            sarif_log(trigger_diagnostics(doc)), indent=2, sort_keys=True
        )
        + "\n",
        "summary.md": summary_md(doc),
        "run-stats.json": json.dumps(stats, indent=2, sort_keys=True) + "\n",
    }
    written = []
    try:
        for name, text in files.items():
            atomic_write_text(out_dir / name, text)
            written.append(out_dir / name)
    except OSError as err:
        raise FairgovError(
            Diagnostic(str(out_dir), 1, 1, "FG601", f"cannot write outputs: {err.strerror or err}")
        ) from err
    return written
