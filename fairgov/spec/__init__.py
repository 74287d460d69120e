"""The spec language: one pydantic model per document kind (the single source of truth)."""

from __future__ import annotations

from pydantic import BaseModel

from fairgov.spec.datasheet import Datasheet
from fairgov.spec.deployment import DeploymentProtocol
from fairgov.spec.evaluation import Evaluation
from fairgov.spec.modelcard import ModelCard
from fairgov.spec.policy import Policy
from fairgov.spec.project import Project

KINDS: dict[str, type[BaseModel]] = {
    "Project": Project,
    "Datasheet": Datasheet,
    "ModelCard": ModelCard,
    "Evaluation": Evaluation,
    "Policy": Policy,
    "DeploymentProtocol": DeploymentProtocol,
}
#: the prefix used in references `kind/id`
REF_PREFIX = {
    "Datasheet": "datasheet",
    "ModelCard": "modelcard",
    "Evaluation": "evaluation",
    "Policy": "policy",
    "DeploymentProtocol": "deployment",
    "Project": "project",
}

__all__ = [
    "KINDS",
    "REF_PREFIX",
    "Datasheet",
    "DeploymentProtocol",
    "Evaluation",
    "ModelCard",
    "Policy",
    "Project",
]
