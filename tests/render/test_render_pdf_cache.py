"""PDF reports reused across builds: a hit is the fresh render's bytes, a change or a damaged
entry renders again, and each report keeps only its last few entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from render_helpers import PDF_STEM

from fairgov import render
from fairgov.render import pool
from fairgov.render.pdfcache import KEEP, PdfCache


def no_rendering(*args, **kwargs):
    raise AssertionError("a PDF was rendered although its cached copy was usable")


@pytest.mark.slow
def test_a_cached_pdf_is_the_fresh_render_and_is_not_rendered_again(
    built, pdf_report, tmp_path, monkeypatch
):
    results, cp = built
    cache = PdfCache(tmp_path / "cache")
    (first,) = render.render_reports(results, cp, only={PDF_STEM}, pdf_cache=cache)
    assert first.pdf == pdf_report.pdf and cache.stats()["pdf_rendered"] == 1
    monkeypatch.setattr(pool, "renderer", no_rendering)
    (again,) = render.render_reports(results, cp, only={PDF_STEM}, pdf_cache=cache)
    assert again.pdf == pdf_report.pdf and again.problems == first.problems
    assert cache.stats() == {"pdf_reused": 1, "pdf_rendered": 1, "pdf_cache_corrupt_entries": 0}
    monkeypatch.undo()

    # a damaged entry is a miss: rendered again, counted, never copied out
    (entry,) = (tmp_path / "cache").rglob("*.pdf")
    entry.write_bytes(entry.read_bytes()[:1000])
    (mended,) = render.render_reports(results, cp, only={PDF_STEM}, pdf_cache=cache)
    assert mended.pdf == pdf_report.pdf
    assert cache.stats() == {"pdf_reused": 1, "pdf_rendered": 2, "pdf_cache_corrupt_entries": 1}

    # another language is another report: rendered, not served the English one
    (french,) = render.render_reports(results, cp, only={PDF_STEM}, lang="fr", pdf_cache=cache)
    assert french.pdf != pdf_report.pdf and cache.stats()["pdf_rendered"] == 3


def job(tmp_path: Path, date: str, html: str = "<p>report</p>") -> pool.PdfJob:
    return pool.PdfJob(html, tmp_path / "out", (tmp_path,), b"{}", date, "results")


def test_every_input_of_the_pdf_is_in_the_key(tmp_path):
    cache = PdfCache(tmp_path / "cache")
    base = job(tmp_path, "2026-11-28")
    variants = [
        job(tmp_path, "2026-11-29"),
        job(tmp_path, "2026-11-28", "<p>report.</p>"),
        pool.PdfJob(base.html, tmp_path / "moved", (tmp_path,), b"{}", base.build_date, "results"),
        pool.PdfJob(base.html, base.base_dir, (tmp_path,), b"{ }", base.build_date, "results"),
        pool.PdfJob(base.html, base.base_dir, (tmp_path,), b"{}", base.build_date, "résultats"),
    ]
    keys = {cache.key(base), *(cache.key(v) for v in variants)}
    assert len(keys) == 1 + len(variants)
    assert cache.key(job(tmp_path, "2026-11-28")) == cache.key(base)


def test_each_report_keeps_its_last_entries_only(tmp_path):
    cache = PdfCache(tmp_path / "cache")
    dates = [f"2026-11-{day:02d}" for day in range(20, 26)]
    for i, date in enumerate(dates):
        cache.put(cache.key(job(tmp_path, date)), "out/datasheet-x.en", b"%PDF-" + date.encode(),
                  [f"w{i}"])
        cache.put(cache.key(job(tmp_path, date, "<p>other</p>")), "out/modelcard-y.en",
                  b"%PDF-y", [])
    assert len(list((tmp_path / "cache").rglob("*.pdf"))) == 2 * KEEP
    for i, date in enumerate(dates):
        hit = cache.get(cache.key(job(tmp_path, date)))
        if i < len(dates) - KEEP:
            assert hit is None, date
        else:
            assert hit == (b"%PDF-" + date.encode(), [f"w{i}"]), date
    assert cache.stats()["pdf_cache_corrupt_entries"] == 0  # pruning is not damage


def test_a_damaged_index_or_an_unwritable_cache_costs_reuse_only(tmp_path):
    cache = PdfCache(tmp_path / "cache")
    first, second = (cache.key(job(tmp_path, d)) for d in ("2026-11-20", "2026-11-21"))
    cache.put(first, "out/r.en", b"%PDF-1", [])
    (index,) = (tmp_path / "cache" / "pdf-index").glob("*.json")
    index.write_text(json.dumps([7, "not-a-key", None]))
    cache.put(second, "out/r.en", b"%PDF-2", [])
    assert cache.get(second) == (b"%PDF-2", [])
    (tmp_path / "file").write_text("a file, not a folder")
    broken = PdfCache(tmp_path / "file" / "cache")
    broken.put(broken.key(job(tmp_path, "2026-11-20")), "out/r.en", b"%PDF-1", [])  # no exception
    assert broken.get(broken.key(job(tmp_path, "2026-11-20"))) is None
    assert broken.stats()["pdf_rendered"] == 1
