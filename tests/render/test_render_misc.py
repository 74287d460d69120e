"""render_all's files, atomic writes, no torch, number formats, lifecycle gaps, comparisons."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from html_audit import visible_text
from render_helpers import REPO, build

import fairgov.render as render
from fairgov.render import fmt, lifecycle


def _fake_pdf(html, **kwargs):
    return b"%PDF-fake " + html[:20].encode(), []


def test_render_all_writes_every_report_atomically(built, tmp_path, monkeypatch):
    results, cp = built
    monkeypatch.setenv(
        "FAIRGOV_RENDER_WORKERS", "1"
    )  # the fake renderer lives in this process only
    monkeypatch.setattr("fairgov.render.pdf.html_to_pdf", _fake_pdf)
    written = render.render_all(tmp_path, results, cp)
    names = sorted(p.name for p in written)
    assert names == sorted(
        f"{s}.{ext}"
        for s in (
            "datasheet-cxr-demo",
            "modelcard-cxr-triage-fm",
            "deployment-st-example-central",
            "dossier-st-example-central",
        )
        for ext in ("html", "pdf")
    )
    assert all(p.parent == tmp_path / "reports" and p.stat().st_size > 0 for p in written)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == names  # no temp files left


def test_reports_render_from_the_results_json_bytes_as_written(built, html_reports):
    """The build hands the renderer the bytes it wrote: they are hashed as they are (not
    serialised again), and the reports equal those rendered from the typed results."""
    import hashlib

    from fairgov.results.model import dump, parse

    results, cp = built
    data = dump(parse(results)).encode("utf-8")
    from_bytes = {r.stem: r.html for r in render.render_reports(data, cp, pdf=False)}
    assert from_bytes == {stem: r.html for stem, r in html_reports.items()}
    sha = hashlib.sha256(data).hexdigest()
    assert all(sha in html for html in from_bytes.values())
    # bytes that differ from what the build would write (here: one more trailing newline) are
    # still the file the report names: its hash, not a re-serialised one's
    other = data + b"\n"
    (card,) = render.render_reports(other, cp, pdf=False, only={"modelcard-cxr-triage-fm"})
    assert hashlib.sha256(other).hexdigest() in card.html and sha not in card.html


def test_a_failed_render_leaves_previous_reports_in_place(built, tmp_path, monkeypatch):
    results, cp = built
    reports = tmp_path / "reports"
    reports.mkdir()
    good = reports / "dossier-st-example-central.pdf"
    good.write_bytes(b"good old report")
    calls = []

    def failing(html, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return _fake_pdf(html)

    monkeypatch.setenv("FAIRGOV_RENDER_WORKERS", "1")
    monkeypatch.setattr("fairgov.render.pdf.html_to_pdf", failing)
    with pytest.raises(RuntimeError):
        render.render_all(tmp_path, results, cp)
    assert good.read_bytes() == b"good old report"
    assert sorted(p.name for p in reports.iterdir()) == ["dossier-st-example-central.pdf"]


@pytest.mark.slow
def test_render_never_imports_torch(built, tmp_path):
    results, _ = built
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    code = f"""
import json, sys
from fairgov.validate import compile_project
import fairgov.render, fairgov.render.pdf
from fairgov.render import render_reports
cp = compile_project({str(REPO / "tests/fixtures/project")!r})
results = json.load(open({str(path)!r}, encoding="utf-8"))
items = render_reports(results, cp, pdf=False)
assert len(items) == 4
bad = sorted(m for m in sys.modules if m == "torch" or m.startswith(("torch.", "timm",
"torchvision")))
print(bad)
sys.exit(1 if bad else 0)
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"value": 0.8421, "ci_low": 0.8111, "ci_high": 0.87}, "0.842 (0.811 to 0.870)"),
        ({"value": -0.0123, "ci_low": -0.05, "ci_high": 0.01}, "−0.012 (−0.050 to 0.010)"),
        ({"value": 0.5, "ci_low": None, "ci_high": None, "reason": "interval undefined"}, "0.500"),
        (
            {"value": None, "reason": "undefined: 3 positives < minimum 20"},
            "undefined: 3 positives < minimum 20",
        ),
        ({"value": None, "reason": "no positives"}, "undefined: no positives"),
        ({"value": None, "reason": None}, "undefined"),
        (None, "undefined: not computed"),
    ],
)
def test_estimate_format(value, expected):
    assert fmt.estimate(value) == expected


