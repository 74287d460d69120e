"""Markdown in narrative fields, rendered safely.

markdown-it-py with raw HTML disabled, no images (nothing is ever fetched) and no headings
(they would break the report's heading order), then nh3 with a small allow-list: the
output can only contain text formatting, lists, quotes, code and http(s)/mailto links.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "p",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "br",
    "hr",
    "s",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "heading", "lheading", "html_block", "html_inline"])
    return md


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def markdown(text: str) -> Markup:
    """User Markdown -> sanitised HTML (a Markup that jinja will not escape again)."""
    if not text or not text.strip():
        return Markup("")
    return Markup(sanitize(_parser().render(text)).strip())  # noqa: S704 - sanitised by nh3 above


def plain(text: object) -> Markup:
    """Escaped text (no Markdown)."""
    return escape("" if text is None else str(text))
