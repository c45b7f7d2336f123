"""Warm restart over real processes: --memory-file, SHUTDOWN, kill -9, changed options.

Each test starts our server (a subprocess, real sockets, redis-py) on a memory file in a private
directory on /dev/shm (tmp if there is none), stops it the way under test and starts it again
on the same file. Values are non-repeating (random bytes) and compared by SHA-256, TTLs by
PEXPIRETIME (absolute, so equal across the restart); the eviction order by running the same
commands on a control server that never restarts and comparing which keys survive.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis

from resp_server.store.memfile import CLEAN, MemoryFile
from resp_server.store.warm import MAGIC, meta_digest
from tests.conftest import ServerProc, start_ours

MIB = 1024 * 1024
CHUNK = 3 * MIB


@pytest.fixture
def memdir() -> Iterator[str]:
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    d = tempfile.mkdtemp(prefix="resp-warm-test-", dir=base)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def start(path: str, *args: str) -> ServerProc:
    return start_ours("--maxmemory", "256mb", "--memory-file", path, *args)


def client(sp: ServerProc) -> redis.Redis:
    return redis.Redis(port=sp.port, socket_timeout=60)


def shutdown(sp: ServerProc, *flags: str) -> None:
    """SHUTDOWN [flags] over a real connection; the server closes it and exits 0."""
    r = client(sp)
    with pytest.raises(redis.ConnectionError):
        r.execute_command("SHUTDOWN", *flags)
    r.close()
    assert sp.proc.wait(30) == 0


def persistence(r: redis.Redis) -> dict:
    return r.info("persistence")


def fill_small(r: redis.Redis, n: int, seed: int = 1) -> dict[bytes, tuple[bytes, int]]:
    """n keys with random 20..300-byte values, two in three with a TTL: key -> (sha, pexpiretime)."""
    rnd = random.Random(seed)
    pipe = r.pipeline(transaction=False)
    values = {}
    for i in range(n):
        key = b"small:%d" % i
        value = rnd.randbytes(rnd.randint(20, 300))
        values[key] = value
        if i % 3:
            pipe.set(key, value, px=rnd.randint(600_000, 3_600_000))
        else:
            pipe.set(key, value)
        if len(pipe) >= 1000:
            pipe.execute()
    pipe.execute()
    return {k: (hashlib.sha256(v).digest(), t) for (k, v), t in
            zip(values.items(), pexpiretimes(r, list(values)), strict=True)}


def pexpiretimes(r: redis.Redis, keys: list[bytes]) -> list[int]:
    pipe = r.pipeline(transaction=False)
    out = []
    for i, k in enumerate(keys):
        pipe.execute_command("PEXPIRETIME", k)
        if i % 1000 == 999:
            out += pipe.execute()
    return out + pipe.execute()


def digests(r: redis.Redis, keys: list[bytes]) -> list[bytes | None]:
    pipe = r.pipeline(transaction=False)
    out: list[bytes | None] = []
    for i, k in enumerate(keys):
        pipe.get(k)
        if i % 1000 == 999:
            out += [None if v is None else hashlib.sha256(v).digest() for v in pipe.execute()]
    return out + [None if v is None else hashlib.sha256(v).digest() for v in pipe.execute()]


@pytest.mark.slow
def test_restart_keeps_every_value_and_ttl(memdir: str) -> None:
    path = os.path.join(memdir, "cache.mem")
    sp = start(path)
    try:
        r = client(sp)
        rnd = random.Random(7)
        big = {}
        for i in range(30):                  # 90 MiB of 3 MiB chunks (a KV-cache's shape)
            value = rnd.randbytes(CHUNK)
            r.set(b"chunk:%d" % i, value)
            big[b"chunk:%d" % i] = hashlib.sha256(value).digest()
        small = fill_small(r, 50_000)
        before = r.dbsize()
        assert persistence(r)["last_restart_cold_reason"] == "new memory file"
        r.close()
        shutdown(sp)
        sp = start(path)
        r = client(sp)
        info = persistence(r)
        assert info["memory_file"] == path and info["last_restart_cold_reason"] == ""
        assert info["last_restart_adopted_keys"] == before == r.dbsize() == 50_030
        assert digests(r, list(big)) == list(big.values())
        assert digests(r, list(small)) == [s for s, _ in small.values()]
        assert pexpiretimes(r, list(small)) == [t for _, t in small.values()]
        r.set(b"after", b"x" * 5000)         # the adopted cache takes writes as usual
        assert r.get(b"after") == b"x" * 5000 and r.get(b"chunk:0") is not None
        r.close()
    finally:
        sp.stop()


def _lru_workload(r: redis.Redis, n: int, seed: int) -> None:
    rnd = random.Random(seed)
    for i in range(n):
        r.set(b"k:%d" % i, rnd.randbytes(4000))
    for _ in range(n):
        r.get(b"k:%d" % rnd.randrange(n))


def _evict_and_list(r: redis.Redis, n: int) -> list[bytes]:
    for i in range(n):
        r.set(b"new:%d" % i, b"n" * 4000)
    return sorted(k for k in r.scan_iter(match="k:*", count=1000))


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-s3fifo"])
def test_restart_keeps_the_eviction_order(memdir: str, policy: str) -> None:
    """After the restart, new writes evict exactly the keys a server that never stopped evicts."""
    args = ("--maxmemory", "12mb", "--maxmemory-policy", policy)
    path = os.path.join(memdir, "cache.mem")
    warm = start_ours(*args, "--memory-file", path)
    control = start_ours(*args)
    try:
        for sp in (warm, control):
            r = client(sp)
            _lru_workload(r, 1500, seed=3)   # ~8.5 MiB: no eviction yet
            assert r.info("stats")["evicted_keys"] == 0
            r.close()
        shutdown(warm)
        warm = start_ours(*args, "--memory-file", path)
        rw, rc = client(warm), client(control)
        assert persistence(rw)["last_restart_adopted_keys"] == 1500
        survivors = _evict_and_list(rw, 1300), _evict_and_list(rc, 1300)
        assert rc.info("stats")["evicted_keys"] > 250
        assert survivors[0] == survivors[1]
        rw.close()
        rc.close()
    finally:
        warm.stop()
        control.stop()


def _fill_and_shutdown(path: str) -> dict:
    """Fill, SHUTDOWN (clean), return what the values were."""
    sp = start(path)
    try:
        r = client(sp)
        small = fill_small(r, 500, seed=5)
        r.set(b"chunk", random.Random(9).randbytes(CHUNK))
        r.close()
        shutdown(sp)
    finally:
        sp.stop()
    return small


def _start_cold(path: str, *args: str) -> str:
    sp = start(path, *args)
    try:
        r = client(sp)
        assert r.dbsize() == 0 and r.get(b"chunk") is None and r.get(b"small:1") is None
        reason = persistence(r)["last_restart_cold_reason"]
        r.close()
        return reason
    finally:
        sp.stop()


def test_kill_9_then_start_is_cold(memdir: str) -> None:
    path = os.path.join(memdir, "cache.mem")
    _fill_and_shutdown(path)
    sp = start(path)
    try:
        r = client(sp)
        assert r.dbsize() == 501              # adopted ...
        r.set(b"chunk", b"overwritten" * 1000)
        r.close()
        sp.proc.kill()                        # ... then SIGKILL: no metadata, no clean marker
        sp.proc.wait(10)
    finally:
        sp.stop()
    assert _start_cold(path).startswith("not marked clean")


def test_shutdown_save_then_start_is_warm(memdir: str) -> None:
    """SHUTDOWN SAVE (Redis's syntax) writes the metadata as plain SHUTDOWN does."""
    path = os.path.join(memdir, "cache.mem")
    sp = start(path)
    r = client(sp)
    r.set("k", b"v" * 3000, px=600_000)
    expire = r.pexpiretime("k")
    r.close()
    shutdown(sp, "SAVE")
    sp = start(path)
    try:
        r = client(sp)
        assert persistence(r)["last_restart_cold_reason"] == ""
        assert r.get("k") == b"v" * 3000 and r.pexpiretime("k") == expire
        r.close()
    finally:
        sp.stop()


def test_shutdown_nosave_then_start_is_cold(memdir: str) -> None:
    path = os.path.join(memdir, "cache.mem")
    _fill_and_shutdown(path)
    sp = start(path)
    shutdown(sp, "NOSAVE")
    assert _start_cold(path) == "the last run ended with SHUTDOWN NOSAVE"


@pytest.mark.parametrize("args, reason", [
    (("--slab-page-size", "2mb"), "layout option slab-page-size changed (saved 1048576; now 2097152)"),
    (("--slab-sizes", "3mb"), "layout option slab-page-size changed"),
    (("--slab-growth-factor", "1.5"), "layout option slab-sizes changed"),
    (("--databases", "4"), "layout option databases changed (saved 16; now 4)"),
])
def test_changed_layout_option_is_cold(memdir: str, args: tuple[str, ...], reason: str) -> None:
    path = os.path.join(memdir, "cache.mem")
    _fill_and_shutdown(path)
    assert _start_cold(path, *args).startswith(reason)


def test_older_metadata_version_is_cold_with_a_message(memdir: str) -> None:
    """A clean file whose (intact, checksummed) metadata is of format version 0."""
    path = os.path.join(memdir, "cache.mem")
    _fill_and_shutdown(path)
    with open(path + ".meta", "rb") as f:
        data = f.read()
    nl = data.index(b"\n", len(MAGIC))
    head = json.loads(data[len(MAGIC):nl])
    head["version"] = 0
    body = MAGIC + json.dumps(head).encode() + data[nl:-32]
    data = body + hashlib.sha256(body).digest()
    with open(path + ".meta", "wb") as f:
        f.write(data)
    mf = MemoryFile(path, 1 << 20, 1)       # re-sign the clean marker for the new file
    mf.mark(CLEAN, meta_digest(data))
    mf.close()
    reason = _start_cold(path)
    assert reason == "metadata version 0 is not supported (this server reads version 1)"


def test_truncated_memory_file_is_cold(memdir: str) -> None:
    path = os.path.join(memdir, "cache.mem")
    _fill_and_shutdown(path)
    os.truncate(path, os.path.getsize(path) // 2)
    assert _start_cold(path).startswith("memory file truncated or resized")


def test_damaged_metadata_is_cold(memdir: str) -> None:
    path = os.path.join(memdir, "cache.mem")
    _fill_and_shutdown(path)
    with open(path + ".meta", "r+b") as f:
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 1]))
    assert _start_cold(path) == "metadata file is damaged (checksum mismatch)"


