"""Documentation standards as data, and how much of each a project's documents cover.

Each shipped YAML file in ``data/`` is one edition of a standard (HTI-1 2024, CHAI Applied
Model Card v0.2, EU AI Act Annex IV / Art. 10 / Art. 13(3) / Art. 15, Datasheets for Datasets,
Model Cards for Model Reporting). Each item lists the spec fields (``Kind:dotted.path``) or
build results (``results:<name>``, see ``AUTO_REFS``) that answer it, so reports can say
"HTI-1: 29/31 items covered" and name the two that are missing.
"""

from fairgov.standards.catalog import Item, Standard, get_standard, load_standards
from fairgov.standards.coverage import (
    Coverage,
    ItemStatus,
    auto_refs,
    coverage,
    coverage_for_project,
    is_answered,
)
from fairgov.standards.refs import AUTO_REFS, field_exists, ref_exists, resolve

__all__ = [
    "AUTO_REFS",
    "Coverage",
    "Item",
    "ItemStatus",
    "Standard",
    "auto_refs",
    "coverage",
    "coverage_for_project",
    "field_exists",
    "get_standard",
    "is_answered",
    "load_standards",
    "ref_exists",
    "resolve",
]
