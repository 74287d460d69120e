"""What changed decides what reruns (like dbt's `state:modified`), decided from hashes alone.

An Evaluation's record is built by two cached stages, stored under the same content
addressing as the embeddings (`content_key`: canonical JSON of every input + fairgov version):

- probe outputs (linear_probe, zero_shot): the validation/test scores table and its
  provenance. Key: the manifest's bytes, every referenced image's bytes, the weights' (and a
  declared model config's) bytes, backbone (library, pooling) and preprocessing, protocol
  (probe settings, or zero-shot prompts and temperature), task, splits, row policy, dataset
  columns and values, compute settings and the machine facts that can change a forward pass,
  library versions.
- measurement: the evaluation's whole results.json record. Key: the probe-outputs key (or
  the predictions file's bytes), every Evaluation field but `compute`, the Datasheet's
  manifest and attributes, library versions.

Gates always rerun (they are cheap and depend on policies, waivers and the date). A warm run
with nothing changed therefore reads two JSON records and never imports torch. Each
component is hashed on its own and remembered per evaluation, so run-stats.json can name
what changed when a stage reran.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from fairgov.atomic import atomic_write_text
from fairgov.evaluate.cache import Cache, canonical_json, content_key
from fairgov.evaluate.dicom_codecs import handler_versions
from fairgov.evaluate.hashindex import HashIndex
from fairgov.evaluate.hashing import sha256_bytes
from fairgov.pipeline.image_state import image_digests
from fairgov.spec.policy import REST
from fairgov.validate.paths import PathEscape, resolve_inside
from fairgov.validate.policies import applied_policy_refs, compose
from fairgov.validate.semantic import evaluations_for_gate

ENTRY = ".entry.json"
BACKBONE_DIST = {"transformers": "transformers", "open_clip": "open_clip_torch"}
LIBRARIES = (
    "torch",
    "timm",
    "torchvision",
    "pillow",
    "pydicom",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
)


@dataclass
class Plan:
    """Stage keys of one Evaluation and the components they were computed from."""

    cache: Cache
    ref: str
    probe: dict[str, str] | None
    measure: dict[str, str]
    key_probe: str | None = None
    key_measure: str = ""
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.probe is not None:
            self.key_probe = content_key(kind="probe-outputs", **self.probe)
            self.measure = {"probe_outputs": self.key_probe, **self.measure}
        self.key_measure = content_key(kind="measurement", **self.measure)

    def load_measurement(self) -> dict[str, Any] | None:
        entry = _get_json(self.cache, self.key_measure)
        return entry.get("result") if entry else None

    def store_measurement(self, result: dict[str, Any]) -> None:
        _put_json(self.cache, self.key_measure, {"result": result})

    def load_probe(self) -> tuple[bytes, dict[str, Any]] | None:
        if self.key_probe is None:
            return None
        meta = _get_json(self.cache, self.key_probe)
        try:
            table = self.cache.get_bytes(self.key_probe, ".parquet") if meta else None
        except OSError:
            table = None
        return (table, meta) if table is not None and meta is not None else None

    def store_probe(self, table: bytes, meta: dict[str, Any]) -> None:
        if self.key_probe is not None:
            with contextlib.suppress(OSError):  # an unwritable cache costs time, never the build
                self.cache.put_bytes(self.key_probe, table, ".parquet", kind="probe-outputs")
                _put_json(self.cache, self.key_probe, meta)

    def reran(self, stage: str) -> str:
        """Why `stage` ran: the components that differ from this evaluation's last run."""
        last = self._state().get(stage)
        now = self.probe if stage == "probe_outputs" else self.measure
        if not isinstance(last, dict) or now is None:
            return "no earlier run of this evaluation in this cache"
        changed = sorted(k for k in set(now) | set(last) if now.get(k) != last.get(k))
        changed = [c for c in changed if c != "probe_outputs"] or changed
        return f"changed: {', '.join(changed)}" if changed else "cached entry missing or damaged"

    def remember(self) -> None:
        """Record this run's components (for the next run's reasons); best effort."""
        path = self._state_path()
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(
                path, canonical_json({"probe_outputs": self.probe, "measurement": self.measure})
            )

    def _state_path(self) -> Path:
        return self.cache.root / "state" / f"{sha256_bytes(self.ref.encode())}.json"

    def _state(self) -> dict[str, Any]:
        try:
            data = json.loads(self._state_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {"probe_outputs": data.get("probe_outputs"), "measurement": data.get("measurement")}


def _get_json(cache: Cache, key: str) -> dict[str, Any] | None:
    try:
        data = cache.get_bytes(key, ENTRY)
        entry = json.loads(data) if data is not None else None
    except (OSError, ValueError):  # unreadable cache or undecodable record: a miss
        entry = None
    return entry if isinstance(entry, dict) else None


def _put_json(cache: Cache, key: str, entry: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # an unwritable cache costs time, never the build
        cache.put_bytes(
            key, json.dumps(entry, sort_keys=True).encode("utf-8"), ENTRY, kind="stage-record"
        )


def digest(value: Any) -> str:
    return sha256_bytes(canonical_json(value).encode("utf-8"))


def _dist(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist in LIBRARIES:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    out.update(handler_versions())  # installed DICOM pixel handlers only (dicom_codecs)
    return out


def machine_facts(compute: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """What can change a forward pass without changing a file: device choice and CPU threads."""
    env = {
        k: os.environ.get(k) for k in ("CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "device": options.get("device") or compute.get("device"),
        "runner": options.get("runner") or compute.get("runner"),
        "gpu_devices": sorted(p.name for p in Path("/dev").glob("nvidia[0-9]*"))
        if os.name == "posix"
        else [],
        "cpus": cpus,
        "env": env,
    }


def rest_attributes(cp: Any, evaluation_ref: str) -> list[str]:
    """Attributes of the evaluation that a policy gate compares against the rest
    (`reference: rest`): only those pay for the rest layout (``metrics.api.REST_MAX_GROUPS``)."""
    out: set[str] = set()
    for ref in applied_policy_refs(cp):
        for sg in compose(cp, ref)[0].gates:
            gate = sg.gate
            if gate.type == "metric" and getattr(gate, "reference", None) == REST and any(
                e.ref == evaluation_ref for e in evaluations_for_gate(cp, gate)
            ):
                out.add("×".join(gate.across))
    return sorted(out)


def make_plan(
    cp: Any, entry: Any, ds_entry: Any, card: Any, options: dict[str, Any], index: HashIndex
) -> Plan | None:
    """The stage keys of one Evaluation, or None when an input cannot even be hashed (the
    full run then reports the problem with its proper diagnostic)."""
    ev, ds = entry.model, ds_entry.model
    try:
        mpath = resolve_inside(cp.root, ds.manifest.path)
        manifest = index.sha256(mpath)
        dataset = digest(
            {
                # an undeclared image_spec leaves the key as it was before the field existed
                "manifest": ds.manifest.model_dump(
                    mode="json", exclude=None if ds.manifest.image_spec.declared else {"image_spec"}
                ),
                "attributes": {k: a.model_dump(mode="json") for k, a in ds.attributes.items()},
            }
        )
        # mitigations have their own per-variant keys (fairgov.pipeline.variants): editing one never
        # reruns the baseline
        evaluation = ev.model_dump(mode="json", exclude={"compute", "mitigations", "compare"})
        measure = {"manifest": manifest, "dataset": dataset, "versions": digest(library_versions()),
                   **{f"evaluation.{k}": digest(v) for k, v in evaluation.items()}}
        rest = rest_attributes(cp, entry.ref)
        if rest:  # gates comparing groups with the rest (keys without them are unchanged)
            measure["versus_rest"] = digest(rest)
        probe = None
        if ev.protocol.type in ("linear_probe", "zero_shot"):
            probe = _probe_components(cp, ev, ds, card, options, index, mpath)
            if probe is None:
                return None
            probe.update(manifest=manifest, dataset=dataset, versions=measure["versions"])
        else:
            measure["predictions"] = index.sha256(resolve_inside(cp.root, ev.protocol.path))
    except (PathEscape, OSError, ValueError):
        return None
    return Plan(Cache(cache_dir(cp, options)), entry.ref, probe, measure)


def _model_files(cp: Any, bb: Any, index: HashIndex) -> dict[str, str]:
    """Hashes of the model config files a non-timm backbone reads besides its weights: the
    declared `config`, and for transformers the config.json / preprocessor_config.json it
    falls back to beside the config or the weights."""
    out: dict[str, str] = {}
    config = resolve_inside(cp.root, bb.config) if bb.config else None
    if config is not None:
        out["model_config"] = index.sha256(config)
    if bb.library == "transformers" and bb.weights:
        folder = (config or resolve_inside(cp.root, bb.weights)).parent
        for name in ("config.json", "preprocessor_config.json"):
            if (folder / name).is_file():
                out[f"model_files.{name}"] = index.sha256(folder / name)
    return out


def cache_dir(cp: Any, options: dict[str, Any]) -> Path:
    return Path(options.get("cache_dir") or cp.cache_dir)


def _probe_components(
    cp: Any, ev: Any, ds: Any, card: Any, options: dict[str, Any], index: HashIndex, mpath: Path
) -> dict[str, str] | None:
    bb = card.model.foundation_model.backbone if card is not None else None
    if bb is None:
        return None
    images = image_digests(mpath, ds.manifest.image_column, index)
    if images is None:
        return None
    compute = ev.compute.model_dump(mode="json")
    return {
        "images": images,
        "weights": index.sha256(resolve_inside(cp.root, bb.weights)) if bb.weights else "none",
        "backbone": digest(bb.model_dump(mode="json")),
        **_model_files(cp, bb, index),
        **(
            {"library": digest(_dist(BACKBONE_DIST[bb.library]))}
            if bb.library in BACKBONE_DIST
            else {}
        ),
        "protocol": digest(ev.protocol.model_dump(mode="json")),
        "task": digest(ev.task.dump()),
        "splits": digest(ev.splits.model_dump(mode="json")),
        "rows": digest({"drop_invalid_rows": ev.drop_invalid_rows}),
        "compute": digest({"settings": compute, "machine": machine_facts(compute, options)}),
    }
