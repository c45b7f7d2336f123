"""Packaging: installed names are ours (resp_server, resp_kvcache, and the deprecated `connector`
shim for one release), the repository's folders keep working from a checkout, and
pyproject.toml lists every package folder (setuptools is given an explicit list)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.conftest import ROOT

PYPROJECT = os.path.join(ROOT, "pyproject.toml")


def _setuptools() -> dict:
    with open(PYPROJECT, "rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def test_every_package_folder_is_listed() -> None:
    listed = set(_setuptools()["packages"])
    for top in ("resp_server",):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            if any(f.endswith(".py") for f in files) and "__pycache__" not in d:
                name = os.path.relpath(d, ROOT).replace(os.sep, ".")
                assert name in listed, f"{name} is missing from pyproject.toml's packages"
    for pkg, folder in _setuptools()["package-dir"].items():
        assert pkg in listed and os.path.isfile(os.path.join(ROOT, folder, "__init__.py"))


def test_checkout_imports_both_names() -> None:
    """With PYTHONPATH=<repo> only: the folders, and the installed names over them."""
    code = ("import connector, scripts.bench, resp_kvcache.connector, resp_kvcache.scripts.bench;"
            "import resp_kvcache.connector.lmcache as m;"
            "assert resp_kvcache.connector.ChunkClient.__name__ == 'ChunkClient';"
            "assert m.__file__.endswith('connector/lmcache.py')")
    env = {**os.environ, "PYTHONPATH": ROOT}
    subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code], cwd="/",
                   env=env, check=True, timeout=60)


@pytest.mark.slow
def test_wheel_installs_our_names_only(tmp_path) -> None:
    """`pip wheel .`: top-level names; installed (--target): new names import, `connector`
    and `connector.lmcache` import with a DeprecationWarning, `scripts` is not installed."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-q", "-w",
                    str(tmp_path / "w")], check=True, timeout=300, cwd=tmp_path)
    wheel = next((tmp_path / "w").glob("*.whl"))
    tops = {n.split("/")[0] for n in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {
        "resp_server", "resp_kvcache", "connector"}
    assert {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("connector/")} == {
        "connector/__init__.py", "connector/lmcache.py"}
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, timeout=300, cwd=tmp_path)
    code = f"""
import importlib.util, warnings
import resp_kvcache.connector, resp_kvcache.scripts.bench, resp_server.commands.latency
assert resp_kvcache.connector.__file__.startswith({str(target)!r})
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    import connector, connector.lmcache
assert connector.__file__.startswith({str(target)!r})
assert any(x.category is DeprecationWarning for x in w)
assert connector.ChunkClient is resp_kvcache.connector.ChunkClient
spec = importlib.util.find_spec("scripts")
assert spec is None or not str(spec.origin or spec.submodule_search_locations).startswith(
    {str(target)!r})
"""
    env = {**os.environ, "PYTHONPATH": str(target)}
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, timeout=60)
