"""A small structural audit of rendered HTML with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Audit:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.audit = Audit()
        self._skip = 0
        self._glue = False  # the text after a <wbr> continues the word before it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.audit.tags.append((tag, a))
        if a.get("id"):
            self.audit.ids.append(a["id"] or "")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.audit.headings.append(int(tag[1]))
        if tag == "a" and a.get("href"):
            self.audit.hrefs.append(a["href"] or "")
        if tag in ("style", "title", "desc"):
            self._skip += 1
        self._glue = tag == "wbr"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "desc"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            if self._glue and self.audit.text:
                self.audit.text[-1] += data
            else:
                self.audit.text.append(data)
        self._glue = False


def audit(html: str) -> Audit:
    p = _Parser()
    p.feed(html)
    p.close()
    return p.audit


def visible_text(html: str) -> str:
    return " ".join(" ".join(audit(html).text).split())