def test_number_formats():
    assert fmt.count(1240) == "1,240" and fmt.count(None) == "—"
    assert fmt.num(float("nan")) == "—" and fmt.num(-0.0001) == "0.000"
    assert fmt.pct(0.52) == "52.0%" and fmt.limit("<=", 0.1) == "≤ 0.100"
    assert fmt.slug("Sex × age_band") == "sex-x-age-band"


def test_lifecycle_shows_undocumented_stage_as_gap(built):
    _, cp = built
    from fairgov.spec.common import NotApplicable

    card = cp.get("modelcard/cxr-triage-fm")
    empty = type(card)(
        card.doc,
        card.model.model_copy(update={"training_data": NotApplicable(not_applicable="n/a")}),
    )
    stages = {s.id: s for s in lifecycle.stages({"ModelCard": [empty]}, {}, [], {})}
    assert stages["pre-training"].gap and stages["data-collection"].gap
    assert not stages["evaluation"].gap
    assert stages["pre-training"].items[-1].state == "na"


def test_model_card_with_two_evaluations_compares_them(fixture_copy, tmp_path):
    ev = (fixture_copy / "evaluation.yaml").read_text(encoding="utf-8")
    second = (
        ev.replace("id: cxr-demo-probe", "id: cxr-demo-probe-b")
        .replace(
            "title: Linear probe on CXR-Demo v2, internal test split",
            "title: Second adaptation, same data",
        )
        .replace("value: 0.2", "value: 0.1")
    )
    (fixture_copy / "evaluation-b.yaml").write_text(second, encoding="utf-8")
    card = fixture_copy / "modelcard.yaml"
    card.write_text(
        card.read_text(encoding="utf-8").replace(
            "evaluations:\n",
            """evaluations:
  - ref: evaluation/cxr-demo-probe-b
    role: comparison
    setting: Same data, a second threshold policy.
    conducted_by: St. Example AI Lab.
    process: As the internal evaluation.
""",
            1,
        ),
        encoding="utf-8",
    )
    results, cp = build(fixture_copy, tmp_path / "build")
    assert len(results["evaluations"]) == 2
    (item,) = render.render_reports(results, cp, pdf=False, only={"modelcard-cxr-triage-fm"})
    text = visible_text(item.html)
    assert "Comparison of evaluations" in text
    assert "Second adaptation, same data [comparison]" in text
    assert "gap (max − min)" in text
    assert any(w in text for w in ("gap narrowed by", "gap widened by", "gap unchanged"))


def test_an_evaluation_that_did_not_run_is_reported_not_hidden(built):
    import copy

    results, cp = built
    broken = copy.deepcopy(results)
    ev = broken["evaluations"]["evaluation/cxr-demo-probe"]
    for key in ("measure", "composition", "threshold", "provenance", "dropped"):
        ev.pop(key, None)
    ev.update(status="error", error="predictions file not found")
    for g in broken["gates"]:
        if g["type"] == "metric":
            g.update(
                status="inconclusive",
                outcome="inconclusive",
                blocking=True,
                value=None,
                ci_low=None,
                ci_high=None,
                compared=None,
                reason="evaluation did not run: predictions file not found",
            )
    broken["waivers"] = [
        {
            "policy": "policy/st-example-fairness",
            "gate": "eo-sex",
            "owner": "Dr. <b>X</b>",
            "justification": "temporary",
            "ticket": "GOV-1",
            "expires": "2026-01-01",
            "active": False,
            "status": "expired",
        }
    ]
    (item,) = render.render_reports(broken, cp, pdf=False, only={"dossier-st-example-central"})
    text = visible_text(item.html)
    assert "This evaluation did not run: predictions file not found" in text
    assert text.count("is inconclusive: evaluation did not run: predictions file not found") == 6
    assert "GOV-1" in text and "Dr. <b>X</b>" in text and "expired" in text


def test_breakable_marks_the_joints_of_an_identifier_and_nothing_else() -> None:
    from fairgov.render.environment import breakable

    assert breakable("results:external_subgroup_metrics") == (
        "results:<wbr>external_<wbr>subgroup_<wbr>metrics"
    )
    assert breakable("data/backbone.safetensors") == "data/<wbr>backbone.<wbr>safetensors"
    assert breakable("plain words, 0.5 and a_") == "plain words, 0.5 and a_"  # no letter follows
    assert breakable("<a_b>") == "&lt;a_<wbr>b&gt;"  # the text itself is escaped
