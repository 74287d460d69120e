"""Report languages: gettext catalogs (Babel) and the language of the render in progress.

English is the source language (msgids are the English text). Every other language has a
catalog `fairgov/locale/<lang>/LC_MESSAGES/fairgov.po`, compiled in memory on first use (no
.mo files to keep in step). The language of a render is held in a context variable set by
`use(lang)`: Python code that builds report text calls `gettext`/`ngettext` here, the
templates get the same catalog through jinja's i18n extension (one environment per language).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import overload

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from fairgov.locale import DEFAULT, DOMAIN, LOCALE_DIR, available, po_path

__all__ = [
    "DEFAULT",
    "DOMAIN",
    "LOCALE_DIR",
    "Lang",
    "N_",
    "UnknownLanguage",
    "available",
    "compile_po",
    "current",
    "gettext",
    "language",
    "ngettext",
    "po_path",
    "tr",
    "use",
]


class UnknownLanguage(ValueError):
    def __init__(self, lang: str):
        self.lang = lang
        super().__init__(f"unknown report language {lang!r}; available: {', '.join(available())}")


@dataclass(frozen=True)
class Lang:
    code: str
    locale: Locale
    translations: NullTranslations


def compile_po(path: Path) -> Translations:
    """A .po file -> Translations, compiled in memory (fuzzy entries are left out, as msgfmt
    does)."""
    with path.open("rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


@lru_cache(maxsize=8)
def language(lang: str = DEFAULT) -> Lang:
    """The (cached) catalog and CLDR locale of `lang`; UnknownLanguage if there is no catalog."""
    if lang not in available():
        raise UnknownLanguage(lang)
    translations = NullTranslations() if lang == DEFAULT else compile_po(po_path(lang))
    return Lang(lang, Locale.parse(lang), translations)


_CURRENT: ContextVar[Lang | None] = ContextVar("fairgov_report_lang", default=None)


def current() -> Lang:
    """The language of the render in progress (English outside a render)."""
    return _CURRENT.get() or language(DEFAULT)


@contextlib.contextmanager
def use(lang: str) -> Iterator[Lang]:
    """Render in `lang` inside the block (restored afterwards, also on errors)."""
    token = _CURRENT.set(language(lang))
    try:
        yield _CURRENT.get() or language(DEFAULT)
    finally:
        _CURRENT.reset(token)


def gettext(message: str) -> str:
    return current().translations.gettext(message)


@overload
def tr(text: str) -> str: ...
@overload
def tr(text: None) -> None: ...
def tr(text: str | None) -> str | None:
    """Text kept in data (a spec field's question, a standard's item) in the language of the
    render, when the catalog has it (render/datatext.py lists them); else as written."""
    if not isinstance(text, str) or not text.strip():
        return text  # gettext("") would be the catalog's header
    return gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    return current().translations.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it (translated where it is shown)."""
    return message
