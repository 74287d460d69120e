"""Coverage rules, checked on the example project's real documents and on edited copies."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from fairgov.spec import KINDS
from fairgov.spec.common import NotApplicable
from fairgov.spec.modelcard import Preprocessing
from fairgov.standards import (
    AUTO_REFS,
    auto_refs,
    coverage,
    coverage_for_project,
    get_standard,
    is_answered,
    resolve,
)

SPECS = Path(__file__).resolve().parents[2] / "specs"
INTERNAL_RUN = auto_refs(["internal"], intersections=True)
EXTERNAL_ITEMS = ["hti1:6.i", "hti1:6.ii", "hti1:6.iii", "hti1:6.iv", "hti1:7.iii", "hti1:7.iv"]


def _load_example() -> dict[str, Any]:
    yaml = YAML(typ="safe", pure=True)
    docs: dict[str, Any] = {}
    for path in sorted(SPECS.glob("*.yaml")):
        raw = yaml.load(path.read_text(encoding="utf-8"))
        if raw["kind"] in ("Datasheet", "ModelCard", "DeploymentProtocol"):
            docs[raw["kind"]] = KINDS[raw["kind"]].model_validate(raw)
    return docs


@functools.cache
def _example() -> dict[str, Any]:
    return _load_example()


@pytest.fixture
def docs() -> dict[str, Any]:
    return dict(_example())


def _edit(doc: Any, path: str, value: Any) -> Any:
    """Copy of `doc` with the field at dotted `path` replaced, without re-validation, so a
    field can be blanked the way a partially filled document would leave it."""
    head, _, rest = path.partition(".")
    new = _edit(getattr(doc, head), rest, value) if rest else value
    return doc.model_copy(update={head: new})


def _status(cov: Any, item_id: str) -> Any:
    return next(s for s in cov.items if s.item.id == item_id)


def test_example_hti1_covers_everything_but_external_results(docs: dict[str, Any]) -> None:
    cov = coverage("hti1-2024", docs, INTERNAL_RUN)
    assert (cov.covered, cov.total) == (28, 31)
    # the justified `external_validation: not_applicable` answers the process items (6.i, 6.ii,
    # 6.iv) and is flagged; the external numbers (6.iii, 7.iii, 7.iv) need an external run
    assert [s.item.id for s in cov.items if not s.covered] == [
        "hti1:6.iii",
        "hti1:7.iii",
        "hti1:7.iv",
    ]
    assert _status(cov, "hti1:6.i").not_applicable


def test_example_hti1_is_complete_once_an_external_evaluation_ran(docs: dict[str, Any]) -> None:
    card = docs["ModelCard"]
    external = card.evaluations[0].model_copy(
        update={"role": "external", "setting": "Another network, 2026."}
    )
    with_external = docs | {
        "ModelCard": card.model_copy(update={"evaluations": [*card.evaluations, external]})
    }
    cov = coverage("hti1-2024", with_external, auto_refs(["internal", "external"]))
    assert (cov.covered, cov.total, cov.missing) == (31, 31, [])
    assert _status(cov, "hti1:6.i").answered_by == [
        "ModelCard:evaluations[role=external].setting", "ModelCard:external_validation"]


def test_example_coverage_per_standard(docs: dict[str, Any]) -> None:
    result = {
        sid: (c.covered, c.total) for sid, c in coverage_for_project(docs, INTERNAL_RUN).items()
    }
    assert result == {
        "chai-amc-0.2": (31, 41),
        "datasheets-gebru": (39, 52),
        "eu-ai-act-annex-iv": (20, 23),
        "eu-ai-act-art10": (11, 11),
        "eu-ai-act-art13-3": (11, 12),
        "eu-ai-act-art15": (4, 6),
        "hti1-2024": (28, 31),
        "model-cards-mitchell": (28, 29),
    }


def test_without_a_run_the_result_items_are_missing(docs: dict[str, Any]) -> None:
    cov = coverage("hti1-2024", docs)
    assert {"hti1:7.i", "hti1:7.ii"} <= {s.item.id for s in cov.items if not s.covered}
    assert _status(cov, "hti1:4.iii").answered_by == [
        "Datasheet:composition.subpopulations",
        "Datasheet:representativeness.vs_target_population",
    ]


def test_not_applicable_counts_and_carries_its_justification(docs: dict[str, Any]) -> None:
    status = _status(coverage("hti1-2024", docs), "hti1:7.v")
    assert status.covered and status.not_applicable
    assert status.justifications["ModelCard:outcome_studies"].startswith("No outcome study yet")


def test_answering_not_applicable_through_validation(docs: dict[str, Any]) -> None:
    raw = docs["ModelCard"].model_dump(mode="json")
    raw["fairness"]["approach"] = {"not_applicable": "Fairness handled by the site's policy."}
    edited = docs | {"ModelCard": KINDS["ModelCard"].model_validate(raw)}
    status = _status(coverage("hti1-2024", edited), "hti1:5.i")
    assert (status.covered, status.not_applicable) == (True, True)
    assert status.justifications == {
        "ModelCard:fairness.approach": "Fairness handled by the site's policy."
    }


@pytest.mark.parametrize("blank", [None, "", "   ", []])
def test_a_blank_field_no_longer_answers(docs: dict[str, Any], blank: Any) -> None:
    edited = docs | {"ModelCard": _edit(docs["ModelCard"], "fairness.approach", blank)}
    cov = coverage("hti1-2024", edited, INTERNAL_RUN)
    status = _status(cov, "hti1:5.i")
    assert (status.covered, status.answered_by, status.missing_fields) == (
        False,
        [],
        ["ModelCard:fairness.approach"],
    )
    assert cov.covered == 27
    assert (
        "Description of the approach the intervention developer has taken to ensure that the "
        "intervention's output is fair"
        in cov.missing
    )


def test_match_all_needs_every_field(docs: dict[str, Any]) -> None:
    edited = docs | {
        "DeploymentProtocol": _edit(docs["DeploymentProtocol"], "monitoring.fairness.subgroups", [])
    }
    status = _status(coverage("hti1-2024", edited), "hti1:8.iii")
    assert not status.covered
    assert status.missing_fields == ["DeploymentProtocol:monitoring.fairness.subgroups"]
    assert len(status.answered_by) == 2


def test_match_any_needs_one_field(docs: dict[str, Any]) -> None:
    edited = docs | {"ModelCard": _edit(docs["ModelCard"], "fairness.bias_mitigation", None)}
    status = _status(coverage("hti1-2024", edited), "hti1:5.ii")
    assert status.covered
    assert (status.answered_by, status.missing_fields) == (
        ["Datasheet:governance.bias_mitigation"],
        [],
    )


def test_a_missing_document_leaves_its_items_missing(docs: dict[str, Any]) -> None:
    no_deployment = {k: v for k, v in docs.items() if k != "DeploymentProtocol"}
    for documents in (no_deployment, no_deployment | {"DeploymentProtocol": None}):
        cov = coverage("hti1-2024", documents, INTERNAL_RUN)
        groups = {s.item.group for s in cov.items if not s.covered} - {
            "External validation process",
            "Quantitative measures of performance",
        }
        assert groups == {
            "Ongoing maintenance of intervention implementation and use",
            "Update and continued validation or fairness assessment schedule",
        }
        assert "Validity of intervention in local data" in cov.missing


def test_automatic_results_answer_only_when_given(docs: dict[str, Any]) -> None:
    assert not _status(coverage("hti1-2024", docs), "hti1:7.ii").covered
    status = _status(coverage("hti1-2024", docs, {"results:subgroup_metrics"}), "hti1:7.ii")
    assert (status.covered, status.answered_by, status.not_applicable) == (
        True,
        ["results:subgroup_metrics"],
        False,
    )


def test_unmapped_items_are_always_missing(docs: dict[str, Any]) -> None:
    cov = coverage("chai-amc-0.2", docs, set(AUTO_REFS))
    status = _status(cov, "chai:Bibliography")
    assert status.item.unmapped and not status.covered and status.missing_fields == []
    assert cov.required_total == 32
    assert "Bibliography" in cov.missing_required and "Keywords" in cov.missing
    assert "Clinical trial" not in cov.missing_required


def test_to_dict_is_json_safe(docs: dict[str, Any]) -> None:
    for cov in coverage_for_project(docs, INTERNAL_RUN).values():
        data = cov.to_dict()
        assert json.loads(json.dumps(data, allow_nan=False)) == data
        assert data["covered"] == sum(i["covered"] for i in data["items"])
        assert data["missing"] == [i["title"] for i in data["items"] if not i["covered"]]


def test_same_inputs_same_result(docs: dict[str, Any]) -> None:
    assert (
        coverage("hti1-2024", docs).to_dict()
        == coverage(get_standard("hti1-2024"), _load_example()).to_dict()
    )


@pytest.mark.parametrize(
    ("value", "answered"),
    [
        (None, False),
        ("", False),
        (" \n", False),
        ([], False),
        ({}, False),
        (Preprocessing(), False),
        ("text", True),
        (["none"], True),
        ({"a": 1}, True),
        (0, True),
        (False, True),
        (NotApplicable(not_applicable="why"), True),
        (Preprocessing(input_size=64), True),
    ],
)
def test_is_answered(value: Any, answered: bool) -> None:
    assert is_answered(value) is answered


def test_resolve_filters_list_elements(docs: dict[str, Any]) -> None:
    card = docs["ModelCard"]
    assert resolve(card, "evaluations[role=internal].conducted_by") == [
        card.evaluations[0].conducted_by
    ]
    assert resolve(card, "evaluations[role=external].conducted_by") == []
    assert resolve(None, "details.name") == []
    assert resolve({"a": [{"k": "x", "v": 1}, {"k": "y", "v": 2}]}, "a[k=y].v") == [2]


def test_auto_refs_from_roles() -> None:
    assert auto_refs([]) == frozenset()
    assert auto_refs(["baseline"], intersections=True) == frozenset()
    assert auto_refs(["internal"]) == {
        "results:composition",
        "results:metrics",
        "results:subgroup_metrics",
    }
    assert auto_refs(["internal", "external"], intersections=True) == set(AUTO_REFS)


@settings(max_examples=25, deadline=None)
@given(
    small=st.sets(st.sampled_from(sorted(AUTO_REFS))),
    extra=st.sets(st.sampled_from(sorted(AUTO_REFS))),
)
def test_more_results_never_lower_coverage(small: set[str], extra: set[str]) -> None:
    docs = _example()
    before = coverage_for_project(docs, small)
    after = coverage_for_project(docs, small | extra)
    assert all(after[sid].covered >= c.covered for sid, c in before.items())
