"""The floors of DESIGN.md's architecture hold: no app imports one above it, so no import circle forms.

The contract is pyproject.toml's [tool.importlinter]; CI also runs `lint-imports` on its own.
"""

import textwrap
from pathlib import Path

from importlinter import cli

ROOT = Path(__file__).resolve().parent.parent


def test_no_floor_imports_a_higher_one():
    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_the_contract_catches_a_lower_floor_importing_a_higher_one(tmp_path, monkeypatch):
    """Two floors where the lower imports the higher: the same kind of contract fails.

    The packages get names of their own: the project's are already imported in this process.
    """
    for app in ("ground_floor", "outbound_floor"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    (tmp_path / "outbound_floor" / "planning.py").write_text("")
    (tmp_path / "ground_floor" / "models.py").write_text("from outbound_floor import planning\n")
    config = tmp_path / "contract.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_packages = ["ground_floor", "outbound_floor"]

            [[tool.importlinter.contracts]]
            name = "Floors"
            type = "layers"
            layers = ["outbound_floor", "ground_floor"]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.lint_imports(config_filename=str(config), no_cache=True, no_logo=True) != 0
