"""The HTML reports work as web pages at phone (390 px) and desktop (1280 px) width: in
headless Chromium no element reaches past the viewport unless it sits in a scroll container,
and the page itself never scrolls sideways.

Skipped only when Chromium is not installed (/usr/bin/chromium, or FAIRGOV_CHROMIUM).
"""

from __future__ import annotations

import pytest
from render_helpers import CHROMIUM, chromium_page, open_report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]

#: elements wider than the viewport and not inside a box that scrolls them (tag, class, text)
OVERFLOWING = """() => {
  const vw = document.documentElement.clientWidth, out = [];
  const scrolls = (el) => { for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden')
      return true; }
    return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).position === 'absolute') continue;
    if ((r.right > vw + 1 || r.left < -1) && !scrolls(el))
      out.push(el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 40));
  }
  return {overflowing: out.slice(0, 10), count: out.length, scrollWidth:
  document.documentElement.scrollWidth, vw};
}"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_no_element_wider_than_the_viewport(html_reports, tmp_path, width):
    with chromium_page(viewport={"width": width, "height": 900}) as page:
        for stem, item in sorted(html_reports.items()):
            open_report(page, tmp_path, stem, item.html)
            seen = page.evaluate(OVERFLOWING)
            assert seen["count"] == 0, (stem, width, seen)
            assert seen["scrollWidth"] <= seen["vw"], (stem, width, seen)


# : where the contents bar sits after the page has scrolled to its middle, and what is on top at its
# place
BAR = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight / 2);
  const bar = document.querySelector('nav.contents-bar'), r = bar.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
  return {top: r.top, height: r.height, scrolled: window.scrollY, links:
  bar.querySelectorAll('a[href^="#"]').length,
          onTop: bar.contains(top), position: getComputedStyle(bar).position, scripts:
          document.scripts.length};
}"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_contents_bar_stays_on_screen_without_javascript(html_reports, tmp_path, width):
    with chromium_page(viewport={"width": width, "height": 900}) as page:
        for stem, item in sorted(html_reports.items()):
            open_report(page, tmp_path, stem, item.html)
            seen = page.evaluate(BAR)
            assert seen["scripts"] == 0, "the bar is CSS only"
            assert seen["position"] == "sticky" and seen["scrolled"] > 2000, (stem, seen)
            assert abs(seen["top"]) <= 1 and seen["height"] > 10 and seen["onTop"], (
                stem,
                width,
                seen,
            )
            assert seen["links"] >= (7 if stem.startswith("dossier-") else 6)
            page.click(
                'nav.contents-bar a[href="#provenance"]'
            )  # a link lands its section below the bar
            below = page.evaluate(
                "() => document.getElementById('provenance').getBoundingClientRect().top"
                " - document.querySelector('nav.contents-bar').getBoundingClientRect().bottom"
            )
            assert below >= 0, (stem, width, below)
