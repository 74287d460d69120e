"""A layout audit that looks at the rendered PDF: glyph boxes from pdfplumber, page one as PNG.

Finds what a reviewer sees as a defect: two glyphs printed over each other, text outside the
page box, a table-header word split across lines, a blank first page.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
from html_audit import visible_text

#: share of the smaller glyph box two glyphs must cover to count as printed over each other
OVERLAP = 0.35
#: a word is a run of letters; a header may break at spaces and hyphens, never inside a word
_WORD = re.compile(r"[^\W\d_]{3,}", re.U)


@dataclass(frozen=True)
class Defect:
    page: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"p.{self.page} {self.kind}: {self.text}"


def _area(c: dict) -> float:
    return max(0.0, c["x1"] - c["x0"]) * max(0.0, c["bottom"] - c["top"])


def _overlap(a: dict, b: dict) -> float:
    w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return w * h if w > 0 and h > 0 else 0.0


def _context(chars: list[dict], c: dict) -> str:
    line = [o for o in chars if abs(o["top"] - c["top"]) < 1.0 and abs(o["x0"] - c["x0"]) < 40]
    return "".join(o["text"] for o in sorted(line, key=lambda o: o["x0"]))


def page_defects(page: pdfplumber.page.Page, number: int) -> list[Defect]:
    chars = [c for c in page.chars if c["text"].strip() and _area(c) > 0]
    out: list[Defect] = []
    for c in chars:
        if (
            c["x0"] < -0.5
            or c["top"] < -0.5
            or c["x1"] > page.width + 0.5
            or c["bottom"] > page.height + 0.5
        ):
            out.append(Defect(number, "off page", _context(chars, c)))
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, c in enumerate(chars):
        for gx in range(int(c["x0"] // 20), int(c["x1"] // 20) + 1):
            for gy in range(int(c["top"] // 20), int(c["bottom"] // 20) + 1):
                grid[gx, gy].append(i)
    seen: set[tuple[int, int]] = set()
    for cell in grid.values():
        for k, i in enumerate(cell):
            for j in cell[k + 1 :]:
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                a, b = chars[i], chars[j]
                if abs(a["top"] - b["top"]) < 0.5 and (j - i <= 2 or abs(a["x0"] - b["x0"]) < 0.01):
                    # kerned neighbours in one run, or a glyph drawn twice (bold simulation)
                    continue
                if _overlap(a, b) > OVERLAP * min(_area(a), _area(b)):
                    out.append(
                        Defect(
                            number, "overlap", f"{_context(chars, a)!r} / {_context(chars, b)!r}"
                        )
                    )
    return out


class _Headers(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.words: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.words.update(_WORD.findall(data))


def header_words(html: str) -> set[str]:
    parser = _Headers()
    parser.feed(html)
    return parser.words


def audit_pdf(pdf: bytes, html: str, pages: int | None = None) -> list[Defect]:
    """Every defect on the first `pages` pages (all when None): glyphs over glyphs, text off
    the page, words broken between two letters. Header words of the HTML's
    table heads must each appear whole on some audited page."""
    out: list[Defect] = []
    words_seen: set[str] = set()
    vocabulary = text_words(html)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for n, page in enumerate(doc.pages[:pages] if pages else doc.pages, start=1):
            out += page_defects(page, n)
            out += split_words(page, n, vocabulary)
            words_seen.update(_WORD.findall(page.extract_text() or ""))
    want = header_words(html)
    if pages is None:
        for w in sorted(want - words_seen):
            out.append(Defect(0, "header word split or missing", w))
    return out


_LETTERS = re.compile(r"[^\W\d_]+", re.U)
_TAIL = re.compile(r"([^\W\d_]+)$", re.U)
_HEAD = re.compile(r"^([^\W\d_]+)", re.U)


def text_words(html: str) -> set[str]:
    """Every word of the HTML's visible text (html_audit's reading: no stylesheet, no titles)."""
    return set(_LETTERS.findall(visible_text(html).replace("\u00ad", "")))


def split_words(page: pdfplumber.page.Page, number: int, vocabulary: set[str]) -> list[Defect]:
    """A word broken across two lines without a hyphen ("avertissemen" / "t" in a narrow
    cell): a line's last piece that is no word of the HTML and that, joined with the pieces
    printed under it on the next lines of the same column, makes one. A hyphenated break (a
    syllable and a visible hyphen) is allowed."""
    words = page.extract_words()
    out: list[Defect] = []

    def below(w: dict, left: float) -> dict | None:
        height = w["bottom"] - w["top"]
        for r in words:
            if (
                w["top"] + 0.5 * height < r["top"] < w["top"] + 2.2 * height
                and left - 120 <= r["x0"] <= left + 1
                and _HEAD.match(r["text"])
            ):
                return r
        return None

    for w in words:
        tail = _TAIL.search(w["text"])
        if tail is None or tail.group(1) in vocabulary:
            continue
        left = w["x1"] - (w["x1"] - w["x0"]) * len(tail.group(1)) / len(w["text"])
        pieces, at = [tail.group(1)], w
        for _ in range(6):  # a word broken into several lines: its pieces, one under another
            r = below(at, left)
            head = _HEAD.match(r["text"]) if r is not None else None
            if r is None or head is None:
                break
            pieces.append(head.group(1))
            if "".join(pieces) in vocabulary:
                out.append(Defect(number, "word split across lines", "/".join(pieces)))
                break
            if head.group(1) != r["text"]:
                break  # the next line's piece ends in something else: no longer this word
            at = r
    return out


def page_one_ink(pdf: bytes) -> float:
    """Share of non-white pixels on page one, rendered by pdftoppm at 40 dpi."""
    from PIL import Image

    exe = shutil.which("pdftoppm")
    assert exe, "pdftoppm (poppler-utils) is needed to look at page one"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            [
                exe,
                "-png",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(src),
                str(Path(tmp) / "page"),
            ],
            capture_output=True,
            check=True,
            timeout=60,
        )
        img = Image.open(Path(tmp) / "page.png").convert("L")
        hist = img.histogram()
        return 1 - sum(hist[245:]) / (img.width * img.height)


# --- pagination: what a page break does to the reader -------------------------------------

MM = 72 / 25.4
# : the page box's top and bottom margins (templates/report.css @page): running header and footer
# live there
MARGIN = 18 * MM
#: a page whose text fills less than this share of the body height is near-empty, unless the next
#: page opens a part that always starts on a new page (an h2 heading)
NEAR_EMPTY = 0.15


class _Labels(HTMLParser):
    """Texts that announce what follows: headings, captions, documentation questions, fact
    labels."""

    TAGS = ("h2", "h3", "h4", "h5", "h6", "caption", "dt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, list[str]]] = []
        self.labels: set[str] = set()
        self.parts: set[str] = set()  # h2 texts: parts that start a page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag in self.TAGS or (tag == "p" and "question" in cls.split()):
            self.stack.append((tag, []))
        elif tag == "span" and "tag" in cls.split() and self.stack:
            self.stack.append(
                ("tagspan", [])
            )  # standard-reference tags follow the label on its line

    def handle_endtag(self, tag: str) -> None:
        if self.stack and (
            self.stack[-1][0] == tag or (tag == "span" and self.stack[-1][0] == "tagspan")
        ):
            name, parts = self.stack.pop()
            text = " ".join("".join(parts).split())
            if name == "tagspan":
                if self.stack:
                    self.stack[-1][1].append(" " + text + " ")
                return
            if len(text) >= 6:
                self.labels.add(text)
                if name == "h2":
                    self.parts.add(text)

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][1].append(data)


def _body_lines(page: pdfplumber.page.Page) -> list[dict]:
    return [
        ln
        for ln in page.extract_text_lines(return_chars=True)
        if ln["top"] >= MARGIN - 1
        and ln["bottom"] <= page.height - MARGIN + 1
        and ln["text"].strip()
    ]


def _bold(line: dict) -> bool:
    chars = [c for c in line["chars"] if c["text"].strip()]
    return bool(chars) and sum("Bold" in c.get("fontname", "") for c in chars) > len(chars) / 2


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def _ends(label: str, line: str) -> bool:
    """`line` is the last line of `label` (whole words): the label itself ends at the page foot.
    A bold table-row header that merely shares a word with some label is not one."""
    return label.endswith(line) and (len(label) == len(line) or not label[-len(line) - 1].isalnum())


def pagination_defects(pdf: bytes, html: str) -> list[Defect]:
    """A label or heading ending a page while what it announces starts the next one; a page
    left nearly empty although the next one continues the same part; a page one that spills
    onto page two (`_page_one`)."""
    parser = _Labels()
    parser.feed(html)
    labels = [_norm(t) for t in parser.labels]
    parts = {_norm(t) for t in parser.parts}
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = [_body_lines(p) for p in doc.pages]
        body = doc.pages[0].height - 2 * MARGIN if doc.pages else 1.0
    out = _page_one(pages, html)
    for n, lines in enumerate(pages[:-1], start=1):
        nxt = pages[n]
        if not lines or not nxt:
            continue
        last = _norm(lines[-1]["text"])
        if _bold(lines[-1]) and len(last) >= 6 and any(_ends(lab, last) for lab in labels):
            out.append(Defect(n, "label at page foot, its content on the next page", last))
        filled = (lines[-1]["bottom"] - lines[0]["top"]) / body
        opens_part = _norm(nxt[0]["text"]) in parts
        if filled < NEAR_EMPTY and not opens_part:
            out.append(
                Defect(
                    n, f"near-empty page ({filled:.0%} of the body)", _norm(lines[0]["text"])[:60]
                )
            )
    return out


_SUMMARY_H = re.compile(r'<h2 id="summary-h">(.*?)</h2>', re.S)


def _page_one(pages: list[list[dict]], html: str) -> list[Defect]:
    """Page one holds the verdict, the gates and the whole sign-off: the page after it opens
    with the executive summary's heading (read from the HTML, so in the report's language),
    not with sign-off rows that did not fit. `pages`: each page's body lines."""
    match = _SUMMARY_H.search(html)
    if match is None:
        return []
    heading = _norm(unescape(match.group(1)))
    if len(pages) < 2:
        return [Defect(1, "page one is the only page", heading)]
    first = _norm(pages[1][0]["text"]) if pages[1] else ""
    if first != heading:
        return [Defect(2, "page one spills onto page two", first[:60])]
    return []
