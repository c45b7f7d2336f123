"""The house's structure: import-linter's contracts hold, and no code module outgrows its room.

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


MAX_LINES = 420          # "about 400": a module past this is split along its seam
DATA_TABLES = ("resp_server/commands/docdata/",)   # declarative data, one entry per command


def test_no_code_module_is_over_the_size_limit() -> None:
    over = {}
    for package in ("resp_server", "connector", "scripts"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(DATA_TABLES):
                continue
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                over[rel] = n
    assert not over, f"modules over {MAX_LINES} lines: {over}"
