"""axe-core in headless Chromium finds no accessibility violation in any report.

Skipped only when Chromium is not installed (/usr/bin/chromium, or FAIRGOV_CHROMIUM).
Needs the Python packages `playwright` and `axe-playwright-python` (axe-core bundled) and
Debian's `chromium`; playwright's own browser download is not used.
"""

from __future__ import annotations

import pytest
from render_helpers import CHROMIUM, chromium_page, open_report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


def test_axe_core_reports_no_violations_and_no_requests(html_reports, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    external: list[str] = []
    failures = {}
    with chromium_page() as page:

        def guard(route):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                external.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        page.set_default_timeout(60000)
        # the dossier uses every partial; the deployment report adds the per-document coverage
        # summary
        for stem in ("dossier-st-example-central", "deployment-st-example-central"):
            open_report(page, tmp_path, stem, html_reports[stem].html)
            result = Axe().run(page)
            violations = result.response["violations"]
            if violations:
                failures[stem] = [
                    (v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations
                ]
    assert failures == {}
    assert external == []
