"""The `resp-server [config-file] [--name value ...]` program: read the configuration, then run.

Reading (conffile.py) is redis-server's: redis.conf names, command-line options after the file's
lines, Redis's fatal error text. Then, in Redis's order: open the log (`logfile`, "" = stdout),
daemonize (`daemonize yes`: fork, detach), write the pidfile (removed at exit), warn once per
directive that has no effect here, and serve until SIGTERM/SIGINT/SHUTDOWN.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

from resp_server.conffile import WARN_UNLESS, ConfigError, parse_argv
from resp_server.config import VERSION, ServerConfig
from resp_server.logsetup import setup_logging

DEFAULT_PIDFILE = "/var/run/resp-server.pid"     # daemonized without pidfile (Redis: redis.pid)
NO_EFFECT_WHY = {
    "appendonly": "persistence", "save": "persistence (RDB snapshots)",
    "io-threads": "I/O threads (one event loop)", "io-threads-do-reads": "I/O threads",
    "supervised": "supervision hooks",
    "activedefrag": "active defragmentation (slabs do not fragment)",
    "replicaof": "replication", "slaveof": "replication", "tcp-backlog": "a tunable backlog (511)",
    "unixsocketperm": "unix socket permissions",
}

USAGE = """Usage: resp-server [/path/to/redis.conf] [options]
       resp-server -v or --version
       resp-server -h or --help

Options use redis.conf names, e.g.:
  --port 6380 --bind 127.0.0.1 --maxmemory 1gb --maxmemory-policy allkeys-adaptive|allkeys-arc|allkeys-lru|allkeys-s3fifo|
  allkeys-lfu|volatile-lru|noeviction --requirepass secret --user NAME:PASSWORD --databases 16
  --loglevel notice --slab-sizes 3mb,32mb --slab-growth-factor 1.25 --slab-page-size 1mb
  --prealloc yes --tls-port 6390 --tls-cert-file f --tls-key-file f --tls-ca-cert-file f
  --tls-auth-clients yes|optional|no
  --maxclients 10000 --timeout 0 --proto-max-bulk-len 512mb --client-query-buffer-limit 1gb
  --client-output-buffer-limit "normal 0 0 0" --protected-mode yes --unixsocket /path
  --hz 10 --debug-invariants yes --enable-debug-command no|yes|local
  --memory-file /dev/shm/resp-kvcache.mem (slab memory kept across clean restarts)
  --logfile "" (stdout) --pidfile /path --dir /path --daemonize no|yes
  --cluster-enabled yes --cluster-nodes "h:p h:p ..." --cluster-announce-ip h
  --cluster-announce-port p --cluster-config-file nodes.list   (docs/cluster.md)
Without maxmemory the cap is 80% of the memory available to the process (cgroup limit or
MemTotal) minus 64mb; maxmemory 0 means no cap.
"""


def parse_args(argv: Sequence[str]) -> ServerConfig:
    """argv (without program name) -> ServerConfig. Raises ConfigError (a ValueError)."""
    return parse_argv(list(argv))


def install_loop() -> None:
    """uvloop where installed, unless RESP_SERVER_LOOP=asyncio asks for the standard loop (both
    are supported and tested; the standard one reads once per readiness event)."""
    if os.environ.get("RESP_SERVER_LOOP", "").lower() == "asyncio":
        return
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if args and args[0] in ("-v", "--version"):
        print(f"resp-server v={VERSION}")
        return 0
    try:
        config = parse_args(args)
    except ConfigError as e:
        print(e.report(f"resp-server {VERSION}"), file=sys.stderr)
        return 1
    try:
        setup_logging(config.loglevel, config.logfile)
    except OSError as e:
        print(ConfigError(f"Can't open the log file: {e.strerror}").report(f"resp-server {VERSION}"),
              file=sys.stderr)
        return 1
    if config.daemonize:
        daemonize()
    pidfile = write_pidfile(config)
    try:
        code = _serve(config)
    finally:
        if pidfile:
            with contextlib.suppress(OSError):
                os.unlink(pidfile)
    if config.store.memory_file:     # a warm restart waits for this exit: skip freeing every
        logging.shutdown()           # key's Python objects one by one (the kernel frees at once)
        os._exit(code)
    return code


def _serve(config: ServerConfig) -> int:
    warn_no_effect(config)
    install_loop()
    from resp_server.server import Server

    try:
        return asyncio.run(Server(config).run())
    except OSError as e:
        logging.getLogger("resp_server").error("could not start: %s", e)
        return 1
    except KeyboardInterrupt:
        return 0


def daemonize() -> None:
    """Redis's daemonize(): fork, the parent exits, the child leads a new session with its
    standard streams on /dev/null (the log goes to logfile, or nowhere when it is "")."""
    if os.fork():
        os._exit(0)
    os.setsid()
    fd = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(fd, std)
    if fd > 2:
        os.close(fd)


def write_pidfile(config: ServerConfig) -> str:
    """Write our pid when pidfile is set or we are daemonized (Redis's default path then);
    a failure is logged, not fatal (as Redis). Returns the path written, or ""."""
    path = config.pidfile or (DEFAULT_PIDFILE if config.daemonize else "")
    if not path:
        return ""
    try:
        with open(path, "w") as f:
            f.write(f"{os.getpid()}\n")
    except OSError as e:
        logging.getLogger("resp_server").warning("Failed to write PID file: %s", e.strerror)
        return ""
    return os.path.abspath(path)


def warn_no_effect(config: ServerConfig) -> None:
    """One warning per directive accepted without effect, and one for an explicit no-cap."""
    log = logging.getLogger("resp_server")
    for name, value in config.no_effect:
        log.warning("WARNING '%s %s' has no effect: resp-server is a cache without %s; "
                    "running as with '%s'", name, value, NO_EFFECT_WHY.get(name, "this feature"),
                    _off_text(name))
    if config.store.maxmemory == 0:
        log.warning("WARNING maxmemory is 0: no memory cap, the cache grows until the system "
                    "runs out of memory (omit maxmemory for the default cap)")


def _off_text(name: str) -> str:
    off = WARN_UNLESS[name]
    return f"{name} {off}" if off else f'{name} ""'


if __name__ == "__main__":
    sys.exit(main())
