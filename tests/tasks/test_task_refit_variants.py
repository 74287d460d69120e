"""reweight / group DRO / resample variants of multilabel and multiclass linear-probe
evaluations (fairgov.pipeline.task_variants) built end to end on real embeddings of small
synthetic images, against scikit-learn on the same rows; comparison gates with `label:`;
the cache; the report table and the diff."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from refit_project import write_refit_project
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score, roc_auc_score
from task_project import FINDINGS, PATTERNS

from fairgov.evaluate.hashindex import HashIndex
from fairgov.mitigate import fit_probe_variant
from fairgov.mitigate.compare import Statistic
from fairgov.mitigate.multiclass import fit_softmax_variant
from fairgov.mitigate.weights import balanced_weights, cell_resample, cells
from fairgov.pipeline.predictions import predictions_table
from fairgov.pipeline.task_variants import endpoint_variants, refit_scores
from fairgov.pipeline.tasks import measure_task, multi_task
from fairgov.pipeline.variants import encode_by
from fairgov.spec.mitigation import Resample
from fairgov.validate import compile_project

pytest.importorskip("torch")
pytest.importorskip("timm")

REPO = Path(__file__).resolve().parents[2]
FINDINGS_REF, PATTERN_REF = "evaluation/cxr-findings", "evaluation/cxr-pattern"
SITES = ("central", "north", "river")
COMPARISONS = """waivers: []
comparisons:
  - id: nodule-reweight-auroc
    evaluation: evaluation/cxr-findings
    label: nodule
    candidate: site-reweight
    metric: auroc
    statistic: overall
    max_worsening: 0.0
    bound: point
  - id: effusion-dro-tpr
    evaluation: evaluation/cxr-findings
    label: effusion
    candidate: site-dro
    metric: tpr
    across: [site]
    statistic: each_group
    max_worsening: 1.0
    bound: point
  - id: interstitial-dro-auroc
    evaluation: evaluation/cxr-pattern
    label: interstitial
    candidate: site-dro
    metric: auroc
    statistic: overall
    max_worsening: 0.0
    bound: point
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory, monkeypatch_module):  # type: ignore[no-untyped-def]
    from fairgov.pipeline.build import run_build

    root = Path(tmp_path_factory.mktemp("refit"))
    project = write_refit_project(root, COMPARISONS)
    assert [d.code for d in compile_project(project).diagnostics] == []
    passes = _count_forward_passes(monkeypatch_module)
    run_build(project, out=root / "out", date="2026-11-28", write_reports=False)
    cold = sum(passes)
    return project, json.loads((root / "out/results.json").read_text()), root, cold, passes


@pytest.fixture(scope="module")
def monkeypatch_module():  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _count_forward_passes(mp: pytest.MonkeyPatch) -> list[int]:
    """Forward passes of every embedding call (fairgov.evaluate.run.embed_rows)."""
    import fairgov.evaluate.run as run

    passes: list[int] = []
    real = run.embed_rows

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real(*args, **kwargs)
        passes.append(kwargs["stats"].forward_passes)
        return out

    mp.setattr(run, "embed_rows", counted)
    return passes


def _inputs(project: Path, ref: str):  # type: ignore[no-untyped-def]
    """The evaluation's train/validation/test embeddings (through the build's embedding cache),
    its table, task and measured endpoints."""
    cp = compile_project(project)
    ev = cp.get(ref).model
    ds = cp.get(ev.dataset)
    table, prov, _ = predictions_table(cp, ev, ds, cp.model(ev.model), {}, None, HashIndex(None))
    task = multi_task(ds.model, ev)
    labels = measure_task(table, ds.model, ev, task)["labels"]
    return ev, ds.model, task, table, labels, prov["_probe_inputs"], prov["_composition_table"]


def _std(inputs):  # type: ignore[no-untyped-def]
    X = {s: np.asarray(inputs[s][1], dtype=np.float64) for s in ("train", "validation", "test")}
    mu, sd = X["train"].mean(0), X["train"].std(0)
    sd[sd < 1e-12] = 1.0
    return {s: (x - mu) / sd for s, x in X.items()}


def _site(frame, rows) -> np.ndarray:  # type: ignore[no-untyped-def]
    return frame.loc[list(rows), "site"].astype(str).to_numpy()


