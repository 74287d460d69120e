"""PDFs rendered by worker processes: same bytes as in-process, interruptible, with a fallback."""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fairgov import render
from fairgov.render import pool

REPO = Path(__file__).resolve().parents[2]


def test_jobs_are_handed_out_largest_first():
    assert pool.order([89, 140, 81, 260]) == [3, 1, 0, 2]
    assert pool.order([5, 5, 5]) == [0, 1, 2]
    assert pool.order([1]) == [0]


@pytest.mark.slow
def test_a_failing_or_dying_worker_is_an_error_not_a_hang(tmp_path):
    bad = pool.PdfJob("<p>x</p>", tmp_path, (tmp_path,), b"{}", "not-a-date", "d")
    with pytest.raises(RuntimeError, match="rendering a PDF report failed: ValueError"):
        pool.render_pdfs([bad, bad], workers=2)


def test_workers_follow_cores_jobs_and_the_environment(monkeypatch):
    monkeypatch.setattr(pool, "usable_cpus", lambda: 2)
    monkeypatch.delenv(pool.ENV, raising=False)
    assert pool.workers_for(4) == 2 and pool.workers_for(1) == 1 and pool.workers_for(0) == 1
    monkeypatch.setenv(pool.ENV, "3")
    assert pool.workers_for(4) == 3 and pool.workers_for(2) == 2
    for bad in ("0", "-2", "many", ""):
        monkeypatch.setenv(pool.ENV, bad)
        assert pool.workers_for(4) == 2  # ignored: one per usable core


@pytest.mark.slow
def test_parallel_pdfs_are_byte_identical_to_in_process_ones(built, tmp_path):
    results, cp = built
    one = render.render_reports(results, cp, out_dir=tmp_path, workers=1)
    two = render.render_reports(results, cp, out_dir=tmp_path, workers=2)
    assert [r.stem for r in one] == [r.stem for r in two] and len(one) == 4
    for a, b in zip(one, two, strict=True):
        assert a.pdf and a.pdf.startswith(b"%PDF-") and a.pdf == b.pdf, a.stem
        assert a.html == b.html and a.problems == b.problems == []


@pytest.mark.slow
def test_the_language_reaches_the_workers(built, tmp_path):
    from pypdf import PdfReader

    results, cp = built
    stems = {"datasheet-cxr-demo", "deployment-st-example-central"}
    for item in render.render_reports(
        results, cp, out_dir=tmp_path, lang="fr", only=stems, workers=2
    ):
        (attachment,) = PdfReader(io.BytesIO(item.pdf)).trailer["/Root"]["/Names"][
            "/EmbeddedFiles"
        ]["/Names"][1::2]
        assert "results.json fairgov de la génération" in str(
            attachment.get_object().get("/Desc")
        ), item.stem


@pytest.mark.slow
def test_a_pool_that_cannot_start_falls_back_to_this_process(built, tmp_path, monkeypatch, caplog):
    results, cp = built

    class NoProcesses:
        def Pipe(self, *args, **kwargs):  # noqa: N802 - multiprocessing's name
            raise OSError("no pipes here")

    monkeypatch.setattr(multiprocessing, "get_context", lambda method: NoProcesses())
    stems = {"datasheet-cxr-demo", "deployment-st-example-central"}
    out = render.render_reports(results, cp, out_dir=tmp_path, only=stems, workers=2)
    assert len(out) == 2 and all(r.pdf and r.pdf.startswith(b"%PDF-") for r in out)
    assert "worker processes unavailable (no pipes here)" in caplog.text


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="needs /proc to see the worker processes"
)
@pytest.mark.parametrize(
    ("how", "phase"),
    [  # SIGINT to the parent alone takes the same path as SIGTERM
        ("SIGTERM", "pdf"),
        ("Ctrl-C to the process group", "pdf"),
        ("Ctrl-C to the process group", "html"),  # workers still importing, parent building HTML
    ],
)
def test_interrupting_the_render_stops_the_workers_and_keeps_old_reports(tmp_path, how, phase):
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "fairgov",
        "build",
        str(REPO / "tests/fixtures/project"),
        "--out",
        str(out),
        "--date",
        "2026-11-28",
        "--no-reuse",  # every PDF rendered, none taken from the PDF cache
    ]
    env = {**os.environ, pool.ENV: "2"}
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 1, first.stderr
    good = {p.name: p.read_bytes() for p in (out / "reports").iterdir()}
    # a shell without job control starts background jobs with SIGINT ignored (CI may run so), and
    # Python keeps an ignored SIGINT ignored: give the build the default a terminal would
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2:  # wait until both workers are rendering
        if proc.poll() is None:
            workers |= {c for c in _children(proc.pid) if b"spawn" in _cmdline(c)}
        time.sleep(0.05)
    assert len(workers) == 2, "the build never started its render workers"
    # the workers start before the HTML is built and import weasyprint (~2 s of CPU): wait until
    # one has spent more than that, i.e. is rendering a PDF (CPU time does not depend on load);
    # for the HTML phase, interrupt at once, while both are still importing (checked below)
    while (
        phase == "pdf"
        and time.monotonic() < deadline
        and proc.poll() is None
        and max(_cpu_s(w) for w in workers) < 3.0
    ):
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before a worker started rendering"
    if phase == "html":
        assert max(_cpu_s(w) for w in workers) < 1.5, "the workers were past their import"
    if how.startswith("Ctrl-C"):  # what a terminal does: every process of the group gets SIGINT
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(getattr(signal, how))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    # the build's progress lines (steps that ran), then the one interrupt message, nothing else
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert lines[-1] == "fairgov: interrupted; nothing was replaced"
    assert all(line.endswith(" …") or " done in " in line for line in lines[:-1]), lines
    time.sleep(0.5)
    assert not [
        w for w in workers if _cmdline(w)
    ]  # every worker is gone (a zombie's cmdline is empty too)
    assert {
        p.name: p.read_bytes() for p in (out / "reports").iterdir()
    } == good  # old reports, no temp files


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _exits_at_once(code: int) -> None:
    os._exit(code)


