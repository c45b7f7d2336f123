"""getNodeByQuery: the one function that decides where a command goes in cluster mode.

It lives with the commands because it reads the command table (key positions, EXEC's queue);
the cluster package below it knows slots and topology, and nothing of commands or clients.

The dispatcher calls `route(cluster, client, spec, argv)` for every command that passed the
lookup, arity, auth and no-MULTI checks (Redis's place in processCommand). It walks the keys
the command table names (CommandSpec first/last/step; a container's subcommand uses its key
specs from docs.py; MIGRATE's movable keys come from its getkeys function) - for EXEC, the keys
of every queued command - and answers:

  None                       serve here (no keys, or all keys in one slot this node owns)
  -CROSSSLOT ...             keys in more than one slot
  -CLUSTERDOWN Hash slot not served   the slot has no owner in the topology
  -MOVED <slot> <host>:<port>         another node owns the slot

Commands never ask themselves where they run; the fast lane asks `owns_key` (one mask lookup).
Nothing here changes state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.cluster.slots import key_slot
from resp_server.commands.docs import doc_of
from resp_server.commands.migrate import migrate_keys
from resp_server.resp.replies import RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.cluster.state import ClusterState
    from resp_server.commands.table import CommandSpec

ERR_CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"
ERR_UNBOUND = "CLUSTERDOWN Hash slot not served"


def keys_of(spec: CommandSpec, argv: list) -> list:
    """The key arguments of a command (getKeysFromCommandWithSpecs for our commands)."""
    if "movablekeys" in spec.flags and spec.name == "migrate":
        return [k for k, _ in migrate_keys(argv)]
    return [argv[i] for i in key_positions(spec, argv)]


def key_positions(spec: CommandSpec, argv: list) -> range | tuple[int, ...]:
    """Indexes of argv holding keys (the table's first/last/step, a subcommand's key specs)."""
    if spec.container:
        return _sub_positions(spec, argv)
    first = spec.first_key
    if not first:
        return ()
    last = spec.last_key
    argc = len(argv)
    end = argc + last if last < 0 else min(last, argc - 1)
    return range(first, end + 1, spec.step)


def _sub_positions(spec: CommandSpec, argv: list) -> tuple[int, ...]:
    if len(argv) < 2:
        return ()
    sub = bytes(argv[1]).lower().decode("utf-8", "replace")
    out: list[int] = []
    for ks in doc_of(f"{spec.name}|{sub}").key_specs:
        out.extend(ks.positions(len(argv), argv))
    return tuple(out)


def _arg(a: object) -> bytes:
    if type(a) is bytes:
        return a
    if hasattr(a, "views"):                  # a big argument held in store memory
        return b"".join(a.views())  # type: ignore[attr-defined]
    return bytes(a)  # type: ignore[call-overload]


def route(cluster: ClusterState, client: ClientState, spec: CommandSpec,
          argv: list) -> RespError | None:
    """None to serve here, else the error that sends the client elsewhere."""
    if spec.name == "exec":
        if client.multi is None:
            return None
        commands = client.multi
    else:
        commands = ((spec, argv),)
    slot = -1
    for sp, av in commands:
        for key in keys_of(sp, av):
            s = key_slot(_arg(key))
            if slot < 0:
                slot = s
            elif s != slot:
                return RespError(ERR_CROSSSLOT)
    if slot < 0:
        return None
    topo = cluster.topology
    owner = topo.owner[slot]
    if owner < 0:
        return RespError(ERR_UNBOUND)
    if owner == topo.myself:
        return None
    return RespError(f"MOVED {slot} {topo.nodes[owner].addr}")


def refuse_in_cluster(c: ClientState, what: str) -> None:
    """Raise Redis's "<what> is not allowed in cluster mode" when cluster mode is on (SELECT n,
    MOVE, SWAPDB, COPY ... DB n)."""
    if c.server.cluster is not None:
        raise RespError(f"ERR {what} is not allowed in cluster mode")


def owns_key(mask: bytearray, key: bytes) -> bool:
    """The fast lane's check: does this node own `key`'s slot?"""
    return bool(mask[key_slot(key)])
