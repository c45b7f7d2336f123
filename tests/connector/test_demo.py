"""Smoke test of scripts/lmcache_demo.py (ChunkClient mode; LMCache mode when importable)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _demo():
    spec = importlib.util.spec_from_file_location("lmcache_demo", os.path.join(ROOT, "scripts", "lmcache_demo.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("mode", ["client", "lmcache"])
def test_demo_reports_prefix_hits(target, mode, capsys):
    if mode == "lmcache":
        pytest.importorskip("lmcache", reason="lmcache not installed (optional extra)")
    _demo().main(["--url", target.url, "--chunks", "5", "--stored", "3", "--mode", mode, "--repeat", "1"])
    out = capsys.readouterr().out
    assert "prefix hits: 3/5 chunks" in out and "GB/s" in out
