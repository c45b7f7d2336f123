"""Authentication: requirepass, --user NAME:PASSWORD, HELLO AUTH, and the unauthenticated limits.

Error texts are compared byte for byte with a real redis-server started with the same password.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.conftest import ServerProc, start_ours, start_redis
from tests.hardening.helpers import Raw, cmd, record, rss_bytes

PASSWORD = "s3cret-pw"


@pytest.fixture(scope="module")
def ours() -> Iterator[ServerProc]:
    sp = start_ours("--requirepass", PASSWORD, "--user", "alice:wonderland", "--maxmemory", "64mb")
    yield sp
    sp.stop()


@pytest.fixture(scope="module")
def real() -> Iterator[ServerProc]:
    sp = start_redis("--requirepass", PASSWORD)
    yield sp
    sp.stop()


# Exchanges on a fresh connection: (request bytes, how many replies to read).
EXCHANGES = [
    (b"GET k\r\n", 1),
    (cmd("SET", "k", "v"), 1),
    (cmd("AUTH", "wrong"), 1),
    (cmd("AUTH", "default", "wrong"), 1),
    (cmd("AUTH", "nobody", "wrong"), 1),
    (cmd("HELLO", "3"), 1),
    (cmd("HELLO", "3", "AUTH", "default", "wrong"), 1),
    (cmd("AUTH", PASSWORD) + cmd("SET", "k", "v") + cmd("GET", "k"), 3),
    (cmd("AUTH", "default", PASSWORD) + cmd("PING"), 2),
    (cmd("PING") + cmd("AUTH", PASSWORD) + cmd("PING"), 3),
]


def _exchange(port: int, data: bytes, n: int) -> list[object]:
    with Raw(port) as r:
        r.send(data)
        return [_norm(r.reply()) for _ in range(n)]


def _norm(x: object) -> object:
    return f"-{x}" if isinstance(x, Exception) else x


@pytest.mark.parametrize("data,n", EXCHANGES, ids=[e[0][:30].decode(errors="replace") for e in EXCHANGES])
def test_auth_replies_match_redis(ours, real, data, n):
    assert _exchange(ours.port, data, n) == _exchange(real.port, data, n)


def test_exact_texts(ours):
    assert _exchange(ours.port, b"GET k\r\n", 1) == ["-NOAUTH Authentication required."]
    assert _exchange(ours.port, cmd("AUTH", "x"), 1) == [
        "-WRONGPASS invalid username-password pair or user is disabled."]


def test_hello3_auth(ours, real):
    for sp in (ours, real):
        with Raw(sp.port) as r:
            hello = r.call("HELLO", "3", "AUTH", "default", PASSWORD)
            assert isinstance(hello, dict) and hello[b"proto"] == 3
            assert r.call("PING") == b"PONG"


def test_user_list(ours):
    with Raw(ours.port) as r:
        assert _norm(r.call("AUTH", "alice", "nope")).startswith("-WRONGPASS")
        assert _norm(r.call("GET", "k")).startswith("-NOAUTH")
        assert r.call("AUTH", "alice", "wonderland") == b"OK"
        assert r.call("SET", "alice-key", "1") == b"OK"
    with Raw(ours.port) as r:
        hello = r.call("HELLO", "2", "AUTH", "alice", "wonderland")
        assert isinstance(hello, list) and b"proto" in hello
        assert r.call("GET", "alice-key") == b"1"


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_password(ours, protocol):
    def client(**kw) -> redis.Redis:   # no retries: redis-py 8 retries failed auth for seconds
        return redis.Redis(port=ours.port, protocol=protocol, retry=Retry(NoBackoff(), 0), **kw)

    bad = client(password="wrong")
    with pytest.raises(redis.AuthenticationError):
        bad.ping()
    r = client(password=PASSWORD)
    r.set("py", b"x" * 100_000)
    assert r.get("py") == b"x" * 100_000
    u = client(username="alice", password="wonderland")
    assert u.get("py") == b"x" * 100_000
    noauth = client()
    with pytest.raises(redis.AuthenticationError):
        noauth.get("py")
    for c in (bad, r, u, noauth):
        c.close()


def test_redis_cli_password(ours):
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("redis-cli is not installed")
    base = [cli, "-h", "127.0.0.1", "-p", str(ours.port)]
    out = subprocess.run([*base, "-a", PASSWORD, "--no-auth-warning", "SET", "cli", "v"],
                         capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "OK", out
    out = subprocess.run([*base, "--user", "alice", "--pass", "wonderland", "--no-auth-warning",
                          "GET", "cli"], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "v", out
    out = subprocess.run([*base, "GET", "cli"], capture_output=True, text=True, timeout=10)
    assert "NOAUTH Authentication required." in out.stdout + out.stderr
    out = subprocess.run([*base, "-a", "wrong", "--no-auth-warning", "GET", "cli"],
                         capture_output=True, text=True, timeout=10)
    assert "WRONGPASS" in out.stdout + out.stderr


# --- unauthenticated clients cannot make the server allocate --------------------------------

UNAUTH_BIG = [
    b"*11\r\n",                                            # more than 10 arguments
    b"*1048577\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16385\r\n",           # a bulk longer than 16 KiB
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n",
    b"*2\r\n$4\r\nAUTH\r\n$1073741824\r\n",
]


@pytest.mark.parametrize("data", UNAUTH_BIG, ids=[d[:24].decode() for d in UNAUTH_BIG])
def test_unauthenticated_limits_match_redis(ours, real, data):
    got = []
    for sp in (ours, real):
        with Raw(sp.port) as r:
            r.send(data)
            got.append(r.read_until_closed())
    assert got[0] == got[1]
    assert got[0].startswith(b"-ERR Protocol error: ")   # unauthenticated ..., or invalid ...
    record("bad inputs tried", 1)


def test_unauthenticated_flood_does_not_grow_memory(ours):
    """Many unauthenticated clients each announcing 512 MiB values: no memory is reserved."""
    before = rss_bytes(ours.proc.pid)
    socks = []
    for _ in range(50):
        r = Raw(ours.port)
        r.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + b"x" * 8192)
        socks.append(r)
    for r in socks:
        assert r.read_until_closed().startswith(b"-ERR Protocol error: unauthenticated bulk length")
        r.close()
    record("bad inputs tried", len(socks))
    assert rss_bytes(ours.proc.pid) - before < 16 << 20
    with Raw(ours.port) as r:
        assert r.call("AUTH", PASSWORD) == b"OK"
        assert r.call("PING") == b"PONG"
