"""`fairgov diff` reads results.json of schema 1.1 (before reasons had codes), 1.2, 1.3 (gate
reasons as codes, metric reasons as text only), 1.4 (metric reasons as codes too) and 1.5
(endpoint variants of multilabel / multiclass tasks) alike."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from fairgov.cli.main import main
from fairgov.reasons import join
from fairgov.results import parse
from fairgov.resultsdiff import diff_results

REPO = Path(__file__).resolve().parents[2]
OLD = (
    REPO / "tests/fixtures/results/fixture-project-v1.1.json"
)  # the fixture build by the code before 1.2
V13 = REPO / "tests/fixtures/results/fixture-project-v1.3.json"  # by the code before 1.4
V14 = REPO / "tests/fixtures/results/fixture-project-v1.4.json"  # by the code before 1.5
NEW = REPO / "tests/build/golden/results.json"  # the same build by the current code


def test_the_same_build_in_both_versions_differs_in_nothing() -> None:
    old, new = parse(OLD.read_text(encoding="utf-8")), parse(NEW.read_text(encoding="utf-8"))
    assert (old.schema_version, new.schema_version) == ("1.1", "1.5")
    assert all(not g.reasons for g in old.gates) and all(g.reasons for g in new.gates)
    d = diff_results(old, new)
    assert d["gates"] == [] and d["metrics"] == [] and d["new_failures"] == []
    assert d["base_verdict"] == d["head_verdict"] == "blocked"


def test_a_changed_gate_and_metric_between_versions_are_reported(tmp_path: Path, capsys) -> None:
    head = json.loads(NEW.read_text(encoding="utf-8"))
    passed = next(g for g in head["gates"] if g["status"] == "pass" and g["type"] == "metric")
    passed.update(status="fail", outcome="fail", blocking=True)
    ev = next(iter(head["evaluations"].values()))
    auroc = ev["measure"]["overall"]["metrics"]["auroc"]
    auroc["value"] = auroc["ci_low"] - 0.05  # below the base interval: a regression
    (tmp_path / "head.json").write_text(json.dumps(head), encoding="utf-8")
    rc = main(["diff", str(OLD), str(tmp_path / "head.json"), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert out["new_failures"] == [f"{passed['policy']}:{passed['id']}"]
    assert any(
        m["metric"] == "auroc" and m["attribute"] == "overall" and m["regression"]
        for m in out["metrics"]
    )


@pytest.mark.parametrize("change", ["unknown-key", "bad-version"])
def test_a_file_that_is_not_a_readable_results_json_is_fg603(
    tmp_path: Path, change: str, capsys
) -> None:
    broken = copy.deepcopy(json.loads(NEW.read_text(encoding="utf-8")))
    if change == "unknown-key":
        broken["gates"][0]["surprise"] = 1
    else:
        broken["schema_version"] = "9.0"
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    rc = main(["diff", str(OLD), str(tmp_path / "broken.json")])
    err = capsys.readouterr().err
    assert rc == 2 and "FG603" in err
    assert ("surprise" in err) if change == "unknown-key" else ("schema_version" in err)


def test_a_1_2_build_reads_and_differs_from_1_3_in_nothing() -> None:
    """A binary build wrote exactly this before schema 1.3 (the golden build's only change was
    its version), so a 1.2 file is the 1.3 golden with the 1.2 version."""
    text = V13.read_text(encoding="utf-8")
    assert text.count('"schema_version": "1.3"') == 1
    old = parse(text.replace('"schema_version": "1.3"', '"schema_version": "1.2"'))
    new = parse(text)
    assert (old.schema_version, new.schema_version) == ("1.2", "1.3")
    d = diff_results(old, new)
    assert d["gates"] == [] and d["metrics"] == [] and d["new_failures"] == []


def _stats(results):
    from fairgov.resultsdiff import _cells

    return dict(_cells(results))


def test_a_1_3_build_reads_and_differs_from_1_4_only_in_structured_metric_reasons() -> None:
    old, new = parse(V13.read_text(encoding="utf-8")), parse(NEW.read_text(encoding="utf-8"))
    assert (old.schema_version, new.schema_version) == ("1.3", "1.5")
    before, after = _stats(old), _stats(new)
    assert before.keys() == after.keys()
    undefined = [k for k, stat in after.items() if stat.value is None]
    assert undefined, "the fixture build has undefined cells"
    for key in undefined:  # 1.3: the English text only; 1.4: the same text, and its codes
        assert before[key].reason == after[key].reason and before[key].reasons == []
        why = after[key].why()
        assert why and join(why) == after[key].reason
    for d in (diff_results(old, new), diff_results(new, old)):
        assert d["gates"] == [] and d["metrics"] == [] and d["new_failures"] == []


def test_diff_from_a_1_3_file_to_a_1_4_file_reports_a_changed_metric(
    tmp_path: Path, capsys
) -> None:
    head = json.loads(NEW.read_text(encoding="utf-8"))
    ev = next(iter(head["evaluations"].values()))
    cell = next(c for c in ev["measure"]["attributes"]["sex×age_band"]["groups"].values()
                if c["n"] and c["metrics"]["tpr"]["value"] is None)
    tpr = ev["measure"]["overall"]["metrics"]["tpr"]
    tpr["value"] = tpr["ci_low"] - 0.05
    (tmp_path / "head.json").write_text(json.dumps(head), encoding="utf-8")
    rc = main(["diff", str(V13), str(tmp_path / "head.json"), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1
    (changed,) = out["metrics"]
    assert (changed["attribute"], changed["metric"]) == ("overall", "tpr")
    assert changed["regression"]
    assert "reasons" not in changed["base"]  # 1.3
    assert cell["metrics"]["tpr"]["reasons"][0]["code"] == "undefined"  # 1.4 records codes


def test_a_1_4_build_reads_and_differs_from_1_5_in_nothing() -> None:
    old, new = parse(V14.read_text(encoding="utf-8")), parse(NEW.read_text(encoding="utf-8"))
    assert (old.schema_version, new.schema_version) == ("1.4", "1.5")
    assert _stats(old) == _stats(new)
    d = diff_results(old, new)
    assert d["gates"] == [] and d["metrics"] == [] and d["new_failures"] == []
