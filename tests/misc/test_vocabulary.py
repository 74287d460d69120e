"""One vocabulary: the spec's Literals, the metric registry and the gates read fairgov.vocabulary,
so a new metric is added there and in the registry only."""

from __future__ import annotations

import typing

from fairgov import vocabulary as v
from fairgov.gates import outcome
from fairgov.metrics import registry
from fairgov.spec import evaluation, monitoring, policy


def _literal_values(annotation: object) -> set[str]:
    """Every string a (possibly unioned) Literal annotation admits."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return set(args)
    return set().union(*(_literal_values(a) for a in args)) if args else set()


def test_registry_and_vocabulary_name_the_same_metrics() -> None:
    assert tuple(registry.METRICS) == v.METRIC_NAMES
    assert all(info.name == name for name, info in registry.METRICS.items())
    assert registry.ODDS_AGGREGATES == v.AGGREGATE_METRICS
    assert registry.AGGREGATES == v.GROUP_AGGREGATES
    assert set(v.AGGREGATE_PARTS) == set(v.AGGREGATE_METRICS)
    assert {m for parts in v.AGGREGATE_PARTS.values() for m in parts} <= set(v.METRIC_NAMES)


def test_spec_literals_are_the_vocabulary() -> None:
    assert evaluation.Metric is v.MetricName
    assert evaluation.METRIC_NAMES is v.METRIC_NAMES
    assert evaluation.AGGREGATE_METRICS is v.AGGREGATE_METRICS
    gate = policy.MetricGate.model_fields
    assert _literal_values(gate["metric"].annotation) == set(v.METRIC_NAMES) | set(
        v.AGGREGATE_METRICS
    )
    assert _literal_values(gate["statistic"].annotation) == set(v.GATE_STATISTICS)
    check = monitoring.MetricCheck.model_fields
    assert _literal_values(check["metric"].annotation) == set(v.METRIC_NAMES) | set(
        v.AGGREGATE_METRICS
    )
    assert _literal_values(check["statistic"].annotation) == set(v.MONITOR_STATISTICS)


def test_statuses_in_order() -> None:
    assert v.STATUSES == ("fail", "inconclusive", "warn", "waived", "pass")
    assert outcome.STATUS_ORDER == {"fail": 0, "inconclusive": 1, "warn": 2, "waived": 3, "pass": 4}
    assert set(typing.get_args(outcome.Status)) == set(v.STATUSES)
    assert v.SPLITS == ("train", "validation", "test") and set(v.SCORED_SPLITS) < set(v.SPLITS)


def test_the_spec_schema_offers_exactly_the_vocabulary() -> None:
    """The generated JSON schema (what editors autocomplete) lists the vocabulary's names."""
    schema = policy.MetricGate.model_json_schema()
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            found.update(node.get("enum", ()))
            if "const" in node:
                found.add(node["const"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema["properties"]["metric"])
    assert found == set(v.METRIC_NAMES) | set(v.AGGREGATE_METRICS)