def _check_endpoint(var, y_val, s_val, y_te, s_te, g_te) -> None:  # type: ignore[no-untyped-def]
    """The variant's per-site AUROC and TPR equal sklearn on the given scores; its threshold
    keeps the validation FPR within the evaluation's target (0.2)."""
    thr = var["threshold"]["value"]
    assert var["threshold"]["fitted_on"] == "validation"
    assert np.mean(s_val[y_val == 0] >= thr) <= 0.2 + 1e-9
    got = var["measure"]["attributes"]["site"]["groups"]
    assert var["measure"]["overall"]["metrics"]["auroc"]["value"] == pytest.approx(
        roc_auc_score(y_te, s_te), abs=1e-6
    )
    defined = 0
    for site in SITES:
        m = g_te == site
        metrics = got[site]["metrics"]
        if metrics["auroc"]["value"] is None:  # an undefined cell: too few positives/negatives
            assert min(y_te[m].sum(), (1 - y_te[m]).sum()) < 5
            continue
        defined += 1
        auroc = roc_auc_score(y_te[m], s_te[m])
        assert metrics["auroc"]["value"] == pytest.approx(auroc, abs=1e-6)
        assert metrics["tpr"]["value"] == pytest.approx(recall_score(y_te[m], s_te[m] >= thr))
    assert defined >= 2


def test_refit_variants_are_stored_per_label_and_validate(built) -> None:
    _, results, _, cold, _ = built
    schema = json.loads((REPO / "schemas/results.schema.json").read_text())
    jsonschema.validate(results, schema)
    assert cold > 0  # the cold build embedded the images once
    for ref, names in ((FINDINGS_REF, FINDINGS), (PATTERN_REF, PATTERNS)):
        ev = results["evaluations"][ref]
        assert ev["status"] == "ok" and not ev.get("variants")
        for name in names:
            end = ev["labels"][name]
            rw, dro = end["variants"]["site-reweight"], end["variants"]["site-dro"]
            assert (rw["status"], dro["status"]) == ("ok", "ok")
            assert (rw["mitigation"]["stage"], dro["mitigation"]["stage"]) == ("data", "training")
            assert rw["probe"]["C"] in (0.01, 0.1, 1.0)
            assert sum(rw["probe"]["fit"]["cell_weight"].values()) == pytest.approx(1.0)
            assert set(dro["probe"]["fit"]["q"]) == set(SITES)
            assert [c["candidate"] for c in end["comparisons"]] == ["site-reweight", "site-dro"]
            assert all(c["status"] == "ok" and c["rows"] for c in end["comparisons"])


def test_multilabel_reweight_is_sklearn_weighted_per_label_and_dro_the_binary_code(built) -> None:
    project, results, *_ = built
    ev, ds, task, table, labels, inputs, frame = _inputs(project, FINDINGS_REF)
    Z = _std(inputs)
    (r_tr, _, Y_tr), (r_va, X_va, Y_va), (r_te, X_te, Y_te) = (
        inputs[s] for s in ("train", "validation", "test")
    )
    g_tr, g_te = _site(frame, r_tr), _site(frame, r_te)
    variants = {n: results["evaluations"][FINDINGS_REF]["labels"][n]["variants"] for n in FINDINGS}
    for j, name in enumerate(task.names):
        # reweight (with_label: site x label cells of this label), sklearn on the same rows
        rw = variants[name]["site-reweight"]
        w = balanced_weights(g_tr, Y_tr[:, j])
        ref = LogisticRegression(C=rw["probe"]["C"], tol=1e-12, max_iter=100_000)
        ref.fit(Z["train"], Y_tr[:, j], sample_weight=w)
        s_val, s_te = (ref.predict_proba(Z[s])[:, 1] for s in ("validation", "test"))
        _check_endpoint(rw, Y_va[:, j], s_val, Y_te[:, j], s_te, g_te)
        # group DRO: the binary variant code as is, on this label
        dro = variants[name]["site-dro"]
        res = fit_probe_variant(
            {"type": "group_dro", "step_size": 0.02},
            inputs["train"][1], Y_tr[:, j], g_tr, X_va, Y_va[:, j], X_te,
            _cfg(ev),
        )
        assert dro["probe"]["C"] == res.C
        _check_endpoint(dro, Y_va[:, j], res.scores_val, Y_te[:, j], res.scores_test, g_te)


def _cfg(ev):  # type: ignore[no-untyped-def]
    from fairgov.evaluate.config import ProbeConfig

    return ProbeConfig(Cs=tuple(ev.protocol.regularization), max_iter=ev.protocol.max_iter)


