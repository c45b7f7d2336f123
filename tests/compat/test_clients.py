"""Real clients against our server: redis-py (sync, asyncio; RESP2/3; pure-Python and hiredis
parsers; pipelines with and without MULTI/EXEC; WATCH), redis-cli (one-shot, piped, --scan, info,
-3, monitor, --stat) and redis-benchmark.

Where a result is deterministic the same scenario runs on real Redis too and the two must match;
otherwise the assertions are about what a client needs (types, fields, no errors). Binaries that
are missing skip their tests with the reason.
"""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import shutil
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
import redis.asyncio as aredis
from redis._parsers import (
    _AsyncHiredisParser,
    _AsyncRESP2Parser,
    _HiredisParser,
    _RESP2Parser,
)
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.compat.conftest import Pair
from tests.compat.wire import RawConn, encode

try:
    import hiredis  # noqa: F401

    HAVE_HIREDIS = True
except ImportError:
    HAVE_HIREDIS = False

needs_hiredis = pytest.mark.skipif(not HAVE_HIREDIS, reason="hiredis is not installed")
SYNC_PARSERS = [pytest.param(_RESP2Parser, id="python"),
                pytest.param(_HiredisParser, id="hiredis", marks=needs_hiredis)]
ASYNC_PARSERS = [pytest.param(_AsyncRESP2Parser, id="python"),
                 pytest.param(_AsyncHiredisParser, id="hiredis", marks=needs_hiredis)]
