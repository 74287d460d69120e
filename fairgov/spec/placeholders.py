"""Placeholder answers: text that holds a place for an answer and is not one.

`TODO`, `TBD`, `FIXME`, `?`, `...` and their like (alone, or an upper-case marker followed by
more text, as in `TODO: deploying site`) never count as an answer: not for standards
coverage, not for a `required_fields` gate, and not as a `not_applicable` justification.
`fairgov validate` counts those that remain (FG317).
"""

from __future__ import annotations

import re
from typing import Any

from fairgov.spec.common import NotApplicable

MARKERS = ("TODO", "TBD", "TBC", "TBA", "FIXME", "XXX", "PLACEHOLDER")
_WORDS = "|".join(MARKERS)
_ALONE = re.compile(
    rf"^(?:{_WORDS}|\?+|\.{{3,}}|…|-+|lorem ipsum\b.*)[.!:]?$", re.IGNORECASE | re.S
)
_LEADING = re.compile(rf"^(?:{_WORDS})\b[:\s(-]", re.S)  # upper case only: "TODO: site"


def is_placeholder(value: Any) -> bool:
    """Whether a value is placeholder text (a `not_applicable` answer: its justification)."""
    if isinstance(value, dict) and set(value) == {"not_applicable"}:
        value = value["not_applicable"]
    elif isinstance(value, NotApplicable):
        value = value.not_applicable
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(_ALONE.match(text) or _LEADING.match(text))
