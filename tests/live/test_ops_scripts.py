"""scripts/pyenv.sh (used by serve.sh, setup.sh, test.sh) on an externally-managed Python (PEP 668).

The interpreter is real: this CPython's binary copied into a temporary prefix whose stdlib
directory links the real one entry by entry and holds an EXTERNALLY-MANAGED file, so pip itself
refuses to install into it. On it, choose_python must create and pick .venv/ (a working venv with
pip, made offline); on the same prefix without the marker it must pick python3 and make no venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _fake_python(prefix: Path, managed: bool) -> Path:
    """A non-venv CPython in prefix/bin/python3 sharing this one's stdlib, with its own
    site-packages holding pip only; `managed` adds PEP 668's marker to its stdlib directory."""
    real_stdlib = Path(sysconfig.get_path("stdlib"))
    base = Path(sys.base_prefix)
    binary = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(binary, prefix / "bin" / "python3")
    lib = prefix / "lib"
    lib.mkdir()
    for entry in (base / "lib").glob("libpython*"):          # shared builds: $ORIGIN/../lib
        (lib / entry.name).symlink_to(entry)
    stdlib = lib / real_stdlib.name
    stdlib.mkdir()
    for entry in real_stdlib.iterdir():
        if entry.name not in ("site-packages", "dist-packages", "EXTERNALLY-MANAGED"):
            (stdlib / entry.name).symlink_to(entry)
    site = stdlib / "site-packages"
    site.mkdir()
    import pip
    (site / "pip").symlink_to(Path(pip.__path__[0]))
    if managed:
        (stdlib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\nError=use a venv\n")
    return prefix / "bin" / "python3"


def _choose(workdir: Path, fake: Path) -> subprocess.CompletedProcess:
    shutil.copy(Path(ROOT) / "scripts" / "pyenv.sh", workdir / "pyenv.sh")
    env = dict(os.environ, PATH=f"{fake.parent}:{os.environ['PATH']}")
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return subprocess.run(["bash", "-c", 'source ./pyenv.sh && choose_python && echo "PY=$PY"'],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


def test_externally_managed_python_gets_a_project_venv(tmp_path: Path) -> None:
    fake = _fake_python(tmp_path / "managed", managed=True)
    pip = subprocess.run([str(fake), "-m", "pip", "install", "--dry-run", "resp-kvcache-none"],
                         capture_output=True, text=True, timeout=120)
    assert pip.returncode != 0 and "externally-managed-environment" in pip.stdout + pip.stderr
    work = tmp_path / "repo"
    work.mkdir()
    out = _choose(work, fake)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("PY=.venv/bin/python")
    assert "externally managed (PEP 668)" in out.stderr
    venv_py = work / ".venv" / "bin" / "python"
    probe = subprocess.run([str(venv_py), "-c", "import sys, pip; print(sys.prefix != sys.base_prefix)"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "True", probe.stderr
    again = _choose(work, fake)                                  # the venv is reused
    assert again.stdout.strip().endswith("PY=.venv/bin/python") and "PEP 668" not in again.stderr


def test_unmanaged_python_is_used_directly(tmp_path: Path) -> None:
    fake = _fake_python(tmp_path / "plain", managed=False)
    work = tmp_path / "repo"
    work.mkdir()
    out = _choose(work, fake)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("PY=python3") and not (work / ".venv").exists()
