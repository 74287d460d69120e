"""Data-loading helpers for ``embed_shard``: dataset, collate and thread control.

Kept at module level (not closures) so DataLoader worker processes can pickle them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from fairgov.evaluate.config import FramePolicy, ImageError
from fairgov.evaluate.dicom_codecs import handler_versions
from fairgov.evaluate.images import decode
from fairgov.evaluate.problems import tag

__all__ = ["RowDataset", "RowId", "collate", "library_versions", "torch_threads"]

RowId = Any


class RowDataset:
    """Map-style dataset decoding in worker processes; errors travel back as data."""

    def __init__(
        self,
        rows: Sequence[tuple[RowId, str]],
        transform: Callable[[np.ndarray], Any],
        windowing: tuple[float, float] | None,
        frames: FramePolicy | None = None,
    ) -> None:
        self.rows = list(rows)
        self.transform = transform
        self.windowing, self.frames = windowing, frames

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> tuple[RowId, Any, str | None]:
        row_id, path = self.rows[i]
        stage = getattr(self.transform, "spatial", self.transform)
        try:
            return row_id, stage(decode(path, windowing=self.windowing, frames=self.frames)), None
        except ImageError as exc:
            return row_id, None, tag(exc.code, str(exc))


def collate(
    items: list[tuple[RowId, Any, str | None]],
) -> tuple[list[RowId], Any, list[tuple[RowId, str]]]:
    import torch

    ok = [(rid, x) for rid, x, err in items if err is None]
    errors = [(rid, err) for rid, _, err in items if err is not None]
    batch = torch.stack([x for _, x in ok]) if ok else None
    return [rid for rid, _ in ok], batch, errors


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Temporarily set torch's intra-op thread count (no-op for None)."""
    import torch

    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def library_versions() -> dict[str, str | None]:
    """Libraries whose upgrade may change decoded pixels or features invalidate the cache."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for dist in ("torch", "timm", "torchvision", "pillow", "pydicom", "numpy"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    out.update(handler_versions())  # only the installed ones: see dicom_codecs
    return out
