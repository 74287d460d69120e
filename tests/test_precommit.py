"""The published pre-commit hook: `pre-commit try-repo` installs this repository into a fresh
virtualenv (core dependencies only, no torch) and the `fairgov-validate` hook fails on a broken
spec with the positioned diagnostic.

Slow (about a minute): pre-commit builds the hook's virtualenv and pip-installs the package.
try-repo uses the committed HEAD plus uncommitted changes to tracked files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "project"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(
        tmp_path / "pre-commit-home"
    )  # try-repo builds its hook env in a temp dir
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def _git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo, env=env, check=True,
                   capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(find_spec("pre_commit") is None, reason="needs pre-commit (test extra)")
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs a git checkout of fairgov")
def test_validate_hook_fails_with_the_diagnostic(tmp_path: Path) -> None:
    env = _env(tmp_path)
    specs = tmp_path / "specs-repo"
    shutil.copytree(FIXTURE, specs)
    card = specs / "modelcard.yaml"
    lines = card.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[4].startswith("title: ")
    lines[4] = "title: ''\n"  # line 5, column 8: an empty answer
    card.write_text("".join(lines), encoding="utf-8")
    _git(specs, env, "init", "-q")
    _git(specs, env, "add", "-A")
    _git(specs, env, "commit", "-q", "-m", "broken spec")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(REPO),
            "fairgov-validate",
            "--all-files",
        ],
        cwd=specs,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "fairgov validate" in output and "Failed" in output
    assert "modelcard.yaml:5:8: FG207 error: title: answer is empty" in output


def test_validate_hook_installs_only_the_core() -> None:
    """try-repo deletes the hook's virtualenv afterwards, so check what pip is asked to install."""
    import tomllib

    from ruamel.yaml import YAML

    hooks = {
        h["id"]: h
        for h in YAML(typ="safe", pure=True).load((REPO / ".pre-commit-hooks.yaml").read_text())
    }
    validate = hooks["fairgov-validate"]
    assert validate["language"] == "python" and not validate.get("additional_dependencies")
    assert validate["entry"] == "fairgov validate" and validate["pass_filenames"] is False
    core = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not [
        d
        for d in core
        if d.split("[")[0].split("=")[0].split(">")[0].strip() in ("torch", "torchvision", "timm")
    ]
    assert hooks["fairgov-check"]["additional_dependencies"] == [".[eval]"]
