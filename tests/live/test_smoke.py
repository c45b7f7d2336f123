"""Walking skeleton: the server starts, answers literal RESP bytes, redis-py and redis-cli."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess

import pytest
import redis

from tests.conftest import start_ours


def roundtrip(port: int, data: bytes, expect_len: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        out = b""
        while len(out) < expect_len:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


def test_ping_literal_bytes(server):
    assert roundtrip(server.port, b"*1\r\n$4\r\nPING\r\n", 7) == b"+PONG\r\n"
    assert roundtrip(server.port, b"PING\r\n", 7) == b"+PONG\r\n"


def test_pipeline_and_unknown_command(server):
    data = b"*3\r\n$3\r\nSET\r\n$5\r\nsmk_a\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$5\r\nsmk_a\r\n*2\r\n$3\r\nFOO\r\n$1\r\nx\r\n"
    want = b"+OK\r\n$1\r\n1\r\n-ERR unknown command 'FOO', with args beginning with: 'x' \r\n"
    assert roundtrip(server.port, data, len(want)) == want


def test_protocol_error_closes_only_that_connection(server):
    bad = roundtrip(server.port, b"*1\r\n$x\r\n", 100)
    assert bad == b"-ERR Protocol error: invalid bulk length\r\n"
    assert roundtrip(server.port, b"PING\r\n", 7) == b"+PONG\r\n"


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_set_get_big(server, protocol):
    r = redis.Redis(port=server.port, protocol=protocol)
    value = bytes(range(256)) * 40_000
    assert r.set("smk_big", value)
    assert r.get("smk_big") == value
    assert r.get("smk_missing") is None
    r.close()


def test_redis_cli(server):
    if shutil.which("redis-cli") is None:
        pytest.skip("redis-cli is not installed (scripts/setup.sh installs it)")
    cli = ["redis-cli", "-p", str(server.port)]
    assert subprocess.run([*cli, "set", "smk_k", "v"], capture_output=True, text=True, timeout=10).stdout.strip() == "OK"
    assert subprocess.run([*cli, "get", "smk_k"], capture_output=True, text=True, timeout=10).stdout.strip() == "v"


def test_sigterm_exits_zero():
    sp = start_ours()
    sp.proc.send_signal(signal.SIGTERM)
    assert sp.proc.wait(10) == 0
    err = sp.proc.stdout.read().decode()
    assert "started" in err and f"port={sp.port}" in err and "maxmemory" in err
