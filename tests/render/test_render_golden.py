"""Golden HTML of every report of the fixture project (regenerate: python tests/render/regen.py)."""

from __future__ import annotations

import difflib
import hashlib

import pytest
from render_helpers import GOLDEN_HEADER, golden_path, normalise

from fairgov.render import results_bytes

STEMS = [
    "datasheet-cxr-demo",
    "modelcard-cxr-triage-fm",
    "deployment-st-example-central",
    "dossier-st-example-central",
]


def test_one_report_per_document_and_a_dossier_per_deployment(html_reports):
    assert sorted(html_reports) == sorted(STEMS)


@pytest.mark.parametrize("stem", STEMS)
def test_html_matches_golden(html_reports, stem):
    path = golden_path(stem)
    expected = path.read_text(encoding="utf-8")
    assert expected.startswith(GOLDEN_HEADER), "golden files carry the generated header"
    actual = GOLDEN_HEADER + normalise(html_reports[stem].html)
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(True), actual.splitlines(True), "golden", "rendered", n=2
                )
            )[:80]
        )
        pytest.fail(
            f"{stem}: rendered HTML differs from {path.name}; if intended run `python "
            f"tests/render/regen.py`\n{diff}"
        )


@pytest.mark.parametrize("stem", STEMS)
def test_every_report_names_the_hash_of_the_results_it_was_rendered_from(built, html_reports, stem):
    # the goldens mask this hash (floats' last bits vary between CPUs); here it is checked exactly
    sha = hashlib.sha256(results_bytes(built[0])).hexdigest()
    html = html_reports[stem].html
    assert f'results.json sha256 <span class="hash">{sha}</span>' in html
    assert html.count(sha) == 3, "header, provenance and colophon name the same results.json"
