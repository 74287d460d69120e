"""group_thresholds variants per endpoint of a multilabel evaluation (fairgov.pipeline
.task_variants) against the binary fit on that endpoint's scores and scikit-learn."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from sklearn.metrics import recall_score
from task_project import FINDINGS, write_project

from fairgov.evaluate.hashindex import HashIndex
from fairgov.evaluate.tasks import label_column, score_column
from fairgov.mitigate import fit_group_thresholds
from fairgov.mitigate.compare import Statistic
from fairgov.pipeline.predictions import predictions_table
from fairgov.pipeline.task_variants import endpoint_variants, refit_scores
from fairgov.pipeline.tasks import measure_task, multi_task
from fairgov.pipeline.variants import VariantFailure
from fairgov.spec.mitigation import FineTune, GroupThresholds, Reweight
from fairgov.validate import compile_project

REPO = Path(__file__).resolve().parents[2]
SITES = ("central", "north", "river")


@pytest.fixture(scope="module")
def findings(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = write_project(Path(tmp_path_factory.mktemp("task-variants")))
    cp = compile_project(project)
    entry = cp.get("evaluation/cxr-findings")
    ev = entry.model
    ds_entry = cp.get(ev.dataset)
    table, _, _ = predictions_table(
        cp, ev, ds_entry, cp.model(ev.model), {}, None, HashIndex(None)
    )
    task = multi_task(ds_entry.model, ev)
    labels = measure_task(table, ds_entry.model, ev, task)["labels"]
    return ev, ds_entry.model, task, table, labels


def _mitigation(objective: str = "equal_opportunity", value: float | None = None):  # type: ignore[no-untyped-def]
    return GroupThresholds(
        id="site-thresholds",
        type="group_thresholds",
        by=["site"],
        objective=objective,
        value=value,
    )


STATS = [Statistic("auroc", None, "overall")] + [
    Statistic("tpr", "site", "group", s) for s in SITES
]


@pytest.mark.parametrize(
    ("objective", "value"), [("equal_opportunity", None), ("target_sensitivity", 0.8)]
)
def test_each_endpoint_gets_the_binary_thresholds_of_its_own_scores(
    findings, objective: str, value: float | None
) -> None:
    ev, ds, task, table, labels = findings
    m = _mitigation(objective, value)
    out = endpoint_variants(ev, ds, task, table, labels, [m], STATS)
    assert sorted(out) == sorted(FINDINGS)
    val = table[table["split"] == "validation"]
    fitted = []
    for name in FINDINGS:
        var = out[name]["variants"]["site-thresholds"]
        assert var["status"] == "ok" and var["mitigation"]["stage"] == "decision"
        ref = fit_group_thresholds(
            val[score_column(name)].to_numpy(float),
            val[label_column(name)].to_numpy(int),
            val["site"].astype(str).to_numpy(),
            objective,
            value=value,
            by="site",
        )
        assert var["threshold"]["groups"] == ref.to_json()
        fitted.append(ref.thresholds)
    assert fitted[0] != fitted[1]  # each endpoint is fitted on its own scores


def test_per_group_tpr_after_thresholds_is_sklearn_recall(findings) -> None:
    ev, ds, task, table, labels = findings
    out = endpoint_variants(ev, ds, task, table, labels, [_mitigation()], STATS)
    test = table[table["split"] == "test"]
    for name in FINDINGS:
        var = out[name]["variants"]["site-thresholds"]
        thr = var["threshold"]["groups"]["thresholds"]
        s = test[score_column(name)].to_numpy(float)
        g = test["site"].astype(str).to_numpy()
        y = test[label_column(name)].to_numpy(int)
        flags = np.array([x >= thr[k] for x, k in zip(s, g, strict=True)])
        for site in SITES:
            rows = g == site
            got = var["measure"]["attributes"]["site"]["groups"][site]["metrics"]["tpr"]
            assert got["value"] == pytest.approx(recall_score(y[rows], flags[rows]))


def test_the_paired_comparison_uses_the_endpoint_baseline_threshold(findings) -> None:
    ev, ds, task, table, labels = findings
    out = endpoint_variants(ev, ds, task, table, labels, [_mitigation()], STATS)
    test = table[table["split"] == "test"]
    for name in FINDINGS:
        [cmp] = out[name]["comparisons"]
        assert cmp["status"] == "ok" and cmp["candidate"] == "site-thresholds"
        rows = {r["key"]: r for r in cmp["rows"]}
        assert rows["auroc.overall"]["difference"] == 0.0
        y = test[label_column(name)].to_numpy(int)
        base = test[score_column(name)].to_numpy(float) >= labels[name]["threshold"]["value"]
        var = out[name]["variants"]["site-thresholds"]["measure"]["attributes"]["site"]["groups"]
        for site in SITES:
            m = (test["site"].astype(str) == site).to_numpy()
            r = rows[f"tpr.group.site[{site}]"]
            assert r["baseline"] == pytest.approx(recall_score(y[m], base[m]))
            assert r["candidate"] == pytest.approx(var[site]["metrics"]["tpr"]["value"])
            assert r["difference"] == pytest.approx(r["candidate"] - r["baseline"])


def test_fine_tune_is_refused_per_endpoint_and_a_refit_needs_the_linear_probe(findings) -> None:
    ev, ds, task, table, labels = findings
    tune = FineTune(id="tune", type="fine_tune", blocks=1)
    with pytest.raises(VariantFailure) as info:
        endpoint_variants(ev, ds, task, table, labels, [tune], STATS)
    assert info.value.code == "FG323" and "trains against one label" in str(info.value)
    m = Reweight(id="site-reweight", type="reweight", by=["site"])
    refit = lambda m: refit_scores(ev, ds, task, {}, table, m)  # noqa: E731
    out = endpoint_variants(ev, ds, task, table, labels, [m], STATS, refit=refit)
    for name in FINDINGS:  # given scores have no probe to re-fit: a located error, not a crash
        rec = out[name]["variants"]["site-reweight"]
        assert rec["status"] == "error" and rec["code"] == "FG483" and "predictions" in rec["error"]


MITIGATION = """mitigations:
  - id: site-thresholds
    type: group_thresholds
    by: [site]
    objective: equal_opportunity
