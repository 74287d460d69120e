"""The CI recipes in docs/ci.md are what a user pastes: each must parse as YAML, and the GitHub
and GitLab ones must pass check-jsonschema with its bundled (offline) workflow schemas."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^## (?P<title>.+?)\n.*?```yaml\n(?P<body>.*?)```", re.S | re.M)


def recipes() -> dict[str, str]:
    return {
        m["title"]: m["body"]
        for m in BLOCK.finditer((REPO / "docs/ci.md").read_text(encoding="utf-8"))
    }


def test_every_recipe_parses_as_yaml() -> None:
    found = recipes()
    assert set(found) == {"GitHub Actions", "GitLab CI", "pre-commit"}
    for title, body in found.items():
        assert isinstance(yaml.safe_load(body), dict), title


def test_github_workflow_shape() -> None:
    wf = yaml.safe_load(recipes()["GitHub Actions"])
    steps = wf["jobs"]["gates"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["key"] == "fairgov-${{ hashFiles('specs/**') }}"
    assert any("fairgov check specs --format github" in s.get("run", "") for s in steps)
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "specs/build/results.sarif"


@pytest.mark.parametrize(("title", "schema"), [("GitHub Actions", "vendor.github-workflows"),
                                               ("GitLab CI", "vendor.gitlab-ci")])
@pytest.mark.slow
def test_recipes_pass_check_jsonschema(tmp_path: Path, title: str, schema: str) -> None:
    path = tmp_path / "workflow.yaml"
    path.write_text(recipes()[title], encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_check_jsonschema_rejects_the_old_unquoted_key(tmp_path: Path) -> None:
    """The flow mapping that GitHub rejected: the check above would have caught it."""
    bad = recipes()["GitHub Actions"].replace(
        "        with:\n          path: specs/.fairgov/cache\n          key: \"fairgov-${{ "
        "hashFiles('specs/**') }}\"\n"
        "          restore-keys: fairgov-\n",
        "        with: {path: specs/.fairgov/cache, key: fairgov-${{ hashFiles('specs/**') }}, "
        "restore-keys: fairgov-}\n",
    )
    assert bad != recipes()["GitHub Actions"]
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(bad)
