"""Machine-readable monitoring plan of a DeploymentProtocol, executed by `fairgov monitor`.

These fields sit beside the prose fields of `monitoring`: where the production log lives
(`source`), how its columns map (`columns`), how it is cut into periods (`period`,
`label_delay`, `window`), the evidence a period needs (`min_evidence`), and, on each
trigger, a `check` in the Policy gate vocabulary plus `consecutive: N`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from fairgov.spec.common import Id, Model, Text
from fairgov.spec.evaluation import AGGREGATE_METRICS, Metric
from fairgov.spec.policy import Bound, Severity
from fairgov.vocabulary import AggregateMetricName, MonitorStatistic

EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class LogSource(Model):
    """The production log: CSV/Parquet file(s) read by DuckDB, or a SQL table or query."""

    type: Literal["file", "sql"] = Field(
        default="file", description="`file` (CSV/Parquet, DuckDB) or `sql` (SQLAlchemy)."
    )
    path: str | None = Field(
        default=None, description="File, folder or glob relative to the project root (`file`)."
    )
    format: Literal["csv", "parquet"] | None = Field(
        default=None, description="File format; empty = from the file suffix."
    )
    url_env: EnvName | None = Field(
        default=None,
        description="Environment variable holding the SQLAlchemy URL (`sql`); never put the URL in "
                    "YAML.",
    )
    table: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$", description="Table to read (`sql`)."
    )
    query: str | None = Field(
        default=None, description="SELECT query to read (`sql`), instead of `table`."
    )

    @model_validator(mode="after")
    def _shape(self) -> LogSource:
        if self.type == "file" and not self.path:
            raise ValueError("a `file` source needs `path`")
        if self.type == "sql":
            if not self.url_env:
                raise ValueError("a `sql` source needs `url_env` (the variable that holds the URL)")
            if (self.table is None) == (self.query is None):
                raise ValueError("a `sql` source needs exactly one of `table` or `query`")
        return self


class LogColumns(Model):
    """Column names in the production log."""

    study_id: Text = Field(default="study_id", description="Unique study (or image) id.")
    patient_id: Text = Field(default="patient_id", description="Patient id (bootstrap cluster).")
    study_time: Text = Field(
        default="study_time", description="When the study was acquired (ISO timestamp)."
    )
    score: Text = Field(default="score", description="Model score in [0, 1].")
    flag: str | None = Field(
        default=None, description="The flag shown (0/1); empty = score >= operating threshold."
    )
    label: Text = Field(
        default="label",
        description="Final label (a declared class of the evaluation's task); empty = not yet "
                    "known.",
    )
    label_time: Text = Field(default="label_time", description="When the label became final.")
    override: str | None = Field(
        default=None, description="Reader overrode the flag (0/1), if logged."
    )
    attributes: dict[str, Text] = Field(
        default_factory=dict,
        description="Datasheet attribute -> log column; attributes not listed use the datasheet's "
                    "column name.",
    )


class MonitorEvidence(Model):
    n: int = Field(default=0, ge=0, description="Minimum studies per cell and period.")
    positives: int = Field(default=20, ge=0, description="Minimum positives per cell and period.")
    negatives: int = Field(default=20, ge=0, description="Minimum negatives per cell and period.")


class MonitorBootstrap(Model):
    resamples: int = Field(
        default=1000, ge=0, le=100000, description="Patient-level bootstrap resamples per period."
    )
    level: float = Field(
        default=0.95, gt=0.5, lt=1, description="Confidence level of intervals and tests."
    )
    seed: int = Field(default=0, ge=0, description="Seed; the same seed gives identical results.")


class CheckBase(Model):
    severity: Severity = Field(
        default="block", description="`block`: an alert exits 1; `warn`: only reported."
    )
    consecutive: int = Field(
        default=1, ge=1, le=52, description="Alert only after this many breaching periods in a row."
    )
    inconclusive_blocks: bool = Field(
        default=True, description="A latest period that is inconclusive blocks (fail closed)."
    )


class MetricCheck(CheckBase):
    """A metric in the Policy gate vocabulary, judged per period on labelled studies."""

    type: Literal["metric"] = Field(
        default="metric", description="Subgroup metric on labelled studies."
    )
    metric: Metric | AggregateMetricName = Field(description="Metric checked.")
    across: list[Text] = Field(
        default_factory=list, description="Attribute(s) spanned; empty = the overall value."
    )
    statistic: MonitorStatistic = Field(
        default="gap", description="Aggregate over the groups, one group's value, or `overall`."
    )
    group: str | None = Field(default=None, description="Group label for `statistic: group`.")
    max: float | None = Field(
        default=None, description="Breach when the compared number is above max."
    )
    min: float | None = Field(
        default=None, description="Breach when the compared number is below min."
    )
    bound: Bound = Field(
        default="conservative",
        description="Number compared: CI bound, point estimate (as in Policy gates).",
    )

    @model_validator(mode="after")
    def _limits(self) -> MetricCheck:
        if (self.max is None) == (self.min is None):
            raise ValueError("give exactly one of `max` or `min`")
        if (self.statistic == "overall") != (not self.across):
            raise ValueError("`statistic: overall` goes with an empty `across`, and only with it")
        if self.statistic == "group" and not self.group:
            raise ValueError("`statistic: group` needs `group`")
        if self.metric in AGGREGATE_METRICS and self.statistic != "gap":
            raise ValueError(f"{self.metric} is already an aggregate; use `statistic: gap`")
        return self


class CompositionCheck(CheckBase):
    """Each group's share of studies against `intended_population` (Wilson interval)."""

    type: Literal["composition"] = Field(
        description="Subgroup composition against the intended population."
    )
    across: Text = Field(description="Attribute of `intended_population.distribution`.")
    max_deviation: float = Field(
        default=0.05, gt=0, lt=1, description="Largest tolerated |share - intended share|."
    )
    bound: Bound = Field(
        default="lower",
        description=(
            "Number compared; `lower` alerts only when the interval excludes the tolerance."
        ),
    )


