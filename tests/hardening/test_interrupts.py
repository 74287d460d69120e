"""Interrupting a build (SIGINT / SIGTERM at varied points) never damages earlier outputs."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CMD = [sys.executable, "-m", "fairgov", "check"]


def run_check(project: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CMD, str(project), "--out", str(out), "--date", "2026-11-28"],
                          capture_output=True, text=True, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_builds_leave_previous_outputs_intact(
    project: Path, tmp_path: Path, sig
) -> None:
    out = tmp_path / "out"
    first = run_check(project, out)
    assert first.returncode == 1, first.stderr
    good = {p.name: p.read_bytes() for p in out.iterdir()}
    rng = random.Random(sig)
    for delay in sorted(rng.uniform(0.05, 2.5) for _ in range(4)):
        proc = subprocess.Popen([*CMD, str(project), "--out", str(out), "--date", "2026-11-28"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        # 130: our handler ran; -2/-15: the signal arrived before Python could handle it
        assert proc.returncode in (0, 1, 130, -2, -15), err
        assert b"Traceback" not in err
        names = sorted(p.name for p in out.iterdir())
        assert names == sorted(good), names  # no temp files, nothing missing
        for name, data in good.items():  # every file is either the old or an identical new one
            if (
                name == "run-stats.json"
            ):  # this run's statistics: a warm run reuses what the cold one computed
                assert json.loads((out / name).read_text()).keys() == json.loads(data).keys()
                continue
            assert (out / name).read_bytes() == data
        json.loads((out / "results.json").read_text())
    again = run_check(project, out)
    assert again.returncode == 1 and (out / "results.json").read_bytes() == good["results.json"]


@pytest.mark.slow
def test_sigterm_exit_message(project: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*CMD, str(project), "--out", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    # 130: handled (message printed once the build had started); -2/-15: the signal arrived
    # while the interpreter was starting or shutting down; 1: the build finished first
    assert proc.returncode in (1, 130, -2, -15)
    # stderr holds the progress lines of the steps that ran, then the one interrupt message
    done = "fairgov: interrupted; nothing was replaced"
    lines = [line for line in err.splitlines() if line.strip()]
    progress = [
        line
        for line in lines
        if line.startswith("fairgov: ") and (line.endswith(" …") or " done in " in line)
    ]
    assert [line for line in lines if line not in progress] in ([], [done])
    if proc.returncode == 130:
        assert lines[-1] == done


# pydantic-core's Rust module imports the datetime C API while it initialises; a Ctrl-C/SIGTERM
# raised inside that import used to make pyo3 panic ("thread panicked at ... PyCapsule_Import
# could not import module datetime" and a PanicException traceback). This hook sends SIGTERM
# exactly there, every time, instead of hoping a timed signal lands in the window.
SIGNAL_INSIDE_PYO3_INIT = """
import builtins, os, runpy, signal, sys
real = builtins.__import__
sent = []
def hook(name, *args, **kwargs):
    if name == "datetime" and not sent and "pydantic_core" in sys.modules \\
            and sys._getframe(1).f_code.co_filename.startswith("<frozen importlib"):
        sent.append(1)
        os.kill(os.getpid(), signal.SIGTERM)
    return real(name, *args, **kwargs)
builtins.__import__ = hook
sys.argv = ["fairgov", *sys.argv[1:]]
runpy.run_module("fairgov", run_name="__main__", alter_sys=True)
"""


# A stop that lands inside a weakref callback (here: importlib's module-lock callback, as in a
# CI run) or a __del__ cannot propagate: Python printed "Exception ignored in ... Traceback ...
# KeyboardInterrupt" and the command ran on to the end, the stop lost. This fires SIGTERM from
# inside a weakref callback once the command's handlers are installed.
SIGNAL_INSIDE_WEAKREF_CALLBACK = """
import signal, sys, weakref
import fairgov.cli.main as cli
real = cli.build_parser
class Box:
    pass
def build_parser(*args):
    box = Box()
    ref = weakref.ref(box, lambda r: signal.raise_signal(signal.SIGTERM))
    del box  # the callback runs here and its KeyboardInterrupt is unraisable
    return real(*args)
cli.build_parser = build_parser
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    "script", [SIGNAL_INSIDE_PYO3_INIT, SIGNAL_INSIDE_WEAKREF_CALLBACK], ids=["pyo3", "weakref"]
)
def test_a_signal_where_python_cannot_raise_it_is_still_a_clean_interrupt(
    project: Path, script: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", script, "validate", str(project)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    for bad in ("panicked", "Traceback", "Exception ignored"):
        assert bad not in done.stderr, done.stderr
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip().splitlines() == ["fairgov: interrupted; nothing was replaced"]
