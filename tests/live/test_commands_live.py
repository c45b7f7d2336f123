"""The command set over real sockets: redis-py (RESP2/RESP3, sync/asyncio, hiredis or the pure
Python parser) and redis-cli subprocesses against our server.

Keys are prefixed per test (`cl:<test>:`) because the session server is shared.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis
import redis.asyncio as aredis
from redis._parsers import _RESP2Parser, _RESP3Parser

from tests.conftest import start_ours

PROTOCOLS = [2, 3]


def client(server, protocol: int, pure: bool = False, **kw) -> redis.Redis:
    """redis-py client; `pure` forces the pure-Python parser instead of hiredis."""
    if pure:
        parser = _RESP3Parser if protocol == 3 else _RESP2Parser
        pool = redis.ConnectionPool(port=server.port, protocol=protocol, parser_class=parser,
                                    **kw)
        return redis.Redis(connection_pool=pool)
    return redis.Redis(port=server.port, protocol=protocol, **kw)


@pytest.fixture(params=[(2, False), (3, False), (2, True), (3, True)],
                ids=["resp2", "resp3", "resp2-pure", "resp3-pure"])
def r(request, server):
    protocol, pure = request.param
    c = client(server, protocol, pure)
    yield c
    c.close()


def test_hello_handshake(server):
    c = client(server, 3)
    assert c.ping()
    meta = c.connection_pool.get_connection().handshake_metadata if hasattr(
        c.connection_pool, "get_connection") else None
    if meta is not None:
        assert meta.get(b"proto", meta.get("proto")) == 3
    info = c.client_info()
    assert info["resp"] == "3" and info["lib-name"].startswith("redis-py")
    c.close()


def test_strings(r):
    p = "cl:str:"
    assert r.set(p + "k", "v", ex=100)
    assert r.get(p + "k") == b"v"
    assert 99 <= r.ttl(p + "k") <= 100
    assert r.set(p + "k", "v2", nx=True) is None
    assert r.set(p + "k", "v2", xx=True, get=True) == b"v"
    assert r.getdel(p + "k") == b"v2"
    assert r.mset({p + "a": 1, p + "b": 2})
    assert r.mget([p + "a", p + "nokey", p + "b"]) == [b"1", None, b"2"]
    assert r.incr(p + "a") == 2
    assert r.incrbyfloat(p + "a", 0.5) == 2.5
    assert r.append(p + "b", "xyz") == 4
    assert r.getrange(p + "b", 1, -1) == b"xyz"
    assert r.setrange(p + "b", 1, "Q") == 4
    assert r.strlen(p + "b") == 4
    assert r.getex(p + "b", px=5000) == b"2Qyz"
    assert 0 < r.pttl(p + "b") <= 5000
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.incr(p + "b")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'set' command"):
        r.set(p + "k", "v", ex=0)
    r.delete(p + "a", p + "b")


def test_big_values(r):
    key = "cl:big"
    value = bytes(range(256)) * (40 * 1024)       # 10 MiB
    assert r.set(key, value)
    assert r.get(key) == value
    assert r.strlen(key) == len(value)
    assert r.getrange(key, 5_000_000, 5_000_009) == value[5_000_000:5_000_010]
    r.delete(key)


def test_keys_and_scan(r):
    p = "cl:scan:"
    r.mset({f"{p}{i}": i for i in range(300)})
    assert len(r.keys(p + "*")) == 300
    assert sorted(r.scan_iter(match=p + "1?", count=50)) == sorted(
        f"{p}1{i}".encode() for i in range(10))
    assert len(list(r.scan_iter(match=p + "*", count=7, _type="string"))) == 300
    assert list(r.scan_iter(match=p + "*", _type="list")) == []
    assert r.exists(p + "1", p + "2", p + "nokey") == 2
    assert r.type(p + "1") == b"string"
    assert r.rename(p + "1", p + "one")
    assert not r.renamenx(p + "one", p + "2")
    assert r.copy(p + "one", p + "copy")
    assert r.expire(p + "copy", 100, gt=True) is False
    assert r.expire(p + "copy", 100)
    assert r.persist(p + "copy")
    assert r.delete(*r.keys(p + "*")) == 301          # 300 + the copy


def test_databases(server):
    c = client(server, 2, db=5)
    c.set("cl:db", "five")
    assert client(server, 2).get("cl:db") is None
    assert c.move("cl:db", 6)
    assert client(server, 2, db=6).get("cl:db") == b"five"
    assert client(server, 3, db=6).dbsize() >= 1
    client(server, 2, db=6).delete("cl:db")


def test_transactions_and_watch(r, server):
    p = "cl:tx:"
    pipe = r.pipeline(transaction=True)
    pipe.set(p + "a", 1).incr(p + "a").get(p + "a")
    assert pipe.execute() == [True, 2, b"2"]
    other = client(server, 2)
    with r.pipeline() as pipe:
        pipe.watch(p + "a")
        other.set(p + "a", 10)
        pipe.multi()
        pipe.incr(p + "a")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert r.get(p + "a") == b"10"
    pipe = r.pipeline(transaction=True)
    pipe.set(p + "b", "x").incr(p + "b")
    out = pipe.execute(raise_on_error=False)
    assert out[0] is True and isinstance(out[1], redis.ResponseError)
    other.close()
    r.delete(p + "a", p + "b")


def test_pipeline_without_transaction(r):
    p = "cl:pipe:"
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.set(f"{p}{i}", i)
    for i in range(500):
        pipe.get(f"{p}{i}")
    out = pipe.execute()
    assert out[:500] == [True] * 500 and out[500:] == [str(i).encode() for i in range(500)]
    r.delete(*[f"{p}{i}" for i in range(500)])


def test_server_commands(r):
    info = r.info()
    assert info["redis_version"] == "7.0.15" and info["redis_mode"] == "standalone"
    assert info["cluster_enabled"] == 0 and info["role"] == "master"
    assert "used_memory" in r.info("memory") and "keyspace_hits" in r.info("stats")
    assert isinstance(r.info("commandstats"), dict)
    assert r.config_get("save") == {"save": ""}
    assert r.config_get("appendonly") == {"appendonly": "no"}
    assert r.config_get("maxmemory") == {"maxmemory": str(256 * 1024 * 1024)}
    assert r.config_set("slowlog-max-len", 200)
    assert r.command_count() > 60
    assert b"get" in r.command_list()
    now = r.time()
    assert abs(now[0] - time.time()) < 5
    r.set("cl:obj", "12")
    assert r.object("encoding", "cl:obj") in (b"int", "int")
    assert r.memory_usage("cl:obj") > 0
    assert isinstance(r.slowlog_get(), list)
    assert r.slowlog_len() >= 0
    r.delete("cl:obj")


def test_client_commands(r, server):
    assert r.client_setname("cl-worker")
    assert r.client_getname() in (b"cl-worker", "cl-worker")
    listed = r.client_list()
    assert any(c["name"] == "cl-worker" for c in listed)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as victim:
        victim.sendall(b"CLIENT ID\r\n")
        vid = int(victim.recv(100)[1:].strip())
        assert r.client_kill_filter(_id=vid) == 1
        assert victim.recv(100) == b""                    # closed by the server



def _qbuf(c: redis.Redis, name: str) -> tuple[int, int]:
    line = next(x for x in c.client_list() if x["name"] == name)
    return int(line["qbuf"]), int(line["qbuf-free"])


def _wait_qbuf(c: redis.Redis, name: str, want: int) -> tuple[int, int]:
    deadline = time.monotonic() + 5
    while (got := _qbuf(c, name))[0] != want and time.monotonic() < deadline:
        time.sleep(0.02)
    return got


@pytest.mark.parametrize("which", ["server", "redis_server"], ids=["ours", "redis"])
def test_client_list_qbuf_is_unparsed_input(request, which):
    """CLIENT LIST's qbuf of a client that sent half a request, seen from another connection:
    the bytes after the last header read (Redis: 3 bytes of `abc`; the received part of a big
    argument), and 0 once the request is complete - ours and real Redis alike."""
    sp = request.getfixturevalue(which)
    r = redis.Redis(port=sp.port)
    with socket.create_connection(("127.0.0.1", sp.port), timeout=5) as half:
        assert _raw(half, b"CLIENT SETNAME half") == b"+OK\r\n"
        half.sendall(b"*3\r\n$3\r\nSET\r\n$10\r\ncl:qbuf:k1\r\n$10\r\nabc")
        assert _wait_qbuf(r, "half", 3)[0] == 3
        assert _raw(half, b"defghij") == b"+OK\r\n"
        assert _wait_qbuf(r, "half", 0)[0] == 0
        half.sendall(b"*3\r\n$3\r\nSET\r\n$10\r\ncl:qbuf:k2\r\n$100000\r\n" + b"x" * 50_000)
        qbuf, free = _wait_qbuf(r, "half", 50_000)
        assert qbuf == 50_000 and free >= 50_000 - 64, (qbuf, free)
        assert _raw(half, b"x" * 50_000) == b"+OK\r\n"
        assert _wait_qbuf(r, "half", 0)[0] == 0
    r.delete("cl:qbuf:k1", "cl:qbuf:k2")
    r.close()

def test_monitor(server):
    c = client(server, 2)
    lines: list[str] = []
    ready = threading.Event()

    def watch() -> None:
        with c.monitor() as m:
            ready.set()
            for event in m.listen():
                lines.append(event["command"])
                if "cl:mon:stop" in event["command"]:
                    return

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    ready.wait(5)
    time.sleep(0.2)
    w = client(server, 2)
    w.set("cl:mon:k", "v v")
    w.get("cl:mon:stop")
    t.join(5)
    assert "SET cl:mon:k v v" in lines
    w.delete("cl:mon:k")


def test_asyncio_both_protocols(server):
    async def main() -> None:
        for protocol in PROTOCOLS:
            c = aredis.Redis(port=server.port, protocol=protocol)
            await c.set("cl:aio", "v")
            assert await c.get("cl:aio") == b"v"
            async with c.pipeline(transaction=True) as pipe:
                pipe.incr("cl:aio:n").incr("cl:aio:n")
                a, b = await pipe.execute()
                assert b == a + 1
            await c.delete("cl:aio", "cl:aio:n")
            await c.aclose()

    asyncio.run(main())


def test_unknown_data_type_commands(r):
    with pytest.raises(redis.ResponseError, match="unknown command 'LPUSH'"):
        r.lpush("cl:list", "x")


def _raw(sock: socket.socket, line: bytes) -> bytes:
    sock.sendall(line + b"\r\n")
    return sock.recv(1000)


def test_auth_and_reset():
    sp = start_ours("--requirepass", "s3cret")
    try:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=sp.port).ping()
        for protocol in PROTOCOLS:
            c = redis.Redis(port=sp.port, password="s3cret", protocol=protocol)
            assert c.ping() and c.set("cl:auth", "v")
            c.close()
        with socket.create_connection(("127.0.0.1", sp.port), timeout=5) as s:
            assert _raw(s, b"GET cl:auth") == b"-NOAUTH Authentication required.\r\n"
            assert _raw(s, b"HELLO 3").startswith(b"-NOAUTH HELLO must be called")
            assert _raw(s, b"HELLO 3 AUTH default s3cret").startswith(b"%7\r\n")
            assert _raw(s, b"GET cl:auth") == b"$1\r\nv\r\n"
            assert _raw(s, b"RESET") == b"+RESET\r\n"
            assert _raw(s, b"GET cl:auth") == b"-NOAUTH Authentication required.\r\n"
    finally:
        sp.stop()


def _cli(server, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(server.port), *args], capture_output=True,
                          text=True, timeout=20).stdout


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli is not installed")
def test_redis_cli_tools(server):
    _cli(server, "mset", "cl:cli:Qwen1", "a", "cl:cli:Qwen2", "b", "cl:cli:other", "c")
    found = _cli(server, "--scan", "--pattern", "cl:cli:Qwen*").split()
    assert sorted(found) == ["cl:cli:Qwen1", "cl:cli:Qwen2"]
    info = _cli(server, "info", "memory")
    assert "used_memory:" in info and "maxmemory_policy:" in info
    assert _cli(server, "config", "get", "maxmemory-policy").split() == [
        "maxmemory-policy", "allkeys-lru"]
    assert "redis_version:7.0.15" in _cli(server, "info")
    _cli(server, "del", "cl:cli:Qwen1", "cl:cli:Qwen2", "cl:cli:other")


@pytest.mark.skipif(shutil.which("redis-benchmark") is None, reason="redis-benchmark missing")
def test_redis_benchmark_has_no_errors(server):
    out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-t", "set,get,mset,incr,ping",
                          "-n", "2000", "-q", "--csv"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ERR" not in out.stdout + out.stderr
    assert '"SET"' in out.stdout and '"INCR"' in out.stdout