def test_multiclass_reweight_is_sklearn_multinomial_and_each_class_is_measured(built) -> None:
    project, results, *_ = built
    ev, ds, task, table, labels, inputs, frame = _inputs(project, PATTERN_REF)
    Z = _std(inputs)
    (r_tr, _, Y_tr), (r_va, X_va, Y_va), (r_te, X_te, Y_te) = (
        inputs[s] for s in ("train", "validation", "test")
    )
    g_tr, g_te = _site(frame, r_tr), _site(frame, r_te)
    ends = results["evaluations"][PATTERN_REF]["labels"]
    C = ends[PATTERNS[0]]["variants"]["site-reweight"]["probe"]["C"]
    y_tr = Y_tr.argmax(1)
    # with_label: site x class cells, each of the 9 with the same total weight
    names = np.char.add(np.char.add(g_tr.astype(str), "|"), np.asarray(task.names)[y_tr])
    _, cell = np.unique(names, return_inverse=True)
    counts = np.bincount(cell)
    assert len(counts) == 9
    w = len(y_tr) / (len(counts) * counts[cell])
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=100_000)
    ref.fit(Z["train"], y_tr, sample_weight=w)
    P_val, P_te = ref.predict_proba(Z["validation"]), ref.predict_proba(Z["test"])
    fit: dict = {}
    val, test, rec = fit_softmax_variant(
        {"type": "group_dro", "step_size": 0.02},
        inputs["train"][1], Y_tr, g_tr, X_va, Y_va, X_te, task.names, _cfg(ev), fit,
    )
    for j, name in enumerate(task.names):
        rw = ends[name]["variants"]["site-reweight"]
        assert rw["probe"]["C"] == C  # one softmax probe for every class
        _check_endpoint(rw, Y_va[:, j], P_val[:, j], Y_te[:, j], P_te[:, j], g_te)
        dro = ends[name]["variants"]["site-dro"]
        assert dro["probe"]["C"] == rec["C"] and dro["probe"]["fit"]["q"] == fit["q"]
        _check_endpoint(dro, Y_va[:, j], val[:, j], Y_te[:, j], test[:, j], g_te)


def test_a_multiclass_resample_variant_is_sklearn_on_the_resampled_rows(built) -> None:
    project, *_ = built
    ev, ds, task, table, labels, inputs, frame = _inputs(project, PATTERN_REF)
    m = Resample(id="site-resample", type="resample", by=["site"], seed=3)
    stats = [Statistic("auroc", None, "overall"), Statistic("tpr", "site", "group", "river")]

    def refit(mm):  # type: ignore[no-untyped-def]
        return refit_scores(ev, ds, task, inputs, frame, mm)

    out = endpoint_variants(ev, ds, task, table, labels, [m], stats, refit=refit)
    Z = _std(inputs)
    (r_tr, _, Y_tr), (_, _, Y_va), (r_te, _, Y_te) = (
        inputs[s] for s in ("train", "validation", "test")
    )
    g_tr = encode_by(frame.loc[list(r_tr)], ds, ["site"])
    idx = cell_resample(cells(g_tr)[0], seed=3)  # the resampled train rows
    C = out[PATTERNS[0]]["variants"]["site-resample"]["probe"]["C"]
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=100_000)
    ref.fit(Z["train"][idx], Y_tr.argmax(1)[idx])
    P_val, P_te = ref.predict_proba(Z["validation"]), ref.predict_proba(Z["test"])
    for j, name in enumerate(task.names):
        var = out[name]["variants"]["site-resample"]
        assert var["status"] == "ok"
        assert var["probe"]["fit"]["distinct_rows"] == len(np.unique(idx))
        _check_endpoint(var, Y_va[:, j], P_val[:, j], Y_te[:, j], P_te[:, j], _site(frame, r_te))
        [cmp] = out[name]["comparisons"]
        rows = {r["key"]: r for r in cmp["rows"]}
        overall = var["measure"]["overall"]["metrics"]["auroc"]["value"]
        assert rows["auroc.overall"]["candidate"] == pytest.approx(overall)
        base = labels[name]["measure"]["overall"]["metrics"]["auroc"]["value"]
        assert rows["auroc.overall"]["baseline"] == pytest.approx(base)


