"""The shard driver shared by every runner: resume, dispatch, retry, store, join.

1. Shards already in the cache are read back (an interrupted run resumes there).
2. The runner embeds this process's remaining shards; each finished shard is stored in the
   cache as soon as it arrives, so a crash loses at most the shards in flight.
3. Failed shards are retried (``RunConfig.retries`` more passes), then the run stops with an
   ``EmbeddingFailedError`` naming the shards and their rows.
4. ``runner.finish()`` (torchrun's barrier), then shards computed by other processes are
   joined from the cache. Results are keyed by row_id; order never matters.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from fairgov.evaluate.config import EvaluateError
from fairgov.evaluate.forward import EmbedStats
from fairgov.evaluate.progress import Progress
from fairgov.evaluate.runners import Runner
from fairgov.evaluate.shards import SHARD_SUFFIX, Shard, ShardOutput, ShardResult, decode_shard

__all__ = ["EmbeddingFailedError", "run_shards"]


class EmbeddingFailedError(EvaluateError):
    """Shards still failing after every retry; ``shards`` maps each to its last error."""

    def __init__(self, failed: list[tuple[Shard, str]], attempts: int) -> None:
        self.shards = failed
        head = "; ".join(f"{s.describe()}: {why}" for s, why in failed[:3])
        more = f" (+{len(failed) - 3} more shards)" if len(failed) > 3 else ""
        super().__init__(
            f"embedding failed for {len(failed)} shard(s) after {attempts} attempt(s): {head}{more}"
        )


def _cached(cache: Any, shard: Shard) -> ShardResult | None:
    if cache is None:
        return None
    data = cache.get_bytes(shard.key, SHARD_SUFFIX)
    if data is None:
        return None
    try:
        return decode_shard(data, shard)
    except ValueError:  # verified bytes but not this shard's table: drop, recompute
        cache.discard(shard.key, SHARD_SUFFIX)
        return None


def run_shards(
    shards: Sequence[Shard], runner: Runner, cache: Any, stats: EmbedStats,
    retries: int, progress: bool | None,
) -> dict[int, ShardResult]:  # fmt: skip
    """Embed ``shards`` with ``runner``; returns {shard index: result} for every shard."""
    if runner.name == "torchrun" and cache is None:
        raise EvaluateError(
            "runner 'torchrun' joins the ranks' shards through the cache: give a cache"
        )
    by_index = {s.index: s for s in shards}
    results: dict[int, ShardResult] = {}
    for shard in shards:
        hit = _cached(cache, shard)
        if hit is not None:
            hit.source = "cache"
            results[shard.index] = hit
    stats.shards_total, stats.shards_cached = len(shards), len(results)
    mine = [s for s in runner.assign(shards) if s.index not in results]
    failures: dict[int, str] = {}
    with Progress(sum(len(s.rows) for s in mine), "embedding", progress) as bar:
        bar.note_every = max(1, len(mine) // 20)

        def on_done(out: ShardOutput) -> None:
            shard = by_index[out.index]
            try:
                if out.failure or out.data is None:
                    raise ValueError(out.failure or "no result")
                res = decode_shard(out.data, shard)
            except ValueError as exc:
                failures[out.index] = str(exc)
                bar.note(f"{shard.describe()} failed on {out.worker or '?'}: {exc}")
                return
            if cache is not None:
                cache.put_bytes(shard.key, out.data, SHARD_SUFFIX, rows=len(shard.rows),
                                images=out.images, forward_passes=out.forward_passes)  # fmt: skip
            results[out.index] = res
            failures.pop(out.index, None)
            stats.forward_passes += out.forward_passes
            stats.images_embedded += out.images
            stats.shards_computed += 1
            rate = len(shard.rows) / max(out.seconds, 1e-9)
            bar.note(f"shard {out.index + 1}/{len(shards)}: {len(shard.rows)} images in "
                     f"{out.seconds:.2f} s ({rate:.1f}/s) on {out.worker}")  # fmt: skip
            if not runner.streams_progress:
                bar.advance(len(shard.rows))  # the overall line (count, images/s) comes last

        attempts = 0
        for attempt in range(1 + max(0, retries)):
            todo = [s for s in mine if s.index not in results]
            if not todo:
                break
            attempts = attempt + 1
            if attempt:
                stats.shard_retries += len(todo)
                if progress is not False:
                    print(f"embedding: retrying {len(todo)} shard(s), attempt {attempts}",
                          file=sys.stderr, flush=True)  # fmt: skip
            try:
                runner.run(todo, on_done, bar.advance)
            except EvaluateError:
                raise
            except Exception as exc:  # noqa: BLE001 - a worker or the engine died: retry the rest
                for s in todo:
                    if s.index not in results:
                        failures.setdefault(s.index, f"{type(exc).__name__}: {exc}")
        left = [s for s in mine if s.index not in results]
        if left:
            raise EmbeddingFailedError(
                [(s, failures.get(s.index, "no result")) for s in left], attempts
            )
    if stats.shards_computed:
        stats.runner_workers = runner.workers
    runner.finish()
    missing = []
    for shard in shards:
        if shard.index not in results:
            hit = _cached(cache, shard)
            if hit is None:
                missing.append(shard)
            else:
                hit.source = "joined"
                results[shard.index] = hit
                meta = cache.sidecar(shard.key, SHARD_SUFFIX)
                stats.forward_passes += int(str(meta.get("forward_passes", 0)))
                stats.images_embedded += int(str(meta.get("images", 0)))
                stats.shards_joined += 1
    if missing:
        raise EmbeddingFailedError(
            [(s, "not in the cache after the other workers finished") for s in missing], 1
        )
    return results
