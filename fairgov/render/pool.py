"""Render several PDFs at once on a machine with more than one core.

weasyprint lays out a document on one core (≈0.3 s of CPU per report page here), so a build's
reports are spread over worker processes: fresh `spawn` interpreters (never `fork`: the parent
may hold torch/OpenMP threads). Each worker gets its share of the jobs up front and sends its
results over its own pipe, so stopping never waits on a queue; workers ignore Ctrl-C and are
terminated when the parent stops, so an interrupted build leaves neither workers nor
half-written files behind. A job is the same pure function of its HTML and bytes as in-process
rendering, so the PDFs are byte-identical whichever way they were made (tested). If no worker
can start, rendering falls back to this process. `FAIRGOV_RENDER_WORKERS=1` turns the workers
off; N sets their number (default: one per usable core, at most one per report).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

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

    return html_to_pdf(job.html, base_dir=job.base_dir, allowed_dirs=list(job.allowed_dirs), results_bytes=job.results_bytes,
                       build_date=job.build_date, description=job.attachment_description)


def shares(sizes: list[int], workers: int) -> list[list[int]]:
    """Job indices per worker: longest first, each to the least loaded worker (HTML size ~ pages)."""
    load = [0] * workers
    out: list[list[int]] = [[] for _ in range(workers)]
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        w = load.index(min(load))
        out[w].append(i)
        load[w] += sizes[i]
    return [share for share in out if share]


STOPS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _stops_deferred() -> Iterator[None]:
    """While a worker starts, Ctrl-C / SIGTERM wait until it has all its jobs: the parent never
    stops half-way through handing them over, and the worker inherits a mask that holds both
    signals while Python boots in it (no stray traceback); `_work` then ignores SIGINT and lets
    SIGTERM in. A signal that arrived meanwhile is raised as KeyboardInterrupt afterwards."""
    if threading.current_thread() is not threading.main_thread():  # signals are the main thread's business
        yield
        return
    caught: list[int] = []
    handlers = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in STOPS}
    masked = hasattr(signal, "pthread_sigmask")
    if masked:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        yield
    finally:
        if masked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)  # anything pending is recorded now
        for s, handler in handlers.items():
            signal.signal(s, handler)
    if caught:
        raise KeyboardInterrupt


def _work(share: list[tuple[int, PdfJob]], conn: Connection) -> None:
    """Worker process: render its share, sending (index, pdf, problems, error) for each job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)  # a pending SIGTERM from the parent ends this worker here
    for i, job in share:
        try:
            pdf, problems = render_job(job)
        except Exception as err:  # noqa: BLE001 - reported to the parent, which raises it
            conn.send((i, None, [], f"{type(err).__name__}: {err}"))
            return
        conn.send((i, pdf, problems, None))
    conn.close()


def render_pdfs(jobs: list[PdfJob], workers: int | None = None) -> list[tuple[bytes, list[str]]]:
    """PDF bytes and problems for each job, in the order given."""
    n = workers_for(len(jobs)) if workers is None else max(1, min(workers, len(jobs)))
    if n <= 1:
        return [render_job(job) for job in jobs]
    ctx = multiprocessing.get_context("spawn")
    procs: list[Any] = []
    try:
        try:
            for share in shares([len(job.html) for job in jobs], n):
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_work, args=([(i, jobs[i]) for i in share], writer), daemon=True,
                                   name="fairgov-pdf")
                procs.append((proc, reader, len(share)))
                with _stops_deferred():
                    try:
                        proc.start()
                    finally:
                        writer.close()
        except OSError as err:  # no process or pipe support here: render in this process
            _stop(procs)
            procs = []
            LOG.warning("rendering PDFs in one process: worker processes unavailable (%s)", err)
            return [render_job(job) for job in jobs]
        return _collect(procs, len(jobs))
    finally:  # also on Ctrl-C / SIGTERM: no worker outlives the build
        _stop(procs)


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


def _collect(procs: list[Any], count: int) -> list[tuple[bytes, list[str]]]:
    """Every job's result. Waits on the workers' pipes and on the processes themselves: a worker
    that ends (also killed, or out of memory, while another process may still hold its pipe's
    write end) is noticed by its sentinel, its pipe is drained, and a missing result is an error."""
    done: dict[int, tuple[bytes, list[str]]] = {}
    todo = {reader: (proc, n) for proc, reader, n in procs if n}
    while todo:
        by_sentinel = {proc.sentinel: reader for reader, (proc, _) in todo.items()}
        for ready in wait(list(todo) + list(by_sentinel)):
            reader = by_sentinel.get(ready, ready)
            if reader not in todo:
                continue
            proc, left = todo[reader]
            exited = ready in by_sentinel
            while left and (not exited or reader.poll()):  # a finished worker's pipe is drained
                try:
                    i, pdf, problems, error = reader.recv()
                except (EOFError, OSError):  # the pipe closed, maybe half-way through a message
                    exited = True
                    break
                if error is not None:
                    raise PdfWorkerError(f"rendering a PDF report failed: {error}", "FG616")
                done[i] = (pdf, problems)
                left -= 1
                if not exited:
                    break  # one message per wake-up while the worker runs
            if left and exited:
                raise PdfWorkerError(f"a PDF render worker stopped before sending {left} of its reports "
                                     f"({_exit_text(proc)})", "FG615")
            if left:
                todo[reader] = (proc, left)
            else:
                del todo[reader]
    return [done[i] for i in range(count)]


def _stop(procs: list[Any]) -> None:
    for proc, reader, _ in procs:
        if proc.pid is not None:  # started
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
            if proc.is_alive():  # SIGTERM still held (the worker was booting): SIGKILL cannot be
                proc.kill()
                proc.join(5)
        reader.close()
