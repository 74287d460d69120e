"""Deterministic JSON for results.json (shared by the build, which writes it, and the
renderer, which hashes and embeds the very same bytes)."""

from __future__ import annotations

import json
import math
from typing import Any


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf never leak (they become null), tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _clean(value.item())
    return value


def dumps(results: dict[str, Any]) -> str:
    """Deterministic serialisation (sorted keys, fixed separators) for byte-identical builds."""
    return (
        json.dumps(_clean(results), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
        + "\n"
    )