PROTOCOLS = [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")]
BIG = bytes(range(256)) * 4096  # 1 MiB with every byte value


def _exc(f: Callable[[], Any]) -> Any:
    try:
        return f()
    except redis.RedisError as e:
        return (type(e).__name__, str(e))


def sync_scenario(r: redis.Redis) -> list[Any]:
    """A deterministic client session; its results must be the same on ours and on Redis."""
    r.flushall()
    out: list[Any] = [
        r.ping(), r.echo(b"hi"), r.set("a", "1"), r.get("a"), r.get("missing"),
        r.set("big", BIG), r.get("big") == BIG, r.strlen("big"),
        r.incr("a"), r.incrby("a", 10), r.decr("a"), r.incrbyfloat("f", 1.5),
        r.mset({"m1": "x", "m2": "y"}), r.mget("m1", "m2", "nope"), r.msetnx({"m1": "z"}),
        r.append("m1", "tail"), r.getrange("m1", 1, -2), r.setrange("m2", 3, "Q"), r.get("m2"),
        r.set("e", "v", ex=100), r.ttl("e") in (99, 100), r.expire("e", 200, gt=True),
        r.persist("e"), r.ttl("e"), r.set("e", "v", px=50_000, get=True), r.getex("e", persist=True),
        r.getdel("e"), r.exists("a", "a", "e"), r.type("a"), r.rename("a", "a2"),
        r.renamenx("a2", "m1"), r.copy("a2", "a3"), r.get("a3"), r.delete("a3", "nope"),
        sorted(r.keys("m*")), sorted(r.scan_iter(match="m*", count=1)), r.dbsize(),
        r.set("nx", "1", nx=True), r.set("nx", "2", nx=True), r.set("xx", "1", xx=True),
        r.expireat("m1", 4102444800), r.expiretime("m1"), r.pexpiretime("m1"),
        _exc(lambda: r.incr("m1")), _exc(lambda: r.execute_command("GET")),
        _exc(lambda: r.set("a", "1", ex=0)), _exc(lambda: r.execute_command("SET", "a", "1", "NX", "XX")),
        r.client_setname("compat-client"), r.client_getname(),
    ]
    return out


def pipeline_scenario(r: redis.Redis) -> list[Any]:
    r.flushall()
    out: list[Any] = []
    for transaction in (True, False):
        p = r.pipeline(transaction=transaction)
        p.set("p", "1").incr("p").get("p").mget("p", "q").delete("q").set("s", "str")
        out.append(p.execute())
        p = r.pipeline(transaction=transaction)
        p.set("p", "1").incr("s").incr("p")
        out.append([x if not isinstance(x, Exception) else str(x) for x in p.execute(raise_on_error=False)])
    p = r.pipeline(transaction=True)
    p.set("ok", "1").execute_command("SET", "bad")
    out.append(_exc(p.execute))
    out.append(r.get("ok"))
    return out


def watch_scenario(r: redis.Redis, other: redis.Redis) -> list[Any]:
    r.flushall()
    r.set("w", "1")
    out: list[Any] = [r.transaction(lambda p: p.multi() or p.incr("w"), "w")]
    with r.pipeline() as p:
        p.watch("w")
        current = int(p.get("w"))
        other.set("w", "100")
        p.multi()
        p.set("w", current + 1)
        out.append(_exc(p.execute))
    out.append(r.get("w"))
    with r.pipeline() as p:
        p.watch("w")
        p.multi()
        p.incr("w")
        out.append(p.execute())
    return out


def make(port: int, **kw: Any) -> redis.Redis:
    """A client on `port`; `parser_class` and other connection options go through its pool."""
    return redis.Redis(connection_pool=redis.ConnectionPool(port=port, **kw))


def amake(port: int, **kw: Any) -> aredis.Redis:
    return aredis.Redis(connection_pool=aredis.ConnectionPool(port=port, **kw))


def _clients(pair: Pair, **kw: Any) -> tuple[redis.Redis, redis.Redis]:
    return make(pair.redis.port, **kw), make(pair.ours.port, **kw)


@pytest.mark.parametrize("parser", SYNC_PARSERS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redis_py_sync_same_as_redis(pair: Pair, protocol: int, parser: type) -> None:
    theirs, ours = _clients(pair, protocol=protocol, parser_class=parser)
    try:
        assert ours.connection_pool.get_connection().protocol in (protocol, str(protocol))
        for scenario in (sync_scenario, pipeline_scenario):
            want, got = scenario(theirs), scenario(ours)
            assert got == want, scenario.__name__
        o2 = make(pair.ours.port, protocol=protocol, parser_class=parser)
        t2 = make(pair.redis.port, protocol=protocol, parser_class=parser)
        assert watch_scenario(ours, o2) == watch_scenario(theirs, t2)
        o2.close()
        t2.close()
    finally:
        theirs.close()
        ours.close()


@pytest.mark.parametrize("parser", SYNC_PARSERS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redis_py_sync_server_commands(pair: Pair, protocol: int, parser: type) -> None:
    r = make(pair.ours.port, protocol=protocol, parser_class=parser)
    try:
        hello = r.execute_command("HELLO", protocol)
        hello = {(k.decode() if isinstance(k, bytes) else k): v for k, v in
                 (hello.items() if isinstance(hello, dict) else zip(hello[0::2], hello[1::2], strict=True))}
        assert hello["proto"] == protocol and hello["version"] in (b"7.0.15", "7.0.15"), hello
        info = r.info()
        assert info["redis_version"] == "7.0.15" and info["redis_mode"] == "standalone"
        assert isinstance(info["used_memory"], int) and info["maxmemory"] == 256 * 1024 * 1024
        assert isinstance(r.client_id(), int)
        assert "name" in r.client_info()
        assert any(c.get("id") for c in r.client_list())
        assert r.config_get("maxmemory") == {"maxmemory": "268435456"}
        t = r.time()
        assert isinstance(t, tuple) and abs(t[0] - time.time()) < 5
        if not pair.ours_is_redis:
            with pytest.raises(redis.ResponseError,
                               match=r"^unknown command 'LPUSH', with args beginning with: 'l' 'x' $"):
                r.lpush("l", "x")
        assert r.execute_command("CLIENT SETINFO", "LIB-NAME", "compat") in (True, b"OK", "OK")
    finally:
        r.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redis_py_decode_responses(pair: Pair, protocol: int) -> None:
    theirs, ours = _clients(pair, protocol=protocol, decode_responses=True)
    try:
        def run(r: redis.Redis) -> list[Any]:
            r.flushall()
            return [r.set("ü", "välue"), r.get("ü"), r.mget("ü", "x"), sorted(r.keys()),
                    r.incrbyfloat("f", "0.1"), r.getrange("ü", 0, 2)]
        assert run(ours) == run(theirs)
    finally:
        theirs.close()
        ours.close()


# ---------------------------------------------------------------- asyncio

async def async_scenario(r: aredis.Redis, other: aredis.Redis) -> list[Any]:
    await r.flushall()
    out: list[Any] = [await r.ping(), await r.set("a", "1"), await r.incr("a"), await r.get("a"),
                      await r.set("big", BIG), (await r.get("big")) == BIG, await r.mget("a", "x")]
    out.append(sorted(await asyncio.gather(*(r.incr("cnt") for _ in range(50)))))
    async with r.pipeline(transaction=True) as p:
        p.set("p", "1").incr("p").get("p")
        out.append(await p.execute())
    async with r.pipeline(transaction=False) as p:
        p.set("q", "1").incr("a").get("q")
        out.append(await p.execute())
    async with r.pipeline() as p:
        await p.watch("a")
        await other.set("a", "changed")
        p.multi()
        p.incr("a")
        try:
            out.append(await p.execute())
        except redis.WatchError as e:
            out.append(("WatchError", str(e)))
    out.append(sorted([k async for k in r.scan_iter(match="*", count=2)]))
    try:
        await r.execute_command("SET", "a")
    except redis.ResponseError as e:
        out.append(str(e))
    return out


@pytest.mark.parametrize("parser", ASYNC_PARSERS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redis_py_asyncio_same_as_redis(pair: Pair, protocol: int, parser: type) -> None:
    async def run(port: int) -> list[Any]:
        r = amake(port, protocol=protocol, parser_class=parser)
        o = amake(port, protocol=protocol, parser_class=parser)
        try:
            return await async_scenario(r, o)
        finally:
            await r.aclose()
            await o.aclose()

    want = asyncio.run(run(pair.redis.port))
    got = asyncio.run(run(pair.ours.port))
    assert got == want


# ---------------------------------------------------------------- redis-cli

def _cli(port: int, *args: str, stdin: str | None = None, timeout: float = 10) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout).stdout


needs_cli = pytest.mark.skipif(shutil.which("redis-cli") is None,
                               reason="redis-cli is not installed (scripts/setup.sh installs it)")

CLI_ONE_SHOTS = [
    ["set", "a", "1"], ["get", "a"], ["incr", "a"], ["get", "missing"], ["mget", "a", "missing"],
    ["set", "s", "hello world"], ["get", "s"], ["incr", "s"], ["getrange", "s", "0", "4"],
    ["ttl", "a"], ["exists", "a", "s"], ["set", "a", "1", "EX", "0"], ["foo", "bar"],
    ["get"], ["--no-raw", "get", "s"], ["--raw", "get", "s"], ["--raw", "mget", "a", "s"],
    ["-3", "get", "missing"], ["-3", "incrbyfloat", "f", "1.5"], ["-3", "mget", "a", "missing"],
    ["-3", "config", "get", "maxmemory"], ["type", "a"], ["dbsize"], ["del", "a", "s", "f"],
    ["keys", "*"], ["scan", "0"], ["ping"], ["echo", "x y"],
]


@needs_cli
def test_redis_cli_one_shot_same_as_redis(pair: Pair) -> None:
    for sp in (pair.redis, pair.ours):
        _cli(sp.port, "flushall")
    for args in CLI_ONE_SHOTS:
        want, got = _cli(pair.redis.port, *args), _cli(pair.ours.port, *args)
        assert got == want, args


@needs_cli
def test_redis_cli_piped_same_as_redis(pair: Pair) -> None:
    script = "flushall\nset a 1\nget a\nincr a\nset b \"two words\"\nmget a b c\nincr b\nttl a\nfoo\n"
    want, got = _cli(pair.redis.port, stdin=script), _cli(pair.ours.port, stdin=script)
    assert got == want
    lpush = "ERR unknown command 'lpush', with args beginning with: 'l' 'x' \n\n"
    if not pair.ours_is_redis:
        assert _cli(pair.ours.port, stdin="lpush l x\n") == lpush
    shell = subprocess.run(f"echo -e 'set a 1\\nget a' | redis-cli -p {pair.ours.port}", shell=True,
                           executable="/bin/bash", capture_output=True, text=True, timeout=10)
    assert shell.stdout == "OK\n1\n"


@needs_cli
def test_redis_cli_scan_pattern(pair: Pair) -> None:
    results = []
    for sp in (pair.redis, pair.ours):
        r = redis.Redis(port=sp.port)
        r.flushall()
        r.mset({f"Qwen2-7B@{i}": "x" for i in range(300)} | {f"Llama@{i}": "y" for i in range(50)})
        r.close()
        out = _cli(sp.port, "--scan", "--pattern", "Qwen*")
        results.append(sorted(out.split()))
        assert len(set(out.split())) == 300, sp.port
        assert sorted(_cli(sp.port, "--scan", "--pattern", "Llama@4?").split()) == [f"Llama@4{i}" for i in range(10)]
    assert results[0] == results[1]


@needs_cli
def test_redis_cli_info(pair: Pair) -> None:
    out = _cli(pair.ours.port, "info")
    assert out.startswith("# Server"), out[:40]
    fields = dict(ln.split(":", 1) for ln in out.splitlines() if ":" in ln and not ln.startswith("#"))
    assert fields["redis_version"] == "7.0.15" and fields["redis_mode"] == "standalone"
    for f in ("used_memory", "maxmemory", "connected_clients", "total_commands_processed",
              "keyspace_hits", "keyspace_misses", "evicted_keys", "instantaneous_ops_per_sec"):
        assert f in fields, f
    mem = _cli(pair.ours.port, "info", "memory")
    assert mem.startswith("# Memory") and "used_memory:" in mem and "maxmemory_policy:allkeys-lru" in mem
    assert "# Server" not in mem


@needs_cli
def test_redis_cli_resp3(pair: Pair) -> None:
    out = _cli(pair.ours.port, "-3", "hello", "3")
    assert "proto" in out and "3" in out, out
    want = _cli(pair.redis.port, "-3", "ping")
    assert _cli(pair.ours.port, "-3", "ping") == want


@needs_cli
def test_redis_cli_monitor(pair: Pair) -> None:
    mon = subprocess.Popen(["redis-cli", "-p", str(pair.ours.port), "monitor"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert mon.stdout is not None
        assert mon.stdout.readline().strip() == "OK"
        r = redis.Redis(port=pair.ours.port)
        r.set("monk", "v")
        r.close()
        deadline = time.monotonic() + 5
        seen = ""
        while time.monotonic() < deadline and '"monk"' not in seen:
            seen = mon.stdout.readline()
        assert re.match(r'^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "monk" "v"$', seen.strip(), re.I), seen
    finally:
        mon.terminate()
        mon.wait(5)


@needs_cli
def test_redis_cli_pipe_mass_insert(pair: Pair) -> None:
    """`redis-cli --pipe`: RESP on stdin, then its ECHO marker; reports errors and replies."""
    data = b"".join(encode([b"SET", b"pipe:%d" % i, b"v%d" % i]) for i in range(5000))
    data += encode([b"INCR", b"pipe:1"])  # an error reply: value is not an integer
    for sp in (pair.redis, pair.ours):
        redis.Redis(port=sp.port).flushall()
        proc = subprocess.run(["redis-cli", "-p", str(sp.port), "--pipe"], input=data,
                              capture_output=True, timeout=30)
        out = proc.stdout.decode()
        assert "errors: 1, replies: 5001" in out, (sp.port, out)
        assert redis.Redis(port=sp.port).dbsize() == 5000


@needs_cli
def test_redis_cli_stdin_arg_and_repeat(pair: Pair, tmp_path) -> None:
    blob = bytes(range(256)) * 100
    path = tmp_path / "blob.bin"
    path.write_bytes(blob)
    for sp in (pair.redis, pair.ours):
        with path.open("rb") as f:
            out = subprocess.run(["redis-cli", "-p", str(sp.port), "-x", "set", "blob"], stdin=f,
                                 capture_output=True, text=True, timeout=10).stdout
        assert out.strip() == "OK"
        assert redis.Redis(port=sp.port).get("blob") == blob
        _cli(sp.port, "del", "rep")
        assert _cli(sp.port, "-r", "3", "incr", "rep").split() == ["1", "2", "3"]


@needs_cli
@pytest.mark.parametrize("flag", ["--bigkeys", "--memkeys"])
def test_redis_cli_bigkeys_memkeys(pair: Pair, flag: str) -> None:
    """Key sampling tools: SCAN + TYPE + STRLEN / MEMORY USAGE; the biggest key is found."""
    r = redis.Redis(port=pair.ours.port)
    r.flushall()
    r.mset({f"small:{i}": "x" for i in range(50)})
    r.set("the-biggest", "y" * 100_000)
    r.close()
    proc = subprocess.run(["redis-cli", "-p", str(pair.ours.port), flag], capture_output=True,
                          text=True, timeout=30)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Biggest string found" in out and "the-biggest" in out, out
    assert "51 keys" in out or "51 strings" in out, out
    assert "ERR" not in out and "error" not in out.lower(), out


def _monitor_lines(port: int, commands: list[tuple]) -> list[str]:
    """MONITOR lines seen while `commands` run, as `[db] "cmd" "arg"...` (no time, no address)."""
    mon = RawConn(port)
    try:
        assert mon.call([b"MONITOR"]) == b"+OK\r\n"
        r = redis.Redis(port=port, protocol=2)
        for args in commands:
            try:
                r.execute_command(*args)
            except redis.ResponseError:
                pass
        r.execute_command("ECHO", "monitor-end")
        r.close()
        lines = []
        while True:
            raw = mon.read_reply()
            line = raw[1:-2].decode("utf-8", "replace")
            lines.append(re.sub(r"^\d+\.\d{6} \[(\d+) [^\]]+\] ", r"[\1] ", line))
            if '"monitor-end"' in line:
                return lines
    finally:
        mon.close()


def test_monitor_lines_same_as_redis(pair: Pair) -> None:
    """MONITOR quoting (spaces, quotes, binary, newlines) and the db number, as Redis prints them."""
    commands = [("SET", "plain", "v"), ("SET", "with space", 'q"uote'), ("SET", b"bin\x00\xff", "\r\n"),
                ("GET", "plain"), ("SELECT", "3"), ("MGET", "a", "b"), ("SELECT", "0"), ("SET", "k"), ("INCR", "plain"),
                ("PING",)]
    want, got = _monitor_lines(pair.redis.port, commands), _monitor_lines(pair.ours.port, commands)
    assert got == want


def test_monitor_line_format(pair: Pair) -> None:
    mon = RawConn(pair.ours.port)
    try:
        mon.call([b"MONITOR"])
        r = redis.Redis(port=pair.ours.port, protocol=2)
        r.set("x", "1")
        r.close()
        line = mon.read_reply()
        assert re.match(rb'^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "x" "1"\r\n$', line, re.I), line
    finally:
        mon.close()


@needs_cli
def test_redis_cli_stat(pair: Pair) -> None:
    """`redis-cli --stat` polls INFO; run it on a pty (it buffers otherwise) for a few intervals."""
    master, slave = pty.openpty()
    stat = subprocess.Popen(["redis-cli", "-p", str(pair.ours.port), "--stat", "-i", "0.2"],
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and out.count(b"\n") < 4:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                out += os.read(master, 65536)
    finally:
        stat.terminate()
        stat.wait(5)
        os.close(master)
    text = out.decode(errors="replace")
    assert "keys" in text and "mem" in text and "requests" in text, text
    assert text.count("\n") >= 4, text
    assert "ERR" not in text and "error" not in text.lower(), text


# ---------------------------------------------------------------- redis-benchmark

BENCH_LINE = re.compile(r"^([A-Z_]+(?: \(\d+ keys\))?): ([\d.]+) requests per second")


@pytest.mark.skipif(shutil.which("redis-benchmark") is None,
                    reason="redis-benchmark is not installed (scripts/setup.sh installs redis-tools)")
def test_redis_benchmark_no_errors(pair: Pair) -> None:
    proc = subprocess.run(["redis-benchmark", "-p", str(pair.ours.port), "-t", "set,get,mset,incr,ping",
                           "-n", "20000", "-q"], capture_output=True, text=True, timeout=90)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-2000:]
    finals = {}
    for chunk in re.split(r"[\r\n]+", out):
        m = BENCH_LINE.match(chunk.strip())
        if m:
            finals[m.group(1)] = float(m.group(2))
    assert set(finals) == {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}, finals
    assert all(rps > 0 for rps in finals.values()), finals
    assert "ERR" not in out and "error" not in out.lower() and "WARNING" not in out, out[-2000:]


# ---------------------------------------------------------------- connection options and volume

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redis_py_url_db_name_and_auth(pair: Pair, auth_pair: Pair, protocol: int) -> None:
    """redis-py connect-time commands: SELECT from the URL's db, CLIENT SETNAME, AUTH/HELLO AUTH."""
    from tests.compat.conftest import AUTH_PASSWORD

    r = redis.Redis.from_url(f"redis://127.0.0.1:{pair.ours.port}/3", protocol=protocol,
                             client_name="url-client")
    try:
        r.set("in-db3", "1")
        assert r.client_getname() in ("url-client", b"url-client")
        assert int(r.client_info()["db"]) == 3
        assert redis.Redis(port=pair.ours.port, db=3).get("in-db3") == b"1"
        assert redis.Redis(port=pair.ours.port, db=0).get("in-db3") is None
    finally:
        r.close()
    outcomes = []
    for sp in (auth_pair.redis, auth_pair.ours):
        good = redis.Redis(port=sp.port, protocol=protocol, password=AUTH_PASSWORD)
        named = redis.Redis(port=sp.port, protocol=protocol, username="default", password=AUTH_PASSWORD)
        once = {"retry": Retry(NoBackoff(), 0)}  # no reconnect loop on the expected failures
        bad = redis.Redis(port=sp.port, protocol=protocol, password="wrong", **once)
        anon = redis.Redis(port=sp.port, protocol=protocol, **once)
        try:
            outcomes.append([good.set("a", "1"), named.get("a"), _exc(bad.ping), _exc(anon.ping)])
        finally:
            for c in (good, named, bad, anon):
                c.close()
    assert outcomes[1] == outcomes[0]


def test_redis_py_big_pipeline_same_as_redis(pair: Pair) -> None:
    """10 000 commands in one non-transactional pipeline (one write), then the same in MULTI."""
    results = []
    for sp in (pair.redis, pair.ours):
        r = redis.Redis(port=sp.port)
        try:
            r.flushall()
            p = r.pipeline(transaction=False)
            for i in range(5000):
                p.set(f"k{i}", i)
                p.incr(f"k{i}")
            out = p.execute()
            p = r.pipeline(transaction=True)
            for i in range(0, 5000, 7):
                p.get(f"k{i}")
            results.append((out, p.execute(), r.dbsize()))
        finally:
            r.close()
    assert results[1] == results[0]


def test_redis_py_asyncio_many_clients(pair: Pair) -> None:
    """200 concurrent coroutines over a pool of 20 connections: no lost or mixed replies."""
    async def run() -> None:
        r = aredis.Redis(connection_pool=aredis.BlockingConnectionPool(port=pair.ours.port,
                                                                       max_connections=20))
        try:
            await r.delete("ctr")

            async def worker(n: int) -> list:
                out = []
                for i in range(25):
                    await r.incr("ctr")
                    out.append(await r.echo(f"{n}:{i}"))
                return out

            results = await asyncio.gather(*(worker(n) for n in range(200)))
            assert all(res == [f"{n}:{i}".encode() for i in range(25)] for n, res in enumerate(results))
            assert int(await r.get("ctr")) == 5000
        finally:
            await r.aclose()
            await r.connection_pool.disconnect()   # a pool passed in is not closed by aclose()

    asyncio.run(run())
