"""Every code any stage emits is documented in the one table (`fairgov explain`)."""

from __future__ import annotations

import re
from pathlib import Path

from fairgov.codes import CODES
from fairgov.evaluate.problems import CODES as ROW_CODES

PACKAGE = Path(__file__).resolve().parents[2] / "fairgov"


def test_row_problem_codes_are_in_the_table() -> None:
    assert set(ROW_CODES) <= set(CODES)


def test_every_code_used_in_the_source_is_documented() -> None:
    used = set()
    for path in PACKAGE.rglob("*.py"):
        used |= set(re.findall(r"\"(FG\d{3})\"", path.read_text(encoding="utf-8")))
    assert used and sorted(used - set(CODES)) == []
