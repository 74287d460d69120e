"""The words of the results.json attached to every PDF (without importing weasyprint, so a
build can prepare PDF jobs in a process that never renders one)."""

from __future__ import annotations

from fairgov.render.i18n import gettext


def attachment_description() -> str:
    """The embedded results.json's description, in the language of the render in progress."""
    return gettext("fairgov results.json of the build this report was rendered from")
