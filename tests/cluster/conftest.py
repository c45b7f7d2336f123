"""Cluster fixtures: three of our servers in cluster mode, and a real Redis 7 cluster of three.

Both clusters have the same topology: three masters, slots split evenly in port order
(`redis-cli --cluster create` and our `cluster-nodes` use the same split). Ports are free ones
whose bus port (port + 10000) is free too (real Redis listens there). Every fixture stops all
the servers it started and removes its temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from scripts.servers import cluster_ports
from tests.conftest import ServerProc, start_ours, wait_ping

NODES = 3
READY_TIMEOUT = 20.0       # seconds for a real cluster to report cluster_state:ok


def nodes_arg(ports: list[int]) -> str:
    return " ".join(f"127.0.0.1:{p}" for p in ports)


def start_our_cluster(n: int = NODES, *args: str, ports: list[int] | None = None,
                      stderr=subprocess.DEVNULL) -> list[ServerProc]:
    """n of our servers in cluster mode sharing one cluster-nodes list (slots split evenly)."""
    ports = ports or cluster_ports(n)
    procs: list[ServerProc] = []
    try:
        for p in ports:
            procs.append(start_ours("--cluster-enabled", "yes", "--cluster-nodes", nodes_arg(ports),
                                    *args, port=p, stderr=stderr))
    except BaseException:
        stop_all(procs)
        raise
    return procs


def stop_all(procs: list[ServerProc]) -> None:
    for sp in procs:
        sp.stop()


def _cluster_ok(port: int) -> bool:
    out = subprocess.run(["redis-cli", "-p", str(port), "cluster", "info"], capture_output=True,
                         text=True, timeout=10).stdout
    return "cluster_state:ok" in out


def start_redis_cluster(n: int = NODES) -> tuple[list[ServerProc], str]:
    """A real Redis 7 cluster of n masters (skips when redis-server/redis-cli are missing)."""
    exe, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if exe is None or cli is None:
        pytest.skip("redis-server/redis-cli not installed (scripts/setup.sh installs them)")
    d = tempfile.mkdtemp(prefix="redis-cluster-")
    procs: list[ServerProc] = []
    try:
        for p in cluster_ports(n):
            cmd = [exe, "--port", str(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", d, "--cluster-enabled", "yes", "--cluster-config-file",
                   f"{d}/nodes-{p}.conf"]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(ServerProc(p, proc, cmd))
            wait_ping(p, proc)
        subprocess.run([cli, "--cluster", "create", *[f"127.0.0.1:{sp.port}" for sp in procs],
                        "--cluster-yes"], check=True, capture_output=True, timeout=60)
        deadline = time.monotonic() + READY_TIMEOUT
        while not all(_cluster_ok(sp.port) for sp in procs):
            if time.monotonic() > deadline:
                raise RuntimeError("real Redis cluster did not reach cluster_state:ok")
            time.sleep(0.2)
    except BaseException:
        stop_all(procs)
        shutil.rmtree(d, ignore_errors=True)
        raise
    return procs, d


@pytest.fixture(scope="module")
def our_cluster() -> Iterator[list[ServerProc]]:
    procs = start_our_cluster()
    yield procs
    stop_all(procs)


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[list[ServerProc]]:
    procs, d = start_redis_cluster()
    yield procs
    stop_all(procs)
    shutil.rmtree(d, ignore_errors=True)
