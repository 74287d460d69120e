"""`multiplicity: holm`: a gap gate decided by per-pair tests instead of the max-t gap interval.

For every pair (i, j) of included groups the measure stores the signed difference d and its
bootstrap standard error se. With a = (1 - level) / 2 (one side of the two-sided level, as
the interval rule uses) and the gate's limit L on the gap:

* fail when some pair is shown beyond the limit: the one-sided tests of H0 |d_ij| <= L,
  p_ij = 1 - Phi((|d_ij| - L) / se_ij), Holm-adjusted over the pairs, reject at a. Holm
  controls the family-wise error, so a model whose every true |d| is within L fails with
  probability at most a, whatever the number of groups.
* pass when every pair's interval d +/- z_(1-a) se lies within [-L, L] (intersection-union:
  each pair is an equivalence test at a, and all must pass, so no adjustment is needed and a
  model with some true |d| > L passes with probability at most a).
* inconclusive otherwise, or when a pair has no standard error.
"""

from __future__ import annotations

from typing import Any

from scipy.special import ndtr, ndtri  # norm.ppf/sf without the scipy.stats import

from fairgov.metrics.permutation import holm
from fairgov.reasons import Reason

METHOD = "Holm-adjusted one-sided per-pair tests (fail); every pair's interval within ±limit (pass)"


def holm_decision(
    differences: list[Any], limit: float, level: float
) -> tuple[str, float | None, tuple[Reason, ...], dict[str, Any]]:
    """(outcome, compared, reasons, details) of a `multiplicity: holm` gap gate."""
    if not differences or any(d.se is None or d.value is None for d in differences):
        return (
            "inconclusive",
            None,
            (Reason("holm-no-pairs"),),
            {"multiplicity": "holm", "method": METHOD},
        )
    a = (1 - level) / 2
    z = float(ndtri(1 - a))
    raw = [_p_exceeds(abs(d.value), limit, d.se) for d in differences]
    adjusted = holm(raw)
    reach = [abs(d.value) + z * d.se for d in differences]
    pairs = [
        {
            "group": d.group,
            "reference": d.reference,
            "value": d.value,
            "se": d.se,
            "p": p,
            "p_adjusted": q,
            "reach": r,
        }
        for d, p, q, r in zip(differences, raw, adjusted, reach, strict=True)
    ]
    details = {"multiplicity": "holm", "method": METHOD, "alpha": a, "pairs": pairs}
    compared = max(reach)
    k = min(range(len(adjusted)), key=adjusted.__getitem__)
    if adjusted[k] < a:
        pair = f"{differences[k].group} − {differences[k].reference}"
        return (
            "fail",
            compared,
            (Reason("holm-pair-exceeds", {"pair": pair, "p": adjusted[k], "alpha": a}),),
            details,
        )
    if compared <= limit:
        return "pass", compared, (Reason("holm-pairs-within", {"count": len(pairs)}),), details
    return (
        "inconclusive",
        compared,
        (Reason("holm-undecided", {"p": adjusted[k], "alpha": a}),),
        details,
    )


def _p_exceeds(distance: float, limit: float, se: float) -> float:
    """One-sided p-value of H0 |d| <= limit against |d| > limit (normal, bootstrap se)."""
    if se <= 0:
        return 0.0 if distance > limit else 1.0
    return float(ndtr(-(distance - limit) / se))
