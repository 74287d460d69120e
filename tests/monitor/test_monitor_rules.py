"""The consecutive rule, thin periods, and per-period metrics against scikit-learn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import recall_score, roc_auc_score

from fairgov.monitor.api import run_monitor
from fairgov.monitor.rules import apply_consecutive, summarise
from fairgov.spec.deployment import Trigger


def _periods(statuses: str) -> list[dict]:
    word = {"b": "breach", "o": "ok", "i": "inconclusive", "p": "pending"}
    return [
        {"period": f"2026-{i + 1:02d}-01", "status": word[c], "reason": "r"}
        for i, c in enumerate(statuses)
    ]


@pytest.mark.parametrize(("statuses", "n", "alerts"), [
    ("bobbob", 2, ["2026-04-01"]),
    ("bbbo", 3, ["2026-03-01"]),
    ("bibb", 2, ["2026-04-01"]),  # inconclusive resets the run
    ("bbpp", 2, ["2026-02-01"]),
    ("bpb", 2, ["2026-03-01"]),  # a pending period neither counts nor breaks the run
    ("bpp", 2, []),  # pending periods never count towards an alert
    ("bbb", 1, ["2026-01-01", "2026-02-01", "2026-03-01"]),
])
def test_consecutive_rule(statuses: str, n: int, alerts: list[str]) -> None:
    assert apply_consecutive(_periods(statuses), n) == alerts


def _trigger(**check) -> Trigger:
    return Trigger(
        condition="c",
        action="a",
        id="t",
        check={"metric": "tpr", "statistic": "overall", "min": 0.8, **check},
    )


def test_status_is_that_of_the_latest_judged_period() -> None:
    t = summarise(0, _trigger(consecutive=2), _periods("obpp"))
    assert (t["status"], t["blocking"]) == ("ok", False) and "1 of 2" in t["reason"]
    t = summarise(0, _trigger(consecutive=2), _periods("obbp"))
    assert (t["status"], t["blocking"], t["first_alert"]) == ("alert", True, "2026-03-01")
    t = summarise(0, _trigger(), _periods("bbi"))
    assert (t["status"], t["blocking"]) == ("inconclusive", True)
    t = summarise(0, _trigger(inconclusive_blocks=False), _periods("bbi"))
    assert (t["status"], t["blocking"]) == ("inconclusive", False)
    assert summarise(0, _trigger(), _periods("pp"))["status"] == "pending"
    assert summarise(0, _trigger(severity="warn"), _periods("b"))["blocking"] is False


def test_a_thin_period_is_inconclusive_not_ok(example: Path) -> None:
    spec = example / "deployment.yaml"
    spec.write_text(spec.read_text().replace("min_evidence: {positives: 10, negatives: 10}",
                                             "min_evidence: {positives: 2000, negatives: 10}"))
    outcome = run_monitor(example)
    t = {x["id"]: x for x in outcome.doc["triggers"]}
    for tid in ("tpr-gap-site", "tpr-gap-age", "sensitivity"):
        judged = [p for p in t[tid]["periods"] if p["status"] != "pending"]
        assert judged and {p["status"] for p in judged} == {"inconclusive"}
        assert t[tid]["status"] == "inconclusive" and t[tid]["blocking"]
        assert "positives < minimum 2000" in t[tid]["reason"]
    assert outcome.exit_code == 1


@pytest.mark.slow
def test_period_metrics_equal_scikit_learn(example: Path) -> None:
    outcome = run_monitor(example)
    log = pd.read_csv(example / "data/production/log-2026-03.csv")
    y, s = log["label"].to_numpy(int), log["score"].to_numpy(float)
    pred = (s >= 0.1927).astype(int)
    m = outcome.doc["measures"]["2026-03-01"]
    assert m["n"] == len(log)
    assert m["overall"]["metrics"]["auroc"]["value"] == pytest.approx(
        roc_auc_score(y, s), abs=1e-12
    )
    assert m["overall"]["metrics"]["tpr"]["value"] == pytest.approx(
        recall_score(y, pred), abs=1e-12
    )
    assert m["overall"]["metrics"]["fpr"]["value"] == pytest.approx(
        1 - recall_score(y, pred, pos_label=0), abs=1e-12
    )
    for site in ("north", "central", "river"):
        mask = log["site"].to_numpy() == site
        cell = m["attributes"]["site"]["groups"][site]["metrics"]
        assert cell["tpr"]["value"] == pytest.approx(recall_score(y[mask], pred[mask]), abs=1e-12)
        assert cell["tpr"]["ci_low"] <= cell["tpr"]["value"] <= cell["tpr"]["ci_high"]
    gap = m["attributes"]["site"]["aggregates"]["tpr"]["gap"]["value"]
    tprs = [
        recall_score(y[log["site"] == g], pred[log["site"] == g])
        for g in ("north", "central", "river")
    ]
    assert gap == pytest.approx(max(tprs) - min(tprs), abs=1e-12)
    t = {x["id"]: x for x in outcome.doc["triggers"]}
    assert t["tpr-gap-site"]["periods"][2]["value"] == pytest.approx(gap)
    flag_rate = {x["id"]: x for x in outcome.doc["triggers"]}["override-rate"]["periods"][2][
        "value"
    ]
    assert flag_rate == pytest.approx(log["override"].mean())
    share = np.mean(log["age"].to_numpy() >= 80)
    groups = {g["group"]: g for g in t["age-mix"]["periods"][2]["groups"]}
    assert groups["80+"]["share"] == pytest.approx(share)


def test_window_pools_the_judged_periods_before(example: Path) -> None:
    spec = example / "deployment.yaml"
    spec.write_text(spec.read_text().replace("  period: month\n", "  period: month\n  window: 3\n"))
    doc = run_monitor(example, reports=False).doc
    assert [doc["measures"][k]["n"] for k in sorted(doc["measures"])] == [1500, 3000] + [4500] * 8
    a = pd.concat(
        [pd.read_csv(example / f"data/production/log-2026-{m:02d}.csv") for m in (8, 9, 10)]
    )
    pred = (a["score"] >= 0.1927).astype(int)
    assert doc["measures"]["2026-10-01"]["overall"]["metrics"]["tpr"]["value"] == pytest.approx(
        recall_score(a["label"], pred)
    )
