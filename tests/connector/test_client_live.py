"""ChunkClient / AsyncChunkClient against live servers: ours and a real redis-server, RESP2/3."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import redis

from connector import AsyncChunkClient, ChunkClient, SerdeError

CASES = [  # (dtype_name or None, storage dtype, shape)
    (None, np.float16, (2, 4, 16, 8)),
    ("bfloat16", np.uint16, (2, 3, 256, 16)),
    (None, np.float32, (7, 13)),
    (None, np.uint8, (1,)),
    ("float8_e4m3fn", np.uint8, (2, 2, 2, 2, 2, 2, 2, 2)),
    (None, np.float32, ()),
    (None, np.float16, (0, 8)),
]


def pattern(shape, dtype, seed=0) -> np.ndarray:
    """Non-repeating bytes, so overlapping or shifted payloads would be caught."""
    rng = np.random.default_rng(seed)
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    return rng.integers(0, 256, nbytes, dtype=np.uint8).view(dtype).reshape(shape)


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bitwise equality (random bit patterns include NaNs)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def client(request, target):
    with ChunkClient(target.url, protocol=request.param) as c:
        yield c


@pytest.mark.parametrize(("name", "dtype", "shape"), CASES)
def test_round_trip(client, prefix, name, dtype, shape):
    arr = pattern(shape, dtype)
    key = prefix + "k"
    client.put(key, arr, dtype_name=name)
    got, header = client.get_with_header(key)
    assert got.dtype == np.dtype(dtype) and got.shape == shape and same(got, arr)
    assert header.dtype.name == (name or np.dtype(dtype).name)
    out = np.zeros_like(arr)
    assert client.get_into(key, out) and same(out, arr)


def test_missing_keys(client, prefix):
    assert client.get(prefix + "none") is None
    assert client.get_into(prefix + "none", np.zeros(4, np.uint8)) is False
    assert client.batch_get([prefix + "a", prefix + "b"]) == [None, None]
    assert client.prefix_hits([prefix + "a"]) == 0
    assert client.prefix_hits([]) == 0


def test_batches_and_prefix_hits(client, prefix):
    keys = [f"{prefix}{i}" for i in range(6)]
    arrays = [pattern((64, 32), np.float16, seed=i) for i in range(6)]
    client.batch_put(keys, arrays)
    client.delete(keys[3])
    assert client.prefix_hits(keys) == 3
    assert client.prefix_hits(keys[:3]) == 3
    assert client.prefix_hits(keys[4:]) == 2
    outs = [np.zeros_like(a) for a in arrays]
    assert client.batch_get_into(keys, outs) == [True, True, True, False, True, True]
    for i in (0, 1, 2, 4, 5):
        assert same(outs[i], arrays[i])
    assert not outs[3].any()
    got = client.batch_get(keys)
    assert got[3] is None and same(got[5], arrays[5])
    assert client.delete(*keys) == 5 and client.exists(keys[0]) is False


def test_big_chunks(target, prefix):
    arrays = [pattern((2, 32, 256, 512), np.uint16, seed=i) for i in range(2)]  # 16 MiB each
    keys = [prefix + "big0", prefix + "big1"]
    with ChunkClient(target.url) as c:
        c.batch_put(keys, arrays, dtype_name="bfloat16")
        outs = [np.empty_like(a) for a in arrays]
        assert c.batch_get_into(keys, outs) == [True, True]
        assert all(same(a, o) for a, o in zip(arrays, outs, strict=True))
        c.delete(*keys)


def test_lz4_round_trip_and_cross_reading(target, prefix):
    arr = np.zeros((2, 4, 256, 64), np.float16)
    arr[0, :, ::7] = 1.5
    with ChunkClient(target.url, serde="lz4") as lz, ChunkClient(target.url) as naive:
        lz.put(prefix + "z", arr)
        raw = redis.Redis.from_url(target.url, protocol=2).strlen(prefix + "z")
        assert raw < arr.nbytes // 10
        out = np.empty_like(arr)
        assert naive.get_into(prefix + "z", out) and same(out, arr)
        got, header = lz.get_with_header(prefix + "z")
        assert header.compressed and same(got, arr)


def test_corrupt_values_raise_and_connection_survives(target, prefix):
    r = redis.Redis.from_url(target.url, protocol=2)
    good = pattern((16,), np.float32)
    with ChunkClient(target.url, max_connections=1) as c:
        c.put(prefix + "good", good)
        r.set(prefix + "junk", b"x" * 200)
        r.set(prefix + "short", b"RKV1")
        value = bytearray(r.get(prefix + "good"))
        value[70] ^= 0xFF  # payload byte: undetectable by design, header is fine
        value[20] ^= 0x01  # header byte: CRC must catch it
        r.set(prefix + "flipped", bytes(value))
        for key, match in [("junk", "bad magic"), ("short", "shorter"), ("flipped", "checksum")]:
            with pytest.raises(SerdeError, match=match):
                c.get(prefix + key)
        out = np.zeros(16, np.float32)
        with pytest.raises(SerdeError):
            c.batch_get_into([prefix + "junk", prefix + "good"], [out, out.copy()])
        assert c.get_into(prefix + "good", out) and same(out, good)  # same connection


def test_get_into_wrong_size_is_a_clear_error(client, prefix):
    client.put(prefix + "k", np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="destination holds 60 bytes, the stored chunk has 64"):
        client.get_into(prefix + "k", np.zeros(15, np.float32))
    with pytest.raises(ValueError, match="read-only"):
        client.get_into(prefix + "k", bytes(64))
    assert client.ping()


def test_namespace_isolates_keys(target, prefix):
    with ChunkClient(target.url, namespace="nsA") as a, ChunkClient(target.url, namespace="nsB") as b:
        a.put(prefix + "k", np.ones(3, np.uint8))
        assert b.get(prefix + "k") is None
        assert a.keys(prefix + "*") == [f"nsA:{prefix}k".encode()]
        a.delete(prefix + "k")


def test_db_selection(target, prefix):
    with ChunkClient(target.url + "/1") as c1, ChunkClient(target.url) as c0:
        c1.put(prefix + "k", np.ones(3, np.uint8))
        assert c0.get(prefix + "k") is None and c1.get(prefix + "k") is not None
        c1.delete(prefix + "k")


def test_threads_share_a_pool(target, prefix):
    from concurrent.futures import ThreadPoolExecutor

    with ChunkClient(target.url, max_connections=3) as c:
        def work(i: int) -> bool:
            arr = pattern((1024,), np.float16, seed=i)
            c.put(f"{prefix}{i}", arr)
            return same(c.get(f"{prefix}{i}"), arr)

        with ThreadPoolExecutor(8) as ex:
            assert all(ex.map(work, range(40)))
        assert c.prefix_hits([f"{prefix}{i}" for i in range(40)]) == 40


@pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])
def test_async_client(target, prefix, protocol):
    async def main() -> None:
        async with AsyncChunkClient(target.url, protocol=protocol, max_connections=4) as c:
            assert await c.ping()
            keys = [f"{prefix}{i}" for i in range(8)]
            arrays = [pattern((2, 8, 256, 64), np.uint16, seed=i) for i in range(8)]
            await asyncio.gather(*(c.put(k, a, dtype_name="bfloat16")
                                   for k, a in zip(keys[:4], arrays[:4], strict=True)))
            await c.batch_put(keys[4:], arrays[4:], dtype_name="bfloat16")
            await c.delete(keys[6])
            assert await c.prefix_hits(keys) == 6
            outs = [np.zeros_like(a) for a in arrays]
            assert await c.batch_get_into(keys, outs) == [True] * 6 + [False, True]
            assert same(outs[7], arrays[7])
            one = await asyncio.gather(*(c.get(k) for k in keys[:4]))
            assert all(same(g, a) for g, a in zip(one, arrays, strict=False))
            assert await c.get(keys[6]) is None
            out = np.zeros_like(arrays[0])
            assert await c.get_into(keys[0], out) and same(out, arrays[0])
            assert len(await c.keys(prefix + "*")) == 7

    asyncio.run(main())
