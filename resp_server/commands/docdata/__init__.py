"""Every command's COMMAND INFO / DOCS data, one module per command module (docdata/strings.py
holds the docs of commands/strings.py, and so on), joined into ALL.

Data only: each module defines DOCS, a dict from the full lower-case name ("get",
"client|list") to its Doc. A name in two modules is a programming error.
"""

from __future__ import annotations

from resp_server.commands.docdata import (
    bitfield,
    bits,
    client_cmd,
    cluster,
    command_cmd,
    config_cmd,
    connection,
    dump,
    expire,
    info,
    keys,
    latency,
    lcs,
    migrate,
    monitor,
    object_cmd,
    server,
    slowlog_cmd,
    strings,
    transactions,
)
from resp_server.commands.docs import Doc

ROOMS = (bitfield, bits, client_cmd, cluster, command_cmd, config_cmd, connection, dump, expire, info, keys, latency, lcs, migrate, monitor, object_cmd, server, slowlog_cmd, strings, transactions)


def _joined() -> dict[str, Doc]:
    out: dict[str, Doc] = {}
    for room in ROOMS:
        for name, doc in room.DOCS.items():
            assert name not in out, f"docs of {name} given twice"
            out[name] = doc
    return out


ALL = _joined()
