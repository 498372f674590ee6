"""The floors of DESIGN.md's architecture hold: no app imports one above it, so no import circle forms.

The contract is pyproject.toml's [tool.importlinter]; CI also runs `lint-imports` on its own.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "people",
    "accounts",
    "rjcases",
    "training",
    "referrals",
    "cases",
    "conferences",
    "reminders",
    "reporting",
    "retention",
    "demo",
)
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(project: Path) -> subprocess.CompletedProcess:
    # A process of its own: this one has the project's packages imported already, from ROOT.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(project / "pyproject.toml")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_floor_imports_a_higher_one():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout


def test_the_contract_refuses_the_ground_floor_importing_the_reminders(tmp_path):
    """A copy of the project where people/ imports the planner: the project's own contract fails."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    models = tmp_path / "people" / "models.py"
    models.write_text(models.read_text() + "\nfrom reminders import planning  # noqa: E402\n")

    result = _lint(tmp_path)

    assert result.returncode != 0
    assert "people is not allowed to import reminders" in result.stdout
