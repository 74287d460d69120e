"""Render several PDFs at once on a machine with more than one core.

weasyprint lays out a document on one core (≈0.3 s of CPU per report page here), so a build's
reports are spread over worker processes: fresh `spawn` interpreters (never `fork`: the parent
may hold torch/OpenMP threads). The workers start before the reports' HTML is built
(`renderer`), so their import of weasyprint (~1.8 s) overlaps it; each has its own pipe, and
the parent hands the next report, largest first, to whichever worker finishes, so the load
balances itself (no shared queue: stopping never waits on one). A worker that dies is noticed
by its process sentinel (FG615), never waited for. Workers ignore Ctrl-C and are terminated
when the parent stops, so an interrupted build leaves neither workers nor half-written files
behind. A job is the same pure function of its HTML and bytes as in-process
rendering, so the PDFs are byte-identical whichever way they were made (tested). If no worker
can start, rendering falls back to this process. `FAIRGOV_RENDER_WORKERS=1` turns the workers
off; N sets their number (default: one per usable core, at most one per report).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from fairgov.exiting import finish
from fairgov.interrupts import STOPS, stops_deferred

LOG = logging.getLogger("fairgov.render")
ENV = "FAIRGOV_RENDER_WORKERS"


@dataclass(frozen=True)
class PdfJob:
    html: str
    base_dir: Path
    allowed_dirs: tuple[Path, ...]
    results_bytes: bytes
    build_date: str
    attachment_description: str


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(jobs: int) -> int:
    """How many worker processes to use for `jobs` PDFs (1: render in this process)."""
    wanted = os.environ.get(ENV, "").strip()
    limit = int(wanted) if wanted.isdigit() and int(wanted) > 0 else usable_cpus()
    return max(1, min(jobs, limit))


def render_job(job: PdfJob) -> tuple[bytes, list[str]]:
    from fairgov.render.pdf import html_to_pdf

    return html_to_pdf(
        job.html,
        base_dir=job.base_dir,
        allowed_dirs=list(job.allowed_dirs),
        results_bytes=job.results_bytes,
        build_date=job.build_date,
        description=job.attachment_description,
    )


def order(sizes: list[int]) -> list[int]:
    """Dispatch order: the largest job first (HTML size ~ pages), so the last job to start is a
    small one."""
    return sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))


def _serve(conn: Connection) -> None:
    """Worker process: import weasyprint, then render each (index, job) received, sending
    (index, pdf, problems, error) back, until None (or the parent's end closes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(
            signal.SIG_UNBLOCK, STOPS
        )  # a pending SIGTERM from the parent ends this worker here
    import fairgov.render.pdf  # noqa: F401 - loaded while the parent still builds the HTML

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            break
        i, job = message
        try:
            pdf, problems = render_job(job)
        except Exception as err:  # noqa: BLE001 - reported to the parent, which raises it
            conn.send((i, None, [], f"{type(err).__name__}: {err}"))
            return
        conn.send((i, pdf, problems, None))
    conn.close()
    # all sent: end now, without tearing down weasyprint's modules (0.3-0.6 s the parent's
    # close() would otherwise wait for at the end of every build)
    finish(0)


