"""`resp-cluster`: a pool of our servers on one machine, in cluster mode, with one command.

    resp-cluster start --nodes N --port P [--host H] [--maxmemory TOTAL] [server options...]
    resp-cluster status [--port P]
    resp-cluster stop [--port P]

`start` runs N `resp-server` processes on ports P..P+N-1 (N defaults to the number of cores),
all with `--cluster-enabled yes` and the same `--cluster-nodes` list (slots split evenly in port
order); TOTAL maxmemory is divided evenly (default: what one server would take by default, the
machine's available memory share, so N nodes never claim N times it); other options go to every
server unchanged. It waits
until each answers PING (bounded), prints the `redis-cluster://` URL and the LMCache YAML for it,
then supervises in the foreground: Ctrl-C / SIGTERM (or `resp-cluster stop`) stops every server;
a server that dies is reported, not restarted, with the command that starts it again (its
slots are misses until then). A small state file in the run directory (`$XDG_RUNTIME_DIR` or the temp
directory, `resp-cluster-P.json`) lets `status` and `stop` find the pool by its first port.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

from resp_server.config import parse_size
from resp_server.memlimit import default_maxmemory

READY_TIMEOUT = 20.0          # seconds for every node to answer PING
STOP_TIMEOUT = 10.0           # seconds a node gets to exit after SIGTERM before SIGKILL
POLL = 0.2                    # supervisor's check interval, seconds


def state_path(port: int) -> str:
    run_dir = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return os.path.join(run_dir, f"resp-cluster-{port}.json")


def cluster_url(host: str, ports: list[int]) -> str:
    return "redis-cluster://" + ",".join(f"{host}:{p}" for p in ports)


PLUGIN_MODULE = "resp_kvcache.connector.lmcache"   # the installed name (connector.lmcache: deprecated)


def lmcache_yaml(url: str) -> str:
    """Two complete LMCache configs for the pool: our plugin, or LMCache's stock client."""
    return (f"# our connector (one pipelined round trip per node per batch):\n"
            f"chunk_size: 256\n"
            f"remote_url: null\n"
            f"remote_serde: \"naive\"\n"
            f"remote_storage_plugins: [\"respcache\"]\n"
            f"extra_config:\n"
            f"  remote_storage_plugin.respcache.module_path: \"{PLUGIN_MODULE}\"\n"
            f"  remote_storage_plugin.respcache.class_name: \"RespConnector\"\n"
            f"  remote_storage_plugin.respcache.resp_url: \"{url}\"\n"
            f"# or stock LMCache (redis-py RedisCluster), instead of the plugin lines above:\n"
            f"# chunk_size: 256\n"
            f"# remote_url: \"{url}\"\n"
            f"# remote_serde: \"naive\"\n")


