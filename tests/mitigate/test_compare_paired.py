"""Paired-difference intervals of fairgov.mitigate.compare: the same patients in the same
replicate for both arms; coverage of a planted difference, and narrower than unpaired."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import recall_score, roc_auc_score

from fairgov.metrics import BootstrapConfig, MinEvidence
from fairgov.mitigate.compare import Arm, Statistic, paired_differences

P0, Q = 0.6, 0.25  # baseline TPR; the candidate flags a further Q of the missed positives
TRUE_DIFF = (1 - P0) * Q


def _sim(rng: np.random.Generator, n: int = 300) -> tuple:
    y = (rng.random(n) < 0.4).astype(int)
    group = np.where(rng.random(n) < 0.5, "a", "b")
    patients = np.arange(n) // 2  # two rows per patient
    s0 = np.clip(0.25 * y + 0.75 * rng.random(n), 0, 1)
    f0 = np.where(y == 1, rng.random(n) < P0, rng.random(n) < 0.2)
    f1 = f0 | ((y == 1) & (rng.random(n) < Q))
    return y, patients, {"g": group}, Arm(s0, f0), Arm(np.clip(s0 + 0.05 * rng.random(n), 0, 1), f1)


def test_point_estimates_match_sklearn() -> None:
    y, pid, groups, a0, a1 = _sim(np.random.default_rng(3))
    stats = [
        Statistic("tpr", None, "overall"),
        Statistic("auroc", None, "overall"),
        Statistic("tpr", "g", "each_group"),
        Statistic("auroc", "g", "gap"),
    ]
    out = paired_differences(
        y,
        pid,
        groups,
        {"baseline": a0, "cand": a1},
        "baseline",
        stats,
        BootstrapConfig(resamples=50, seed=1),
        MinEvidence(positives=5, negatives=5),
    )["cand"]
    assert out["tpr.overall"]["baseline"] == pytest.approx(recall_score(y, a0.decisions))
    assert out["tpr.overall"]["candidate"] == pytest.approx(recall_score(y, a1.decisions))
    assert out["auroc.overall"]["baseline"] == pytest.approx(roc_auc_score(y, a0.scores))
    a = groups["g"] == "a"
    assert out["tpr.group.g[a]"]["difference"] == pytest.approx(
        recall_score(y[a], a1.decisions[a]) - recall_score(y[a], a0.decisions[a])
    )
    gap = lambda s: abs(roc_auc_score(y[a], s[a]) - roc_auc_score(y[~a], s[~a]))  # noqa: E731
    assert out["auroc.gap.g"]["difference"] == pytest.approx(gap(a1.scores) - gap(a0.scores))
    assert (
        out["tpr.overall"]["ci_low"]
        <= out["tpr.overall"]["difference"]
        <= out["tpr.overall"]["ci_high"]
    )


@pytest.mark.slow
def test_paired_interval_covers_planted_difference() -> None:
    rng = np.random.default_rng(20261202)
    covered = 0
    sims = 200
    for _ in range(sims):
        y, pid, groups, a0, a1 = _sim(rng)
        row = paired_differences(
            y,
            pid,
            groups,
            {"baseline": a0, "cand": a1},
            "baseline",
            [Statistic("tpr", None, "overall")],
            BootstrapConfig(resamples=400, seed=int(rng.integers(1 << 30)), interval="percentile"),
            MinEvidence(positives=5, negatives=5),
        )["cand"]["tpr.overall"]
        covered += row["ci_low"] <= TRUE_DIFF <= row["ci_high"]
    assert 0.91 <= covered / sims <= 0.98, covered / sims


def test_paired_interval_narrower_than_unpaired_on_correlated_arms() -> None:
    y, pid, groups, a0, a1 = _sim(np.random.default_rng(11), n=600)
    stats = [
        Statistic("tpr", None, "overall"),
        Statistic("auroc", None, "overall"),
        Statistic("tpr", "g", "gap"),
    ]
    kw = dict(
        bootstrap=BootstrapConfig(resamples=300, seed=5, interval="percentile"),
        min_evidence=MinEvidence(positives=5, negatives=5),
    )
    arms = {"baseline": a0, "cand": a1}
    paired = paired_differences(y, pid, groups, arms, "baseline", stats, **kw)["cand"]
    unpaired = paired_differences(y, pid, groups, arms, "baseline", stats, paired=False, **kw)[
        "cand"
    ]
    for key in ("tpr.overall", "auroc.overall", "tpr.gap.g"):
        w_p = paired[key]["ci_high"] - paired[key]["ci_low"]
        w_u = unpaired[key]["ci_high"] - unpaired[key]["ci_low"]
        assert paired[key]["difference"] == unpaired[key]["difference"]
        assert w_p < 0.75 * w_u, (key, w_p, w_u)
