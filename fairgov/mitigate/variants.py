"""Re-fit the linear probe under a data- or training-stage mitigation.

Every variant keeps the plain probe's protocol: standardisation on the (unweighted) train
rows, one fit per C of ``cfg.Cs``, C chosen on validation AUROC (ties: the smaller C). Only
the train rows' loss changes:

``reweight``   group-balanced sample weights (:func:`balanced_weights`);
``resample``   a group-balanced resample with replacement (:func:`balanced_resample`), fitted
               as integer sample weights (how often each row was drawn), which is the same
               objective as fitting on the resampled rows without copying the embeddings;
``group_dro``  the worst-group objective of :mod:`fairgov.mitigate.dro`.

Validation rows only select C; test rows are only scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fairgov.evaluate.config import ProbeConfig
from fairgov.evaluate.probe import ProbeResult, linear_probe
from fairgov.mitigate.dro import GroupDROResult, group_dro
from fairgov.mitigate.errors import MitigationError
from fairgov.mitigate.weights import balanced_resample, balanced_weights, cells

__all__ = ["PROBE_VARIANTS", "fit_probe_variant", "variant_weights"]

PROBE_VARIANTS: tuple[str, ...] = ("reweight", "resample", "group_dro")


def _field(mitigation: Any, name: str, default: Any = None) -> Any:
    if isinstance(mitigation, Mapping):
        return mitigation.get(name, default)
    value = getattr(mitigation, name, default)
    return default if value is None else value


def variant_weights(mitigation: Any, y_train: np.ndarray, g_train: np.ndarray) -> np.ndarray | None:
    """The train rows' sample weights of a reweight/resample mitigation (None for DRO)."""
    kind = _field(mitigation, "type")
    labels = np.asarray(y_train) if _field(mitigation, "with_label", False) else None
    if kind == "reweight":
        return balanced_weights(g_train, labels)
    if kind == "resample":
        idx = balanced_resample(g_train, labels, seed=int(_field(mitigation, "seed", 0)))
        return np.bincount(idx, minlength=len(g_train)).astype(np.float64)
    if kind == "group_dro":
        return None
    raise MitigationError(
        f"mitigation type {kind!r} does not re-fit the probe; one of {', '.join(PROBE_VARIANTS)}",
        "FG474",
    )


def fit_probe_variant(
    mitigation: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    g_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    X_test: np.ndarray,
    cfg: ProbeConfig | None = None,
    record: dict[str, Any] | None = None,
) -> ProbeResult:
    """The probe re-fitted under ``mitigation`` (a spec model or a mapping with ``type``,
    ``with_label``, ``seed``, ``step_size``); ``g_train`` holds the train rows' group labels
    for the mitigation's ``by``.

    ``record``, when given, is filled with what the mitigation did, for results.json:
    reweight/resample ``{"cell_weight": {cell: total weight share}, "train_rows": n}``
    (cells ``group`` or ``group|label``; resample also ``"distinct_rows"``); group_dro
    ``{"q": {group: weight}, "group_loss": {...}, "temperature": t, "converged": bool}`` of
    the fit at the selected C.
    """
    g = np.asarray(g_train).astype(str)
    if len(g) != len(X_train) or len(np.asarray(y_train)) != len(X_train):
        raise MitigationError(
            f"train embeddings ({len(X_train)}), labels ({len(np.asarray(y_train))}) and "
            f"groups ({len(g)}) differ in length",
            "FG473",
        )
    weights = variant_weights(mitigation, y_train, g)
    if weights is not None:
        res = linear_probe(X_train, y_train, X_val, y_val, X_test, cfg, sample_weight=weights)
        if record is not None:
            with_label = bool(_field(mitigation, "with_label", False))
            ci, names = cells(g, np.asarray(y_train) if with_label else None)
            share = np.bincount(ci, weights=weights, minlength=len(names)) / weights.sum()
            record["cell_weight"] = {nm: float(v) for nm, v in zip(names, share, strict=True)}
            record["train_rows"] = len(g)
            if _field(mitigation, "type") == "resample":
                record["distinct_rows"] = int((weights > 0).sum())
        return res
    step = float(_field(mitigation, "step_size", 0.01))
    fits: dict[float, GroupDROResult] = {}

    def dro(Z: np.ndarray, y: np.ndarray, C: float, max_iter: int) -> tuple[np.ndarray, float]:
        fits[C] = fitted = group_dro(Z, y, g, C, max_iter=max_iter, step_size=step)
        return fitted.coef, fitted.intercept

    res = linear_probe(X_train, y_train, X_val, y_val, X_test, cfg, fit=dro)
    if record is not None:
        chosen = fits[res.C]
        record.update(
            q=chosen.q,
            group_loss=chosen.group_loss,
            temperature=chosen.temperature,
            converged=chosen.converged,
        )
    return res