def test_comparison_gates_with_a_label_judge_a_refit_variant(built) -> None:
    _, results, *_ = built
    gates = {g["id"]: g for g in results["gates"] if g["type"] == "comparison"}
    worsened = 0
    for gid, ref, label, cand in (
        ("nodule-reweight-auroc", FINDINGS_REF, "nodule", "site-reweight"),
        ("interstitial-dro-auroc", PATTERN_REF, "interstitial", "site-dro"),
    ):
        g = gates[gid]
        [cmp] = [
            c for c in results["evaluations"][ref]["labels"][label]["comparisons"]
            if c["candidate"] == cand
        ]
        row = next(r for r in cmp["rows"] if r["key"] == "auroc.overall")
        assert g["label"] == label
        assert g["value"] == pytest.approx(row["baseline"] - row["candidate"])
        assert g["outcome"] == ("fail" if g["value"] > 0 else "pass")
        worsened += g["value"] > 0
    assert worsened  # a re-fit lowers some endpoint's AUROC in this fixture: the gate can fail
    assert gates["effusion-dro-tpr"]["outcome"] == "pass"  # at most 1.0 worse: always passes


def test_a_warm_build_reuses_and_an_edited_mitigation_refits_without_embedding(
    built, tmp_path: Path
) -> None:
    from fairgov.pipeline.build import run_build

    project, results, root, _, passes = built
    passes.clear()  # (the tests above re-read the embeddings themselves)
    run_build(project, out=tmp_path / "warm", date="2026-11-28", write_reports=False)
    stats = json.loads((tmp_path / "warm/run-stats.json").read_text())
    for ref in (FINDINGS_REF, PATTERN_REF):
        stages = stats[ref]["stages"]["variants"]
        assert all(stages[k]["reused"] for k in ("site-reweight", "site-dro", "comparison"))
    assert (tmp_path / "warm/results.json").read_bytes() == (root / "out/results.json").read_bytes()
    assert passes == []  # nothing embedded, nothing even re-read
    path = project / "evaluation-findings.yaml"
    path.write_text(path.read_text().replace("step_size: 0.02", "step_size: 0.05"))
    run_build(project, out=tmp_path / "edited", date="2026-11-28", write_reports=False)
    stats = json.loads((tmp_path / "edited/run-stats.json").read_text())[FINDINGS_REF]["stages"]
    assert stats["measurement"]["reused"] and stats["probe_outputs"]["reused"]
    assert not stats["variants"]["site-dro"]["reused"]
    assert stats["variants"]["site-reweight"]["reused"]
    assert passes and sum(passes) == 0  # the re-fit re-read the embeddings from the cache
    edited = json.loads((tmp_path / "edited/results.json").read_text())
    for name in FINDINGS:
        a = results["evaluations"][FINDINGS_REF]["labels"][name]
        b = edited["evaluations"][FINDINGS_REF]["labels"][name]
        assert a["measure"] == b["measure"]
        assert a["variants"]["site-reweight"] == b["variants"]["site-reweight"]
        assert b["variants"]["site-dro"]["mitigation"]["step_size"] == 0.05
        assert b["variants"]["site-dro"]["probe"] != a["variants"]["site-dro"]["probe"]


def test_the_report_table_and_the_diff_show_a_refit_variant(built) -> None:
    from fairgov.render import render_reports
    from fairgov.resultsdiff import diff_results

    project, results, *_ = built
    reports = render_reports(results, compile_project(project), pdf=False, lang="en")
    caption = "Per-label paired comparisons"
    html = next(r.html for r in reports if caption in r.html)
    start = html.index(caption)
    table = html[start : html.index("</table>", start)]
    ends = results["evaluations"][FINDINGS_REF]["labels"]
    row = next(r for r in ends["nodule"]["comparisons"][0]["rows"] if r["key"] == "auroc.overall")
    assert ends["nodule"]["comparisons"][0]["candidate"] == "site-reweight"
    num = '<td class="num">{:.3f}</td>'
    cells_ = num.format(row["baseline"]) + num.format(row["candidate"])
    assert cells_ in table and "site-reweight" in table and "site-dro" in table
    head = json.loads(json.dumps(results))
    var = head["evaluations"][FINDINGS_REF]["labels"]["nodule"]["variants"]["site-reweight"]
    stat = var["measure"]["overall"]["metrics"]["auroc"]
    stat["value"] = stat["ci_low"] - 0.05
    d = diff_results(results, head)
    assert [(m["evaluation"], m["metric"], m["regression"]) for m in d["metrics"]] == [
        (f"{FINDINGS_REF}@nodule#site-reweight", "auroc", True)
    ]