def test_a_worker_that_exits_without_sending_is_a_coded_error_even_if_its_pipe_stays_open():
    """The hang seen once in development: a worker was gone, but its pipe's write end was still
    open in another process, so no end-of-file ever came. Here the parent keeps the write end:
    the worker's exit alone must end the wait, with FG615 and the exit code."""
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_exits_at_once, args=(3,), daemon=True)
    proc.start()
    jobs = [pool.PdfJob("<p>x</p>", Path("."), (), b"{}", "2026-01-01", "d")] * 2
    try:
        with pytest.raises(
            pool.PdfWorkerError, match=r"stopped before sending 2 of its reports \(exit code 3\)"
        ) as err:
            pool._dispatch([(proc, mine)], jobs)
        assert err.value.code == "FG615"
    finally:
        theirs.close()
        pool._stop([(proc, mine)])
    assert not proc.is_alive()


def _long_report(rows: int) -> str:
    body = "".join(f"<tr><td>row {i}</td><td>{'value ' * 12}</td></tr>" for i in range(rows))
    return (f"<!doctype html><html "
        f"lang='en'><head><title>t</title></head><body><table>{body}</table></body></html>")


@pytest.mark.slow
def test_a_killed_worker_fails_the_build_with_a_coded_diagnostic_not_a_hang(tmp_path):
    import threading

    jobs = [
        pool.PdfJob(_long_report(1500), tmp_path, (tmp_path,), b"{}", "2026-01-01", "d")
        for _ in range(2)
    ]
    killed: list[int] = []

    def kill_one() -> None:
        while not killed:
            for child in multiprocessing.active_children():
                if child.name == "fairgov-pdf" and child.pid:
                    os.kill(child.pid, signal.SIGKILL)  # as the out-of-memory killer would
                    killed.append(child.pid)
                    return
            time.sleep(0.05)

    outcome: list[BaseException] = []

    def build() -> None:
        try:
            pool.render_pdfs(jobs, workers=2)
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            outcome.append(err)

    killer = threading.Thread(target=kill_one, daemon=True)
    builder = threading.Thread(target=build, daemon=True)
    killer.start()
    builder.start()
    builder.join(300)  # a guard against a hang, not a speed check
    assert not builder.is_alive(), "render_pdfs hung after a worker was killed"
    assert killed and len(outcome) == 1 and isinstance(outcome[0], pool.PdfWorkerError), outcome
    assert outcome[0].code == "FG615" and "killed by SIGKILL" in str(outcome[0])
    assert not [
        c for c in multiprocessing.active_children() if c.name == "fairgov-pdf"
    ]  # no worker left behind


def test_a_worker_error_reaches_the_build_as_a_coded_diagnostic(built, tmp_path, monkeypatch):
    from fairgov.diagnostics import FairgovError

    results, cp = built

    from contextlib import contextmanager

    def failing(jobs):
        raise pool.PdfWorkerError(
            "a PDF render worker stopped before sending 1 of its reports (exit code -9)", "FG615"
        )

    @contextmanager
    def renderer(count, workers=None):
        yield failing

    monkeypatch.setattr(pool, "renderer", renderer)
    with pytest.raises(FairgovError) as err:
        render.render_all(tmp_path, results, cp)
    (diag,) = err.value.diagnostics
    assert diag.code == "FG615" and "stopped before sending" in diag.message
