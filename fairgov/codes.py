"""The table of diagnostic codes: stable code -> (slug, explanation).

Codes are prefixed by pipeline stage: FG1xx load, FG2xx schema, FG3xx references and
semantics, FG4xx evaluation, FG5xx gates, FG6xx render/output, FG7xx monitor, FG9xx internal.
`fairgov explain CODE` prints an entry.
"""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    # load
    "FG100": ("unreadable-file", "The file could not be read (permission denied, I/O error)."),
    "FG101": (
        "file-too-large",
        "Spec files are capped in size (default 2 MiB) so that a hostile or accidental huge file "
        "cannot exhaust memory. Split the document or raise `limits.max_file_bytes` in "
        "fairgov.yaml.",
    ),
    "FG102": (
        "not-a-regular-file",
        "Only regular files inside the project are read. FIFOs, devices, sockets and symlinks that "
        "point outside the project root are reported and skipped.",
    ),
    "FG103": (
        "invalid-utf8",
        "Spec files must be UTF-8. The position points at the first byte that is not valid UTF-8.",
    ),
    "FG104": ("tab-indentation", "YAML forbids tabs for indentation. Replace the tab with spaces."),
    "FG105": ("empty-document", "The file contains no YAML document."),
    "FG106": (
        "yaml-syntax",
        "The file is not valid YAML. The position is where the parser gave up.",
    ),
    "FG107": (
        "duplicate-key",
        "A mapping repeats a key. YAML leaves the outcome undefined, so fairgov rejects it; keep "
        "one.",
    ),
    "FG108": (
        "multiple-documents",
        "Each spec file holds exactly one document (one `kind`). Split the file at the `---` "
        "marker.",
    ),
    "FG109": (
        "alias-limit",
        "Too many aliases, or aliases that expand to too many nodes (a 'billion laughs' file). "
        "fairgov bounds alias use to keep memory and time bounded.",
    ),
    "FG110": (
        "nesting-too-deep",
        "The document nests deeper than the limit (64 levels). Real specs never need this; it is "
        "rejected to bound recursion.",
    ),
    "FG111": (
        "not-a-mapping",
        "The top level of a spec must be a mapping with `apiVersion` and `kind`.",
    ),
    "FG112": (
        "unsupported-tag",
        "Explicit YAML tags such as `!!python/object` are never honoured: "
        "specs are data, not code.",
    ),
    "FG113": ("bad-api-version", "`apiVersion` must be `fairgov/v1`."),
    "FG114": (
        "unknown-kind",
        "`kind` must be one of Project, Datasheet, ModelCard, Evaluation, Policy, "
        "DeploymentProtocol.",
    ),
    "FG115": ("no-project", "No fairgov.yaml (kind: Project) was found at the project root."),
    # schema
    "FG201": (
        "missing-field",
        "A required field is missing. Every field is required unless documented otherwise; a "
        "narrative field that does not apply is answered `not_applicable: <justification>`.",
    ),
    "FG202": (
        "wrong-type",
        "The value has the wrong type for this field (for example a list where text is expected).",
    ),
    "FG203": (
        "unknown-field",
        "The field is not part of the schema for this kind. Check the spelling against the JSON "
        "Schema in `schemas/`.",
    ),
    "FG204": (
        "out-of-range",
        "The value is outside the allowed range or fails a constraint (length, bounds, ordering).",
    ),
    "FG205": ("invalid-choice", "The value is not one of the allowed choices."),
    "FG206": (
        "invalid-format",
        "The value does not have the required format (date YYYY-MM-DD, sha256 hex digest, id "
        "pattern, reference `kind/id`).",
    ),
    "FG207": (
        "empty-answer",
        "A narrative answer is empty, or `not_applicable` was used without a justification.",
    ),
    "FG299": ("schema-error", "The document does not match its schema."),
    # references and semantics
    "FG301": (
        "duplicate-id",
        "Two documents of the same kind share an id. Ids must be unique per kind.",
    ),
    "FG302": ("unresolved-reference", "A reference `kind/id` names no document in the project."),
    "FG303": (
        "wrong-reference-kind",
        "A reference points at a document of the wrong kind for this field.",
    ),
    "FG304": (
        "path-escapes-project",
        "File paths must stay inside the project root: no `..` escape, no absolute path, no "
        "symlink leading out.",
    ),
    "FG305": ("file-not-found", "A file named by the spec does not exist."),
    "FG306": ("manifest-unreadable", "The dataset manifest could not be read as CSV or Parquet."),
    "FG307": (
        "manifest-column-missing",
        "A column named by the datasheet (image, label, patient id, split, attribute) is not in "
        "the manifest.",
    ),
    "FG308": ("unknown-metric", "A gate or evaluation names a metric fairgov does not compute."),
    "FG309": (
        "unknown-attribute",
        "A gate, evaluation or deployment names a subgroup attribute (or intersection) that the "
        "dataset does not declare or the evaluation does not measure.",
    ),
    "FG310": ("bad-bins", "Numeric bins overlap, are empty, or are out of order."),
    "FG311": ("multiple-projects", "More than one document of kind Project was found."),
    "FG312": ("policy-cycle", "Policies extend each other in a cycle."),
    "FG313": (
        "loosened-threshold",
        "A project policy loosens a threshold inherited from the policy it extends; loosening "
        "needs a waiver.",
    ),
    "FG314": ("duplicate-gate", "Two gates in the effective policy share an id."),
    "FG315": ("bad-value-map", "An attribute value map is empty or maps to an empty label."),
    "FG316": (
        "label-class",
        "The evaluation's positive class is not one of the label's declared classes.",
    ),
    "FG317": (
        "placeholder-answer",
        "A document still holds placeholder answers (`TODO`, `TBD`, `FIXME`, `?`, or "
        "`not_applicable: TODO`). They never count as answers: standards coverage and "
        "`required_fields` gates treat them as missing. `fairgov validate` warns with their "
        "number; `--strict` makes it an error. Write the answer, or `not_applicable: <why it does "
        "not apply>`.",
    ),
    "FG318": (
        "image-column-required",
        "The linear-probe protocol embeds images, so its datasheet's manifest needs an "
        "`image_column`. Bring-your-own predictions need none.",
    ),
    "FG319": (
        "row-id-required",
        "A predictions file is matched to manifest rows by id: the manifest needs an `id_column` "
        "(or an `image_column`, used as the id when there is no id column).",
    ),
    "FG330": (
        "image-spec-without-images",
        "The datasheet declares a DICOM `manifest.image_spec` (window or frame policy) but its "
        "manifest has no `image_column`, so nothing is decoded and the declaration has no effect. "
        "Remove it, or name the image column.",
    ),
    "FG320": (
        "multilabel-label",
        "A label of a multilabel task is not declared in the datasheet, its positive value is not "
        "one of its classes, or it holds more than two values. Each label of a multilabel task is "
        "positive or negative: declare it with two classes (the positive one and the other), or "
        "evaluate a label of several values as `type: multiclass`. Manifest rows holding an "
        "undeclared value are FG403 when the evaluation runs.",
    ),
    "FG321": (
        "multiclass-class",
        "A class listed in a multiclass task's `classes` is not a declared value of its label. "
        "List only declared classes (or leave `classes` out to use all of them, in the declared "
        "order).",
    ),
    "FG322": (
        "gate-label",
        "A metric gate's `label:` names no label or class of an evaluation it applies to, names a "
        "label on a binary evaluation, or uses `label: macro` outside a multiclass task or with a "
        "metric other than the macro AUROC (`metric: auroc`) or the task's balanced accuracy "
        "(`metric: balanced_accuracy`), or a statistic other than gap, group or worst. A gate "
        "without `label:` applies to every label of a multilabel / multiclass evaluation, one row "
        "per label.",
    ),
    "FG323": (
        "task-unsupported",
        "The evaluation asks for something its task type does not support: on a multilabel or "
        "multiclass task group_thresholds variants are run once per endpoint (on that "
        "endpoint's score), and reweight, resample and group_dro re-fit the probe (each label's "
        "binary probe, or the softmax probe) and are measured per endpoint; fine_tune trains "
        "the backbone against one binary label, so it is binary only (one diagnostic per "
        "fine_tune mitigation, at its `type`, naming its type and stage); "
        "zero-shot scoring takes a binary or multiclass task, not a multilabel one; "
        "post-deployment monitoring (`fairgov monitor`) reads one score and one label per case, so "
        "its deployment's operating point must name a binary evaluation. Remove the setting, or "
        "evaluate each label as its own binary task.",
    ),
    "FG324": (
        "score-columns",
        "A predictions file's `score_columns` names a key that is not a label (multilabel) or "
        "class (multiclass) of the task. Each key is a label or class; its value is the column "
        "with that endpoint's probability (default `<score_column>_<name>`).",
    ),
    "FG325": (
        "comparison-label",
        "A comparison gate's `label:` does not fit its evaluation: a multilabel or multiclass "
        "evaluation compares its group_thresholds variants per endpoint, so the gate must name "
        "one of its labels or classes (not `macro`); a binary evaluation has one comparison, so "
        "the gate takes no `label:`.",
    ),
    # evaluation
    "FG400": (
        "evaluation-failed",
        "The evaluation could not run; gates that depend on it are inconclusive.",
    ),
    "FG401": (
        "image-missing",
        "A manifest row names an image file that does not exist (or the image cell is empty).",
    ),
    "FG402": (
        "image-unreadable",
        "A manifest row names a file that cannot be decoded as an image: 0 bytes, not a regular "
        "file, truncated or corrupt, a decompression bomb, or a DICOM without pixel data.",
    ),
    "FG403": (
        "label-not-declared",
        "A manifest row's label is missing or outside the declared classes. Correct the label or "
        "declare it in the label's `classes`, or set `drop_invalid_rows: true` in the evaluation "
        "to drop (and report) such rows.",
    ),
    "FG404": (
        "attribute-not-declared",
        "A manifest row's attribute value is missing or not in the declared value map. Rows with "
        "the same problem are reported once, with their count and first lines. Remedies: declare "
        "the value in the attribute's `values` map; for blank cells, declare what a blank means "
        'with the key "" (e.g. `values: {F: female, M: male, "": not recorded}`); or set '
        "`drop_invalid_rows: true` in the evaluation, which drops the rows, prints how many were "
        "dropped and why, and leaves them out of every count.",
    ),
    "FG405": (
        "image-path-escapes",
        "A manifest row names a path outside the project root (absolute, `..`, or a symlink "
        "leading out).",
    ),
    "FG406": (
        "split-undeclared",
        "A split value is not one of the declared splits (train/validation/test).",
    ),
    "FG407": ("patient-leakage", "A patient appears in more than one split."),
    "FG408": ("column-missing", "A required column is missing from the table."),
    "FG409": (
        "predictions-invalid",
        "The predictions file is unreadable or does not match its pinned sha256.",
    ),
    "FG410": (
        "patient-id-missing",
        "A manifest row has no patient id; images cannot be clustered by patient.",
    ),
    "FG411": ("prediction-duplicate", "A prediction id appears more than once."),
    "FG412": ("prediction-score", "A prediction score is missing, not finite, or outside [0, 1]."),
    "FG413": ("prediction-unknown-id", "A prediction id is not present in the manifest."),
    "FG414": ("prediction-missing", "A manifest row (validation or test) has no prediction."),
    "FG415": ("prediction-label", "A prediction label is missing or outside the declared classes."),
    "FG420": (
        "weights-hash-mismatch",
        "The weights file's sha256 does not match the pinned value. Nothing was run.",
    ),
    "FG421": (
        "weights-unloadable",
        "The weights file could not be loaded safely (wrong architecture, truncated, or a pickle "
        "that needs code execution).",
    ),
    "FG422": (
        "hub-offline",
        "A hub model name was requested but hub access is off (offline, or not allowed by the "
        "spec).",
    ),
    "FG423": (
        "eval-extra-missing",
        "Running a backbone needs the `eval` extra (torch + timm): pip install 'fairgov[eval]'.",
    ),
    "FG424": (
        "split-empty",
        "A split needed by the protocol (train, validation or test) has no rows, or lacks one of "
        "the classes.",
    ),
    "FG425": (
        "dicom-handler-missing",
        "A DICOM file's pixel data is compressed in a transfer syntax (JPEG Lossless, JPEG-LS, "
        "HTJ2K...) that no installed pydicom pixel handler decodes. pydicom decodes uncompressed, "
        "deflated and RLE Lossless data itself, JPEG Baseline and JPEG 2000 through Pillow; the "
        "others need pip install 'fairgov[dicom-compressed]' (pylibjpeg with its libjpeg and "
        "openjpeg plugins) or python-gdcm. The message names the transfer syntax and the handlers "
        "that would decode it; rows with the same problem are reported once, with their count and "
        "first lines.",
    ),
    "FG426": (
        "dicom-frame-policy",
        "A DICOM file holds several frames and the datasheet declares no frame policy. Declare how "
        "a multi-frame file becomes one image: `manifest.image_spec.frames: first`, `middle` (the "
        "lower middle frame for an even count) or `mean` (the mean of all frames, before "
        "windowing). The policy is part of the embedding cache key and of the evaluation's "
        "provenance.",
    ),
    "FG430": (
        "rows-dropped",
        "`drop_invalid_rows: true` left invalid rows out of the evaluation. The warning gives "
        "their number and the grouped reasons (code, count, first lines); results.json records "
        "them under the evaluation's `dropped`. Dropped rows count nowhere: not in metrics, not in "
        "the composition table. Fix the rows (or declare the values they use) to bring them back.",
    ),
    "FG440": (
        "endpoint-cannot-fit",
        "A label or class of a multilabel / multiclass task cannot be fitted or measured: it has "
        "no rows (or a single outcome) in the train or validation split, or no positive row among "
        "the scored rows. Add rows of that label or class, or drop it from the task.",
    ),
    "FG441": (
        "task-not-supported-here",
        "A step of the evaluation is binary only and the task is multilabel or multiclass "
        "(fine-tuning; zero-shot scoring of a multilabel task).",
    ),
    "FG460": (
        "backbone-library-missing",
        "The model card's `backbone.library` is not installed. The message names the extra: pip "
        "install 'fairgov[transformers]' or 'fairgov[open_clip]'.",
    ),
    "FG461": (
        "model-config-invalid",
        "The backbone's model config (transformers config.json, open_clip JSON or built-in name, "
        "image processor config) is missing, unreadable or describes a model the library cannot "
        "build offline.",
    ),
    "FG462": (
        "config-weights-mismatch",
        "The weights file does not fit the model built from the declared config (missing or "
        "unexpected keys, other shapes). Point `backbone.config` at the config these weights were "
        "saved with.",
    ),
    "FG463": (
        "zero-shot-prompts",
        "A zero-shot evaluation needs prompts for every class of the task's label, and prompts "
        "only for those classes.",
    ),
    "FG464": (
        "zero-shot-backbone",
        "The zero_shot protocol needs an open_clip backbone in the model card (a CLIP model with a "
        "text tower).",
    ),
    "FG465": (
        "pooling-library",
        "The declared pooling is not available for the backbone's library: transformers takes "
        "`cls` or `mean_patch`, open_clip `clip_image`, timm none.",
    ),
    "FG466": (
        "zero-shot-tokenizer",
        "The CLIP model's text tokenizer cannot be loaded offline (Hugging Face text towers need "
        "tokenizer files); only open_clip's built-in BPE tokenizer is supported.",
    ),
    # mitigation algorithms (fairgov.mitigate)
    "FG470": (
        "mitigation-empty-cell",
        "A mitigation cannot balance its groups: a group (or, with `with_label: true`, a group x "
        "label cell) has no training rows, e.g. a group with no training positives. Merge or drop "
        "the group, or balance by group only.",
    ),
    "FG471": (
        "mitigation-validation-group",
        "Group thresholds are fitted on validation rows: every group needs validation rows of both "
        "classes (positives for the target sensitivity). A group absent from validation, or "
        "without positives or negatives there, cannot get a threshold.",
    ),
    "FG472": (
        "mitigation-unfitted-group",
        "Group thresholds were applied to a group that had no threshold fitted (absent from the "
        "validation rows), so its rows cannot be classified.",
    ),
    "FG473": (
        "mitigation-bad-parameter",
        "A mitigation parameter is out of range or unknown: a target sensitivity outside (0, 1], "
        "an unknown threshold objective, a non-positive DRO step size, or group and label arrays "
        "of different lengths.",
    ),
    "FG474": (
        "mitigation-unsupported",
        "The mitigation type is not one fairgov runs on a linear probe (reweight, resample, "
        "group_dro); group thresholds act on scores, fine-tuning on the backbone.",
    ),
    "FG475": (
        "fine-tune-not-unfreezable",
        "A `fine_tune` mitigation asks for the last N blocks of a backbone that has no block "
        "structure fairgov can unfreeze (only timm models, through their parameter groups), or for "
        "more blocks than the backbone has. Ask for fewer blocks, or use a LoRA adapter.",
    ),
    "FG476": (
        "fine-tune-adapter",
        "A LoRA adapter cannot be attached: peft is not installed (pip install peft), or the "
        "backbone has no linear or convolution layer to adapt.",
    ),
    "FG477": (
        "fine-tune-runner",
        "A `fine_tune` variant embeds with the fine-tuned backbone in this process, so it runs "
        "with the local runner only (torchrun and Ray workers would rebuild the original "
        "backbone).",
    ),
    # mitigation integration (variants, compare, deployment)
    "FG480": (
        "mitigation-unknown-attribute",
        "A mitigation's `by` names an attribute that the evaluation's datasheet does not declare.",
    ),
    "FG481": (
        "variant-id-conflict",
        "Two mitigations of one evaluation share an id, or one uses the reserved id `baseline` "
        "(the plain evaluation).",
    ),
    "FG482": (
        "compare-unknown-variant",
        "The `compare` block names a baseline or candidate that is neither `baseline` nor a "
        "mitigation id of the evaluation.",
    ),
    "FG483": (
        "mitigation-protocol",
        "A mitigation that re-fits the linear probe (reweight, resample, group_dro) is declared on "
        "a predictions or zero_shot protocol, which has no probe to re-fit; only group_thresholds "
        "applies there.",
    ),
    "FG484": (
        "deployed-variant-unknown",
        "The deployment's `operating_point.variant` is not a variant of the evaluation it names.",
    ),
    "FG485": (
        "attribute-at-inference-missing",
        "The deployed variant uses group-specific thresholds, so the model needs the group "
        "attribute at inference time; the deployment protocol must say how it obtains it "
        "(`operating_point.attribute_at_inference`).",
    ),
    "FG486": (
        "group-threshold-number",
        "A group-threshold variant deploys its fitted per-group thresholds; the operating point "
        "must say `threshold: fitted`.",
    ),
    "FG487": (
        "variant-failed",
        "A mitigation variant could not be run (e.g. a group without training positives, an "
        "optimiser failure); its gates and comparisons are inconclusive.",
    ),
    "FG488": (
        "mitigation-not-run",
        "The mitigation type is declared in the spec language but this build does not run it.",
    ),
    # gates
    "FG501": (
        "gate-failed",
        "A gate's whole interval violates its threshold (without an interval: the point estimate "
        "does).",
    ),
    "FG502": (
        "gate-inconclusive",
        "The evidence was too thin to decide: undefined metric, a cell below minimum evidence, an "
        "interval straddling the threshold where decisive evidence is required, or an evaluation "
        "that did not run. Inconclusive blocks unless the policy opts out.",
    ),
    "FG503": (
        "waiver-expired",
        "A waiver's expiry date is before the build date; it no longer waives.",
    ),
    "FG504": ("gate-warning", "A non-blocking gate did not pass."),
    "FG505": ("waiver-unknown-gate", "A waiver names a gate id that does not exist."),
    "FG506": (
        "documentation-gate",
        "A documentation gate failed: required field missing, coverage below the minimum, an "
        "evaluation axis missing, or a threshold mismatch.",
    ),
    "FG510": (
        "plan-bad-option",
        "`fairgov plan` got an option it cannot use: shares must be ATTR:GROUP=SHARE,GROUP=SHARE "
        "with at least two positive shares.",
    ),
    "FG511": (
        "gate-cannot-pass",
        "At the evaluation's size a truly fair model would pass this gap gate with probability "
        "under 5% (operating characteristic in the gate's evidence): the test split is too small "
        "for the limit. `fairgov plan` says how many patients are needed.",
    ),
    "FG530": ("comparison-gate-id", "A comparison gate's id repeats a gate id of the policy."),
    "FG531": (
        "comparison-gate-evaluation",
        "A comparison gate names an evaluation that does not resolve.",
    ),
    "FG532": (
        "comparison-gate-variant",
        "A comparison gate names a candidate or baseline that is not a variant of its evaluation.",
    ),
    "FG533": (
        "comparison-gate-statistic",
        "A comparison gate spans an attribute, or names a metric, that its evaluation does not "
        "measure.",
    ),
    "FG534": (
        "comparison-gate-failed",
        "A comparison gate did not pass: the candidate is worse than the baseline by more than "
        "`max_worsening` (fail: the whole paired interval is beyond it; inconclusive: the interval "
        "reaches beyond it, or a variant did not run).",
    ),
    "FG540": (
        "gate-cannot-pass-declared",
        "Found by `fairgov validate`: at the evaluation's declared test split (patients per group, "
        "prevalence and images per patient read from the manifest) a simulated truly fair model "
        "would pass this gap gate with probability under 5%; the split is too small for the limit. "
        "`fairgov plan` says how many patients are needed.",
    ),
    # render / output
    "FG601": (
        "output-unwritable",
        "The output directory cannot be written (read-only, disk full). Nothing was replaced.",
    ),
    "FG602": ("render-failed", "A report could not be rendered."),
    "FG603": ("results-invalid", "A results file does not match the results schema."),
    "FG610": (
        "composition-claim-contradicted",
        "A report finding: a datasheet says its test mix is within N percentage points of a "
        "deployment's intended population, but the build's own composition table shows a larger "
        "difference. Correct the claim or the data; the finding is shown in the executive summary "
        "and does not change a gate.",
    ),
    "FG611": (
        "local-limit-differs",
        "A report finding: a deployment protocol states a local gap limit for a metric (local "
        "validation or a monitoring trigger) that differs from the policy gate's limit on the same "
        "metric or on an aggregate that bounds it. Align them or say which one governs.",
    ),
    "FG615": (
        "pdf-worker-died",
        "A PDF render worker process ended before it sent all its reports (killed, out of memory, "
        "crashed); the build stops with this error instead of waiting. Rerun; "
        "`FAIRGOV_RENDER_WORKERS=1` renders the PDFs in the build's own process.",
    ),
    "FG616": (
        "pdf-worker-failed",
        "Rendering a PDF report in a worker process raised an error; the message names it. Nothing "
        "was written.",
    ),
    # monitor
    "FG700": (
        "monitor-no-plan",
        "No DeploymentProtocol has a machine-readable monitoring plan (`monitoring.source`), or "
        "the one chosen has none.",
    ),
    "FG701": (
        "monitor-source-unreadable",
        "The production log could not be read: no CSV/Parquet file matches "
        "`monitoring.source.path`, or a file is not valid CSV/Parquet.",
    ),
    "FG702": (
        "monitor-column-missing",
        "A column that `monitoring.columns` maps (or an attribute's datasheet column) is not in "
        "the production log.",
    ),
    "FG703": (
        "monitor-timestamp",
        "A study time or label time is missing or not a timestamp, or a label has no time at which "
        "it became final.",
    ),
    "FG704": (
        "monitor-duplicate-study",
        "A study id appears more than once in the production log.",
    ),
    "FG705": (
        "monitor-label-before-study",
        "A label is dated before its study: the log's clock or join is wrong.",
    ),
    "FG706": ("monitor-score-range", "A score is missing, not finite, or outside [0, 1]."),
    "FG707": (
        "monitor-attribute-undeclared",
        "An attribute value is not declared in the datasheet (value map or numeric bins).",
    ),
    "FG708": (
        "monitor-label-invalid",
        "A label is not one of the classes the datasheet declares for the evaluation's task.",
    ),
    "FG709": (
        "monitor-id-missing",
        "A row has no study id or no patient id (patients are the bootstrap clusters).",
    ),
    "FG710": (
        "monitor-credential-missing",
        "The environment variable that `monitoring.source.url_env` names (the database URL) is not "
        "set.",
    ),
    "FG711": (
        "monitor-database-unreachable",
        "The log database could not be reached or queried (bad URL, server down, table or query "
        "invalid).",
    ),
    "FG712": (
        "monitor-store-unusable",
        "The monitoring history store (DuckDB file) cannot be opened or written. Move it aside to "
        "start afresh; results are recomputed.",
    ),
    "FG713": (
        "monitor-reference-invalid",
        "The reference scores of a score_shift check are missing, unreadable, lack a column, or "
        "have scores outside [0, 1].",
    ),
    "FG714": (
        "monitor-unknown-deployment",
        "--deployment names no DeploymentProtocol in the project.",
    ),
    "FG715": (
        "monitor-bad-option",
        "A monitor option is invalid (a date that is not YYYY-MM-DD, or several deployments with a "
        "plan and no --deployment).",
    ),
    "FG716": (
        "monitor-unknown-attribute",
        "A monitoring check names an attribute that the evaluation's datasheet does not declare, "
        "or (composition) that `intended_population` does not list.",
    ),
    "FG717": ("monitor-duplicate-trigger", "Two triggers of one deployment share an id."),
    "FG718": (
        "monitor-path-escapes",
        "A monitoring path (log, reference scores, history store) leaves the project root.",
    ),
    "FG719": ("monitor-flag-invalid", "A logged flag or override is not 0 or 1."),
    "FG720": (
        "trigger-alert",
        "A blocking monitoring trigger alerts: its check breached for `consecutive` periods in a "
        "row. The protocol's action applies.",
    ),
    "FG721": (
        "trigger-inconclusive",
        "A blocking trigger's latest judged period is inconclusive (too little evidence); it "
        "blocks unless `inconclusive_blocks: false`.",
    ),
    "FG722": ("trigger-warning", "A non-blocking trigger alerts or is inconclusive."),
    "FG723": (
        "monitor-threshold-unknown",
        "The deployment says `threshold: fitted`, but no results.json of a `fairgov build` records "
        "the evaluation's fitted threshold. Run `fairgov build` first, or write the deployed "
        "number.",
    ),
    "FG724": (
        "monitor-group-thresholds",
        "The deployment deploys a mitigation variant with per-group thresholds; `fairgov monitor` "
        "applies one operating threshold to the logged scores, so it cannot yet recompute that "
        "variant's decisions. Monitor the baseline, or log the shown flag and monitor it with a "
        "fixed threshold.",
    ),
    # internal
    "FG900": (
        "internal-error",
        "An unexpected error inside fairgov. Re-run with --debug and report it.",
    ),
}


def explain(code: str) -> str | None:
    entry = CODES.get(code.upper())
    if entry is None:
        return None
    slug, text = entry
    return f"{code.upper()} ({slug})\n\n{text}"
