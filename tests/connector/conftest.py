"""Fixtures for connector tests: the same live tests run against our server and a real Redis.

`target` is parametrized over ("ours", "redis") and yields the server's ServerProc; both servers
are the session-wide fixtures from tests/conftest.py. Each test gets a fresh key prefix so tests
never see each other's keys.
"""

from __future__ import annotations

import itertools
import os
import sys

import pytest

SERVERS = ("ours", "redis")
_counter = itertools.count()


@pytest.fixture(params=SERVERS)
def target(request):
    """A running server: our resp_server or a real redis-server."""
    return request.getfixturevalue("server" if request.param == "ours" else "redis_server")


@pytest.fixture
def prefix() -> str:
    """A key prefix unique to this test (pid + counter)."""
    return f"t{os.getpid()}-{next(_counter)}:"


def _root_conftest():
    """tests/conftest.py as a module (its helpers: start_ours, free_port, wait_ping, ...)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "conftest.py")
    name = "_tests_root_conftest"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


root = _root_conftest()


def start_server(kind: str, port: int | None = None, *args: str):
    """A private server of `kind` ("ours" or "redis") on `port` (a free one if None)."""
    if kind == "ours":
        return root.start_ours(*args, port=port)
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    port = port or root.free_port()
    d = tempfile.mkdtemp(prefix="redis-conn-")
    cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", d, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sp = root.ServerProc(port, proc, list(args), tmpdir=d)
    try:
        root.wait_ping(port, proc)
    except RuntimeError:
        sp.stop()
        raise
    return sp


@pytest.fixture
def private_server():
    """Factory `start(kind, port=None, *args)` for servers this test owns; all stopped at the end."""
    started = []

    def start(kind: str, port: int | None = None, *args: str):
        sp = start_server(kind, port, *args)
        started.append(sp)
        return sp

    yield start
    for sp in started:
        sp.stop()
