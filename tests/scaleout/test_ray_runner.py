"""runner: ray on a local 2-CPU cluster gives the bytes of runner: local, through retries.

One Ray instance serves the whole module (about 8 s to start on 2 cores). `ray stop` is
never called: it would kill every Ray process on the host.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fairgov.evaluate.cache import Cache
from fairgov.evaluate.config import BackboneConfig, RunConfig

pytest.importorskip("torch")
ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

pytestmark = [
    pytest.mark.torch,
    pytest.mark.slow,
    # Ray's own deprecation notices (its DataContext copies deprecated fields) and the
    # sockets/files its background threads leave to the garbage collector.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

from fairgov.evaluate.backbone import load_backbone  # noqa: E402
from fairgov.evaluate.distribute import run_shards  # noqa: E402
from fairgov.evaluate.embed import EmbedStats, cache_base, embed_rows  # noqa: E402
from fairgov.evaluate.runners.ray_runner import RayRunner, ShardEmbedder  # noqa: E402
from fairgov.evaluate.shards import Shard, ShardOutput, plan_shards  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# one thread per forward pass, so the 2-CPU cluster holds two actors
RUN = RunConfig(batch_size=4, shard_size=4, device="cpu", progress=False, retries=1, threads=1)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    old = os.environ.get("RAY_USAGE_STATS_ENABLED")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    temp = tempfile.mkdtemp(prefix="fgray-", dir="/tmp")
    ctx = ray.init(num_cpus=2, include_dashboard=False, _temp_dir=temp, log_to_driver=False)
    try:
        yield ctx.address_info["gcs_address"]
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
        if old is None:
            os.environ.pop("RAY_USAGE_STATS_ENABLED", None)
        else:
            os.environ["RAY_USAGE_STATS_ENABLED"] = old


# Ray workers cannot import this test module: ship FlakyEmbedder by value.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


class FlakyEmbedder(ShardEmbedder):
    """Shard 1 kills its actor (os._exit) the first time; shard 2 raises the first time."""

    def embed(self, shard: Shard) -> ShardOutput:
        mark = Path(shard.rows[0][1]).parent / f"seen-{shard.index}"
        first = not mark.exists()
        mark.touch()
        if shard.index == 1 and first:
            os._exit(1)
        if shard.index == 2 and first:
            raise RuntimeError("injected failure")
        return super().embed(shard)


class NoRun(RayRunner):
    def run(self, *args: Any) -> None:
        raise AssertionError("a fully cached run must not start any worker")


def _bytes(emb: dict[Any, np.ndarray]) -> dict[Any, bytes]:
    return {k: np.asarray(v, np.float32).tobytes() for k, v in emb.items()}


def test_killed_actor_and_failed_shard_are_retried_and_resumable(
    cluster: str, tiny_backbone: BackboneConfig, images: list[tuple[int, str, str]], tmp_path: Path
) -> None:
    reference, _ = embed_rows(images, tiny_backbone, RUN)  # runner: local
    _, _, meta = load_backbone(tiny_backbone)
    shards = plan_shards(images, cache_base(meta, None, "cpu", 1), RUN)
    assert len(shards) == 4
    cache, stats = Cache(tmp_path / "cache"), EmbedStats()
    runner = RayRunner(tiny_backbone, RUN, None, actor_cls=FlakyEmbedder)
    done = run_shards(shards, runner, cache, stats, RUN.retries, False)
    # shard 1's actor died and Ray re-ran the shard on its restarted actor; shard 2 came back
    # as a failure row and the driver retried it in a second pass
    assert (stats.shards_computed, stats.shard_retries, runner.workers) == (4, 1, 2)
    joined = {rid: e for r in done.values() for rid, e in r.embeddings.items()}
    assert _bytes(joined) == _bytes(reference)
    # every shard is in the cache now: a rerun (e.g. after an interruption) computes nothing
    stats = EmbedStats()
    again = run_shards(shards, NoRun(tiny_backbone, RUN, None), cache, stats, 0, False)
    assert (stats.shards_cached, stats.forward_passes) == (4, 0)
    assert _bytes({rid: e for r in again.values() for rid, e in r.embeddings.items()}) == _bytes(
        reference
    )


def test_example_build_is_identical_with_ray_and_local(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fairgov.pipeline.evaluations as evaluations
    from fairgov.pipeline.build import run_build

    if not (REPO / "specs" / "data" / "manifest.csv").exists():
        pytest.skip("example data not generated")
    tables: dict[str, pd.DataFrame] = {}
    real = evaluations.predictions_table

    def capture(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        tables[args[4]["runner"]] = out[0]  # (cp, ev, datasheet, card, options)
        return out

    monkeypatch.setattr(evaluations, "predictions_table", capture)
    results = {}
    for runner in ("local", "ray"):
        options = {
            "runner": runner,
            "ray_address": cluster,
            "cache_dir": tmp_path / f"cache-{runner}",
        }
        outcome = run_build(
            REPO / "specs", out=tmp_path / runner, date="2026-11-28", write_reports=False,
            command=["fairgov", "check"], options=options,
        )  # fmt: skip
        assert outcome.results is not None and outcome.exit_code == 1  # the planted disparity
        results[runner] = (tmp_path / runner / "results.json").read_bytes()
    local, remote = tables["local"], tables["ray"]
    pd.testing.assert_frame_equal(local, remote)
    assert local["score"].to_numpy().tobytes() == remote["score"].to_numpy().tobytes()
    assert results["ray"].count(b'"runner": "ray"') == 1
    assert results["ray"].replace(b'"runner": "ray"', b'"runner": "local"') == results["local"]
    stats = json.loads((tmp_path / "ray" / "run-stats.json").read_text())[
        "evaluation/cxr-demo-probe"
    ]
    assert stats["images_embedded"] == 800 and stats["cache_misses"] == 800
