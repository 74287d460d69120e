"""fairgov: fairness governance compiler for medical-imaging foundation models."""

__version__ = "0.1.0"
