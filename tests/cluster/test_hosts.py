"""The several-hosts setup, on loopback addresses: two nodes on the same port of two "hosts"
(127.0.0.2 and 127.0.0.3), started with the same options and the same cluster-nodes list. One
finds its entry by its bind address (the default), the other is told by --cluster-announce-ip /
--cluster-announce-port; stock clients route between them, each node names itself `myself`."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import redis
from redis.cluster import RedisCluster

from scripts.servers import wait_ping
from tests.conftest import ROOT, ServerProc

pytestmark = pytest.mark.timeout(120)
HOSTS = ("127.0.0.2", "127.0.0.3")


def _port_free_on_both() -> int:
    for _ in range(100):
        with socket.socket() as s:
            s.bind((HOSTS[0], 0))
            port = s.getsockname()[1]
        try:
            with socket.socket() as t:
                t.bind((HOSTS[1], port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free on both loopback addresses")


@pytest.fixture
def two_hosts():
    port = _port_free_on_both()
    nodes = " ".join(f"{h}:{port}" for h in HOSTS)
    extra = ([], ["--cluster-announce-ip", HOSTS[1], "--cluster-announce-port", str(port)])
    procs: list[ServerProc] = []
    try:
        for host, more in zip(HOSTS, extra, strict=True):
            cmd = [sys.executable, "-m", "resp_server", "--port", str(port), "--bind", host,
                   "--cluster-enabled", "yes", "--cluster-nodes", nodes, *more]
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            procs.append(ServerProc(port, proc, cmd, host=host))
            wait_ping(host, port, proc, 20)
        yield procs
    finally:
        for sp in procs:
            sp.stop()


def test_each_host_finds_its_entry(two_hosts):
    port = two_hosts[0].port
    for sp in two_hosts:
        r = redis.Redis(host=sp.host, port=port)
        mine = [ln for ln in r.execute_command("CLUSTER", "NODES").decode().splitlines()
                if "myself" in ln]
        assert len(mine) == 1 and f" {sp.host}:{port}@{port + 10000} " in mine[0], mine
        assert r.cluster("info")["cluster_state"] == "ok"
        r.close()


def test_stock_client_routes_across_hosts(two_hosts):
    port = two_hosts[0].port
    rc = RedisCluster(host=HOSTS[1], port=port)
    try:
        for i in range(100):
            assert rc.set(f"h{i}", i)
        assert rc.mget_nonatomic([f"h{i}" for i in range(100)]) == [b"%d" % i for i in range(100)]
    finally:
        rc.close()
    sizes = []
    for host in HOSTS:
        r = redis.Redis(host=host, port=port)
        sizes.append(r.dbsize())
        with pytest.raises(redis.exceptions.MovedError):     # one of h0/h1 lives elsewhere
            for k in ("h0", "h1", "h2", "h3"):
                r.get(k)
        r.close()
    assert sum(sizes) == 100 and min(sizes) > 20
