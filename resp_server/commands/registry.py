"""The command registry: every command module's COMMANDS joined into table.TABLE, and every
room's COMMAND INFO / DOCS data (docdata/) into docs.DOCS.

The top of the commands package: it imports every module that defines commands, and nothing
imports it but the dispatcher. Command modules import table.py (their `spec` and, for
introspection, TABLE), never this module, so the package has no import circle.
"""

from __future__ import annotations

from resp_server.commands import (
    bitfield,
    bits,
    client_cmd,
    cluster,
    command_cmd,
    connection,
    docdata,
    dump,
    expire,
    keys,
    latency,
    lcs,
    migrate,
    object_cmd,
    server,
    slowlog_cmd,
    strings,
    transactions,
)
from resp_server.commands.docs import DOCS
from resp_server.commands.table import TABLE

MODULES = (strings, keys, expire, transactions, connection, client_cmd, server, command_cmd, object_cmd, slowlog_cmd, bits, bitfield, lcs, dump, migrate,
           cluster, latency)


def install() -> None:
    """Fill TABLE from every command module, once (a duplicate name is a programming error)."""
    if TABLE:
        return
    DOCS.update(docdata.ALL)
    for module in MODULES:
        for s in module.COMMANDS:
            assert s.name.encode() not in TABLE, f"duplicate command {s.name}"
            TABLE[s.name.encode()] = s
