"""The build pipeline and its outputs (results.json, JUnit, SARIF, summary.md, reports)."""
