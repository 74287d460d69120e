"""Building blocks shared by every document kind.

Narrative answers follow the published standards: a non-empty text, or an explicit
`not_applicable: <justification>` so nothing is silently optional.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

API_VERSION = "fairgov/v1"

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$"),
    Field(description="Identifier, unique per kind: lower-case letters, digits, '.', '_' or '-'."),
]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
RelPath = Annotated[
    str,
    StringConstraints(min_length=1),
    Field(description="Path relative to the project root (no '..' escape, no absolute path)."),
]


class Model(BaseModel):
    """Base: unknown keys are errors (typos are caught), values are frozen after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NotApplicable(Model):
    """An explicit "does not apply" answer. The justification is required."""

    not_applicable: Text = Field(description="Why this item does not apply to this document.")


Narrative = Annotated[
    Text | NotApplicable,
    Field(
        union_mode="left_to_right",
        description="Free text (Markdown allowed), or `not_applicable: <justification>`.",
    ),
]


def narrative(description: str, **kwargs: Any) -> Any:
    """A required narrative field with its standards-facing description."""
    return Field(description=description, **kwargs)


def ref(kind: str) -> Any:
    """Annotated string type for a reference `kind/id` to a document of `kind`."""
    return Annotated[
        str,
        StringConstraints(pattern=rf"^{kind}/[a-z0-9][a-z0-9_.-]{{0,63}}$"),
        Field(description=f"Reference to a {kind} document: `{kind}/<id>`."),
    ]


DatasheetRef = ref("datasheet")
ModelCardRef = ref("modelcard")
EvaluationRef = ref("evaluation")
PolicyRef = ref("policy")
DeploymentRef = ref("deployment")


class Person(Model):
    name: Text = Field(description="Full name.")
    role: Text = Field(description="Role in this document (e.g. model owner, clinical lead).")
    email: str | None = Field(default=None, description="Contact e-mail address.")


class SignOff(Model):
    name: Text = Field(description="Who signed off.")
    role: Text = Field(description="In which capacity (e.g. clinical safety officer).")
    date: dt.date | None = Field(
        default=None,
        description="Date of sign-off; empty means not yet signed (shown as a blank line).",
    )


class DocumentBase(Model):
    """Fields every document kind carries."""

    apiVersion: Literal["fairgov/v1"] = Field(description="Spec language version: `fairgov/v1`.")
    id: Id
    title: Text = Field(description="Human-readable title used in reports.")
    version: str = Field(default="1", description="Version of this document (free form, e.g. 1.3).")
    owners: list[Person] = Field(min_length=1, description="People accountable for this document.")
    signoff: list[SignOff] = Field(
        default_factory=list, description="Sign-off block rendered on page one of the report."
    )
