"""Ending a finished process quickly: exit handlers and flushed output, no module teardown."""

from __future__ import annotations

import sys
from contextlib import suppress
from typing import NoReturn


def finish(code: int) -> NoReturn:
    """End the process with `code` the quick way: exit handlers run (logging, multiprocessing,
    temporary folders), output is flushed, and the interpreter's module teardown is skipped:
    after weasyprint, scipy and DuckDB have been imported it costs 0.2-0.6 s of every command
    and does nothing a finished command needs. A thread still running (none should be) gets
    the ordinary exit, which waits for it; so does a run under cProfile or a debugger."""
    import threading

    if threading.active_count() > 1 or sys.getprofile() or sys.gettrace():
        sys.exit(code)  # also under a profiler or tracer, which write their data afterwards
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe or stream: nothing more to say
            stream.flush()
    os._exit(code)