class PdfWorkerError(RuntimeError):
    """A worker process failed: it raised while rendering (FG616) or ended before sending all
    its PDFs, killed or out of memory (FG615). The build reports it with its code."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _exit_text(proc: Any) -> str:
    proc.join(5)
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            return f"exit code {code}: killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"exit code {code}"
    return f"exit code {code}"


def _died(proc: Any, jobs_left: int) -> PdfWorkerError:
    return PdfWorkerError(
        f"a PDF render worker stopped before sending {jobs_left} of its reports "
        f"({_exit_text(proc)})",
        "FG615",
    )


def _dispatch(
    procs: list[tuple[Any, Connection]], jobs: list[PdfJob]
) -> list[tuple[bytes, list[str]]]:
    """Every job's result, in order. Each worker gets one job at a time, the next one when it
    sends its result. The parent waits on the pipes and on the processes themselves: a worker
    that ends (killed, out of memory) is noticed by its sentinel even when another process still
    holds its pipe open, its pipe is drained, and a job without a result is FG615."""
    queue = order([len(job.html) for job in jobs])
    done: dict[int, tuple[bytes, list[str]]] = {}
    busy: dict[Connection, Any] = {}

    def give(proc: Any, conn: Connection) -> None:
        if not queue:
            return
        i = queue.pop(0)
        try:
            conn.send((i, jobs[i]))
        except OSError:  # the worker is gone (broken pipe)
            raise _died(proc, 1 + len(queue)) from None
        busy[conn] = proc

    for proc, conn in procs:
        give(proc, conn)
    while busy:
        by_sentinel = {proc.sentinel: conn for conn, proc in busy.items()}
        for ready in wait(list(busy) + list(by_sentinel)):
            conn = by_sentinel.get(ready, ready)  # type: ignore[arg-type]
            if conn not in busy:
                continue
            proc = busy[conn]
            if ready is not conn and not conn.poll():  # the process ended and left nothing to read
                raise _died(proc, 1 + len(queue))
            try:
                i, pdf, problems, error = conn.recv()
            except (EOFError, OSError):  # the pipe closed, maybe half-way through a message
                raise _died(proc, 1 + len(queue)) from None
            if error is not None:
                raise PdfWorkerError(f"rendering a PDF report failed: {error}", "FG616")
            done[i] = (pdf, problems)
            del busy[conn]
            give(proc, conn)
    return [done[i] for i in range(len(jobs))]


def _resource_tracker() -> None:
    if os.name == "posix":
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()


class Workers:
    """`n` worker processes, started now; `render(jobs)` any number of times; `close()` ends
    them."""

    def __init__(self, n: int):
        ctx = multiprocessing.get_context("spawn")
        self.procs: list[tuple[Any, Connection]] = []
        try:
            # the first spawn would launch multiprocessing's resource tracker, whose launch
            # unblocks SIGINT/SIGTERM on its way out, inside `stops_deferred`: a worker started
            # next would boot with them deliverable (a Ctrl-C then kills its start-up with a
            # "Fatal Python error"). Launched here, before any mask, it is already running then.
            _resource_tracker()
            for _ in range(n):
                mine, theirs = ctx.Pipe(duplex=True)
                proc = ctx.Process(target=_serve, args=(theirs,), daemon=True, name="fairgov-pdf")
                self.procs.append((proc, mine))
                with stops_deferred():
                    try:
                        proc.start()
                    finally:
                        theirs.close()
        except BaseException:
            self.close(wait=False)
            raise

    def render(self, jobs: list[PdfJob]) -> list[tuple[bytes, list[str]]]:
        return _dispatch(self.procs, jobs)

    def close(self, wait: bool = True) -> None:
        """Ask the workers to finish (wait=True), then make sure none outlives this call."""
        if wait:
            for proc, conn in self.procs:
                if proc.pid is not None and proc.is_alive():
                    with suppress(OSError):
                        conn.send(None)
            for proc, _ in self.procs:
                if proc.pid is not None:
                    proc.join(5)
        _stop(self.procs)
        self.procs = []


RenderPdfs = Callable[[list[PdfJob]], list[tuple[bytes, list[str]]]]


def _in_process(jobs: list[PdfJob]) -> list[tuple[bytes, list[str]]]:
    return [render_job(job) for job in jobs]


@contextmanager
def renderer(count: int, workers: int | None = None) -> Iterator[RenderPdfs]:
    """A function that renders PDF jobs, for a build of `count` PDFs: worker processes started
    on entry (they import weasyprint while the caller builds the HTML), or this process when one
    worker is all there is to use or none can start. Every worker is stopped on exit, also on
    Ctrl-C or an error."""
    n = workers_for(count) if workers is None else max(1, min(workers, count))
    if count <= 1 or n <= 1:
        yield _in_process
        return
    try:
        pool = Workers(n)
    except OSError as err:  # no process or pipe support here: render in this process
        LOG.warning("rendering PDFs in one process: worker processes unavailable (%s)", err)
        yield _in_process
        return
    ok = False
    try:
        yield pool.render
        ok = True
    finally:  # also on Ctrl-C / SIGTERM: no worker outlives the build
        pool.close(wait=ok)


def render_pdfs(jobs: list[PdfJob], workers: int | None = None) -> list[tuple[bytes, list[str]]]:
    """PDF bytes and problems for each job, in the order given."""
    with renderer(len(jobs), workers) as render:
        return render(jobs)


def _stop(procs: list[tuple[Any, Connection]]) -> None:
    for proc, conn in procs:
        if proc.pid is not None:  # started
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
            if proc.is_alive():  # SIGTERM still held (the worker was booting): SIGKILL cannot be
                proc.kill()
                proc.join(5)
        conn.close()
