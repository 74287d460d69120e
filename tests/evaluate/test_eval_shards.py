"""Shards: planning, Parquet round trip, resume from cached shards, retries, rank split."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairgov.evaluate.cache import Cache
from fairgov.evaluate.config import BackboneConfig, EvaluateError, RunConfig

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from fairgov.evaluate.backbone import load_backbone  # noqa: E402
from fairgov.evaluate.distribute import EmbeddingFailedError, run_shards  # noqa: E402
from fairgov.evaluate.embed import EmbedStats, cache_base, embed_rows  # noqa: E402
from fairgov.evaluate.hashing import sha256_file  # noqa: E402
from fairgov.evaluate.runners import LocalRunner, OnDone, OnImages  # noqa: E402
from fairgov.evaluate.runners.torchrun import TorchrunRunner, rank_shards  # noqa: E402
from fairgov.evaluate.shards import (  # noqa: E402
    SHARD_SUFFIX,
    Shard,
    ShardOutput,
    decode_shard,
    encode_shard,
    plan_shards,
)

RUN = RunConfig(batch_size=2, shard_size=3, progress=False)  # shards of 4 rows: 4 + 3


def _items(paths: Sequence[Path]) -> list[tuple[int, str, str]]:
    return [(i, str(p), sha256_file(p)) for i, p in enumerate(paths)]


def _bytes(emb: dict[Any, np.ndarray]) -> dict[Any, bytes]:
    return {k: v.astype(np.float32).tobytes() for k, v in emb.items()}


class Flaky(LocalRunner):
    """Local runner whose shards fail ``plan[index]`` times; ``stop_after`` simulates a kill."""

    def __init__(
        self, *args: Any, plan: dict[int, int] | None = None, stop_after: int = -1
    ) -> None:
        super().__init__(*args)
        self.plan, self.stop_after = dict(plan or {}), stop_after
        self.seen: list[int] = []

    def run(self, shards: Sequence[Shard], on_done: OnDone, on_images: OnImages) -> None:
        def done(out: ShardOutput) -> None:
            self.seen.append(out.index)
            if self.plan.get(out.index, 0) > 0:
                self.plan[out.index] -= 1
                out = ShardOutput(out.index, None, worker="flaky", failure="RuntimeError: injected")
            on_done(out)
            if len(self.seen) == self.stop_after:
                raise KeyboardInterrupt

        super().run(shards, done, on_images)


def _runner(backbone: BackboneConfig, run: RunConfig = RUN, **kw: Any) -> Flaky:
    model, transform, _ = load_backbone(backbone)
    return Flaky((model, transform), run, None, **kw)


def _plan(items: list[tuple[int, str, str]], run: RunConfig = RUN) -> list[Shard]:
    return plan_shards(items, {"kind": "embedding", "weights_sha256": "x"}, run)


def test_plan_rounds_to_batches_and_keys_follow_content(gray_images: list[Path]) -> None:
    items = _items(gray_images)
    shards = _plan(items)
    assert [len(s.rows) for s in shards] == [4, 3] and [s.index for s in shards] == [0, 1]
    assert [k.key for k in _plan(items)] == [s.key for s in shards]
    moved = [(i + 1, p, d) for i, p, d in items]  # same images, other row ids
    assert _plan(moved)[0].key != shards[0].key
    assert shards[0].describe() == "shard 0 (4 rows: 0, 1, 2, 3)"


def test_parquet_round_trip_is_exact_and_checked(gray_images: list[Path]) -> None:
    shard = _plan(_items(gray_images))[0]
    rng = np.random.default_rng(0)
    pairs = [(i, rng.standard_normal(5).astype(np.float32)) for i in (0, 2, 3)]
    data = encode_shard(shard, pairs, [(1, "FG402 broken")])
    back = decode_shard(data, shard)
    assert _bytes(back.embeddings) == _bytes(dict(pairs)) and back.errors == [(1, "FG402 broken")]
    schema = pq.read_table(io.BytesIO(data)).schema
    assert schema.field("embedding").type == pa.list_(pa.float32())
    other = _plan([(i + 10, p, d) for i, p, d in _items(gray_images)])[0]
    with pytest.raises(ValueError, match="do not match"):
        decode_shard(data, other)
    with pytest.raises(ValueError, match="no embedding and no error"):
        encode_shard(shard, pairs, [])


def test_results_do_not_depend_on_shard_size(
    tiny_backbone: BackboneConfig, gray_images: list[Path]
) -> None:
    items = _items(gray_images)
    runs = [RunConfig(batch_size=2, shard_size=s, progress=False) for s in (1, 4, 100)]
    got = [_bytes(embed_rows(items, tiny_backbone, run)[0]) for run in runs]
    assert got[0] == got[1] == got[2]


def test_interrupted_run_resumes_from_finished_shards(
    tiny_backbone: BackboneConfig, gray_images: list[Path], tmp_path: Path
) -> None:
    items = _items(gray_images)
    reference, _ = embed_rows(items, tiny_backbone, RUN)
    cache = Cache(tmp_path / "cache")
    shards = _plan(items)
    with pytest.raises(KeyboardInterrupt):  # killed after the first shard was stored
        run_shards(shards, _runner(tiny_backbone, stop_after=1), cache, EmbedStats(), 2, False)
    assert len(list((tmp_path / "cache").rglob(f"*{SHARD_SUFFIX}"))) == 1
    runner, stats = _runner(tiny_backbone), EmbedStats()
    done = run_shards(shards, runner, cache, stats, 2, False)
    assert runner.seen == [1]  # only the unfinished shard ran
    assert (stats.shards_cached, stats.shards_computed, stats.images_embedded) == (1, 1, 3)
    joined = {rid: e for r in done.values() for rid, e in r.embeddings.items()}
    assert _bytes(joined) == _bytes(reference)
    assert [done[0].source, done[1].source] == ["cache", "computed"]


def test_resume_through_embed_rows_counts_cache_hits(
    tiny_backbone: BackboneConfig, gray_images: list[Path], tmp_path: Path
) -> None:
    items, cache = _items(gray_images), Cache(tmp_path / "c")
    _, _, meta = load_backbone(tiny_backbone)
    shards = plan_shards(items, cache_base(meta, None, "cpu"), RUN)  # the plan embed_rows makes
    run_shards(shards, _runner(tiny_backbone), cache, EmbedStats(), 0, False)
    stats = EmbedStats()
    embed_rows(items, tiny_backbone, RunConfig(batch_size=2, shard_size=3, device="cpu",
                                               progress=False), cache, stats=stats)  # fmt: skip
    assert (stats.forward_passes, stats.shards_cached, stats.cache_hits) == (0, 2, 7)


@pytest.mark.slow  # three embedding runs with injected shard failures (about 6 s)
def test_failed_shard_is_retried_then_named(
    tiny_backbone: BackboneConfig, gray_images: list[Path], tmp_path: Path
) -> None:
    items = _items(gray_images)
    reference, _ = embed_rows(items, tiny_backbone, RUN)
    shards = _plan(items)
    runner, stats = _runner(tiny_backbone, plan={1: 2}), EmbedStats()
    done = run_shards(shards, runner, Cache(tmp_path / "c"), stats, 2, False)
    assert runner.seen == [0, 1, 1, 1] and stats.shard_retries == 2
    joined = {rid: e for r in done.values() for rid, e in r.embeddings.items()}
    assert _bytes(joined) == _bytes(reference)
    with pytest.raises(
        EmbeddingFailedError, match=r"shard 1 \(3 rows: 4, 5, 6\): RuntimeError: injected"
    ) as info:
        run_shards(shards, _runner(tiny_backbone, plan={1: 9}), None, EmbedStats(), 1, False)
    assert "after 2 attempt(s)" in str(info.value) and [s.index for s, _ in info.value.shards] == [
        1
    ]


def test_corrupt_cached_shard_is_recomputed(
    tiny_backbone: BackboneConfig, gray_images: list[Path], tmp_path: Path
) -> None:
    items, cache = _items(gray_images), Cache(tmp_path / "c")
    shards = _plan(items)
    run_shards(shards, _runner(tiny_backbone), cache, EmbedStats(), 0, False)
    victim = next((tmp_path / "c").rglob(f"{shards[0].key}{SHARD_SUFFIX}"))
    victim.write_bytes(victim.read_bytes()[:-7])
    runner = _runner(tiny_backbone)
    run_shards(shards, runner, cache, EmbedStats(), 0, False)
    assert runner.seen == [0] and cache.stats.corrupt == 1


def test_shard_progress_lines_without_tty(
    tiny_backbone: BackboneConfig, gray_images: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    embed_rows(
        _items(gray_images), tiny_backbone, RunConfig(batch_size=2, shard_size=4, progress=None)
    )
    err = capsys.readouterr().err
    assert "embedding shard 1/2: 4 images in" in err and "embedding shard 2/2: 3 images" in err
    assert "embedding: 7/7" in err and err.count("\n") <= 6


@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_rank_shards_cover_every_shard_once(world: int) -> None:
    for n in range(10):
        shards = [Shard(i, f"{i:064x}", ()) for i in range(n)]
        got = [s.index for r in range(world) for s in rank_shards(shards, r, world)]
        assert sorted(got) == list(range(n))


def test_torchrun_outside_torchrun_explains_how_to_launch(
    tiny_backbone: BackboneConfig, gray_images: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(
        EvaluateError, match=r"must be started by torchrun.*torchrun --nproc_per_node"
    ):
        embed_rows(_items(gray_images), tiny_backbone, RunConfig(runner="torchrun", progress=False))
    with pytest.raises(EvaluateError, match="must be started by torchrun"):
        TorchrunRunner((None, None), RUN, None)


def test_ray_actor_setup_errors_are_not_retried() -> None:
    from fairgov.evaluate.runners.ray_runner import _raise_if_setup_error

    died = RuntimeError(
        "The actor died because of an error raised in its creation task\n"
        "Traceback ...\nfairgov.evaluate.config.BackboneError: sha256 mismatch"
    )
    with pytest.raises(
        EvaluateError, match="Ray actors could not start: BackboneError: sha256 mismatch"
    ) as info:
        _raise_if_setup_error(died)
    assert (
        info.value.code == "FG421"
    )  # the worker's error class's own code, not one read from the text
    _raise_if_setup_error(
        RuntimeError("The actor died because of an error raised in its creation task\nOOM")
    )
    _raise_if_setup_error(RuntimeError("connection reset"))  # transient: left to the retries


def test_ray_runner_without_ray_says_which_extra(
    tiny_backbone: BackboneConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from fairgov.evaluate.runners.ray_runner import RayRunner

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(EvaluateError, match=r"pip install 'fairgov\[ray\]'"):
        RayRunner(tiny_backbone, RunConfig(runner="ray"), None)
