"""The libyaml loader reads every spec exactly as the previous ruamel.yaml loader did:
same values (YAML 1.2 core schema: `no` stays text, `010` is ten), same positions."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fairgov.load import parse_bytes
from fairgov.load.yaml12 import PLAIN_TAG, Loader, plain_scalar
from tests.load import ruamel_reference

REPO = Path(__file__).resolve().parents[2]
SPECS = sorted(
    {
        *REPO.glob("specs/*.yaml"),
        *REPO.glob("tests/fixtures/project/*.yaml"),
        *REPO.glob("fairgov/scaffold/**/*.yaml"),
        *REPO.glob("fairgov/standards/**/*.yaml"),
    }
)
TRICKY = str.split(
    "yes no on off y n True TRUE true False FALSE 010 0o10 0x1F 0b101 1_000 1:20 2026-01-01 "
    "2026-01-01T10:00:00Z 2026-1-1 .inf -.inf .NaN ~ Null NULL null 1e3 1.0e+3 +1 -0 0.5 .5 5. "
    "1_0.5 +.inf 00 007 0o19 1.2.3 -0x1f +0b1 1e-3 .5e+3 _1 0x_1 = <<x 12:30:00 -.0 +.5 -.5e+3"
)


def _mine(text: str) -> object:
    node = yaml.compose(f"a: {text}\n", Loader=Loader).value[0][1]
    return plain_scalar(node.value) if node.tag == PLAIN_TAG else node.value


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text", TRICKY)
def test_plain_scalars_follow_yaml_1_2_like_ruamel(text: str) -> None:
    theirs = ruamel_reference.scalar(ruamel_reference.parse(f"a: {text}\n")[0]["a"])
    assert _same(_mine(text), theirs), (text, _mine(text), theirs)


@pytest.mark.parametrize("text", ["._", "-._", "+._e+1"])
def test_underscore_only_fractions_stay_text_where_ruamel_crashes(text: str) -> None:
    with pytest.raises(ValueError):
        ruamel_reference.parse(f"a: {text}\n")
    assert _mine(text) == text


def test_yaml_1_1_surprises_are_gone() -> None:
    doc = parse_bytes(b"a: no\nb: 010\nc: 1:20\nd: on\n", Path("x.yaml"), "x.yaml")
    assert doc.data == {"a": "no", "b": 10, "c": "1:20", "d": "on"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789+-._eExXoObB:TZ nNuUlLtTrRfFaAsS~", min_size=1, max_size=12))
def test_random_plain_scalars_agree(text: str) -> None:
    text = text.strip()
    try:
        theirs = ruamel_reference.parse(f"a: {text}\n")[0]["a"]
    except Exception:  # noqa: BLE001 - not a plain scalar at all for ruamel: nothing to compare
        return
    if not isinstance(theirs, (str, int, float, bool, type(None))) and not hasattr(
        theirs, "isoformat"
    ):
        return
    assert _same(_mine(text), ruamel_reference.scalar(theirs)), text


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_repository_spec_loads_identically(path: Path) -> None:
    raw = path.read_bytes()
    doc = parse_bytes(raw, path, path.name)
    data, positions, key_positions = ruamel_reference.parse(raw.decode("utf-8"))
    assert doc.data == data
    assert doc.positions == positions
    assert doc.key_positions == key_positions


def test_merge_key_positions_match() -> None:
    text = "base: &b {x: 1, y: [1, 2]}\nother:\n  <<: *b\n  y: 2\n"
    doc = parse_bytes(text.encode(), Path("x.yaml"), "x.yaml")
    data, positions, key_positions = ruamel_reference.parse(text)
    assert doc.data == data == {"base": {"x": 1, "y": [1, 2]}, "other": {"x": 1, "y": 2}}
    assert doc.positions == positions and doc.key_positions == key_positions
