"""Stage gate: apply policies to measured evaluations and documents (fail closed)."""

from fairgov.gates.engine import EvalOutcome, GateReport, run_gates
from fairgov.gates.outcome import GateResult

__all__ = ["EvalOutcome", "GateReport", "GateResult", "run_gates"]
