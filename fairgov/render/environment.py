"""The jinja2 environment: templates from the repository's `templates/` folder only,
autoescape on, StrictUndefined, formatting filters, and one language's gettext catalog
(jinja's i18n extension, new-style gettext: `_("… %(name)s", name=value)` escapes `value`)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from fairgov.render import fmt
from fairgov.render.i18n import DEFAULT, language, tr
from fairgov.render.icons import status_icon
from fairgov.render.markdown import markdown

#: `<repo>/templates` next to the `fairgov` package (an editable install or a source checkout)
TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


class TemplatesMissing(RuntimeError):
    pass


class ConfinedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses any file (or symlink target) outside its folder."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        super().__init__(str(self.root), followlinks=False)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


def templates_dir() -> Path:
    folder = Path(os.environ.get("FAIRGOV_TEMPLATES", TEMPLATES_DIR))
    if not (folder / "report.css").is_file():
        raise TemplatesMissing(
            f"report templates not found in {folder}; fairgov must run from a source checkout or "
            f"an "
            "editable install (pip install -e .), or FAIRGOV_TEMPLATES must name the templates "
            "folder"
        )
    return folder.resolve()


@lru_cache(maxsize=8)
def environment(folder: Path, lang: str = DEFAULT) -> jinja2.Environment:
    """One environment per (templates folder, language); never changed once built."""
    env = jinja2.Environment(
        loader=ConfinedLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(language(lang).translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        num=fmt.num,
        count=fmt.count,
        pct=fmt.pct,
        estimate=fmt.estimate,
        interval=fmt.interval,
        metric=fmt.metric_label,
        metric_short=fmt.metric_short,
        limit=fmt.limit,
        word=fmt.status_word,
        slug=fmt.slug,
        md=markdown,
        icon=status_icon,
        undefined_reason=fmt.undefined,
        date=fmt.date,
        level=fmt.level,
        css_content=css_content,
        stat=fmt.stat_label,
        tr=tr,
        breakable=breakable,
    )
    env.globals["metric_key"] = fmt.metric_key
    return env


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_JOINT = re.compile(r"(?<=[_:/.])(?=[^\W\d_])")


def breakable(text: object) -> Markup:
    """An identifier (``results:external_subgroup_metrics``, ``spec:DeploymentProtocol``)
    escaped, with a line-break opportunity (<wbr>) after each ``_ : / .`` that a letter follows:
    a narrow cell breaks it there, not between two letters. A browser copies and finds the
    identifier whole; the PDF renderer turns each <wbr> into a zero-width space (pdf.py)."""
    return Markup("<wbr>").join(escape(part) for part in _JOINT.split(str(text)))  # noqa: S704


def css_string(text: str) -> str:
    """A CSS string literal; '<' is escaped so the text cannot close the <style> element."""
    body = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    )
    return f'"{body}"'


def css_content(text: str, **functions: str) -> Markup:
    """A translated sentence as a CSS `content` value: 'Page {page} of {pages}' with
    page="counter(page)" -> "Page " counter(page) " of " counter(pages)."""
    out = []
    for i, piece in enumerate(_PLACEHOLDER.split(str(text))):
        if i % 2:
            out.append(functions[piece])
        elif piece:
            out.append(css_string(piece))
    return Markup(" ".join(out))  # noqa: S704 - CSS built from escaped strings and our own functions


def stylesheet(folder: Path) -> str:
    return (folder / "report.css").read_text(encoding="utf-8")
