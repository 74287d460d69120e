"""The shipped item lists: counts, ids, and that every field reference exists in the models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fairgov.standards import AUTO_REFS, field_exists, get_standard, load_standards, ref_exists
from fairgov.standards.catalog import _StandardData

EXPECTED = {
    # standard id: (items, groups)
    "hti1-2024": (31, 9),
    "chai-amc-0.2": (41, 10),
    "eu-ai-act-annex-iv": (23, 9),
    "eu-ai-act-art10": (11, 4),
    "eu-ai-act-art13-3": (12, 6),
    "eu-ai-act-art15": (6, 4),
    "datasheets-gebru": (52, 7),
    "model-cards-mitchell": (29, 9),
}
PREFIX = {
    "hti1-2024": "hti1:",
    "chai-amc-0.2": "chai:",
    "eu-ai-act-annex-iv": "euaia:AnnexIV.",
    "eu-ai-act-art10": "euaia:Art10.",
    "eu-ai-act-art13-3": "euaia:Art13.3.",
    "eu-ai-act-art15": "euaia:Art15.",
    "datasheets-gebru": "gebru:",
    "model-cards-mitchell": "mitchell:",
}
ALL_REFS = sorted(
    {(s.id, ref) for s in load_standards().values() for i in s.items for ref in i.refs}
)


def test_shipped_standards_are_exactly_the_expected_ones() -> None:
    assert set(load_standards()) == set(EXPECTED)


@pytest.mark.parametrize(("standard_id", "expected"), EXPECTED.items())
def test_item_and_group_counts(standard_id: str, expected: tuple[int, int]) -> None:
    std = get_standard(standard_id)
    assert (len(std.items), len({i.group for i in std.items})) == expected
    assert all(i.id.startswith(PREFIX[standard_id]) for i in std.items)


def test_hti1_fairness_items_and_per_group_counts() -> None:
    std = get_standard("hti1-2024")
    assert sum(i.fairness for i in std.items) == 13
    per_group = [
        sum(i.group == g for i in std.items) for g in dict.fromkeys(i.group for i in std.items)
    ]
    assert per_group == [4, 4, 2, 4, 2, 4, 5, 4, 2]
    assert std.status_note and "HTI-5" in std.status_note


def test_chai_marks_the_nine_optional_elements() -> None:
    std = get_standard("chai-amc-0.2")
    optional = {i.id.split(".")[-1] for i in std.items if i.optional}
    assert optional == {
        "EHRCompatibility",
        "RegulatoryApproval",
        "FoundationModels",
        "Security",
        "Transparency",
        "ThirdPartyInformation",
        "EvaluationReferences",
        "ClinicalTrial",
        "ReimbursementStatus",
    }


@pytest.mark.parametrize(("standard_id", "ref"), ALL_REFS, ids=[f"{s}|{r}" for s, r in ALL_REFS])
def test_every_reference_exists_in_the_spec_models(standard_id: str, ref: str) -> None:
    assert ref_exists(ref), f"{standard_id}: {ref}"


def test_every_automatic_result_is_used_and_documented() -> None:
    used = {r for s in load_standards().values() for i in s.items for r in i.auto}
    assert used == set(AUTO_REFS)


def test_item_ids_are_unique_across_standards() -> None:
    ids = [i.id for s in load_standards().values() for i in s.items]
    assert len(ids) == len(set(ids))


def test_load_is_cached_but_returns_a_fresh_dict() -> None:
    first, second = load_standards(), load_standards()
    assert first is not second
    assert first["hti1-2024"] is second["hti1-2024"]


def test_unknown_standard_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="hti1-2024"):
        get_standard("hti-1")


@pytest.mark.parametrize(
    ("kind", "path", "exists"),
    [
        ("ModelCard", "details.developer", True),
        ("ModelCard", "version", True),  # inherited from DocumentBase
        ("DeploymentProtocol", "monitoring.fairness.frequency", True),
        ("Datasheet", "composition.subpopulations", True),
        ("ModelCard", "model.foundation_model.backbone.weights", True),  # through Optional
        ("ModelCard", "evaluations.setting", True),  # through a list
        ("ModelCard", "evaluations[role=external].setting", True),
        ("ModelCard", "evaluations[role=elsewhere].setting", False),  # not a Literal value
        ("ModelCard", "evaluations[colour=red].setting", False),  # no such key
        ("ModelCard", "details[role=external].name", False),  # filter needs a list
        ("Evaluation", "protocol.path", True),  # discriminated union member
        ("ModelCard", "details.license", True),  # Narrative leaf
        ("ModelCard", "details.license.not_applicable", False),  # an answer, not structure
        ("Datasheet", "attributes", True),
        ("Datasheet", "attributes.sex", False),  # dict keys are user data
        ("ModelCard", "details.nope", False),
        ("Nope", "details", False),
        ("ModelCard", "details..name", False),
    ],
)
def test_field_exists(kind: str, path: str, exists: bool) -> None:
    assert field_exists(kind, path) is exists


@pytest.mark.parametrize("ref", ["ModelCard", "ModelCard:", "results:nope", ":details.name"])
def test_malformed_references_do_not_exist(ref: str) -> None:
    assert not ref_exists(ref)


def _data(**item: object) -> dict[str, object]:
    base = {"id": "x:1", "title": "t", "group": "g", "fields": ["ModelCard:details.name"]}
    return {
        "id": "x",
        "title": "X",
        "edition": "1",
        "source": "s",
        "document": "ModelCard",
        "items": [base | item],
    }


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"fields": ["ModelCard:details.nme"]}, "unknown spec field"),
        ({"fields": ["results:metrics"]}, "automatic results go under"),
        ({"auto": ["ModelCard:details.name"]}, "unknown automatic result"),
        ({"fields": ["Datasheet:composition.instances"]}, "not listed in `document`"),
        ({"colour": "red"}, "Extra inputs"),
    ],
)
def test_bad_item_data_is_rejected(item: dict[str, object], message: str) -> None:
    with pytest.raises((ValidationError, ValueError), match=message):
        _StandardData.model_validate(_data(**item)).to_standard()
