"""What a monitor worker process runs: `fairgov.metrics.measure` on one period's arrays.

Imports only numpy and fairgov.metrics, so a fresh (`spawn`) worker starts quickly.
"""

from __future__ import annotations

import os
import resource
import signal
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairgov import metrics as fm


@dataclass(frozen=True)
class Job:
    """Everything `fm.measure` needs for one period (or window): arrays and settings only."""

    labels: np.ndarray
    scores: np.ndarray
    patients: np.ndarray
    groups: dict[str, np.ndarray]
    threshold: float
    metrics: tuple[str, ...]
    bootstrap: fm.BootstrapConfig
    min_evidence: fm.MinEvidence


def run_job(j: Job) -> dict[str, Any]:
    result = fm.measure(
        j.labels,
        j.scores,
        j.patients,
        j.groups,
        threshold=j.threshold,
        metrics=list(j.metrics),
        bootstrap=j.bootstrap,
        min_evidence=j.min_evidence,
        permutations=0,
    )
    out = result.to_dict()
    out.pop("calibration", None)
    return out


def _worker_init() -> None:
    # the parent decides; it terminates workers when it stops
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_ready() -> int:
    """A no-op task: submitting one per worker starts every worker process now."""
    return os.getpid()


def _worker_job(j: Job) -> tuple[dict[str, Any], int, float]:
    out = run_job(j)
    return out, os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