def test_one_server_per_memory_file(memdir: str) -> None:
    path = os.path.join(memdir, "cache.mem")
    sp = start(path)
    try:
        other = start_ours("--maxmemory", "256mb", "--memory-file", path, wait=False)
        assert other.proc.wait(30) == 1       # refused: the file is locked by the first server
        assert client(sp).ping()
    finally:
        sp.stop()


def test_memory_file_survives_config_rewrite(memdir: str) -> None:
    """Given on the command line, memory-file is shown by CONFIG GET, refused by CONFIG SET
    (the file is mapped at start) and written by CONFIG REWRITE: a server restarted from the
    rewritten redis.conf alone re-adopts the cache (the `memory-file PATH` directive)."""
    path = os.path.join(memdir, "cache.mem")
    conf = os.path.join(memdir, "redis.conf")
    with open(conf, "w") as f:
        f.write("maxmemory 256mb\n")
    sp = start_ours(conf, "--memory-file", path)
    r = client(sp)
    assert r.config_get("memory-file") == {"memory-file": path}
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        r.config_set("memory-file", path + ".other")
    assert r.config_set("memory-file", path)        # its current value: OK, as slab-page-size
    value = random.Random(5).randbytes(CHUNK)
    r.set("chunk", value)
    assert r.config_rewrite()
    r.close()
    shutdown(sp)
    with open(conf) as f:
        assert f'memory-file "{path}"' in f.read().splitlines()
    sp = start_ours(conf)
    try:
        r = client(sp)
        assert persistence(r)["last_restart_cold_reason"] == ""
        assert r.get("chunk") == value
        r.close()
    finally:
        sp.stop()


