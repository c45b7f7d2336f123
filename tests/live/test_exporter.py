"""Prometheus' redis_exporter (Debian: prometheus-redis-exporter) scrapes our server as it
scrapes a real redis-server 7.0.15: no error in its log, `redis_up 1`, and every series name it
exports for Redis it exports for us. Both servers get the same commands first (a key, an error,
a latency spike) so the same optional series exist on both."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from tests.compat.wire import RawConn
from tests.conftest import ServerProc, free_port, start_ours, start_redis

EXPORTER = shutil.which("prometheus-redis-exporter") or shutil.which("redis_exporter")
pytestmark = pytest.mark.skipif(
    EXPORTER is None, reason="prometheus-redis-exporter is not installed (scripts/setup.sh)")

SCRAPE_TIMEOUT = 20.0   # seconds to wait for the exporter to answer


def _prepare(port: int) -> None:
    c = RawConn(port)
    for args in (["SET", "k", "v"], ["GET", "k"], ["SET", "t", "v", "EX", "100"],
                 ["NOSUCHCOMMAND"], ["CONFIG", "SET", "latency-monitor-threshold", "10"],
                 ["DEBUG", "SLEEP", "0.05"]):
        c.call([a.encode() for a in args])
    c.close()


def _wait_listening(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + SCRAPE_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the exporter did not start listening")


def scrape(server: ServerProc) -> tuple[str, str]:
    """(metrics text, exporter log) of one scrape of `server`."""
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([EXPORTER, "-redis.addr", f"redis://127.0.0.1:{server.port}",
                             "-web.listen-address", f"127.0.0.1:{port}", "-redis-only-metrics"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, proc)
        url = f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(url, timeout=SCRAPE_TIMEOUT) as r:
            text = r.read().decode()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    log.seek(0)
    return text, log.read().decode(errors="replace")


def series(text: str) -> set[str]:
    return {re.split(r"[{ ]", line, maxsplit=1)[0] for line in text.splitlines()
            if line and not line.startswith("#")}


def test_exporter_scrapes_us_as_redis() -> None:
    theirs = start_redis("--enable-debug-command", "yes")
    ours: ServerProc | None = None
    try:
        ours = start_ours("--enable-debug-command", "yes")
        _prepare(theirs.port)
        _prepare(ours.port)
        redis_text, redis_log = scrape(theirs)
        our_text, our_log = scrape(ours)
    finally:
        theirs.stop()
        if ours is not None:
            ours.stop()
    assert "level=error" not in redis_log, redis_log          # the reference scrape is clean
    assert "level=error" not in our_log and "level=warn" not in our_log, our_log
    assert re.search(r"^redis_up 1$", our_text, re.M)
    missing = series(redis_text) - series(our_text)
    assert not missing, sorted(missing)
    for name in ("redis_latency_percentiles_usec", "redis_mem_clients_normal",
                 "redis_allocator_active_bytes", "redis_latency_spike_last"):
        assert name in series(our_text)
