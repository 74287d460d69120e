from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the small valid fixture project (bring-your-own predictions, no torch)."""
    dest = tmp_path / "project"
    # specs and data only: a cache an in-place build left in the fixture folder would be reused
    shutil.copytree(FIXTURES / "project", dest, ignore=shutil.ignore_patterns(".fairgov", "build"))
    return dest


@pytest.fixture
def edit() -> Callable[[Path, str, str], None]:
    """Replace exactly one occurrence of `old` in a file (fails loudly if absent)."""

    def _edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= 1, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return _edit
