"""Shared fixtures: free ports, our server and a real redis-server as subprocesses.

Every fixture stops what it starts (terminate, then kill after a grace period). Servers bind
127.0.0.1 on free ports only.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ping(port: int, proc: subprocess.Popen, timeout: float = 15.0, password: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                data = s.recv(100)
                if data.startswith((b"+PONG", b"-NOAUTH")):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer PING in {timeout}s")


@dataclass
class ServerProc:
    port: int
    proc: subprocess.Popen
    args: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    tmpdir: str = ""                 # this server's own temporary folder, removed by stop()

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        return self.proc.returncode


def start_ours(*args: str, port: int | None = None, wait: bool = True, stderr=subprocess.PIPE,
               kind: type[ServerProc] = ServerProc) -> ServerProc:
    """Start `python -m resp_server` on a free port with extra CLI args (a config file first, as
    redis-server reads it); waits for PING.
    `stderr` is where its output goes (a pipe - then read `proc.stdout` -, or a file descriptor):
    the log (standard output with logfile "", as Redis) and stderr together; `kind` the
    handle's class."""
    port = port or free_port()
    conf = list(args[:1]) if args and not args[0].startswith("-") else []   # a config file first
    cmd = [sys.executable, "-m", "resp_server", *conf, "--port", str(port), "--bind", "127.0.0.1",
           *args[len(conf):]]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=stderr, stderr=subprocess.STDOUT)
    sp = kind(port, proc, list(args))
    if wait:
        try:
            wait_ping(port, proc)
        except RuntimeError:
            sp.stop()
            raise
    return sp


def start_redis(*args: str) -> ServerProc:
    """Start a real redis-server (no persistence) on a free port; skip if not installed."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (scripts/setup.sh installs it)")
    port = free_port()
    d = tempfile.mkdtemp(prefix="redis-test-")
    cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", d, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sp = ServerProc(port, proc, list(args), tmpdir=d)
    try:
        wait_ping(port, proc)
    except RuntimeError:
        sp.stop()
        raise
    return sp


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProc]:
    """One of our servers shared by the session (256 MiB cap, allkeys-lru like `redis_server`)."""
    sp = start_ours("--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")
    yield sp
    sp.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[ServerProc]:
    """A real redis-server shared by the session."""
    sp = start_redis("--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")
    yield sp
    sp.stop()


@pytest.fixture
def fresh_server(request) -> Iterator[ServerProc]:
    """A private server per test; parametrize args with @pytest.mark.server_args(...)."""
    marker = request.node.get_closest_marker("server_args")
    args = marker.args if marker else ()
    sp = start_ours(*args)
    yield sp
    sp.stop()


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "server_args(*args): CLI args for the fresh_server fixture")


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread (LMCache's clients submit coroutines to one)."""
    lp = asyncio.new_event_loop()
    th = threading.Thread(target=lp.run_forever, daemon=True)
    th.start()
    yield lp
    lp.call_soon_threadsafe(lp.stop)
    th.join(5)
