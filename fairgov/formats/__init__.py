"""Output formats for diagnostics and gate results (human, json, sarif, github)."""