def test_sigterm_saves_and_a_half_received_value_is_not_adopted(memdir: str) -> None:
    """SIGTERM saves like SHUTDOWN. A SET whose 3 MiB value is half received when the signal
    lands (its bytes already in a reservation in the mapping) is not adopted: the key keeps the
    value it had, byte-exact."""
    path = os.path.join(memdir, "cache.mem")
    sp = start(path)
    old = random.Random(11).randbytes(CHUNK)
    try:
        r = client(sp)
        r.set("chunk", old)
        r.close()
        half = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
        half.sendall(b"*3\r\n$3\r\nSET\r\n$5\r\nchunk\r\n$%d\r\n" % CHUNK + b"\xab" * (CHUNK // 2))
        watcher = client(sp)
        for _ in range(500):                # bounded: until the value's reservation exists
            if watcher.info("memory")["reservations"] == 1:
                break
            time.sleep(0.02)
        assert watcher.info("memory")["reservations"] == 1
        watcher.close()
        sp.proc.send_signal(signal.SIGTERM)
        assert sp.proc.wait(30) == 0
        half.close()
    finally:
        sp.stop()
    sp = start(path)
    try:
        r = client(sp)
        info = persistence(r)
        assert info["last_restart_cold_reason"] == "" and info["last_restart_adopted_keys"] == 1
        assert r.get("chunk") == old
        r.close()
    finally:
        sp.stop()
