"""TLS: --tls-port with a certificate made on the fly; redis-py rediss:// and redis-cli --tls;
client certificates required with --tls-ca-cert-file; big values through BufferedProtocol+uvloop."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import ServerProc, free_port, start_ours
from tests.hardening.helpers import record, rss_bytes

MIB = 1 << 20


def _start_tls(certs: dict[str, str], client_certs: bool) -> tuple[ServerProc, int]:
    tls_port = free_port()
    args = ["--tls-port", str(tls_port), "--tls-cert-file", certs["server_cert"],
            "--tls-key-file", certs["server_key"], "--maxmemory", "256mb"]
    if client_certs:
        args += ["--tls-ca-cert-file", certs["ca"]]
    return start_ours(*args), tls_port


@pytest.fixture(scope="module")
def tls_server(certs) -> Iterator[tuple[ServerProc, int]]:
    sp, port = _start_tls(certs, client_certs=False)
    yield sp, port
    sp.stop()


@pytest.fixture(scope="module")
def mtls_server(certs) -> Iterator[tuple[ServerProc, int]]:
    sp, port = _start_tls(certs, client_certs=True)
    yield sp, port
    sp.stop()


def _client(port: int, certs: dict[str, str], **kw) -> redis.Redis:
    return redis.Redis.from_url(f"rediss://127.0.0.1:{port}", ssl_ca_certs=certs["ca"],
                                socket_timeout=30, **kw)


def test_redis_py_rediss_big_values(tls_server, certs):
    _, port = tls_server
    r = _client(port, certs)
    assert r.ping()
    values = {f"tls:{n}": os.urandom(n) for n in (0, 1, 1000, 16 * 1024, 100_000, MIB + 7, 8 * MIB)}
    for k, v in values.items():
        assert r.set(k, v)
    for k, v in values.items():
        got = r.get(k)
        assert got is not None and hashlib.sha256(got).digest() == hashlib.sha256(v).digest(), k
    # a pipeline of 8 MiB values in both directions
    pipe = r.pipeline(transaction=False)
    for i in range(6):
        pipe.set(f"tls:p{i}", values["tls:8388608"][i:] + bytes(i))
    pipe.execute()
    pipe = r.pipeline(transaction=False)
    for i in range(6):
        pipe.get(f"tls:p{i}")
    for i, got in enumerate(pipe.execute()):
        assert got == values["tls:8388608"][i:] + bytes(i)
    record("values verified", len(values) + 6)
    assert r.info("server")["redis_version"]
    r.close()


def test_plain_client_on_tls_port_is_dropped(tls_server):
    sp, port = tls_server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        assert b"PONG" not in data
    record("bad inputs tried", 1)
    with socket.create_connection(("127.0.0.1", sp.port), timeout=5) as s:   # server still fine
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"


def test_redis_cli_tls(tls_server, certs):
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("redis-cli is not installed")
    _, port = tls_server
    base = [cli, "--tls", "--cacert", certs["ca"], "-h", "127.0.0.1", "-p", str(port)]
    probe = subprocess.run([*base, "PING"], capture_output=True, text=True, timeout=10)
    if "not supported" in probe.stderr.lower() or "unrecognized option" in probe.stderr.lower():
        pytest.skip("this redis-cli was built without TLS")
    assert probe.stdout.strip() == "PONG", probe
    out = subprocess.run([*base, "SET", "cli:tls", "hello"], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "OK"
    out = subprocess.run([*base, "GET", "cli:tls"], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "hello"


def test_client_certificate_required(mtls_server, certs):
    _, port = mtls_server
    anon = _client(port, certs, socket_connect_timeout=5)
    with pytest.raises((redis.ConnectionError, ssl.SSLError, OSError)):
        anon.ping()
    anon.close()
    r = _client(port, certs, ssl_certfile=certs["client_cert"], ssl_keyfile=certs["client_key"])
    v = os.urandom(3 * MIB)
    r.set("mtls", v)
    assert r.get("mtls") == v
    record("values verified", 1)
    r.close()
    cli = shutil.which("redis-cli")
    if cli is not None:
        base = [cli, "--tls", "--cacert", certs["ca"], "-h", "127.0.0.1", "-p", str(port)]
        out = subprocess.run([*base, "--cert", certs["client_cert"], "--key", certs["client_key"],
                              "PING"], capture_output=True, text=True, timeout=10)
        assert out.stdout.strip() == "PONG", out
        out = subprocess.run([*base, "PING"], capture_output=True, text=True, timeout=10)
        assert "PONG" not in out.stdout


def test_tls_non_reading_client_is_bounded(tls_server, certs):
    """Pipelined GETs of a 1 MiB value over TLS, replies never read: reading is paused."""
    sp, port = tls_server
    r = _client(port, certs)
    r.set("tls:big", os.urandom(MIB))
    base = rss_bytes(sp.proc.pid)
    ctx = ssl.create_default_context(cafile=certs["ca"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    s.settimeout(0.2)
    req = b"*2\r\n$3\r\nGET\r\n$7\r\ntls:big\r\n" * 2000
    sent = 0
    deadline = time.monotonic() + 5
    while sent < len(req) and time.monotonic() < deadline:
        try:
            sent += s.send(req[sent:sent + 16384])
        except (TimeoutError, ssl.SSLWantWriteError):
            pass
    time.sleep(1.0)
    grown = rss_bytes(sp.proc.pid) - base
    assert r.ping()                          # others are served meanwhile
    s.close()
    record("tls non-reading client rss growth MiB", grown // MIB, "max")
    assert grown < 96 * MIB, grown
    r.close()


@pytest.mark.parametrize("mode", ["no", "optional"])
def test_tls_auth_clients_no_and_optional(certs, mode):
    """`tls-auth-clients no|optional` (Redis's option): a client without a certificate gets in."""
    tls_port = free_port()
    sp = start_ours("--tls-port", str(tls_port), "--tls-cert-file", certs["server_cert"],
                    "--tls-key-file", certs["server_key"], "--tls-ca-cert-file", certs["ca"],
                    "--tls-auth-clients", mode)
    try:
        anon = _client(tls_port, certs, socket_connect_timeout=5)
        assert anon.ping()
        anon.close()
        if mode == "optional":
            r = _client(tls_port, certs, ssl_certfile=certs["client_cert"],
                        ssl_keyfile=certs["client_key"])
            assert r.ping()
            r.close()
    finally:
        sp.stop()
