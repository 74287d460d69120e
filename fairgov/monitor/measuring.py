"""Per-period measurement with `fairgov.metrics.measure`, in this process or in worker processes.

A measure is a pure function of its period's rows and the plan's settings, so it is the same
number whichever process computes it (tested). With more than one usable core, measures go to
worker processes (fresh `spawn` interpreters, as the render pool does: the parent holds DuckDB
threads) while this process reads and checks the next period (or, after the last, readies the
report). At most one job per worker waits in the queue, so memory holds a bounded number of
periods. `FAIRGOV_MONITOR_WORKERS=1` measures in this process; N sets the number of workers
(default: one per usable core, at most one per measure, when the measures to compute hold at
least `MIN_WORK` rows x resamples). If no worker can start, measuring falls back to this
process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any

from fairgov import metrics as fm
from fairgov.monitor.frames import Frame
from fairgov.monitor.plan import Plan
from fairgov.monitor.worker import Job, _worker_init, _worker_job, _worker_ready, run_job
from fairgov.vocabulary import AGGREGATE_METRICS

LOG = logging.getLogger("fairgov.monitor")
ENV = "FAIRGOV_MONITOR_WORKERS"


def metric_names(plan: Plan) -> list[str]:
    names = {"tpr", "fpr", "auroc"}
    for _, t in plan.triggers:
        if t.check.type == "metric":
            m = t.check.metric
            names |= {"tpr", "fpr"} if m in AGGREGATE_METRICS else {m}
    return sorted(names)


def job(plan: Plan, frame: Frame) -> Job:
    lab, b, ev = frame.labelled(), plan.monitoring.bootstrap, plan.monitoring.min_evidence
    return Job(
        lab.label.astype(int),
        lab.score,
        lab.patient,
        lab.groups,
        plan.threshold,
        tuple(metric_names(plan)),
        fm.BootstrapConfig(resamples=b.resamples, level=b.level, seed=b.seed),
        fm.MinEvidence(n=ev.n, positives=ev.positives, negatives=ev.negatives),
    )


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


MIN_WORK = 50_000_000
"""Rows x resamples below which workers cost more (start-up, ~2 s of imports each) than they
save."""


def workers_for(jobs: int, work: float = float("inf")) -> int:
    """Worker processes for `jobs` measures of `work` rows x resamples in all (0: measure in
    this process). `FAIRGOV_MONITOR_WORKERS` given: that many (at most one per measure; 1:
    this process), whatever the work. Otherwise, with enough work, one per usable core and
    measure; a single measure goes to one worker too when a second core is there: this
    process meanwhile runs the label-free checks and readies the report."""
    wanted = os.environ.get(ENV, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        n = max(1, min(jobs, int(wanted)))
        return n if n > 1 else 0
    cpus = usable_cpus()
    return min(jobs, cpus) if work >= MIN_WORK and jobs > 0 and cpus > 1 else 0


class Measurer:
    """`submit(key, frame)` measures (now, or in a worker); `results()` has every measure.

    The pool can start before the log is scanned (`start_early`: each spawned worker pays its
    imports while this process reads the files); `expect` then settles it on the measures
    actually due: a pool nothing will use is shut down, a run that turns out to need one
    starts it then."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.workers = 1
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[tuple[str, Future]] = deque()
        self.done: dict[str, dict[str, Any]] = {}
        self.worker_rss_mib: dict[int, float] = {}

    def _work(self, rows: int) -> float:
        return float(rows) * max(1, self.plan.monitoring.bootstrap.resamples)

    def start_early(self, files: int, rows: int) -> None:
        """Start the workers for a run about to read `files` new files of about `rows` rows
        (each new file brings at least one measure), before anything is measured."""
        if self.pool is None and files > 0:
            self._start(workers_for(files, self._work(rows)))

    def expect(self, jobs: int, rows: int) -> None:
        """`jobs` measures of `rows` labelled rows in all are due."""
        if jobs == 0:
            self.close()
        elif self.pool is None:
            self._start(workers_for(jobs, self._work(rows)))

    def _start(self, workers: int) -> None:
        self.workers = max(1, workers)
        if workers < 1:
            return
        try:
            self.pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
            )
            # a spawn pool starts a process per submitted task: start them all now
            for _ in range(workers):
                self.pool.submit(_worker_ready)
        except (OSError, ValueError) as err:  # no worker: measure here
            LOG.info("monitor workers unavailable (%s): measuring in this process", err)
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool, self.workers = None, 1

    def __enter__(self) -> Measurer:
        return self

    def submit(self, key: str, frame: Frame) -> None:
        j = job(self.plan, frame)
        if self.pool is None:
            self.done[key] = run_job(j)
            return
        while (
            len(self.pending) > self.workers
        ):  # bounded: one job running per worker and one waiting
            self._collect()
        self.pending.append((key, self.pool.submit(_worker_job, j)))

    def _collect(self) -> None:
        key, fut = self.pending.popleft()
        out, pid, rss = fut.result()
        self.done[key] = out
        self.worker_rss_mib[pid] = max(rss, self.worker_rss_mib.get(pid, 0.0))

    def results(self) -> dict[str, dict[str, Any]]:
        while self.pending:
            self._collect()
        return self.done

    def close(self) -> None:
        """Stop the workers (after `results()`, or when nothing is to be measured)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.pool is None:
            return
        if et is not None:  # stopping: no worker outlives the run
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()
            self.pool.shutdown(wait=True, cancel_futures=True)
        else:
            self.pool.shutdown(wait=True)
