"""The error type of the mitigation algorithms: a message plus its diagnostic code."""

from __future__ import annotations

from fairgov.evaluate.config import EvaluateError

__all__ = ["MitigationError"]


class MitigationError(EvaluateError):
    """A mitigation cannot be fitted or applied; ``code`` is one of FG470-FG479.

    The integration turns it into a located diagnostic (the mitigation's spec location).
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code
