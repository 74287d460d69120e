"""Numbers in the report language: the leaf of the formatting modules (fmt and reasons both
use it, neither is imported here). Digits are rounded here, once, the same way in every
language; Babel then writes them with the report language's symbols."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent

from fairgov.render.i18n import current

DASH = "—"
MINUS = "−"


def is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@lru_cache(maxsize=65536)
def _decimal(text: str, pattern: str | None, lang: str) -> str:
    """Babel's rendering of an already rounded number (cached: reports repeat their numbers)."""
    return format_decimal(Decimal(text), format=pattern, locale=lang)


def num(x: Any, digits: int = 3) -> str:
    """0.842 / −0.012 / — for missing values."""
    if not is_num(x):
        return DASH
    text = f"{abs(float(x)):.{digits}f}"  # rounded once, the same way in every language
    out = _decimal(text, "0." + "0" * digits if digits else "0", current().code)
    return MINUS + out if float(x) < 0 and float(text) != 0 else out


def count(x: Any) -> str:
    """1,240 (thousands separators); — for missing values."""
    if not is_num(x):
        return DASH
    return _decimal(str(int(x)), None, current().code)


@lru_cache(maxsize=4096)
def _percent(hundredths: str, decimals: str, lang: str) -> str:
    """Babel's percent (the language's sign and spacing) of an already rounded percentage."""
    pattern = (
        Locale.parse(lang).percent_formats[None].pattern.replace("#,##0", "#,##0" + decimals, 1)
    )
    return format_percent(Decimal(hundredths) / 100, format=pattern, locale=lang)


def pct(x: Any, digits: int = 1) -> str:
    """52.0% (52,0 % in French); — for missing values."""
    if not is_num(x):
        return DASH
    return _percent(
        f"{100 * float(x):.{digits}f}", "." + "0" * digits if digits else "", current().code
    )
