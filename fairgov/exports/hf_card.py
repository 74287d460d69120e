"""A Hugging Face model card (README.md) from a fairgov model card and its results.

The body follows the sections of huggingface_hub's `modelcard_template.md`, filled from the
Model-Cards/CHAI/HTI-1 fields fairgov already has; sections the spec language has no field
for say so (`Not applicable`) instead of inventing content. The YAML front matter carries the
`model-index` built by `hf_index.py`. No huggingface_hub import: the card is plain text.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML

from fairgov import __version__
from fairgov.exports.hf_index import model_index
from fairgov.exports.hf_results import results_markdown
from fairgov.exports.text import answer
from fairgov.validate import CompiledProject, Entry

NOT_RECORDED = "*Not applicable:* the fairgov model card does not record {what}; ask the developer."


def render(cp: CompiledProject, entry: Entry, results: dict[str, Any] | None) -> str:
    mc = entry.model
    refs = [e.ref for e in mc.evaluations]
    meta = _metadata(cp, mc, refs, results)
    return "---\n" + _yaml(meta) + "---\n\n" + "\n".join(_body(entry, refs, results)) + "\n"


def _metadata(
    cp: CompiledProject, mc: Any, refs: list[str], results: dict[str, Any] | None
) -> dict[str, Any]:
    backbone = mc.model.foundation_model.backbone
    meta: dict[str, Any] = {"license": "other", "pipeline_tag": "image-classification",
                            "tags": ["medical-imaging", "fairness", "fairgov"]}
    if backbone is not None:
        meta["library_name"] = "timm"
    index = model_index(mc.details.name, cp, refs, results) if results else []
    if index:
        meta["metrics"] = sorted({m["type"] for r in index[0]["results"] for m in r["metrics"]})
        meta["model-index"] = index
    return meta


def _yaml(data: dict[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.representer.sort_base_mapping_type_on_output = False  # keep the card's key order
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _body(entry: Entry, refs: list[str], results: dict[str, Any] | None) -> list[str]:
    mc = entry.model
    d, info, use, lim, fm = (
        mc.details,
        mc.model,
        mc.intended_use,
        mc.limitations,
        mc.model.foundation_model,
    )
    return [
        f"# Model Card for {d.name}",
        "",
        answer(mc.summary),
        "",
        "## Model Details",
        "",
        "### Model Description",
        "",
        answer(info.type),
        "",
        f"- **Developed by:** {d.developer}",
        f"- **Funded by:** {answer(d.funding_source)}",
        f"- **Model type:** {info.output_type}: {answer(info.output_description)}",
        f"- **Model date:** {d.date.isoformat()}",
        f"- **Release stage:** {answer(d.release_stage)}",
        f"- **Regulatory approval:** {answer(d.regulatory_approval)}",
        f"- **License:** {answer(d.license)}",
        f"- **Finetuned from model:** {fm.name} {fm.version}: {answer(fm.adaptation)}",
        "",
        "### Model Sources",
        "",
        f"- **fairgov model card:** `{entry.ref}` version {mc.version} ({entry.doc.relpath})",
        "",
        "## Uses",
        "",
        "### Direct Use",
        "",
        answer(use.statement),
        "",
        f"- **Target population:** {answer(use.target_population)}",
        f"- **Intended users:** {answer(use.intended_users)}",
        f"- **Role in clinical decisions:** the output {use.decision_role} clinical management",
        "",
        "### Out-of-Scope Use",
        "",
        answer(use.out_of_scope),
        "",
        "## Bias, Risks, and Limitations",
        "",
        answer(lim.known_risks),
        "",
        f"- **Known biases:** {answer(lim.known_biases)}",
        f"- **Data gaps:** {answer(lim.data_gaps)}",
        f"- **Clinical risk level:** {answer(lim.clinical_risk_level)}",
        f"- **Fairness definition:** {answer(mc.fairness.definition)}",
        f"- **Fairness approach:** {answer(mc.fairness.approach)}",
        f"- **Bias mitigation:** {answer(mc.fairness.bias_mitigation)}",
        "",
        *_ethics(mc.ethical_considerations),
        "### Recommendations",
        "",
        answer(mc.caveats),
        "",
        "## How to Get Started with the Model",
        "",
        answer(use.how_to_use),
        "",
        "## Training Details",
        "",
        "### Training Data",
        "",
        answer(mc.training_data),
        "",
        "### Training Procedure",
        "",
        answer(fm.adaptation),
        "",
        *_backbone(fm.backbone),
        "## Evaluation",
        "",
        "### Testing Data, Factors & Metrics",
        "",
        "#### Testing Data",
        "",
        answer(mc.evaluation_data),
        "",
        *_settings(mc.evaluations),
        "#### Factors",
        "",
        answer(mc.factors.relevant),
        "",
        f"Subgroups evaluated: {', '.join(mc.factors.evaluation)}.",
        "",
        "#### Metrics",
        "",
        answer(mc.metrics.measures),
        "",
        f"- **Decision thresholds:** {answer(mc.metrics.decision_thresholds)}",
        f"- **Uncertainty:** {answer(mc.metrics.variation_approaches)}",
        "",
        "### Results",
        "",
        *results_markdown(refs, results),
        "#### Summary",
        "",
        *_summary(mc, results),
        "## Environmental Impact",
        "",
        NOT_RECORDED.format(what="hardware, compute time or carbon emissions"),
        "",
        "## Citation",
        "",
        answer(d.citation),
        "",
        "## More Information",
        "",
        f"Outcome studies: {answer(mc.outcome_studies)}",
        "",
        f"Generated by fairgov {__version__} from `{entry.ref}`; edit the fairgov spec, not this "
        f"file.",
        "",
        "## Model Card Authors",
        "",
        *(f"- {o.name} ({o.role})" for o in mc.owners),
        "",
        "## Model Card Contact",
        "",
        d.contact,
    ]


def _ethics(e: Any) -> list[str]:
    return [
        "### Ethical Considerations",
        "",
        f"- **Sensitive data:** {answer(e.data)}",
        f"- **Human life:** {answer(e.human_life)}",
        f"- **Mitigations:** {answer(e.mitigations)}",
        f"- **Risky use cases:** {answer(e.use_cases)}",
        "",
    ]


def _backbone(bb: Any) -> list[str]:
    if bb is None:
        return [
            "Scores come from a bring-your-own predictions file (no backbone run by fairgov).",
            "",
        ]
    weights = (
        f"`{bb.weights}` (sha256 `{bb.sha256}`)"
        if bb.weights
        else "hub weights"
        if bb.allow_hub
        else "none given"
    )
    return [f"- **Backbone:** timm `{bb.architecture}`, frozen; weights {weights}", ""]


def _settings(evaluations: list[Any]) -> list[str]:
    out = []
    for e in evaluations:
        out += [
            f"- `{e.ref}` ({e.role}): {answer(e.setting)} Conducted by: {answer(e.conducted_by)} "
            f"Process: {answer(e.process)}"
        ]
    return [*out, ""]


def _summary(mc: Any, results: dict[str, Any] | None) -> list[str]:
    out = [f"External validation: {answer(mc.external_validation)}", ""]
    if results is not None:
        verdict = results.get("verdict") or {}
        out += [
            f"Policy gates ({results.get('build_date')}): {verdict.get('summary', 'no verdict')}",
            "",
        ]
    return out
