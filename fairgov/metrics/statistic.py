"""The per-attribute statistics tested by the permutation test."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import aggregates as agg


def attribute_statistic(
    names: list[str], part: list[int], defined: Callable[[str], list[int]]
) -> tuple[Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]], list[str]]:
    """Build ``f(values) -> {key: (B,)}`` computing every gap-type aggregate.

    ``values`` hold (B, len(part)) metrics of the participating groups; each gap
    uses the groups whose observed value is defined (fixed across permutations).
    Keys: "<metric>.gap", "equalized_odds", "equalized_odds_mean", "equal_opportunity".
    """
    pos = {j: i for i, j in enumerate(part)}
    cols = {m: [pos[j] for j in defined(m)] for m in {*names, "tpr", "fpr"}}
    both = [c for c in cols["tpr"] if c in cols["fpr"]]
    keys = [f"{m}.gap" for m in names if len(cols[m]) >= 2]
    if len(both) >= 2:
        keys += ["equalized_odds", "equalized_odds_mean"]
    if len(cols["tpr"]) >= 2:
        keys.append("equal_opportunity")

    def statistic(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {f"{m}.gap": agg.gap(values[m][:, cols[m]]) for m in names if len(cols[m]) >= 2}
        if len(both) >= 2:
            out.update(agg.odds(values["tpr"][:, both], values["fpr"][:, both]))
        if len(cols["tpr"]) >= 2:
            out["equal_opportunity"] = agg.gap(values["tpr"][:, cols["tpr"]])
        return out

    return statistic, keys
