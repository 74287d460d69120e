"""The monitor's own reasons are structured (monitoring.json v3): code, params, English text.

Every code the monitor writes has an English template (fairgov.reasons.ENGLISH), the text is
the sentence the monitor wrote before codes existed, and a stored v2 outcome (text only) is
still read: it keeps its text as one `text` reason.
"""

from __future__ import annotations

from pathlib import Path

import fairgov
from fairgov.monitor import checks
from fairgov.monitor.rules import summarise
from fairgov.reasons import ENGLISH, MONITOR_CODES, Reason, join
from fairgov.spec.deployment import Trigger
from tests.reason_literals import emitted_reason_codes

MONITOR = Path(fairgov.__file__).parent / "monitor"


def _emitted_codes() -> set[str]:
    """The literal codes of every `Reason("...")` in fairgov/monitor."""
    return emitted_reason_codes(MONITOR)


def test_every_monitor_reason_code_has_an_english_template() -> None:
    emitted = _emitted_codes()
    assert {"ks-distance", "breach-alert", "labels-pending"} <= emitted  # the scan works
    assert emitted <= MONITOR_CODES, sorted(emitted - MONITOR_CODES)
    missing = MONITOR_CODES - set(ENGLISH)
    assert not missing, sorted(missing)


def test_texts_are_the_sentences_written_before_codes() -> None:
    dist, p, limit, alpha = 0.31234, 0.000123, 0.2, 0.05
    ks = Reason("ks-distance", {"distance": dist, "limit": limit, "p": p, "alpha": alpha})
    assert ks.text == f"KS distance {dist:.3f} (limit {limit:g}), p = {p:.2g} (alpha {alpha:g})"
    share = Reason("share-vs-intended", {"share": 0.4, "low": 0.31, "high": 0.5, "intended": 0.25})
    decided = Reason("interval-violates")
    assert join([share, decided]) == (
        "share 0.400 (0.310-0.500) vs intended 0.250; whole interval violates the limit"
    )
    assert Reason("too-few-studies", {"count": 3, "need": 20}).text == "3 studies < minimum 20"
    assert Reason("too-few-to-test", {"count": 3, "reference": 0}).text == (
        "3 studies, 0 reference scores: too few to test"
    )
    thin = Reason("evidence-too-thin", {"cells": (Reason("value-undefined"),)})
    assert thin.text == "evidence too thin: undefined"


def _trigger() -> Trigger:
    return Trigger(
        condition="c",
        action="a",
        id="t",
        check={"metric": "tpr", "statistic": "overall", "min": 0.5, "consecutive": 2},
    )


def test_trigger_reasons_nest_the_periods_reasons() -> None:
    period = {"period": "2026-01-01", **checks._record("breach", reasons=[Reason("straddles")])}
    out = summarise(0, _trigger(), [dict(period), {**period, "period": "2026-02-01"}])
    assert out["status"] == "alert"
    assert out["reason"] == (
        "breached 2 period(s) in a row (alert after 2): "
        "interval straddles the limit: more evidence needed"
    )
    (record,) = out["reasons"]
    back = Reason.from_dict(record)
    assert back.code == "breach-alert" and back.text == out["reason"]
    assert [r.code for r in back.params["reason"]] == ["straddles"]


def test_a_stored_v2_outcome_is_still_read() -> None:
    old = {"period": "2026-01-01", "status": "breach", "reason": "share 0.400 vs intended 0.250"}
    out = summarise(0, _trigger(), [old])
    assert out["status"] == "ok"
    assert out["reason"] == (
        "breached 1 of 2 consecutive periods needed to alert: share 0.400 vs intended 0.250"
    )
    up = checks.upgraded(old)
    assert up["reasons"] == [
        {"code": "text", "params": {"text": old["reason"]}, "text": old["reason"]}
    ]
    assert checks.upgraded(up) is up


def test_example_run_records_reasons_whose_text_is_the_reason(example_run) -> None:
    _, outcome = example_run
    seen = set()
    for trig in outcome.doc["triggers"]:
        for rec in [trig, *trig["periods"]]:
            parsed = [Reason.from_dict(r) for r in rec["reasons"]]
            assert parsed and join(parsed) == rec["reason"], rec["reason"]
            seen |= {r.code for r in parsed}
    assert {"labels-pending", "breach-alert"} <= seen
    assert not seen & {"text"}  # a fresh run writes no text-only reason
