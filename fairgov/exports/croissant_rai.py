"""Datasheet answers -> Croissant Responsible-AI (RAI 1.0) properties.

The mapping is data, so it can be read and reviewed next to the RAI vocabulary
(http://mlcommons.org/croissant/RAI/). Each RAI property takes one or more datasheet fields;
`not_applicable` answers are exported with their justification ("Not applicable: ...") so a
reader sees the gap rather than an empty property. Properties that Croissant types as one text
join their sources; the others stay lists.
"""

from __future__ import annotations

from typing import Any

from fairgov.exports.text import answer

#: RAI property -> (datasheet field paths, single text?)
RAI_FIELDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "rai:dataCollection": (
        (
            "collection.mechanisms",
            "collection.sampling",
            "collection.collectors",
            "collection.timeframe",
            "collection.countries",
            "collection.devices",
            "collection.inclusion_criteria",
            "collection.exclusion_criteria",
        ),
        True,
    ),
    "rai:dataCollectionMissingData": (("composition.missing_information",), True),
    "rai:dataCollectionRawData": (("preprocessing.raw_data_saved",), True),
    "rai:dataPreprocessingProtocol": (("preprocessing.steps",), False),
    "rai:dataAnnotationProtocol": (("preprocessing.labeling",), False),
    "rai:annotatorDemographics": (("motivation.curator_backgrounds",), False),
    "rai:dataBiases": (
        (
            "governance.bias_examination",
            "governance.bias_mitigation",
            "uses.fairness_impact",
            "composition.sample_representativeness",
        ),
        False,
    ),
    "rai:dataLimitations": (
        (
            "composition.errors_noise",
            "governance.data_gaps",
            "representativeness.vs_target_population",
            "uses.tasks_to_avoid",
        ),
        False,
    ),
    "rai:dataUseCases": (
        ("motivation.purpose", "uses.prior_uses", "representativeness.relevance_to_deployment"),
        False,
    ),
    "rai:dataSocialImpact": (("uses.fairness_impact",), True),
    "rai:personalSensitiveInformation": (
        (
            "composition.sensitive_data",
            "composition.reidentification",
            "governance.special_category_processing",
            "collection.consent",
        ),
        False,
    ),
    "rai:dataReleaseMaintenancePlan": (
        ("maintenance.update_policy", "maintenance.maintainer"),
        True,
    ),
}

#: a readable label in front of each joined or listed answer
LABELS = {"uses.tasks_to_avoid": "Tasks to avoid", "collection.consent": "Consent",
          "maintenance.maintainer": "Maintainer", "uses.prior_uses": "Prior uses"}


def rai_properties(ds: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop, (paths, single) in RAI_FIELDS.items():
        texts = [_labelled(path, _get(ds, path)) for path in paths]
        out[prop] = " ".join(texts) if single else texts
    return out


def _get(model: Any, path: str) -> Any:
    for part in path.split("."):
        model = getattr(model, part)
    return model


def _labelled(path: str, value: Any) -> str:
    text = answer(value, markdown=False)
    label = LABELS.get(path) or path.split(".")[-1].replace("_", " ").capitalize()
    return f"{label}: {text}"
