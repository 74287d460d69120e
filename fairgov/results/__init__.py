"""results.json as typed models: the contract between the gate stage and render, diff, export.

One class per section (verdict, gates, waivers, evaluations with their measure, coverage,
provenance), so a later field is added in one place. `Results.model_dump_json`-equivalent:
`dump(results)` writes results.json; `schemas/results.schema.json` is generated from these
models (`fairgov schema`), and `parse` reads both the current and the previous version.
"""

from __future__ import annotations

from fairgov.results.model import (
    RESULTS_SCHEMA_VERSION,
    Aggregate,
    AttributeBlock,
    Cell,
    CoverageItem,
    CoverageRecord,
    Evaluation,
    Gate,
    Measure,
    Provenance,
    ReasonRecord,
    Results,
    Stat,
    Verdict,
    Waiver,
    dump,
    measures,
    parse,
    plain,
    results_schema,
)

__all__ = [
    "RESULTS_SCHEMA_VERSION",
    "Aggregate",
    "AttributeBlock",
    "Cell",
    "CoverageItem",
    "CoverageRecord",
    "Evaluation",
    "Gate",
    "Measure",
    "Provenance",
    "ReasonRecord",
    "Results",
    "Stat",
    "Verdict",
    "Waiver",
    "dump",
    "measures",
    "parse",
    "plain",
    "results_schema",
]
