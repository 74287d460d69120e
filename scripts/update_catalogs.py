"""Regenerate the report message template and update every language's catalog.

    python scripts/update_catalogs.py

Extracts the messages of templates/ and fairgov/render/ (mapping: babel.cfg), and the report
text kept in data (spec field questions, standards items: fairgov/render/datatext.py), into
fairgov/locale/fairgov.pot, then updates fairgov/locale/<lang>/LC_MESSAGES/fairgov.po:
new messages are added untranslated, vanished ones are dropped, changed ones are marked
fuzzy. Translate the empty and fuzzy entries (and remove the fuzzy flag); the test
tests/render/test_render_i18n.py fails until every message is translated.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.frontend import parse_mapping_cfg  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from fairgov.locale import DEFAULT, DOMAIN, LOCALE_DIR, available, po_path  # noqa: E402
from fairgov.render.datatext import data_messages  # noqa: E402

POT = LOCALE_DIR / f"{DOMAIN}.pot"
SOURCES = ("fairgov/render", "templates")
HEADER = "Report text of fairgov (templates/ and fairgov/render/). English is the source language."


def extract() -> Catalog:
    """Every message of the report sources, with its locations (relative to the repository)."""
    catalog = Catalog(project="fairgov", domain=DOMAIN, header_comment=f"# {HEADER}", fuzzy=False)
    for filename, lineno, message, comments, context in messages():
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def messages() -> list[tuple[str, int, str | tuple[str, ...], list[str], str | None]]:
    """(file, line, message, comments, context) of every message babel.cfg maps, then the report
    text kept in data (spec questions, standards items: fairgov/render/datatext.py; line 0)."""
    return code_messages() + [(where, 0, text, [], None) for where, text in data_messages()]


def code_messages() -> list[tuple[str, int, str | tuple[str, ...], list[str], str | None]]:
    """(file, line, message, comments, context) of every message babel.cfg maps."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)

    def inside(dirpath: str) -> bool:  # walk only the folders the mapping names
        rel = Path(dirpath).resolve().relative_to(REPO).as_posix()
        return any(rel == s or rel.startswith(s + "/") or s.startswith(rel + "/") for s in SOURCES)

    return list(
        extract_from_dir(
            REPO, method_map, options_map, strip_comment_tags=True, directory_filter=inside
        )
    )


def _content(catalog: Catalog) -> list[tuple[str, list[str]]]:
    return sorted((repr(m.id), sorted({path for path, _ in m.locations})) for m in catalog if m.id)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)


def main() -> int:
    template = extract()
    if POT.is_file():  # keep the creation date while the messages stay the same (no churn)
        with POT.open("rb") as fh:
            old = read_po(fh, domain=DOMAIN)
        if _content(old) == _content(template):
            template.creation_date = old.creation_date
    write(POT, template)
    print(f"wrote {POT.relative_to(REPO)} ({len(template)} messages)")
    for lang in available():
        if lang == DEFAULT:
            continue
        path = po_path(lang)
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
        catalog.obsolete.clear()
        write(path, catalog)
        todo = [
            m.id
            for m in catalog
            if m.id
            and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))
        ]
        print(f"updated {path.relative_to(REPO)}: {len(todo)} message(s) to translate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
