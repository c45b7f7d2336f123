"""Shared server state injected into every connection: config, keyspace, clients, stats, WATCH.

ServerState is the one object handlers reach through `client.server`. Runtime-tunable settings
(CONFIG SET) are plain attributes seeded from the frozen ServerConfig (requirepass, timeout,
maxclients, proto_max_bulk_len, ...); memory settings live in the keyspace, which CONFIG SET tells
directly (Keyspace.set_maxmemory / set_policy). Connections read the limits live from here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from resp_server.config import ServerConfig
from resp_server.latency import Latency
from resp_server.object_marks import ObjectMarks
from resp_server.ops import OpsSettings
from resp_server.pause import ClientPause
from resp_server.stats import Slowlog, Stats
from resp_server.store.keyspace import Keyspace
from resp_server.store.warm import open_keyspace


class Watcher(Protocol):
    """What the shared state sees of a client (client.py's ClientState): its WATCHed keys.
    Imports point one way: client.py knows ServerState, this module knows no client class."""

    id: int
    watched: set[tuple[int, bytes]]
    watch_dirty: bool


if TYPE_CHECKING:
    from resp_server.cluster.state import ClusterState


def _cluster_state(config: ServerConfig) -> ClusterState | None:
    if not config.cluster_enabled:
        return None
    from resp_server.cluster.state import ClusterState

    wildcard = ("0.0.0.0", "::", "*", "")
    default_ip = next((b for b in config.bind if b not in wildcard), "127.0.0.1")
    return ClusterState(config.cluster_nodes, config.port, config.cluster_announce_ip,
                        config.cluster_announce_port, config.cluster_config_file, default_ip)


class ServerState:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.started = time.time()
        self.started_monotonic = time.monotonic()
        self.pid = os.getpid()
        self.run_id = os.urandom(20).hex()
        self.port = config.port                      # the bound port (resolved when port=0)
        # the keyspace (re-adopted from --memory-file when possible); on_modify is set while
        # keys are WATCHed. warm: the memory file's owner (None without one), saved at exit
        # unless SHUTDOWN NOSAVE cleared save_on_shutdown.
        self.keyspace: Keyspace
        self.keyspace, self.warm = open_keyspace(config.store)
        self.save_on_shutdown = True
        self.stats = Stats()
        self.slowlog = Slowlog(config.slowlog_max_len)
        self.latency = Latency()                  # latency tracking and monitor settings/events
        self.clients: dict[int, Watcher] = {}         # ClientStates by id (client.py)
        self.monitors: set[Watcher] = set()           # clients in MONITOR
        self.watchers: dict[tuple[int, bytes], set[Watcher]] = {}
        self.next_client_id = 1
        self.object_marks = ObjectMarks()            # APPEND's "raw", COPY's "unshared"
        self.pause = ClientPause()                   # CLIENT PAUSE (pause.py, commands/pause.py)
        self.active_expire = True                    # DEBUG SET-ACTIVE-EXPIRE 0 stops the cycle
        self.shutdown_requested: Callable[[], None] | None = None   # set by server.py
        self.ops = OpsSettings(config)           # logfile/debug/notify/... settings (ops.py)
        # CONFIG GET/SET view; values are strings as redis.conf spells them.
        self.requirepass = config.requirepass
        self.users = dict(config.users)
        self.timeout = config.timeout
        self.maxclients = config.maxclients
        self.proto_max_bulk_len = config.proto_max_bulk_len
        self.client_query_buffer_limit = config.client_query_buffer_limit
        self.client_output_buffer_limit = config.client_output_buffer_limit
        self.slowlog_log_slower_than = config.slowlog_log_slower_than
        self.loglevel = config.loglevel
        self.hz = config.hz
        self.cluster = _cluster_state(config)        # None unless cluster-enabled

    # --- auth -------------------------------------------------------------------------------
    def auth_required(self) -> bool:
        return bool(self.requirepass) or bool(self.users)

    def check_password(self, user: bytes, password: bytes) -> bool:
        name = user.decode("utf-8", "replace")
        pw = password.decode("utf-8", "replace")
        if name == "default":
            if self.requirepass:
                return pw == self.requirepass
            return not self.users or self.users.get("default") == pw
        return self.users.get(name) == pw

    # --- clients ----------------------------------------------------------------------------
    def new_client_id(self) -> int:
        cid = self.next_client_id
        self.next_client_id += 1
        return cid

    # --- WATCH ------------------------------------------------------------------------------
    def watch(self, client: Watcher, db: int, key: bytes) -> None:
        client.watched.add((db, key))
        self.watchers.setdefault((db, key), set()).add(client)
        self.keyspace.on_modify = self.touch_watched

    def unwatch_all(self, client: Watcher) -> None:
        for dk in client.watched:
            s = self.watchers.get(dk)
            if s is not None:
                s.discard(client)
                if not s:
                    del self.watchers[dk]
        client.watched.clear()
        if not self.watchers:
            self.keyspace.on_modify = None       # nobody watches: writes skip the hook
        client.watch_dirty = False

    def touch_watched(self, db: int, key: bytes | None) -> None:
        """Keyspace hook: a key (or, with key=None, a whole db) changed."""
        if not self.watchers:
            return
        if key is not None:
            for c in self.watchers.get((db, key), ()):
                c.watch_dirty = True
            return
        for (wdb, _), clients in self.watchers.items():
            if wdb == db:
                for c in clients:
                    c.watch_dirty = True
