"""Errors raised by the metrics engine."""


class MetricsInputError(ValueError):
    """Invalid input to the metrics engine (bad labels, scores, group values or specs).

    The engine never guesses: callers validate data against the spec, so anything
    unexpected here is reported loudly with the offending values.
    """
