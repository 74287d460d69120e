"""The coherent example a new project starts from: only the values that tie documents together.

Everything else (every other field, its comment, its default or placeholder) comes from the
models via `emit.py`. What lives here is what a generic walker cannot guess: ids and
references that resolve, a manifest whose columns the datasheet, evaluation, policy and
deployment agree on, and gates of every type. `tests/init` proves the result validates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fairgov.scaffold.emit import TODO, Choose

#: (file name, kind) in the order the files are written
FILES = (
    ("fairgov.yaml", "Project"),
    ("datasheet.yaml", "Datasheet"),
    ("modelcard.yaml", "ModelCard"),
    ("evaluation.yaml", "Evaluation"),
    ("policy.yaml", "Policy"),
    ("deployment.yaml", "DeploymentProtocol"),
)
MANIFEST = "data/manifest.csv"
#: columns the scaffold's datasheet expects in the manifest
MANIFEST_COLUMNS = ("image", "patient_id", "split", "finding", "sex", "age")


@dataclass(frozen=True)
class Names:
    title: str  # human name of the project
    id: str  # slug used as the id of every document but the deployment
    site: str  # human name of the deploying site
    site_id: str

    def ref(self, prefix: str) -> str:
        return f"{prefix}/{self.site_id if prefix == 'deployment' else self.id}"


def overlays(n: Names, predictions: bool = False) -> dict[str, dict[str, Any]]:
    """kind -> overlay of field values (nested like the document). `predictions`: the
    bring-your-own predictions variant (no images, a scores file, the fitted threshold deployed)."""
    values = {
        "Project": {
            "id": n.id,
            "title": n.title,
            "exclude": ["data/**"],
            "policies": [n.ref("policy")],
        },
        "Datasheet": _datasheet(n),
        "ModelCard": _modelcard(n),
        "Evaluation": _evaluation(n),
        "Policy": _policy(n),
        "DeploymentProtocol": _deployment(n),
    }
    if predictions:
        _bring_your_own(values)
    return values


def _bring_your_own(values: dict[str, dict[str, Any]]) -> None:
    from fairgov.scaffold.exampledata import PREDICTIONS

    values["Datasheet"]["manifest"].update({"image_column": None, "id_column": "case_id"})
    values["Evaluation"]["protocol"] = {
        "type": "predictions",
        "path": PREDICTIONS,
        "id_column": "case_id",
        "score_column": "score",
    }
    values["DeploymentProtocol"]["operating_point"]["threshold"] = "fitted"


def _datasheet(n: Names) -> dict[str, Any]:
    bins = [{"label": "18-39", "low": 18, "high": 40}, {"label": "40-64", "low": 40, "high": 65},
            {"label": "65+", "low": 65}]
    return {
        "id": n.id,
        "title": f"{n.title}: dataset",
        "manifest": {
            "path": MANIFEST,
            "labels": {"finding": {"column": "finding", "classes": ["0", "1"]}},
        },
        "attributes": {
            "sex": {"column": "sex", "values": {"F": "female", "M": "male"}},
            "age_band": {"column": "age", "kind": "numeric", "bins": bins},
        },
    }


def _modelcard(n: Names) -> dict[str, Any]:
    backbone = {"architecture": TODO}
    return {
        "id": n.id,
        "title": f"{n.title}: model card",
        "details": {"name": n.title},
        "model": {
            "output_type": Choose("classification"),
            "foundation_model": {"backbone": backbone},
        },
        "inputs": {"demographic_variables_used": Choose(["none"])},
        "factors": {"evaluation": ["sex", "age_band"]},
        "evaluations": [{"ref": n.ref("evaluation"), "role": "internal"}],
    }


def _evaluation(n: Names) -> dict[str, Any]:
    return {
        "id": n.id, "title": f"{n.title}: internal test split",
        "model": n.ref("modelcard"), "dataset": n.ref("datasheet"),
        "task": {"label": "finding", "positive": "1"},
        "threshold": {"policy": Choose("target_fpr"), "value": 0.1},
        "subgroups": ["sex", "age_band"],
    }


def _policy(n: Names) -> dict[str, Any]:
    fields = [
        "fairness.approach",
        "fairness.bias_mitigation",
        "limitations.known_biases",
        "limitations.data_gaps",
    ]
    gates = [
        {"id": "auroc-gap-sex", "title": "AUROC gap across sex at most 0.05 (upper 95% bound)",
         "metric": "auroc", "across": ["sex"], "statistic": "gap", "max": 0.05},
        {"id": "fairness-documented", "type": "required_fields", "document": "ModelCard",
         "fields": fields, "allow_not_applicable": False},
        {"id": "hti1-coverage", "type": "coverage", "standard": "hti1-2024", "min": 1.0},
        {"id": "axes-evaluated", "type": "axes_evaluated"},
        {"id": "threshold-matches", "type": "threshold_match"},
    ]
    return {"id": n.id, "title": f"{n.title}: fairness policy", "gates": gates}


def _deployment(n: Names) -> dict[str, Any]:
    distribution = {"sex": {"female": 0.5, "male": 0.5},
                    "age_band": {"18-39": 0.3, "40-64": 0.4, "65+": 0.3}}
    stream = {"metrics": ["auroc", "tpr", "fpr"], "frequency": Choose("monthly")}
    return {
        "id": n.site_id,
        "title": f"{n.title} at {n.site}",
        "site": {"name": n.site},
        "model": n.ref("modelcard"),
        "policies": [n.ref("policy")],
        "intended_population": {"distribution": distribution},
        "operating_point": {"evaluation": n.ref("evaluation"), "threshold": 0.5},
        "monitoring": {
            "validity": stream,
            "fairness": {**stream, "subgroups": ["sex", "age_band"]},
            "triggers": [
                {
                    "condition": TODO,
                    "action": TODO,
                    "id": "tpr-gap-sex",
                    "check": {"metric": "tpr", "across": ["sex"], "statistic": "gap", "max": 0.1},
                }
            ],
            "source": {"type": "file", "path": "data/production/*.csv"},
        },
    }