class ScoreShiftCheck(CheckBase):
    """Score distribution per group against the evaluation's test split (two-sample KS test)."""

    type: Literal["score_shift"] = Field(
        description="Score distribution shift against the reference scores."
    )
    across: str | None = Field(
        default=None,
        description="Attribute whose groups are tested separately; empty = all studies.",
    )
    reference: Text = Field(
        description="The evaluation's test-split scores: CSV/Parquet with score + attribute "
        "columns."
    )
    max_distance: float = Field(default=0.1, gt=0, lt=1, description="KS distance tolerated.")
    alpha: float = Field(default=0.01, gt=0, lt=1, description="Significance level of the KS test.")


class RateCheck(CheckBase):
    """A rate per group (flags shown, or reader overrides) with a Wilson interval."""

    type: Literal["flag_rate", "override_rate"] = Field(
        description="Flag rate at the operating point, or override rate."
    )
    across: str | None = Field(
        default=None, description="Attribute whose groups are checked; empty = all studies."
    )
    max: float | None = Field(
        default=None, ge=0, le=1, description="Breach when the rate is above max."
    )
    min: float | None = Field(
        default=None, ge=0, le=1, description="Breach when the rate is below min."
    )
    bound: Bound = Field(
        default="point", description="Number compared: point estimate or a Wilson bound."
    )

    @model_validator(mode="after")
    def _limits(self) -> RateCheck:
        if self.max is None and self.min is None:
            raise ValueError("give `max`, `min` or both")
        return self


def _check_type(value: Any) -> str:
    kind = (
        value.get("type", "metric") if isinstance(value, dict) else getattr(value, "type", "metric")
    )
    return "rate" if kind in ("flag_rate", "override_rate") else str(kind)


Check = Annotated[
    Annotated[MetricCheck, Tag("metric")]
    | Annotated[CompositionCheck, Tag("composition")]
    | Annotated[ScoreShiftCheck, Tag("score_shift")]
    | Annotated[RateCheck, Tag("rate")],
    Discriminator(_check_type),
]


class MonitorPlanFields(Model):
    """Mixin of the machine-readable fields beside the prose of `monitoring`."""

    source: LogSource | None = Field(
        default=None, description="Where the production log lives; empty = not executable."
    )
    columns: LogColumns = Field(
        default_factory=LogColumns, description="Column mapping of the production log."
    )
    period: Literal["week", "month", "quarter"] = Field(
        default="month", description="Length of a monitoring period."
    )
    label_delay: int = Field(
        default=60,
        ge=0,
        le=3650,
        description="Days after a period ends until its labels are final; younger periods are "
        "pending.",
    )
    window: int = Field(
        default=1,
        ge=1,
        le=24,
        description="Periods pooled (rolling) for metric checks of thin periods.",
    )
    min_evidence: MonitorEvidence = Field(
        default_factory=MonitorEvidence, description="Minimum evidence per cell and period."
    )
    bootstrap: MonitorBootstrap = Field(
        default_factory=MonitorBootstrap, description="Bootstrap settings for period metrics."
    )
    history: str | None = Field(
        default=None,
        description="History store file relative to the project; empty = "
        "<cache>/monitor/history.duckdb.",
    )


class TriggerCheckFields(Model):
    id: Id | None = Field(
        default=None, description="Trigger id, needed with `check` (names it in outputs)."
    )
    check: Check | None = Field(
        default=None,
        description="Machine-readable form of `condition`, executed by `fairgov monitor`.",
    )

    @model_validator(mode="after")
    def _id(self) -> TriggerCheckFields:
        if self.check is not None and self.id is None:
            raise ValueError("a trigger with `check` needs an `id`")
        return self
