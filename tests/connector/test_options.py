"""Connection options against private servers: unix socket, password (+db), timeouts."""

from __future__ import annotations

import os
import socket
import tempfile
import time

import numpy as np
import pytest

from connector import ChunkClient, HandshakeError

SERVERS = ("ours", "redis")


@pytest.mark.parametrize("kind", SERVERS)
def test_unix_socket(kind, private_server):
    path = os.path.join(tempfile.mkdtemp(prefix="rkv-"), "s.sock")
    args = ("--unixsocket", path) if kind == "ours" else ("--unixsocket", path, "--unixsocketperm", "700")
    private_server(kind, None, *args)
    for _ in range(100):
        if os.path.exists(path):
            break
        time.sleep(0.02)
    with ChunkClient(f"unix://{path}?db=2") as c:
        arr = np.arange(1000, dtype=np.float32)
        c.put("u", arr)
        assert np.array_equal(c.get("u"), arr) and c.prefix_hits(["u", "v"]) == 1


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])
def test_password_and_db(kind, protocol, private_server):
    sp = private_server(kind, None, "--requirepass", "s3cr3t")
    url = f"redis://:s3cr3t@127.0.0.1:{sp.port}/3"
    with ChunkClient(url, protocol=protocol) as c:
        c.put("p", np.ones(8, np.uint8))
        assert c.get("p") is not None
    with ChunkClient(f"redis://127.0.0.1:{sp.port}/3", protocol=protocol) as c:
        with pytest.raises(Exception, match="NOAUTH|Authentication"):
            c.get("p")
    with ChunkClient(f"redis://:wrong@127.0.0.1:{sp.port}", protocol=protocol) as c:
        with pytest.raises(HandshakeError):
            c.ping()


def test_read_timeout_closes_the_connection():
    """A server that accepts but never answers: TimeoutError, not retried, socket dropped."""
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4)
        port = lsock.getsockname()[1]
        with ChunkClient(f"redis://127.0.0.1:{port}", socket_timeout=0.2) as c:
            t0 = time.monotonic()
            with pytest.raises(TimeoutError):
                c.get("k")
            assert time.monotonic() - t0 < 2
            assert c._pool._idle == []


def test_connect_refused_is_a_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with ChunkClient(f"redis://127.0.0.1:{port}", connect_timeout=1) as c:
        with pytest.raises(ConnectionError):
            c.ping()


def test_async_read_timeout():
    import asyncio

    from connector import AsyncChunkClient

    async def main(port: int) -> None:
        async with AsyncChunkClient(f"redis://127.0.0.1:{port}", socket_timeout=0.2) as c:
            with pytest.raises(TimeoutError):
                await c.get("k")
            assert c._pool._idle == []

    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4)
        asyncio.run(main(lsock.getsockname()[1]))


@pytest.mark.parametrize("kind", SERVERS)
def test_tls(kind, private_server, tmp_path):
    """rediss:// with a CA file (sync) and with ssl_cert_reqs=none (asyncio -> worker threads)."""
    import asyncio
    import shutil
    import subprocess

    from connector import AsyncChunkClient

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        tls_port = s.getsockname()[1]
    try:
        tls = ["--tls-port", str(tls_port), "--tls-cert-file", str(cert), "--tls-key-file", str(key)]
        if kind == "redis":  # ours has no tls-auth-clients; without a CA file it asks no client cert
            tls += ["--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"]
        private_server(kind, None, *tls)
    except RuntimeError:
        pytest.skip(f"this {kind} server has no TLS support")
    arr = np.arange(3 << 20, dtype=np.uint8).reshape(3, -1)
    with ChunkClient(f"rediss://127.0.0.1:{tls_port}?ssl_ca_certs={cert}") as c:
        c.put("t", arr)
        out = np.empty_like(arr)
        assert c.batch_get_into(["t", "x"], [out, out.copy()]) == [True, False]
        assert np.array_equal(out, arr)

    async def main() -> None:
        async with AsyncChunkClient(f"rediss://127.0.0.1:{tls_port}?ssl_cert_reqs=none") as c:
            assert await c.ping() and np.array_equal(await c.get("t"), arr)

    asyncio.run(main())
