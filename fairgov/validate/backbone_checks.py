"""Stage 2b checks of the foundation-model backbone and the zero-shot protocol."""

from __future__ import annotations

from collections.abc import Iterator

from fairgov.diagnostics import Diagnostic
from fairgov.validate.project import CompiledProject, Entry

POOLINGS = {"timm": (), "transformers": ("cls", "mean_patch"), "open_clip": ("clip_image",)}
BB = "/model/foundation_model/backbone"


def check_backbone(entry: Entry) -> Iterator[Diagnostic]:
    """The declared pooling must be one the library offers."""
    bb = entry.model.model.foundation_model.backbone
    if bb is None or bb.pooling is None or bb.pooling in POOLINGS[bb.library]:
        return
    offered = ", ".join(POOLINGS[bb.library]) or "none (timm uses the model's own head-less output)"
    yield entry.diag(
        f"{BB}/pooling",
        "FG465",
        f"pooling {bb.pooling!r} is not available for library {bb.library!r}",
        f"offered: {offered}",
    )


def check_zero_shot(
    cp: CompiledProject, entry: Entry, classes: list[str] | None
) -> Iterator[Diagnostic]:
    """Prompts for exactly the label's classes, and an open_clip model card."""
    ev = entry.model
    if ev.protocol.type != "zero_shot":
        return
    card = cp.model(ev.model)
    bb = (
        card.model.foundation_model.backbone
        if card is not None and hasattr(card, "model")
        else None
    )
    if card is not None and (bb is None or bb.library != "open_clip"):
        lib = "no backbone" if bb is None else f"library {bb.library!r}"
        yield entry.diag(
            "/protocol/type",
            "FG464",
            f"zero_shot needs an open_clip backbone; {ev.model} has {lib}",
        )
    if classes is None:
        return
    prompts = ev.protocol.prompts
    for cls in classes:
        if cls not in prompts:
            yield entry.diag(
                "/protocol/prompts",
                "FG463",
                f"no prompts for class {cls!r} of label {ev.task.label!r}",
                f'add `{cls}: ["a chest radiograph showing ..."]`',
            )
    for key in prompts:
        if key not in classes:
            yield entry.diag(
                f"/protocol/prompts/{key}",
                "FG463",
                f"prompts for {key!r}, which is not a class of label {ev.task.label!r}",
                f"classes: {', '.join(classes)}",
            )
