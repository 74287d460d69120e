"""Embedding shards: the unit that every runner computes, stores and joins on row_id.

A shard is a fixed list of ``(row_id, path)`` rows, planned the same way for every runner:
chunks of the rows still to embed, in input order, sized to a multiple of the batch size so
that every runner forms the same batches and so produces the same bytes. Its result is a
Parquet table ``(row_id, embedding list<float32>, error string)`` kept in the
content-addressed cache under a key made of the backbone key and the shard's
``(row_id, image sha256)`` pairs, so an interrupted run finds its finished shards there.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairgov.evaluate.cache import content_key
from fairgov.evaluate.config import ImageSpec, RunConfig
from fairgov.evaluate.forward import EmbedStats, embed_shard
from fairgov.evaluate.loading import RowId

__all__ = [
    "SHARD_SUFFIX",
    "Shard",
    "ShardOutput",
    "ShardResult",
    "compute_shard",
    "decode_shard",
    "encode_shard",
    "plan_shards",
    "shard_rows",
]

SHARD_SUFFIX = ".parquet"


@dataclass(frozen=True)
class Shard:
    """``index`` in the plan, cache ``key`` and the ``(row_id, path)`` rows, in order."""

    index: int
    key: str
    rows: tuple[tuple[RowId, str], ...]

    @property
    def row_ids(self) -> list[RowId]:
        return [rid for rid, _ in self.rows]

    def describe(self) -> str:
        ids = self.row_ids
        head = ", ".join(map(str, ids[:5])) + (", ..." if len(ids) > 5 else "")
        return f"shard {self.index} ({len(ids)} rows: {head})"


@dataclass
class ShardOutput:
    """What a worker hands back: the Parquet bytes, or ``failure`` (then ``data`` is None)."""

    index: int
    data: bytes | None
    images: int = 0
    forward_passes: int = 0
    seconds: float = 0.0
    worker: str = ""
    failure: str | None = None


@dataclass
class ShardResult:
    """A decoded shard: embeddings and decode errors, keyed by row_id."""

    embeddings: dict[RowId, np.ndarray]
    errors: list[tuple[RowId, str]]
    source: str = "computed"  # or "cache" (finished before this run) / "joined" (other rank)


def shard_rows(shard_size: int, batch_size: int) -> int:
    """Rows per shard: ``shard_size`` rounded up to a whole number of batches."""
    batch = max(1, batch_size)
    return -(-max(1, shard_size) // batch) * batch


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def plan_shards(
    items: Sequence[tuple[RowId, str, str]], base: Mapping[str, Any], run_cfg: RunConfig
) -> list[Shard]:
    """Cut ``(row_id, path, image_sha256)`` items into shards keyed by content and row ids."""
    size = shard_rows(run_cfg.shard_size, run_cfg.batch_size)
    shards = []
    for index, start in enumerate(range(0, len(items), size)):
        chunk = items[start : start + size]
        pairs = [[_plain(rid), digest] for rid, _, digest in chunk]
        key = content_key(**{**base, "kind": "embedding-shard", "rows": pairs})
        shards.append(Shard(index, key, tuple((rid, os.fspath(p)) for rid, p, _ in chunk)))
    return shards


def encode_shard(
    shard: Shard, pairs: Sequence[tuple[RowId, np.ndarray]], errors: Sequence[tuple[RowId, str]]
) -> bytes:
    """Parquet bytes with one row per shard row, in shard order (errors: null embedding)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    emb = {_plain(rid): np.asarray(e, dtype=np.float32).ravel() for rid, e in pairs}
    err = {_plain(rid): msg for rid, msg in errors}
    ids = [_plain(rid) for rid in shard.row_ids]
    lost = [rid for rid in ids if rid not in emb and rid not in err]
    if lost:
        raise ValueError(f"{shard.describe()}: no embedding and no error for rows {lost[:5]}")
    vectors = [emb.get(rid, np.zeros(0, np.float32)) for rid in ids]
    offsets = np.concatenate([[0], np.cumsum([len(v) for v in vectors])]).astype(np.int32)
    flat = np.concatenate(vectors) if vectors else np.zeros(0, np.float32)
    embedding = pa.ListArray.from_arrays(
        pa.array(offsets),
        pa.array(flat, pa.float32()),
        mask=pa.array([rid not in emb for rid in ids]),
    )
    table = pa.table({"row_id": pa.array(ids), "embedding": embedding,
                      "error": pa.array([err.get(rid) for rid in ids], pa.string())})  # fmt: skip
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def decode_shard(data: bytes, shard: Shard) -> ShardResult:
    """Read a shard's Parquet; ValueError unless it holds exactly the shard's rows in order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
        stored = table.column("row_id").to_pylist()
        column = table.column("embedding").combine_chunks()
        errors = table.column("error").to_pylist()
    except (pa.ArrowException, KeyError) as exc:
        raise ValueError(f"{shard.describe()}: unreadable shard ({exc})") from exc
    ids = shard.row_ids
    if stored != [_plain(rid) for rid in ids]:
        raise ValueError(f"{shard.describe()}: stored rows do not match the plan")
    offsets = column.offsets.to_numpy()
    flat = np.array(column.values.to_numpy(zero_copy_only=False), dtype=np.float32)
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    out = ShardResult({}, [])
    for i, rid in enumerate(ids):
        if valid[i]:
            out.embeddings[rid] = flat[offsets[i] : offsets[i + 1]]
        else:
            out.errors.append((rid, errors[i] or "image could not be decoded"))
    return out


def compute_shard(
    shard: Shard,
    model: Any,
    transform: Callable[[np.ndarray], Any],
    run_cfg: RunConfig,
    *,
    image_spec: ImageSpec | None = None,
    worker: str = "",
    on_batch: Callable[[int], None] | None = None,
) -> ShardOutput:
    """Run ``embed_shard`` on one shard; any exception becomes ``failure`` (to be retried)."""
    t0 = time.perf_counter()
    stats = EmbedStats()
    try:
        pairs = embed_shard(shard.rows, model, transform, run_cfg, image_spec=image_spec,
                            stats=stats, on_batch=on_batch)  # fmt: skip
        data = encode_shard(shard, pairs, stats.errors)
    except Exception as exc:  # noqa: BLE001 - reported per shard, retried by the driver
        return ShardOutput(shard.index, None, worker=worker, failure=f"{type(exc).__name__}: {exc}")
    return ShardOutput(shard.index, data, stats.images_embedded, stats.forward_passes,
                       time.perf_counter() - t0, worker)  # fmt: skip
