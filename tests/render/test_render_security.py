"""User text is data: escaped, Markdown sanitised, nothing fetched; the URL fetcher and the
template loader read only the templates folder and the build's own files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import jinja2
import pypdf
import pytest
from html_audit import audit, visible_text
from render_helpers import build

from fairgov.render import render_reports
from fairgov.render.environment import ConfinedLoader, templates_dir
from fairgov.render.fetcher import ConfinedURLFetcher, FetchRefused
from fairgov.render.markdown import markdown
from fairgov.render.pdf import html_to_pdf

LONG = "A" * 4000
PAYLOADS = {
    "script": "<script>alert('x')</script>",
    "attr": '"><img src=x onerror=alert(1)>',
    "style": "</style><style>body{display:none}</style>",
    "jinja": "{{ 7*7 }} {% raw %}{{ config }}{% endraw %}",
    "md_js": "[click](javascript:alert(1)) ![p](file:///etc/passwd)",
    "md_html": '<link rel="attachment" href="file:///etc/passwd"><iframe src="http://127.0.0.1:9/"></iframe>',
    "css": "url(file:///etc/passwd) @import 'http://127.0.0.1:9/x.css';",
    "rtl": "مرحبا بالعالم \u202eevil\u202c e\u0301\u0301\u0301 \u05e9\u05dc\u05d5\u05dd",
}
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "a",
    "main",
    "section",
    "header",
    "p",
    "strong",
    "code",
    "span",
    "abbr",
    "wbr",  # line-break opportunities inside identifiers (environment.breakable)
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "caption",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "ul",
    "li",
    "div",
    "nav",
    "ol",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "svg",
    "desc",
    "text",
    "line",
    "rect",
    "circle",
    "polygon",
    "polyline",
    "footer",
    "em",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    """The fixture project with hostile text in titles, narrative and plain fields."""

    from render_helpers import copy_fixture

    root = tmp_path_factory.mktemp("hostile")
    project = root / "project"
    copy_fixture(project)
    ds = project / "datasheet.yaml"
    text = ds.read_text(encoding="utf-8")
    narrative = " ".join(PAYLOADS.values())
    text = text.replace(
        "title: CXR-Demo v2 — synthetic chest radiographs from three sites",
        f"title: {_quote('CXR ' + PAYLOADS['script'] + PAYLOADS['jinja'])}",
    )
    text = text.replace(
        "  funding: Internal quality-improvement budget of the St. Example network (no external "
        "funding).",
        f"  funding: {_quote(narrative)}",
    )
    text = text.replace(
        "  prior_uses: Used once before, for an internal audit of a rule-based triage tool (2025).",
        f"  prior_uses: {_quote(LONG)}",
    )
    text = text.replace(
        "    description: Sex recorded at registration in the hospital information system.",
        f"    description: {_quote(PAYLOADS['attr'] + PAYLOADS['rtl'])}",
    )
    text = text.replace("  - name: Dr. Priya Raman", f"  - name: {_quote(PAYLOADS['style'])}")
    ds.write_text(text, encoding="utf-8")
    ev = project / "evaluation.yaml"
    ev.write_text(
        ev.read_text(encoding="utf-8")
        .replace("resamples: 2000", "resamples: 100")
        .replace("permutations: 1000", "permutations: 50"),
        encoding="utf-8",
    )
    results, cp = build(project, root / "build")
    assert cp.get("datasheet/cxr-demo").model.motivation.funding == narrative
    return results, cp, root


@pytest.fixture(scope="module")
def hostile_html(hostile):
    results, cp, _ = hostile
    return {r.stem: r.html for r in render_reports(results, cp, pdf=False)}


def test_hostile_text_is_escaped_in_every_report(hostile_html):
    for stem, html in hostile_html.items():
        a = audit(html)
        tags = {t for t, _ in a.tags}
        assert tags <= ALLOWED_TAGS, (stem, tags - ALLOWED_TAGS)
        assert not [
            attrs for _, attrs in a.tags if "src" in attrs or any(k.startswith("on") for k in attrs)
        ]
        assert all(h.startswith(("#", "http://", "https://", "mailto:")) for h in a.hrefs)
        assert html.count("<style>") == 1 and html.count("</style>") == 1
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_jinja_syntax_in_user_text_renders_literally(hostile_html):
    text = visible_text(hostile_html["datasheet-cxr-demo"])
    assert "{{ 7*7 }} {% raw %}{{ config }}{% endraw %}" in text
    assert "49" not in re.findall(r"\d+", text.split("{{ 7*7 }}")[0][-5:] or "x")


def test_markdown_links_and_images_are_neutralised(hostile_html):
    html = hostile_html["datasheet-cxr-demo"]
    hrefs = audit(html).hrefs  # parsed attributes: the payloads survive only as escaped text
    assert not [h for h in hrefs if "javascript:" in h or "file:" in h or "127.0.0.1" in h]
    assert "[click](javascript:alert(1))" in visible_text(html)
    assert '&lt;link rel="attachment" href="file:///etc/passwd"&gt;' in html


def test_rtl_and_combining_characters_survive(hostile_html):
    html = hostile_html["datasheet-cxr-demo"]
    assert (
        "مرحبا بالعالم" in html
        and "e\u0301\u0301\u0301" in html
        and "\u05e9\u05dc\u05d5\u05dd" in html
    )
    assert 'dir="auto"' in html


@pytest.mark.slow
def test_hostile_pdf_renders_without_leaks(hostile, tmp_path):
    results, cp, _ = hostile
    (item,) = render_reports(results, cp, only={"datasheet-cxr-demo"}, out_dir=tmp_path)
    reader = pypdf.PdfReader(io.BytesIO(item.pdf))
    assert list(reader.attachments) == ["results.json"]
    text = " ".join(" ".join(p.extract_text() for p in reader.pages[:12]).split())
    assert "{{ 7*7 }}" in text and "<script>" in text
    assert "root:x:0:0" not in text and b"root:x:0:0" not in item.pdf
    assert len(reader.pages) < 80, "a 4,000-character word wraps instead of exploding the layout"
    assert item.problems == []


def test_url_fetcher_refuses_everything_but_data_and_allowed_files(tmp_path):
    allowed = tmp_path / "build"
    allowed.mkdir()
    (allowed / "ok.css").write_text("p{}", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (allowed / "link.txt").symlink_to(tmp_path / "secret.txt")
    f = ConfinedURLFetcher([allowed])
    assert f.fetch("data:text/plain,hello").read() == b"hello"
    assert f.fetch((allowed / "ok.css").as_uri()).read() == b"p{}"
    for url in (
        "file:///etc/passwd",
        (tmp_path / "secret.txt").as_uri(),
        (allowed / "link.txt").as_uri(),
        allowed.as_uri() + "/../secret.txt",
        "http://127.0.0.1:9/x",
        "https://example.invalid/",
        "ftp://example.invalid/x",
        "file://otherhost/etc/passwd",
    ):
        with pytest.raises(FetchRefused):
            f.fetch(url)
    assert len(f.refused) == 8


SVG_DATA_URI = (  # a 1x1 SVG: a data: URI is the one source that may be embedded
    "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRo"
    "PSIxIiBoZWlnaHQ9IjEiLz4="
)


@pytest.mark.slow
def test_pdf_never_embeds_or_fetches_foreign_resources(tmp_path):
    hostile = """<!DOCTYPE html><html lang="en"><head><title>t</title>
    <link rel="attachment" href="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">
    <style>@import url("file:///etc/passwd"); body { background: url("file:///etc/hostname");
    }</style></head>
    <body><h1>t</h1><img src="file:///etc/passwd" alt="p"><img src="http://127.0.0.1:9/i.png"
    alt="h">
    <a rel="attachment" href="file:///etc/passwd">x</a><object data="file:///etc/passwd"></object>
    <img src="DATA_URI" alt="ok">
    </body></html>""".replace("DATA_URI", SVG_DATA_URI)
    pdf, problems = html_to_pdf(
        hostile,
        base_dir=tmp_path,
        allowed_dirs=[tmp_path],
        results_bytes=b"{}\n",
        build_date="2026-11-28",
    )
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["results.json"]
    assert b"root:x:0:0" not in pdf and "root:x" not in reader.pages[0].extract_text()
    refused = [p for p in problems if p.startswith("refused: ")]
    assert {
        "refused: file:///etc/passwd",
        "refused: http://127.0.0.1:9/x.css",
        "refused: http://127.0.0.1:9/i.png",
    } <= set(refused)


def test_template_loader_reads_only_the_templates_folder(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "ok.html.j2").write_text("ok {{ x }}", encoding="utf-8")
    (folder / "leak.html.j2").symlink_to("/etc/passwd")
    (folder / "inc.html.j2").write_text('{% include "/etc/passwd" %}', encoding="utf-8")
    (folder / "up.html.j2").write_text('{% include "../secret" %}', encoding="utf-8")
    (tmp_path / "secret").write_text("secret", encoding="utf-8")
    env = jinja2.Environment(
        loader=ConfinedLoader(folder), autoescape=True, undefined=jinja2.StrictUndefined
    )
    assert env.get_template("ok.html.j2").render(x="<b>") == "ok &lt;b&gt;"
    for name in ("leak.html.j2", "/etc/passwd", "../secret"):
        with pytest.raises(jinja2.TemplateNotFound):
            env.get_template(name)
    for name in ("inc.html.j2", "up.html.j2"):
        with pytest.raises(jinja2.TemplateNotFound):
            env.get_template(name).render()
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("ok.html.j2").render()


def test_real_templates_folder_is_the_repository_one():
    assert templates_dir() == (Path(__file__).parents[2] / "templates").resolve()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*x* <b>y</b>", "<p><em>x</em> &lt;b&gt;y&lt;/b&gt;</p>"),
        ("# not a heading", "<p># not a heading</p>"),
        (
            "[a](https://example.org/x)",
            '<p><a href="https://example.org/x" rel="noopener noreferrer nofollow">a</a></p>',
        ),
        ("[a](javascript:alert(1))", "<p>[a](javascript:alert(1))</p>"),
        ("![a](file:///etc/passwd)", "<p>![a](file:///etc/passwd)</p>"),
        ("{{ 7*7 }}", "<p>{{ 7*7 }}</p>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ],
)
def test_markdown_is_rendered_safely(text, expected):
    assert str(markdown(text)) == expected
