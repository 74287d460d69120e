"""The loader turns any bytes into a Document or diagnostics: never an exception."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fairgov.load import load_file, parse_bytes


def load_text(tmp_path: Path, text: str | bytes):
    path = tmp_path / "spec.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load_file(path, tmp_path)


def codes(result) -> list[str]:
    return [d.code for d in result[1]]


def test_positions_for_every_node(tmp_path: Path) -> None:
    doc, diags = load_text(
        tmp_path, "apiVersion: fairgov/v1\nkind: Policy\ngates:\n  - id: a\n    max: 0.1\n"
    )
    assert diags == [] and doc is not None
    assert doc.position("/gates/0/max") == (5, 10)
    assert doc.key_position("/gates/0/max") == (5, 5)
    assert doc.position("/gates/0") == (4, 5)
    assert doc.position("/gates/0/missing/deeper") == (4, 5)  # nearest ancestor
    assert doc.data["gates"][0]["max"] == 0.1 and type(doc.data["gates"][0]["max"]) is float


def test_billion_laughs_rejected_in_bounded_memory(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    tracemalloc.start()
    result = load_text(tmp_path, "\n".join(lines) + "\n")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert codes(result) == ["FG109"]
    assert peak < 50 * 1024 * 1024  # bounded: the full expansion would need ~10^9 nodes


def test_alias_expansion_budget(tmp_path: Path) -> None:
    # few aliases, but each expands to a big list: caught by the node budget
    big = "[" + ",".join(["1"] * 5000) + "]"
    text = f"base: &b {big}\n" + "".join(f"k{i}: *b\n" for i in range(60))
    assert codes(load_text(tmp_path, text)) == ["FG109"]


def test_deep_nesting_rejected(tmp_path: Path) -> None:
    assert codes(load_text(tmp_path, "a: " + "[" * 10000 + "]" * 10000 + "\n")) == ["FG110"]
    block = "".join("  " * i + f"k{i}:\n" for i in range(100))
    assert codes(load_text(tmp_path, block)) == ["FG110"]


def test_big_file_rejected_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse 200 MB file
    assert codes(load_file(path, tmp_path)) == ["FG101"]


def test_binary_garbage_and_invalid_utf8(tmp_path: Path) -> None:
    assert codes(load_text(tmp_path, os.urandom(64) + b"\x00")) in (["FG103"],)
    assert codes(load_text(tmp_path, b"kind: \xc3\x28\n")) == ["FG103"]


def test_device_and_fifo_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert codes(load_file(fifo, tmp_path)) == ["FG102"]
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    assert codes(load_file(link, tmp_path)) == ["FG102"]


def test_symlink_outside_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("a: 1\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.yaml").symlink_to(outside)
    assert codes(load_file(root / "link.yaml", root)) == ["FG102"]


def test_tags_and_merge_keys(tmp_path: Path) -> None:
    assert codes(load_text(tmp_path, "a: !!python/object/apply:os.system ['touch x']\n")) == [
        "FG112"
    ]
    assert codes(load_text(tmp_path, "a: !custom 1\n")) == ["FG112"]
    assert not (tmp_path / "x").exists()
    doc, diags = load_text(tmp_path, "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert diags == [] and doc.data["other"] == {"x": 1, "y": 2}


def test_complex_keys_are_diagnostics(tmp_path: Path) -> None:
    # found by benchmarks/fuzz_validate.py (seed 7): a mapping as a key crashed the constructor
    assert codes(load_text(tmp_path, "? {a: {b: 1}}\n: 1\n")) == ["FG202"]
    assert codes(load_text(tmp_path, "? [1, 2]\n: 1\n")) == ["FG202"]


def test_duplicate_keys(tmp_path: Path) -> None:
    result = load_text(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert [d.check_tuple() for d in result[1]] == [("FG107", 3, 1)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    try:
        parse_bytes(data, Path("x.yaml"), "x.yaml")
    except Exception as err:  # LoadError is the only allowed outcome
        assert type(err).__name__ == "LoadError", repr(err)


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(yaml_values, st.sampled_from(["Policy", "ModelCard", "Evaluation", "Datasheet", "Bogus"]))
def test_random_yaml_documents_give_diagnostics(tmp_path_factory, value, kind) -> None:
    import io

    from ruamel.yaml import YAML

    from fairgov.load import Document
    from fairgov.validate.schema import validate_document

    buf = io.StringIO()
    YAML(typ="safe").dump({"apiVersion": "fairgov/v1", "kind": kind, "body": value}, buf)
    try:
        doc = parse_bytes(buf.getvalue().encode("utf-8"), Path("x.yaml"), "x.yaml")
    except Exception as err:
        assert type(err).__name__ == "LoadError"
        return
    assert isinstance(doc, Document)
    model, diags = validate_document(doc)
    assert model is None and diags and all(d.line >= 1 and d.col >= 1 for d in diags)
