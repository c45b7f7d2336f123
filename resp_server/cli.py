"""Command line and redis.conf reader: `resp-server [config-file] [--name value ...]`.

Like redis-server, options use redis.conf names; a config file holds `name value` lines (`#`
comments, quoted values, `include` not supported) and command-line options override it. Unknown
names are an error at start-up, as in Redis. Sizes accept 100mb / 4gb / plain bytes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import sys
from collections.abc import Callable, Sequence

from resp_server.config import (
    SERVER_FIELDS,
    STORE_FIELDS,
    VERSION,
    OutputLimits,
    ServerConfig,
    StoreConfig,
    parse_size,
    parse_size_list,
)

USAGE = """Usage: resp-server [/path/to/redis.conf] [options]
       resp-server -v or --version
       resp-server -h or --help

Options use redis.conf names, e.g.:
  --port 6380 --bind 127.0.0.1 --maxmemory 1gb --maxmemory-policy allkeys-lru|allkeys-s3fifo|
  allkeys-lfu|volatile-lru|noeviction --requirepass secret --user NAME:PASSWORD --databases 16
  --loglevel notice --slab-sizes 3mb,32mb --slab-growth-factor 1.25 --slab-page-size 1mb
  --prealloc yes --tls-port 6390 --tls-cert-file f --tls-key-file f --tls-ca-cert-file f
  --tls-auth-clients yes|optional|no
  --maxclients 10000 --timeout 0 --proto-max-bulk-len 512mb --client-query-buffer-limit 1gb
  --client-output-buffer-limit "normal 0 0 0" --protected-mode yes --unixsocket /path
  --hz 10 --debug-invariants yes
"""


def _yesno(v: str) -> bool:
    if v.lower() in ("yes", "1", "true", "on"):
        return True
    if v.lower() in ("no", "0", "false", "off"):
        return False
    raise ValueError(f"argument must be 'yes' or 'no': {v!r}")


CONVERTERS: dict[str, Callable[[str], object]] = {
    "port": int, "tls_port": int, "maxclients": int, "timeout": int, "databases": int, "hz": int,
    "slowlog_log_slower_than": int, "slowlog_max_len": int,
    "maxmemory": parse_size, "proto_max_bulk_len": parse_size, "slab_page_size": parse_size,
    "client_query_buffer_limit": parse_size, "slab_min_chunk": parse_size,
    "slab_growth_factor": float,
    "slab_sizes": parse_size_list, "prealloc": _yesno, "debug_invariants": _yesno,
    "protected_mode": _yesno, "bind": lambda v: tuple(v.split()),
    "policy": str.lower, "tls_auth_clients": str.lower,
}
ALIASES = {"maxmemory_policy": "policy"}
IGNORED = {"save", "appendonly", "daemonize", "dir", "dbfilename", "logfile", "supervised",
           "pidfile", "tcp_keepalive", "tcp_backlog"}   # redis.conf names accepted, no effect here


def parse_args(argv: Sequence[str]) -> ServerConfig:
    """argv (without program name) -> ServerConfig. Raises ValueError on bad input."""
    pairs: list[tuple[str, str]] = []
    args = list(argv)
    if args and not args[0].startswith("--"):
        pairs.extend(read_config_file(args.pop(0)))
    pairs.extend(_option_pairs(args))
    return build_config(pairs)


def _option_pairs(args: list[str]) -> list[tuple[str, str]]:
    pairs = []
    i = 0
    while i < len(args):
        name = args[i]
        if not name.startswith("--"):
            raise ValueError(f"unexpected argument {name!r}")
        values = []
        i += 1
        while i < len(args) and not args[i].startswith("--"):
            values.append(args[i])
            i += 1
        pairs.append((name[2:], " ".join(values)))
    return pairs


def read_config_file(path: str) -> list[tuple[str, str]]:
    pairs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = shlex.split(line)
            if len(words) < 2:
                raise ValueError(f"{path}:{lineno}: expected 'name value'")
            pairs.append((words[0], " ".join(words[1:])))
    return pairs


def build_config(pairs: list[tuple[str, str]]) -> ServerConfig:
    server: dict[str, object] = {}
    store: dict[str, object] = {}
    users: list[tuple[str, str]] = []
    for raw, value in pairs:
        name = raw.lower().replace("-", "_")
        name = ALIASES.get(name, name)
        if name in IGNORED:
            continue
        if name == "user":
            user, _, pw = value.partition(":")
            users.append((user, pw.lstrip(">")))
            continue
        try:
            v = _convert(name, value, server)
        except ValueError as e:
            raise ValueError(f"bad value for '{raw}': {e}") from None
        if name in STORE_FIELDS:
            store[name] = v
        elif name in SERVER_FIELDS:
            server[name] = v
        else:
            raise ValueError(f"Bad directive or wrong number of arguments: '{raw}'")
    if users:
        server["users"] = tuple(users)
    return ServerConfig(store=StoreConfig(**store), **server)


def _convert(name: str, value: str, server: dict[str, object]) -> object:
    if name == "client_output_buffer_limit":      # each line sets the classes it names
        base = server.get(name)
        return (base if isinstance(base, OutputLimits) else OutputLimits()).updated(value)
    return CONVERTERS.get(name, str)(value)


def setup_logging(level: str) -> None:
    lvl = {"debug": logging.DEBUG, "verbose": logging.INFO, "notice": logging.INFO,
           "warning": logging.WARNING, "nothing": logging.CRITICAL + 1}[level]
    logging.basicConfig(stream=sys.stderr, level=lvl,
                        format="%(process)d:M %(asctime)s.%(msecs)03d %(levelname).1s %(message)s",
                        datefmt="%d %b %Y %H:%M:%S")


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
    except (ValueError, OSError) as e:
        print(f"\n*** FATAL CONFIG FILE ERROR ***\n{e}\n\n{USAGE}", file=sys.stderr)
        return 1
    setup_logging(config.loglevel)
    install_loop()
    from resp_server.server import Server

    try:
        return asyncio.run(Server(config).run())
    except OSError as e:
        logging.getLogger("resp_server").error("could not start: %s", e)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
