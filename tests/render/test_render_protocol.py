"""The evidence facts name how scores were made: a zero-shot evaluation's backbone and
pooling, its prompts per class, its temperature and where it came from; a declared DICOM
window and frame policy; in every report language. A timm linear probe's facts are unchanged."""

from __future__ import annotations

from typing import Any

from fairgov.render.evidence import facts, protocol_label
from fairgov.render.i18n import use
from fairgov.render.protocol import protocol_facts
from fairgov.results import Evaluation

ZERO_SHOT = {
    "architecture": "tiny-clip", "library": "open_clip", "pooling": "clip_image",
    "weights_sha256": "ab" * 32,
    "zero_shot": {"prompts": {"0": ["a normal chest radiograph", "no finding"],
                              "1": ["a chest radiograph with a finding"]},
                  "temperature": 0.05, "temperature_source": "spec"},
    "image_spec": {"window": [40.0, 400.0], "frames": "middle"},
}


def _ev(protocol: str, provenance: dict[str, Any]) -> Evaluation:
    return Evaluation(
        id="e",
        status="ok",
        error=None,
        protocol=protocol,
        model="modelcard/m",
        dataset="datasheet/d",
        subgroups=[],
        task={"label": "finding", "positive": "1"},
        provenance=provenance,
    )


def test_zero_shot_facts_name_prompts_temperature_and_pooling() -> None:
    got = dict(protocol_facts("zero_shot", ZERO_SHOT))
    assert got["Backbone"] == "tiny-clip (open_clip); embedding: the CLIP image embedding"
    assert got["Prompts"] == (
        "0: “a normal chest radiograph” | “no finding”; 1: “a chest radiograph with a finding”"
    )
    assert got["Temperature"].startswith("0.0500 (set in the evaluation); score: softmax")
    assert (
        got["DICOM decoding"] == "window centre 40, width 400; multi-frame files: the middle frame"
    )
    learned = {
        **ZERO_SHOT,
        "zero_shot": {
            **ZERO_SHOT["zero_shot"],
            "temperature": 0.01,
            "temperature_source": "model logit_scale",
        },
    }
    assert (
        "the model's learned 1/logit_scale"
        in dict(protocol_facts("zero_shot", learned))["Temperature"]
    )


def test_the_evidence_facts_carry_them() -> None:
    rows = facts(_ev("zero_shot", ZERO_SHOT), None, [], None)
    labels = [label for label, _ in rows]
    assert labels.index("Protocol") < labels.index("Backbone") < labels.index("Prompts")
    assert dict(rows)["Protocol"] == protocol_label("zero_shot")
    assert "class prompts" in protocol_label("zero_shot")


def test_timm_probe_and_predictions_add_nothing() -> None:
    timm = {"architecture": "test_byobnet", "weights_sha256": "00" * 32}
    assert protocol_facts("linear_probe", timm) == []
    assert protocol_facts("predictions", ZERO_SHOT) == []
    windowed = dict(
        protocol_facts("linear_probe", {**timm, "image_spec": {"window": None, "frames": "mean"}})
    )
    assert windowed == {
        "DICOM decoding": "each file's own window; multi-frame files: the mean of all frames"
    }
    hf = dict(
        protocol_facts("linear_probe", {**timm, "library": "transformers", "pooling": "mean_patch"})
    )
    assert hf == {
        "Backbone": "test_byobnet (transformers); embedding: the mean of the patch tokens"
    }


def test_translated() -> None:
    with use("es"):
        es = dict(protocol_facts("zero_shot", ZERO_SHOT))
    with use("fr"):
        fr = dict(protocol_facts("zero_shot", ZERO_SHOT))
    assert es["Temperatura"].startswith("0,0500 (fijada en la evaluación)")
    assert fr["Décodage DICOM"].startswith("fenêtre : centre 40, largeur 400")
