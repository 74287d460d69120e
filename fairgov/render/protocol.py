"""How an evaluation's scores were made, for the evidence facts: the backbone and its
embedding (library, pooling), the zero-shot protocol (prompts per class, temperature and
where it came from, softmax over the classes) and the declared DICOM decoding (window
override, frame policy). Read from the evaluation's provenance in results.json."""

from __future__ import annotations

from typing import Any

from fairgov.render import fmt
from fairgov.render.i18n import N_, gettext

__all__ = ["protocol_facts"]

POOLING = {
    "cls": N_("the CLS token"),
    "mean_patch": N_("the mean of the patch tokens"),
    "clip_image": N_("the CLIP image embedding"),
}
FRAMES = {
    "first": N_("the first frame"),
    "middle": N_("the middle frame"),
    "mean": N_("the mean of all frames"),
}


def protocol_facts(protocol: Any, provenance: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) rows; none for a predictions file (nothing was run), nor for a timm
    linear probe without a declared DICOM decoding (its evidence is unchanged)."""
    prov = provenance or {}
    if protocol not in ("linear_probe", "zero_shot") or "architecture" not in prov:
        return []
    # a timm backbone's embedding is the model's own: the model card's report describes it
    out = [(gettext("Backbone"), _backbone(prov))] if "library" in prov else []
    zs = prov.get("zero_shot") or {}
    if protocol == "zero_shot" and zs:
        out += [
            (gettext("Prompts"), _prompts(zs.get("prompts") or {})),
            (gettext("Temperature"), _temperature(zs)),
        ]
    spec = prov.get("image_spec")
    if spec:
        out.append((gettext("DICOM decoding"), _decoding(spec)))
    return out


def _backbone(prov: dict[str, Any]) -> str:
    pooling = POOLING.get(str(prov.get("pooling")))
    return gettext("%(architecture)s (%(library)s); embedding: %(pooling)s") % {
        "architecture": prov.get("architecture"),
        "library": prov.get("library", "timm"),
        "pooling": gettext(pooling) if pooling else gettext("the model's own pooled features"),
    }


def _prompts(prompts: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{cls}: " + " | ".join(f"“{p}”" for p in texts) for cls, texts in prompts.items()
    )


def _temperature(zs: dict[str, Any]) -> str:
    spec = zs.get("temperature_source") == "spec"
    source = (
        gettext("set in the evaluation") if spec else gettext("the model's learned 1/logit_scale")
    )
    return gettext(
        "%(value)s (%(source)s); score: softmax over the classes of the cosine "
        "similarity between image and class prompts, divided by it"
    ) % {"value": fmt.num(zs.get("temperature"), 4), "source": source}


def _plain(x: Any) -> str:
    """A window value as written: no decimals for a whole number."""
    return fmt.num(x, 0 if fmt.is_num(x) and float(x).is_integer() else 1)


def _decoding(spec: dict[str, Any]) -> str:
    window = spec.get("window")
    how = (
        gettext("window centre %(center)s, width %(width)s")
        % {"center": _plain(window[0]), "width": _plain(window[1])}
        if window
        else gettext("each file's own window")
    )
    frames = FRAMES.get(str(spec.get("frames")))
    if frames:
        how += "; " + gettext("multi-frame files: %(frames)s") % {"frames": gettext(frames)}
    return how
