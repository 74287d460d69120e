"""Report language catalogs: `<lang>/LC_MESSAGES/fairgov.po` (English is the source text).

Kept free of heavy imports so the command line can list the languages cheaply; the catalogs
are compiled and used by `fairgov.render.i18n`. Regenerate after changing report text:
`python scripts/update_catalogs.py`.
"""

from __future__ import annotations

from pathlib import Path

DOMAIN = "fairgov"
DEFAULT = "en"
LOCALE_DIR = Path(__file__).resolve().parent


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def available() -> tuple[str, ...]:
    """English plus every language with a catalog, sorted."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return tuple(sorted(found | {DEFAULT}))
