"""`finish`: the quick process exit still runs exit handlers, flushes output, keeps the code,
and waits for a thread that is still running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, sys, threading, time
from pathlib import Path
from fairgov.exiting import finish
out = Path(sys.argv[1])
atexit.register(lambda: out.write_text("exit handler ran"))
if sys.argv[2] == "thread":
    def late():
        time.sleep(0.3)
        (out.parent / "thread").write_text("thread finished")
    threading.Thread(target=late).start()
sys.stdout = open(sys.stdout.fileno(), "w", buffering=1 << 20, closefd=False)
print("buffered line")
finish(3)
"""


def run(tmp_path: Path, mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "atexit"), mode],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_exit_handlers_output_and_code(tmp_path: Path) -> None:
    done = run(tmp_path, "plain")
    assert done.returncode == 3, done.stderr
    assert done.stdout == "buffered line\n"
    assert (tmp_path / "atexit").read_text() == "exit handler ran"


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    done = run(tmp_path, "thread")
    assert done.returncode == 3, done.stderr
    assert (tmp_path / "thread").read_text() == "thread finished"
    assert (tmp_path / "atexit").read_text() == "exit handler ran"
    assert done.stdout == "buffered line\n"


def test_the_module_entry_point_keeps_exit_codes(tmp_path: Path) -> None:
    from fairgov.cli.main import main

    args = ["validate", str(tmp_path / "missing")]
    expected = main(args)
    done = subprocess.run(
        [sys.executable, "-m", "fairgov", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert expected != 0 and done.returncode == expected, done.stdout + done.stderr
    assert "missing" in done.stdout + done.stderr
    version = subprocess.run(
        [sys.executable, "-m", "fairgov", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert version.returncode == 0 and version.stdout.startswith("fairgov ")
