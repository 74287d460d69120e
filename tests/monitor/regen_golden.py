"""Regenerate tests/monitor/golden/monitoring.html: `python tests/monitor/regen_golden.py`.

The golden file is the monitoring report of the example project (100 bootstrap resamples),
rendered from its monitoring.json. Review the diff before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from fairgov.monitor.api import run_monitor  # noqa: E402
from fairgov.monitor.report import render_html  # noqa: E402
from tests.monitor.conftest import copy_example  # noqa: E402


def golden_html() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_example(Path(tmp) / "specs")
        outcome = run_monitor(root, reports=False)
        assert outcome.doc is not None
        return render_html(outcome.doc)


if __name__ == "__main__":
    (HERE / "golden" / "monitoring.html").write_text(golden_html(), encoding="utf-8")
