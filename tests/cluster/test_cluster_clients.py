"""Stock Redis Cluster clients against three of our nodes: redis-py RedisCluster (sync and
asyncio), redis-cli -c, redis-benchmark --cluster. Each must route, follow MOVED and see the
keys spread over all nodes."""

from __future__ import annotations

import asyncio
import re
import subprocess

import pytest
import redis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

pytestmark = pytest.mark.timeout(120)


def _dbsizes(procs) -> list[int]:
    out = []
    for sp in procs:
        r = redis.Redis(port=sp.port)
        out.append(r.dbsize())
        r.close()
    return out


def _flush(procs) -> None:
    for sp in procs:
        r = redis.Redis(port=sp.port)
        r.flushall()
        r.close()


def test_redis_py_sync(our_cluster):
    _flush(our_cluster)
    rc = RedisCluster(host="127.0.0.1", port=our_cluster[1].port)
    try:
        assert len(rc.get_nodes()) == 3
        for i in range(300):
            assert rc.set(f"k{i}", f"v{i}")
        assert rc.get("k7") == b"v7"
        keys = [f"k{i}" for i in range(300)]
        assert rc.mget_nonatomic(keys) == [f"v{i}".encode() for i in range(300)]
        assert rc.mset_nonatomic({f"m{i}": i for i in range(50)})
        pipe = rc.pipeline()
        for i in range(100):
            pipe.set(f"p{i}", i)
            pipe.get(f"p{i}")
        res = pipe.execute()
        assert res[1::2] == [str(i).encode() for i in range(100)]
        assert rc.delete("k1") == 1 and rc.get("k1") is None
        assert rc.mget(["{t}a", "{t}b"]) == [None, None]       # one slot: a plain MGET works
        with pytest.raises(redis.exceptions.RedisClusterException):
            rc.mget(["a", "b"])                                 # client refuses cross-slot
    finally:
        rc.close()
    sizes = _dbsizes(our_cluster)
    assert sum(sizes) == 299 + 50 + 100 and min(sizes) > 100      # spread over all three
    _flush(our_cluster)


def test_redis_py_asyncio(our_cluster):
    async def run() -> None:
        rc = AsyncRedisCluster(host="127.0.0.1", port=our_cluster[2].port)
        try:
            await rc.initialize()
            await asyncio.gather(*(rc.set(f"a{i}", i) for i in range(200)))
            got = await rc.mget_nonatomic([f"a{i}" for i in range(200)])
            assert got == [str(i).encode() for i in range(200)]
            async with rc.pipeline() as pipe:
                for i in range(100):
                    pipe.get(f"a{i}")
                assert await pipe.execute() == [str(i).encode() for i in range(100)]
        finally:
            await rc.aclose()
    _flush(our_cluster)
    asyncio.run(run())
    assert min(_dbsizes(our_cluster)) > 40
    _flush(our_cluster)


def test_redis_cli_follows_moved(our_cluster):
    port = our_cluster[0].port
    for i in range(10):
        r = subprocess.run(["redis-cli", "-c", "-p", str(port), "SET", f"cli{i}", f"x{i}"],
                           capture_output=True, text=True, timeout=10)
        assert r.stdout.strip() == "OK", r.stdout + r.stderr
    r = subprocess.run(["redis-cli", "-c", "-p", str(port), "GET", "cli3"], capture_output=True,
                       text=True, timeout=10)
    assert r.stdout.strip() == "x3"
    plain = subprocess.run(["redis-cli", "-p", str(port), "GET", "foo"], capture_output=True,
                           text=True, timeout=10)
    assert plain.stdout.startswith("MOVED 12182 127.0.0.1:")      # not a tty: no "(error)"
    _flush(our_cluster)


def test_redis_benchmark_cluster(our_cluster):
    r = subprocess.run(["redis-benchmark", "--cluster", "-p", str(our_cluster[0].port), "-n",
                        "3000", "-P", "8", "-c", "6", "-t", "set,get", "-q"],
                       capture_output=True, text=True, timeout=90)
    out = r.stdout.replace("\r", "\n")
    assert r.returncode == 0, out + r.stderr
    rps = dict(re.findall(r"^(SET|GET): ([\d.]+) requests per second", out, re.M))
    assert set(rps) == {"SET", "GET"} and all(float(v) > 0 for v in rps.values()), out
    assert "Cluster has 3 master nodes" in out
    assert min(_dbsizes(our_cluster)) > 0          # SETs landed on every node
    _flush(our_cluster)
