"""Ctrl-C / SIGTERM held back across the few steps that must not be cut in half.

A signal that arrives inside such a step waits until the step is done and is then raised as
KeyboardInterrupt, where the command's own handler turns it into "interrupted; nothing was
replaced" (exit 130).
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOPS = (signal.SIGINT, signal.SIGTERM)
_last_stop: list[signal.Signals] = [signal.SIGINT]


def _stop(signum: int, frame: object) -> None:
    """Ctrl-C and SIGTERM alike raise KeyboardInterrupt, so temp files are removed and nothing
    half-written stays."""
    _last_stop[0] = signal.Signals(signum)
    raise KeyboardInterrupt


def _send_again(signum: int, frame: object) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.raise_signal(_last_stop[0])  # held and recorded if inside `stops_deferred`


def _keep_stops(previous: Any) -> Any:
    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)
        elif threading.current_thread() is not threading.main_thread():
            _thread.interrupt_main(_last_stop[0])  # the main thread raises it at its next step
        else:
            # The stop landed in a weakref callback, a __del__ or a GC finaliser, where Python
            # prints "Exception ignored" and carries on. Send it again a moment later, once
            # that callback has returned: re-raising it inside this hook would be lost too.
            signal.signal(signal.SIGALRM, _send_again)
            signal.setitimer(signal.ITIMER_REAL, 0.002)

    hook.fairgov_keeps_stops = True  # type: ignore[attr-defined]
    return hook


def install_stop_handlers() -> None:
    """Main thread only. SIGINT and SIGTERM raise KeyboardInterrupt; one that lands where
    Python cannot raise it (it would print a traceback under "Exception ignored in" and run
    on, the stop lost) is re-delivered at the main thread's next step instead."""
    for s in STOPS:
        signal.signal(s, _stop)
    if not getattr(sys.unraisablehook, "fairgov_keeps_stops", False):
        sys.unraisablehook = _keep_stops(sys.unraisablehook)


@contextmanager
def stops_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (blocked, and recorded if they arrive) for the body; raise
    KeyboardInterrupt afterwards if either came. A process started inside inherits the mask.
    Off the main thread this does nothing: signals are the main thread's business."""
    if threading.current_thread() is not threading.main_thread():
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


def load_rust_extensions() -> None:
    """Import pydantic-core with the stops held. Its Rust (pyo3) module imports the datetime C
    API while it initialises; a KeyboardInterrupt raised inside that import makes pyo3 panic
    (a PanicException with a Rust backtrace on stderr) instead of a clean interrupt. Importing
    it here, once, before any command runs, closes that window for the rest of the process."""
    with stops_deferred():
        import pydantic_core  # noqa: F401
