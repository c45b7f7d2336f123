"""Topology changes at run time: CONFIG SET cluster-nodes and SIGHUP with cluster-config-file.

A slot given away answers MOVED from the next command on (a stale client's write included), and
its keys are freed in the background, a bounded number per tick (not all at once)."""

from __future__ import annotations

import signal
import time

import pytest
import redis

from tests.cluster.conftest import cluster_ports, start_our_cluster, stop_all
from tests.conftest import start_ours

pytestmark = pytest.mark.timeout(120)
KEYS = 30000                  # > several ticks of reclaim work (reclaim.STEP_KEYS per tick)


def _wait(cond, limit_s: float = 20.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def _fill(r: redis.Redis, n: int) -> None:
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.set(f"{{{i}}}", b"x")                # own keys only: the fast lane refuses others
    for reply in pipe.execute(raise_on_error=False):
        assert reply is True or isinstance(reply, redis.ResponseError)


@pytest.fixture
def pair():
    procs = start_our_cluster(2)
    yield procs
    stop_all(procs)


def test_config_set_moves_slots_and_frees_keys(pair):
    a, b = (redis.Redis(port=sp.port) for sp in pair)
    ha, hb = (f"127.0.0.1:{sp.port}" for sp in pair)
    _fill(b, KEYS)
    owned_by_b = b.dbsize()
    assert owned_by_b > KEYS // 3                    # about half the tags hash to b's slots
    stale = redis.Redis(port=pair[1].port)           # a client that keeps talking to b
    held = next(k for k in (f"{{{i}}}" for i in range(KEYS)) if stale.get(k) == b"x")
    slot = stale.execute_command("CLUSTER", "KEYSLOT", held)   # the GET lane has cached it
    new_list = f"{ha}@0-16383 {hb}"
    assert a.config_set("cluster-nodes", new_list) and b.config_set("cluster-nodes", new_list)
    assert b.config_get("cluster-nodes") == {"cluster-nodes": new_list}
    just_after = b.dbsize()
    with pytest.raises(redis.exceptions.MovedError, match=rf"^15495 {ha}$"):
        stale.set("a", "1")                          # a stale write is redirected, not stored
    for op in (lambda: stale.get(held), lambda: stale.set(held, b"y")):
        with pytest.raises(redis.exceptions.MovedError, match=rf"^{slot} {ha}$"):
            op()                                     # a key still held here, slot given away
    assert just_after > 0                            # freed in the background, not at once
    assert _wait(lambda: b.dbsize() == 0)
    assert b.cluster("info")["cluster_slots_assigned"] == "16384"
    assert b.execute_command("CLUSTER", "COUNTKEYSINSLOT", "15495") == 0
    assert a.set("a", "1") and a.get("a") == b"1"   # the new owner serves the slot
    # and back: a gives slots 8192.. away, its keys there go, b owns them again (empty)
    even = f"{ha} {hb}"
    assert a.config_set("cluster-nodes", even) and b.config_set("cluster-nodes", even)
    assert _wait(lambda: a.dbsize() == 0)           # "a" (slot 15495) was the only key
    assert b.set("a", "2") and b.get("a") == b"2"
    for c in (a, b, stale):
        c.close()


def test_bad_config_set_changes_nothing(pair):
    a = redis.Redis(port=pair[0].port)
    before = a.execute_command("CLUSTER", "SLOTS")
    for bad in ("h:1 h:1", "127.0.0.1:1@0-10 127.0.0.1:2@5", "garbage"):
        with pytest.raises(redis.ResponseError, match="CONFIG SET failed"):
            a.config_set("cluster-nodes", bad)
    assert a.execute_command("CLUSTER", "SLOTS") == before
    with pytest.raises(redis.ResponseError, match="can't set immutable"):
        a.config_set("cluster-config-file", "/tmp/x")
    a.close()


def test_sighup_reloads_config_file(tmp_path):
    ports = cluster_ports(2)
    path = tmp_path / "nodes.list"
    path.write_text(f"# two nodes\n127.0.0.1:{ports[0]}\n127.0.0.1:{ports[1]}\n")
    procs = [start_ours("--cluster-enabled", "yes", "--cluster-config-file", str(path), port=p)
             for p in ports]
    try:
        r = redis.Redis(port=ports[0])
        assert [s[:2] for s in r.execute_command("CLUSTER", "SLOTS")] == [[0, 8191], [8192, 16383]]
        path.write_text(f"127.0.0.1:{ports[0]}@0-99\n127.0.0.1:{ports[1]}@100-16383\n")
        procs[0].proc.send_signal(signal.SIGHUP)
        assert _wait(lambda: r.execute_command("CLUSTER", "SLOTS")[0][:2] == [0, 99])
        with pytest.raises(redis.exceptions.MovedError):
            r.get("a")
        path.write_text("not a list")                  # a bad file leaves the topology alone
        procs[0].proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert r.execute_command("CLUSTER", "SLOTS")[0][:2] == [0, 99] and r.ping()
        r.close()
    finally:
        stop_all(procs)


def test_not_enabled(server):
    r = redis.Redis(port=server.port)
    assert r.info("cluster") == {"cluster_enabled": 0}
    assert r.config_get("cluster-enabled") == {"cluster-enabled": "no"}
    with pytest.raises(redis.ResponseError, match="cluster support disabled"):
        r.execute_command("CLUSTER", "INFO")
    with pytest.raises(redis.ResponseError, match="CONFIG SET failed"):
        r.config_set("cluster-nodes", "127.0.0.1:1")
    r.close()