def ping(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def node_command(host: str, port: int, nodes: str, maxmemory: int,
                 extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "resp_server", "--port", str(port), "--bind", host,
            "--cluster-enabled", "yes", "--cluster-nodes", nodes, "--maxmemory", str(maxmemory),
            *extra]


def _stop_procs(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def start(args: argparse.Namespace, extra: list[str]) -> int:
    n, host = args.nodes, args.host
    ports = [args.port + i for i in range(n)]
    nodes = " ".join(f"{host}:{p}" for p in ports)
    total = parse_size(args.maxmemory) if args.maxmemory else default_maxmemory()
    per_node = max(total // n, 1) if total else 0       # maxmemory 0: no cap on any node
    busy = [p for p in ports if ping(host, p, 0.3)]
    if busy:
        print(f"resp-cluster: port(s) {busy} already answer; stop that first", file=sys.stderr)
        return 1
    procs = [subprocess.Popen(node_command(host, p, nodes, per_node, extra)) for p in ports]
    stop_requested = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop_requested.append(1))
    try:
        if not _wait_ready(host, ports, procs, stop_requested):
            return 1
        with open(state_path(args.port), "w") as f:
            json.dump({"pid": os.getpid(), "host": host, "ports": ports,
                       "pids": [p.pid for p in procs]}, f)
        url = cluster_url(host, ports)
        print(f"resp-cluster: {n} node(s) ready, maxmemory {per_node or 'none'} each\n{url}\n\n"
              f"# LMCache config:\n{lmcache_yaml(url)}", flush=True)
        _supervise(procs, ports, stop_requested)
    finally:
        _stop_procs(procs)
        _forget(args.port)
        print("resp-cluster: stopped", flush=True)
    return 0


def _wait_ready(host: str, ports: list[int], procs: list[subprocess.Popen],
                stop_requested: list) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    pending = set(ports)
    while pending and time.monotonic() < deadline and not stop_requested:
        for p, proc in zip(ports, procs, strict=True):
            if proc.poll() is not None:
                print(f"resp-cluster: node {p} exited with code {proc.returncode}", file=sys.stderr)
                return False
            if p in pending and ping(host, p):
                pending.discard(p)
        time.sleep(0.05)
    if pending:
        print(f"resp-cluster: node(s) {sorted(pending)} not ready", file=sys.stderr)
    return not pending


def _supervise(procs: list[subprocess.Popen], ports: list[int], stop_requested: list) -> None:
    reported: set[int] = set()
    while not stop_requested:
        for p, proc in zip(ports, procs, strict=True):
            if proc.poll() is not None and p not in reported:
                reported.add(p)
                print(f"resp-cluster: node {p} exited with code {proc.returncode}; its slots are "
                      f"misses until it is back: {shlex.join(proc.args)}",
                      file=sys.stderr, flush=True)
        if len(reported) == len(procs):
            return
        time.sleep(POLL)


def _load(port: int) -> dict | None:
    try:
        with open(state_path(port)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def status(args: argparse.Namespace) -> int:
    st = _load(args.port)
    if st is None:
        print(f"resp-cluster: no pool started on port {args.port}")
        return 1
    up = [p for p in st["ports"] if ping(st["host"], p)]
    print(f"{cluster_url(st['host'], st['ports'])}\nsupervisor pid {st['pid']}; "
          f"{len(up)}/{len(st['ports'])} node(s) answer")
    for p in st["ports"]:
        print(f"  {st['host']}:{p} {'up' if p in up else 'DOWN'}")
    return 0 if len(up) == len(st["ports"]) else 2


def stop(args: argparse.Namespace) -> int:
    st = _load(args.port)
    if st is None:
        print(f"resp-cluster: no pool started on port {args.port}")
        return 1
    try:
        os.kill(st["pid"], signal.SIGTERM)
    except ProcessLookupError:       # the supervisor was killed: stop its nodes ourselves
        left = _stop_orphans(st)
        _forget(args.port)
        print(f"resp-cluster: supervisor was gone; stopped {left} node(s) it left running")
        return 0
    deadline = time.monotonic() + STOP_TIMEOUT + 5
    while _load(args.port) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    print("resp-cluster: stopped" if _load(args.port) is None else "resp-cluster: still stopping")
    return 0


def _ours(pid: int, port: int) -> bool:
    """Is `pid` still the resp-server node of `port` (not a recycled pid)?"""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return b"resp_server" in argv and b"--port" in argv and str(port).encode() in argv


def _stop_orphans(st: dict) -> int:
    """SIGTERM the nodes a dead supervisor left, wait for them (SIGKILL after STOP_TIMEOUT)."""
    alive = [(pid, port) for pid, port in zip(st.get("pids", []), st["ports"], strict=False)
             if _ours(pid, port)]
    for pid, _ in alive:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and any(_ours(p, q) for p, q in alive):
        time.sleep(0.1)
    for pid, port in alive:
        if _ours(pid, port):
            os.kill(pid, signal.SIGKILL)
    return len(alive)


def _forget(port: int) -> None:
    try:
        os.unlink(state_path(port))
    except FileNotFoundError:
        pass


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="resp-cluster", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start", help="start N nodes and supervise them (other options go to "
                                     "every resp-server)")
    s.add_argument("--nodes", type=int, default=os.cpu_count() or 1)
    s.add_argument("--port", type=int, default=7000)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--maxmemory", default="", help="total for the pool, split evenly")
    for name in ("status", "stop"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, default=7000, help="the pool's first port")
    return ap


def main(argv: list[str] | None = None) -> int:
    args, extra = parser().parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.cmd == "start":
        if not 1 <= args.nodes <= 1000 or not 0 < args.port <= 65535 - args.nodes:
            print("resp-cluster: bad --nodes/--port", file=sys.stderr)
            return 2
        return start(args, extra)
    if extra:
        print(f"resp-cluster: unexpected {extra}", file=sys.stderr)
        return 2
    return status(args) if args.cmd == "status" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