"""
COMPARISONS = """waivers: []
comparisons:
  - id: effusion-tpr-bounded
    evaluation: evaluation/cxr-findings
    label: effusion
    candidate: site-thresholds
    metric: tpr
    across: [site]
    statistic: each_group
    max_worsening: 1.0
    bound: point
  - id: edema-tpr-no-worse
    evaluation: evaluation/cxr-findings
    label: edema
    candidate: site-thresholds
    metric: tpr
    across: [site]
    statistic: each_group
    max_worsening: 0.0
    bound: point
  - id: nodule-auroc-same
    evaluation: evaluation/cxr-findings
    label: nodule
    candidate: site-thresholds
    metric: auroc
    statistic: overall
    max_worsening: 0.0
    bound: point
"""


def _mitigated(root: Path, comparisons: str = COMPARISONS) -> Path:
    project = write_project(root)
    ev = project / "evaluation-findings.yaml"
    ev.write_text(ev.read_text() + MITIGATION)
    policy = project / "policy.yaml"
    assert "waivers: []\n" in policy.read_text()
    policy.write_text(policy.read_text().replace("waivers: []\n", comparisons, 1))
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # type: ignore[no-untyped-def]
    from fairgov.pipeline.build import run_build

    root = Path(tmp_path_factory.mktemp("task-variants-build"))
    project = _mitigated(root)
    assert [d.code for d in compile_project(project).diagnostics] == []
    run_build(project, out=root / "out", date="2026-11-28", write_reports=False)
    return project, json.loads((root / "out/results.json").read_text())


def test_the_build_stores_variants_and_comparisons_per_label(built, findings) -> None:
    _, results = built
    _, _, _, table, _ = findings
    assert results["schema_version"] == "1.5"
    schema = json.loads((REPO / "schemas/results.schema.json").read_text())
    jsonschema.validate(results, schema)
    ev = results["evaluations"]["evaluation/cxr-findings"]
    assert "variants" not in ev or ev["variants"] == {}
    val = table[table["split"] == "validation"]
    for name in FINDINGS:
        end = ev["labels"][name]
        var = end["variants"]["site-thresholds"]
        assert var["status"] == "ok"
        ref = fit_group_thresholds(
            val[score_column(name)].to_numpy(float),
            val[label_column(name)].to_numpy(int),
            val["site"].astype(str).to_numpy(),
            "equal_opportunity",
            by="site",
        )
        assert var["threshold"]["groups"] == ref.to_json()
        [cmp] = end["comparisons"]
        assert cmp["status"] == "ok" and cmp["candidate"] == "site-thresholds"


def test_comparison_gates_name_the_label_and_decide_on_its_rows(built) -> None:
    _, results = built
    ev = results["evaluations"]["evaluation/cxr-findings"]
    gates = {g["id"]: g for g in results["gates"] if g["type"] == "comparison"}
    assert gates["effusion-tpr-bounded"]["label"] == "effusion"
    assert gates["effusion-tpr-bounded"]["outcome"] == "pass"
    assert gates["nodule-auroc-same"]["outcome"] == "pass"  # thresholds leave AUROC unchanged
    rows = ev["labels"]["edema"]["comparisons"][0]["rows"]
    worst = max(r["baseline"] - r["candidate"] for r in rows if r["key"].startswith("tpr.group."))
    edema = gates["edema-tpr-no-worse"]
    assert edema["label"] == "edema" and edema["value"] == pytest.approx(worst)
    assert edema["outcome"] == ("fail" if worst > 0 else "pass")
    assert worst > 0  # equal opportunity lowers some site's edema TPR in this fixture


@pytest.mark.parametrize(
    ("edit", "pointer", "words"),
    [
        ("    label: nodule\n", "/comparisons/2/label", "'nodulle'"),
        ("    label: nodule\n", "/comparisons/2", "must name one"),
    ],
)
def test_a_bad_comparison_label_is_fg325(
    tmp_path: Path, edit: str, pointer: str, words: str
) -> None:
    new = "    label: nodulle\n" if "'" in words else ""
    project = _mitigated(tmp_path, COMPARISONS.replace(edit, new))
    diags = compile_project(project).diagnostics
    assert [d.code for d in diags] == ["FG325"], [d.message for d in diags]
    assert words in diags[0].message and diags[0].pointer == pointer
    assert diags[0].file == "policy.yaml" and diags[0].line > 1
    assert "effusion, edema, nodule" in (diags[0].hint or "")


def test_a_label_on_a_binary_comparison_and_a_fine_tune_on_a_multilabel_task(
    tmp_path: Path,
) -> None:
    project = _mitigated(tmp_path)
    ev = project / "evaluation-findings.yaml"
    ev.write_text(
        ev.read_text() + "  - id: site-tune\n    type: fine_tune\n    blocks: 1\n"
    )
    policy = project / "policy.yaml"
    policy.write_text(
        policy.read_text().replace(
            "comparisons:\n",
            "comparisons:\n  - id: binary-labelled\n    evaluation: evaluation/cxr-demo-probe\n"
            "    label: effusion\n    candidate: site-thresholds\n    metric: auroc\n"
            "    statistic: overall\n    max_worsening: 0.1\n",
            1,
        )
    )
    found = {(d.code, d.message.split(":")[0]) for d in compile_project(project).diagnostics}
    assert ("FG323", "mitigation 'site-tune' (fine_tune, training stage) is binary only") in found
    assert not any("site-thresholds" in m and c == "FG323" for c, m in found)
    assert any(c == "FG325" and "binary-labelled" in m for c, m in found)


def test_diff_reports_a_change_in_an_endpoint_variant(built) -> None:
    from fairgov.resultsdiff import diff_results

    _, results = built
    head = json.loads(json.dumps(results))
    var = head["evaluations"]["evaluation/cxr-findings"]["labels"]["edema"]["variants"]
    stat = var["site-thresholds"]["measure"]["overall"]["metrics"]["tpr"]
    stat["value"] = stat["ci_low"] - 0.05
    d = diff_results(results, head)
    assert [(m["evaluation"], m["metric"], m["regression"]) for m in d["metrics"]] == [
        ("evaluation/cxr-findings@edema#site-thresholds", "tpr", True)
    ]


@pytest.mark.parametrize(
    ("lang", "caption"),
    [("en", "Per-label paired comparisons"), ("fr", "Comparaisons appariées par étiquette")],
)
def test_the_report_shows_each_labels_comparison_in_one_table(
    built, lang: str, caption: str
) -> None:
    from fairgov.render import render_reports

    project, results = built
    reports = render_reports(results, compile_project(project), pdf=False, lang=lang)
    html = next(r.html for r in reports if "Comparaisons" in r.html or caption in r.html)
    start = html.index(caption)
    table = html[start : html.index("</table>", start)]
    ev = results["evaluations"]["evaluation/cxr-findings"]
    rows = table.count("<tr>") - 1  # the header row
    assert rows == sum(len(ev["labels"][n]["comparisons"][0]["rows"]) for n in FINDINGS)
    for name in FINDINGS:
        assert f'<th scope="row">{name}</th>' in table
    rows_ = {r["key"]: r for r in ev["labels"]["edema"]["comparisons"][0]["rows"]}
    r = rows_["tpr.group.site[river]"]
    point = "," if lang == "fr" else "."
    cells = [f"{r[k]:.3f}".replace(".", point) for k in ("baseline", "candidate")]
    assert f'<td class="num">{cells[0]}</td><td class="num">{cells[1]}</td>' in table


def test_a_warm_build_reuses_the_endpoint_variants_and_comparisons(built, tmp_path: Path) -> None:
    from fairgov.pipeline.build import run_build

    project, results = built
    run_build(project, out=tmp_path / "warm", date="2026-11-28", write_reports=False)
    stats = json.loads((tmp_path / "warm/run-stats.json").read_text())["evaluation/cxr-findings"]
    assert stats["stages"]["measurement"]["reused"]
    variants = stats["stages"]["variants"]
    assert variants["site-thresholds"]["reused"] and variants["comparison"]["reused"]
    assert json.loads((tmp_path / "warm/results.json").read_text()) == results


def test_endpoint_variants_carry_the_metric_gates_of_their_label(built) -> None:
    """Informational metric gates per endpoint variant: a gate naming a label judges only that
    label's variants, on the variant's own measure; macro gates judge none of them."""
    _, results = built
    ev = results["evaluations"]["evaluation/cxr-findings"]
    evaluated = {g["id"]: g for g in results["gates"] if g.get("label") == "effusion"}
    for name in FINDINGS:
        var = ev["labels"][name]["variants"]["site-thresholds"]
        ids = {g["id"] for g in var["gates"]}
        assert ("effusion-auroc-sex[effusion]" in ids) == (name == "effusion"), sorted(ids)
        assert f"auroc-overall[{name}]" in ids  # a gate without `label:` judges every label
        assert not any("macro" in i for i in ids)
        assert all(g["label"] == name for g in var["gates"])
        assert var["gates_summary"]["counts"] == {
            s: sum(g["status"] == s for g in var["gates"]) for s in var["gates_summary"]["counts"]
        }
    [gate] = [
        g
        for g in ev["labels"]["effusion"]["variants"]["site-thresholds"]["gates"]
        if g["id"] == "effusion-auroc-sex[effusion]"
    ]
    measure = ev["labels"]["effusion"]["variants"]["site-thresholds"]["measure"]
    gap = measure["attributes"]["sex"]["aggregates"]["auroc"]["gap"]
    assert gate["value"] == pytest.approx(gap["value"])
    # thresholds do not move a ranking metric: the variant's AUROC gap is the evaluation's
    assert gate["value"] == pytest.approx(evaluated["effusion-auroc-sex[effusion]"]["value"])
    assert gate["outcome"] == evaluated["effusion-auroc-sex[effusion]"]["outcome"]
