"""Project (fairgov.yaml): what the project is and how it builds."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from fairgov.spec.common import DocumentBase, Model, PolicyRef, RelPath


class Limits(Model):
    max_file_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest spec file read."
    )


class Project(DocumentBase):
    kind: Literal["Project"] = Field(description="Document kind.")
    output: RelPath = Field(default="build", description="Output folder for reports and results.")
    cache: RelPath = Field(default=".fairgov/cache", description="Content-addressed cache folder.")
    include: list[str] = Field(
        default_factory=lambda: ["**/*.yaml", "**/*.yml"], description="Spec file globs."
    )
    exclude: list[str] = Field(
        default_factory=list, description="Globs excluded from spec discovery."
    )
    policies: list[PolicyRef] = Field(
        default_factory=list, description="Policies applied to every evaluation."
    )
    build_date: dt.date | None = Field(
        default=None, description="Fixed build date (else --date / SOURCE_DATE_EPOCH / today)."
    )
    limits: Limits = Field(default_factory=Limits, description="Input limits.")
