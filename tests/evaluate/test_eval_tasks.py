"""run_evaluation with a multilabel / multiclass task on a tiny random backbone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairgov.evaluate.cache import Cache
from fairgov.evaluate.config import EvaluateError, ProbeConfig, RunConfig
from fairgov.evaluate.tasks import Endpoint, MultiTask

pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.slow]

from fairgov.evaluate.run import InvalidRowsError, run_evaluation  # noqa: E402

N = 90


@pytest.fixture
def manifest(tmp_path: Path, make_png) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(N):
        a, b, c = int(rng.random() < 0.5), int(rng.random() < 0.4), int(rng.integers(0, 3))
        img = rng.integers(0, 80, (32, 32)).astype(np.uint8) + np.uint8(60 * a + 30 * c)
        img[:16] += np.uint8(50 * b)
        make_png(tmp_path / f"img/{i}.png", img)
        rows.append(
            {
                "image": f"img/{i}.png",
                "patient_id": f"P{i}",
                "split": ("train", "validation", "test")[i % 3],
                "a": str(a),
                "b": "pos" if b else "neg",
                "kind": "xyz"[c],
                "sex": "FM"[i % 2],
            }
        )
    return pd.DataFrame(rows)


MULTILABEL = MultiTask(
    "multilabel",
    (Endpoint("a", "a", "1"), Endpoint("b", "b", "pos")),
    {"a": ("0", "1"), "b": ("neg", "pos")},
)
MULTICLASS = MultiTask(
    "multiclass", tuple(Endpoint(k, "kind", k) for k in "xyz"), {"kind": ("x", "y", "z")}
)


def _run(manifest: pd.DataFrame, root: Path, backbone, cache: Cache, **kw):
    return run_evaluation(
        manifest,
        root,
        backbone=backbone,
        split_column="split",
        attribute_columns=["sex"],
        probe=ProbeConfig(Cs=(0.1, 1.0)),
        run=RunConfig(batch_size=32, progress=False),
        cache=cache,
        **kw,
    )


def test_multilabel_probes_share_the_embeddings_and_equal_binary_runs(
    manifest, tmp_path, tiny_backbone
) -> None:
    cache = Cache(tmp_path / "cache")
    binary = _run(
        manifest, tmp_path, tiny_backbone, cache, label_column="b", classes=("neg", "pos")
    )
    multi = _run(manifest, tmp_path, tiny_backbone, cache, task=MULTILABEL)
    assert binary.provenance["forward_passes"] > 0
    assert (
        multi.provenance["forward_passes"] == 0 and multi.provenance["cache_hits"] == N
    )  # embedded once
    p = multi.predictions
    assert {"label:a", "score:a", "label:b", "score:b"} <= set(
        p.columns
    ) and "score" not in p.columns
    np.testing.assert_array_equal(p["score:b"].to_numpy(), binary.predictions["score"].to_numpy())
    np.testing.assert_array_equal(p["label:b"].to_numpy(), binary.predictions["label"].to_numpy())
    assert p["label:a"].tolist() == [int(manifest.at[i, "a"]) for i in p["row_id"]]
    assert set(multi.provenance["probe"]["labels"]) == {"a", "b"}


def test_multiclass_scores_are_class_probabilities(manifest, tmp_path, tiny_backbone) -> None:
    res = _run(manifest, tmp_path, tiny_backbone, Cache(tmp_path / "cache"), task=MULTICLASS)
    p = res.predictions
    scores = p[["score:x", "score:y", "score:z"]].to_numpy()
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    onehot = p[["label:x", "label:y", "label:z"]].to_numpy()
    assert (onehot.sum(axis=1) == 1).all()
    assert ["xyz"[j] for j in onehot.argmax(1)] == [manifest.at[i, "kind"] for i in p["row_id"]]
    assert "val_macro_auroc_per_C" in res.provenance["probe"]


def test_an_undeclared_value_of_a_task_label_stops_the_run(
    manifest, tmp_path, tiny_backbone
) -> None:
    manifest.loc[4, "b"] = "maybe"
    with pytest.raises(InvalidRowsError) as info:
        _run(manifest, tmp_path, tiny_backbone, Cache(tmp_path / "cache"), task=MULTILABEL)
    (problem,) = info.value.problems
    assert (problem.row, problem.code) == (4, "FG403") and "'maybe'" in problem.message


def test_fine_tuning_a_multilabel_task_is_refused(manifest, tmp_path, tiny_backbone) -> None:
    with pytest.raises(EvaluateError) as info:
        _run(
            manifest,
            tmp_path,
            tiny_backbone,
            Cache(tmp_path / "cache"),
            task=MULTILABEL,
            fine_tune=object(),
        )
    assert info.value.code == "FG441"
