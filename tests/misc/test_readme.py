"""README opens with the two set-up commands, and CI runs the second one verbatim."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def setup_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_two_setup_commands() -> None:
    assert (REPO / "README.md").read_text(encoding="utf-8").startswith("# fairgov\n\n```bash\n")
    main_job, tests = setup_commands()
    assert "fairgov build specs" in main_job and "-c constraints.txt" in main_job
    assert "pytest" in tests and "-c constraints.txt" in tests and "HF_HUB_OFFLINE=1" in tests


def test_ci_runs_the_readme_test_command() -> None:
    assert setup_commands()[1] in (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()


def test_constraints_pin_torch() -> None:
    pins = (REPO / "constraints.txt").read_text().split()
    assert "torch==2.14.1" in pins and "torchvision==0.29.1" in pins
