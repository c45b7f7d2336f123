"""`resp-cluster start/status/stop`: a pool of our servers with one command, stopped cleanly."""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest
import redis
from redis.cluster import RedisCluster

from scripts.resp_cluster import _ours, lmcache_yaml
from scripts.servers import port_free
from tests.conftest import ROOT, free_port, wait_ping

pytestmark = pytest.mark.timeout(120)


def _consecutive_ports(n: int) -> int:
    for _ in range(100):
        p = free_port()
        if p + n < 65535 and all(port_free(p + i) for i in range(n)):
            return p
    raise RuntimeError("no free consecutive ports")


def _cli(env: dict, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scripts.resp_cluster", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _read_until(proc: subprocess.Popen, marker: str, limit_s: float = 30) -> str:
    out = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out.append(line)
        if marker in line:
            break
    return "".join(out)


@pytest.fixture
def cluster_env(tmp_path):
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), PYTHONPATH=ROOT)
    return env


def test_start_status_stop(cluster_env):
    port = _consecutive_ports(2)
    proc = subprocess.Popen([sys.executable, "-m", "scripts.resp_cluster", "start", "--nodes", "2",
                             "--port", str(port), "--maxmemory", "64mb", "--hz", "20"],
                            cwd=ROOT, env=cluster_env, stdout=subprocess.PIPE, text=True)
    try:
        out = _read_until(proc, "# remote_serde")
        url = f"redis-cluster://127.0.0.1:{port},127.0.0.1:{port + 1}"
        assert url in out and f'remote_storage_plugin.respcache.resp_url: "{url}"' in out, out
        st = _cli(cluster_env, "status", "--port", str(port))
        assert st.returncode == 0 and "2/2 node(s) answer" in st.stdout, st.stdout
        r = redis.Redis(port=port + 1)
        assert r.config_get("maxmemory") == {"maxmemory": str(32 * 1024 * 1024)}
        assert r.config_get("hz") == {"hz": "20"}                      # options passed through
        r.close()
        rc = RedisCluster(host="127.0.0.1", port=port)
        for i in range(50):
            rc.set(f"x{i}", i)
        assert rc.get("x9") == b"9"
        rc.close()
        stopped = _cli(cluster_env, "stop", "--port", str(port))
        assert "stopped" in stopped.stdout
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert port_free(port) and port_free(port + 1)                  # no server left behind
    assert _cli(cluster_env, "status", "--port", str(port)).returncode == 1


def test_sigterm_stops_every_node(cluster_env):
    port = _consecutive_ports(3)
    proc = subprocess.Popen([sys.executable, "-m", "scripts.resp_cluster", "start", "--nodes", "3",
                             "--port", str(port)], cwd=ROOT, env=cluster_env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert "redis-cluster://" in _read_until(proc, "redis-cluster://")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert all(port_free(port + i) for i in range(3))


def test_refuses_busy_port(cluster_env, our_cluster):
    r = _cli(cluster_env, "start", "--nodes", "1", "--port", str(our_cluster[0].port))
    assert r.returncode == 1 and "already answer" in r.stderr


def test_lmcache_yaml_names_the_installed_plugin_module():
    """The printed config loads our plugin by its installed, non-deprecated name, points the
    plugin instance at the pool, and spells out the stock alternative in full."""
    url = "redis-cluster://127.0.0.1:7000,127.0.0.1:7001"
    text = lmcache_yaml(url)
    plugin = dict(re.findall(r'^  remote_storage_plugin\.respcache\.(\w+): "([^"]+)"$', text, re.M))
    assert plugin == {"module_path": "resp_kvcache.connector.lmcache",
                      "class_name": "RespConnector", "resp_url": url}
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        mod = importlib.import_module(plugin["module_path"])
    assert mod.__name__ == "resp_kvcache.connector.lmcache"
    assert re.search(r'^remote_url: null$', text, re.M)          # no second remote backend
    assert re.search(rf'^# remote_url: "{re.escape(url)}"$', text, re.M)


def test_stop_after_the_supervisor_was_killed(cluster_env):
    """kill -9 of `resp-cluster start` leaves its nodes running: `stop` ends them itself."""
    port, pids = _consecutive_ports(2), []
    proc = subprocess.Popen([sys.executable, "-m", "scripts.resp_cluster", "start", "--nodes", "2",
                             "--port", str(port)], cwd=ROOT, env=cluster_env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert "redis-cluster://" in _read_until(proc, "redis-cluster://")
        with open(os.path.join(cluster_env["XDG_RUNTIME_DIR"], f"resp-cluster-{port}.json")) as f:
            pids = json.load(f)["pids"]
        proc.kill()
        proc.wait(10)
        assert not port_free(port) and not port_free(port + 1)      # orphans still serve
        r = _cli(cluster_env, "stop", "--port", str(port))
        assert r.returncode == 0 and "stopped 2 node(s)" in r.stdout, r.stdout + r.stderr
        deadline = time.monotonic() + 10
        while not (port_free(port) and port_free(port + 1)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert port_free(port) and port_free(port + 1)
        assert _cli(cluster_env, "status", "--port", str(port)).returncode == 1   # forgotten
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for pid in pids:                                  # never leave a node behind
            if _ours(pid, port) or _ours(pid, port + 1):
                os.kill(pid, signal.SIGKILL)


def test_dead_node_is_reported_with_its_restart_command(cluster_env):
    """A node killed under the supervisor is reported with the command that starts it again;
    started so, it rejoins the pool (same list, same port)."""
    port, restarted = _consecutive_ports(2), None
    proc = subprocess.Popen([sys.executable, "-m", "scripts.resp_cluster", "start", "--nodes", "2",
                             "--port", str(port), "--maxmemory", "64mb"], cwd=ROOT,
                            env=cluster_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert "redis-cluster://" in _read_until(proc, "redis-cluster://")
        with open(os.path.join(cluster_env["XDG_RUNTIME_DIR"], f"resp-cluster-{port}.json")) as f:
            victim = json.load(f)["pids"][1]
        os.kill(victim, signal.SIGKILL)
        line = ""
        deadline = time.monotonic() + 20
        while "exited with code" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        assert f"node {port + 1} exited with code -9" in line, line
        cmd = shlex.split(line.split("until it is back: ", 1)[1])
        assert cmd[cmd.index("--port") + 1] == str(port + 1) and "--cluster-nodes" in cmd
        restarted = subprocess.Popen(cmd, cwd=ROOT, env=cluster_env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_ping(port + 1, restarted)
        rc = RedisCluster(host="127.0.0.1", port=port)
        for i in range(40):
            rc.set(f"r{i}", i)
        assert rc.mget_nonatomic([f"r{i}" for i in range(40)]) == [b"%d" % i for i in range(40)]
        rc.close()
        assert redis.Redis(port=port + 1).dbsize() > 5                  # it serves its share
    finally:
        for p in (proc, restarted):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(20)
