"""The house's structure: import-linter's contracts (pyproject [tool.importlinter]) hold.

Every import counts (TYPE_CHECKING and function-level ones too): the server's layers point one
way, the command table sits below the modules that fill it, and no package has an import circle.
Runs `lint-imports` in a subprocess from the repository root, without its cache (a stale cache
once hid a whole package); the contracts' report is the assertion message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = ("import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command(['--no-cache']))")


def test_import_contracts_hold() -> None:
    run = subprocess.run([sys.executable, "-c", LINT], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout and "KEPT" in run.stdout
