"""Ctrl-C / SIGTERM held back across the few steps that must not be cut in half.

A signal that arrives inside such a step waits until the step is done and is then raised as
KeyboardInterrupt, where the command's own handler turns it into "interrupted; nothing was
replaced" (exit 130).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOPS = (signal.SIGINT, signal.SIGTERM)


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
