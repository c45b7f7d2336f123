"""Operator settings that CONFIG SET may change and that no other module owns.

`OpsSettings` is seeded from the frozen ServerConfig and reached as `ServerState.ops`. Values are
kept as CONFIG GET shows them (canonical text); `relisten` is installed by the server so that
CONFIG SET port can move the TCP listeners (it raises OSError and leaves the old ones when the
new port cannot be bound).
"""

from __future__ import annotations

from collections.abc import Callable

from resp_server.config import ServerConfig


class OpsSettings:
    __slots__ = ("notify_keyspace_events", "maxmemory_clients", "debug_command", "config_file",
                 "relisten")

    def __init__(self, config: ServerConfig) -> None:
        self.notify_keyspace_events = config.notify_keyspace_events   # kept and shown, never sent
        self.maxmemory_clients = config.maxmemory_clients             # bytes or "N%", no effect
        self.debug_command = config.enable_debug_command              # yes | local | no
        self.config_file = config.config_file                         # absolute path or ""
        self.relisten: Callable[[int], int] | None = None    # new port -> bound port (server.py)
