"""Embedding: shard results are keyed by row_id and independent of batching and order."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from fairgov.evaluate.cache import Cache
from fairgov.evaluate.config import BackboneConfig, ImageError, RunConfig

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from fairgov.evaluate.backbone import load_backbone  # noqa: E402
from fairgov.evaluate.embed import EmbedStats, embed_images, embed_rows, embed_shard  # noqa: E402
from fairgov.evaluate.hashing import sha256_file  # noqa: E402


def test_shard_is_order_and_batch_size_invariant(
    tiny_backbone: BackboneConfig, gray_images: list[Path]
) -> None:
    model, transform, _ = load_backbone(tiny_backbone)
    rows = [(f"r{i}", str(p)) for i, p in enumerate(gray_images)]
    ref = dict(embed_shard(rows, model, transform, RunConfig(batch_size=len(rows))))
    for bs in (1, 3):
        shuffled = rows[:]
        random.Random(bs).shuffle(shuffled)
        got = dict(embed_shard(shuffled, model, transform, RunConfig(batch_size=bs)))
        assert got.keys() == ref.keys()
        for k in ref:
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-5, atol=1e-5)
    assert len({ref[k].tobytes() for k in ref}) == len(ref)  # distinct images, distinct rows


def test_worker_processes_give_the_same_result(
    tiny_backbone: BackboneConfig, gray_images: list[Path]
) -> None:
    model, transform, _ = load_backbone(tiny_backbone)
    rows = [(i, str(p)) for i, p in enumerate(gray_images)]
    a = dict(embed_shard(rows, model, transform, RunConfig(batch_size=4)))
    b = dict(embed_shard(rows, model, transform, RunConfig(batch_size=4, workers=1)))
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)


def test_decode_errors_are_collected_or_raised(
    tiny_backbone: BackboneConfig, gray_images: list[Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    model, transform, _ = load_backbone(tiny_backbone)
    rows = [(0, str(gray_images[0])), (1, str(bad)), (2, str(gray_images[1]))]
    stats = EmbedStats()
    out = dict(embed_shard(rows, model, transform, RunConfig(batch_size=2), stats=stats))
    assert set(out) == {0, 2} and [rid for rid, _ in stats.errors] == [1]
    assert stats.images_embedded == 2
    with pytest.raises(ImageError):
        embed_shard(rows, model, transform, RunConfig(batch_size=2))


def test_cache_rerun_does_zero_forward_passes(
    tiny_backbone: BackboneConfig, gray_images: list[Path], tmp_path: Path, make_png: object
) -> None:
    cache = Cache(tmp_path / "cache")
    run = RunConfig(batch_size=3, progress=False)
    items = [(i, str(p), sha256_file(p)) for i, p in enumerate(gray_images)]
    first = EmbedStats()
    emb1, meta = embed_rows(items, tiny_backbone, run, cache, stats=first)
    assert first.forward_passes == 3 and first.images_embedded == 7 and first.cache_misses == 7
    assert meta["device"] == "cpu"
    second = EmbedStats()
    emb2, _ = embed_rows(items, tiny_backbone, run, cache, stats=second)
    assert (second.forward_passes, second.cache_hits) == (0, 7)
    for k in emb1:
        np.testing.assert_array_equal(emb1[k], emb2[k])
    new = make_png(tmp_path / "new.png", np.full((20, 20), 9, np.uint8))  # type: ignore[operator]
    third = EmbedStats()
    embed_rows([*items, (7, str(new), sha256_file(new))], tiny_backbone, run, cache, stats=third)
    assert (third.images_embedded, third.cache_hits) == (1, 7)  # only the added image runs


def test_embed_images_matches_shard_and_uses_cache(
    tiny_backbone: BackboneConfig, gray_images: list[Path], tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "c")
    arr = embed_images(gray_images, tiny_backbone, RunConfig(batch_size=4, progress=False), cache)
    assert arr.dtype == np.float32 and arr.shape[0] == len(gray_images)
    again = embed_images(gray_images[::-1], tiny_backbone, RunConfig(progress=False), cache)
    np.testing.assert_array_equal(again, arr[::-1])
    assert cache.stats.hits == len(gray_images)
    assert embed_images([], tiny_backbone, RunConfig(progress=False)).shape == (0, 0)


def test_progress_lines_when_not_a_tty(
    tiny_backbone: BackboneConfig, gray_images: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    embed_images(gray_images, tiny_backbone, RunConfig(batch_size=1, progress=None))
    err = capsys.readouterr().err
    assert "embedding: 7/7" in err and err.count("\n") <= 3
    embed_images(gray_images, tiny_backbone, RunConfig(batch_size=1, progress=False))
    assert capsys.readouterr().err == ""
