"""The example deployment: the planted drift alerts in the right months and not before."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema

from tests.monitor.conftest import REPO


def triggers(outcome) -> dict:
    return {t["id"]: t for t in outcome.doc["triggers"]}


def test_planted_drift_alerts_in_its_month_and_not_before(example_run) -> None:
    _, outcome = example_run
    t = triggers(outcome)
    assert outcome.exit_code == 1
    assert t["tpr-gap-site"]["first_alert"] == "2026-09-01"  # breaches from August, two in a row
    assert [p["status"] for p in t["tpr-gap-site"]["periods"][:7]] == ["ok"] * 7
    assert (
        t["tpr-gap-site"]["periods"][7]["status"] == "breach"
        and not t["tpr-gap-site"]["periods"][7]["alert"]
    )
    assert t["age-mix"]["first_alert"] == "2026-08-01"
    assert t["score-shift-site"]["first_alert"] == "2026-08-01"
    assert t["score-shift-site"]["periods"][7]["group"] == "river"
    for quiet in ("tpr-gap-age", "sensitivity", "override-rate"):
        assert t[quiet]["status"] == "ok" and t[quiet]["alert_periods"] == []
    assert outcome.doc["verdict"]["blocking"] == [
        "tpr-gap-site"
    ]  # the other alerts are severity: warn


def test_label_pending_periods_are_never_judged(example_run) -> None:
    _, outcome = example_run
    periods = outcome.doc["periods"]
    assert [p["start"] for p in periods if not p["judged"]] == ["2026-11-01", "2026-12-01"]
    for trig in outcome.doc["triggers"]:
        if trig["type"] == "metric":
            assert [p["status"] for p in trig["periods"][-2:]] == ["pending", "pending"]
            assert not {"2026-11-01", "2026-12-01"} & set(trig["alert_periods"])
            assert trig["latest_period"] == "2026-10-01"
    assert set(outcome.doc["measures"]) == {p["start"] for p in periods if p["judged"]}


def test_outputs_are_valid_and_name_the_action(example_run) -> None:
    root, outcome = example_run
    out = outcome.out_dir
    doc = json.loads((out / "monitoring.json").read_text())
    jsonschema.validate(doc, json.loads((REPO / "schemas/monitoring.schema.json").read_text()))
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "3" and suite.get("tests") == "6"
    sarif = json.loads((out / "monitoring.sarif").read_text())
    jsonschema.validate(
        sarif, json.loads((REPO / "tests/fixtures/sarif-schema-2.1.0.json").read_text())
    )
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"FG720", "FG722"}
    blocking = next(r for r in results if r["ruleId"] == "FG720")
    assert "pause flagging for the affected site" in blocking["message"]["text"]
    line = blocking["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "tpr-gap-site" in (root / "deployment.yaml").read_text().splitlines()[line + 1]
    summary = (out / "summary.md").read_text()
    assert (
        "ALERT: 1 blocking trigger(s): tpr-gap-site" in summary
        and "**Labels pending:** 2026-11-01, 2026-12-01" in summary
    )
    assert json.loads((out / "run-stats.json").read_text())["measures_computed"] == 10


def test_generator_is_byte_reproducible(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", REPO / "specs/data/production/generate.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.HERE = tmp_path
    gen.main()
    for path in sorted((REPO / "specs/data/production").glob("*.csv")):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
