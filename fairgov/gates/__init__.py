"""Stage gate: apply policies to measured evaluations and documents (fail closed).

The names below load on first use: the monitor imports `fairgov.gates.compare` and friends,
and must not pay for the engine (and the spec models it imports) at start-up."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fairgov.gates.engine import EvalOutcome, GateReport, run_gates
    from fairgov.gates.outcome import GateResult

__all__ = ["EvalOutcome", "GateReport", "GateResult", "run_gates"]
_HOME = {
    "EvalOutcome": "engine",
    "GateReport": "engine",
    "run_gates": "engine",
    "GateResult": "outcome",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"fairgov.gates.{_HOME[name]}"), name)
