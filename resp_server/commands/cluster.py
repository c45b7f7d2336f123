"""CLUSTER (INFO, MYID, SLOTS, SHARDS, NODES, LINKS, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT,
HELP), ASKING, READONLY and READWRITE.

Replies come from the node's ClusterState (resp_server/cluster/): text and structure are Redis
7.0.15's (cluster/replies.py). Without `cluster-enabled yes` every one of these answers Redis's
"This instance has cluster support disabled". The
subcommands that change a gossip cluster (MEET, ADDSLOTS, SETSLOT, FAILOVER, ...) are refused:
here the topology is configuration (CONFIG SET cluster-nodes, or SIGHUP with a config file).
COUNTKEYSINSLOT / GETKEYSINSLOT walk the keyspace (no per-slot index: the write path stays as
cheap as without cluster mode), O(keys in the database).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.cluster import replies
from resp_server.cluster.slots import SLOTS, key_slot
from resp_server.commands.args import SubTable, parse_ll
from resp_server.commands.table import spec
from resp_server.kinds import IntKind, Kind, Param
from resp_server.resp.replies import ERR_NOT_INT, OK, RespError, Status, Verbatim

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.cluster.state import ClusterState

ERR_DISABLED = "ERR This instance has cluster support disabled"
ERR_INVALID_SLOT = "ERR Invalid slot"
ERR_SLOT_OR_COUNT = "ERR Invalid slot or number of keys"
# name -> Redis 7.0's arity (COMMAND INFO shows it; a call with too few arguments gets Redis's
# arity error before ours)
UNSUPPORTED = {"addslots": -3, "addslotsrange": -4, "delslots": -3, "delslotsrange": -4,
               "flushslots": 2, "meet": -4, "forget": 3, "replicate": 3, "failover": -2,
               "setslot": -4, "reset": -2, "set-config-epoch": 3, "bumpepoch": 2, "saveconfig": 2,
               "count-failure-reports": 3, "replicas": 3, "slaves": 3}


def _cluster(c: ClientState) -> ClusterState:
    cl = c.server.cluster
    if cl is None:
        raise RespError(ERR_DISABLED)
    return cl


def cluster_info(c: ClientState, argv: list) -> object:
    return Verbatim(replies.info_text(_cluster(c).topology))


def cluster_myid(c: ClientState, argv: list) -> object:
    me = _cluster(c).topology.me
    return (me.id if me else "0" * 40).encode()


def cluster_nodes(c: ClientState, argv: list) -> object:
    return Verbatim(replies.nodes_text(_cluster(c).topology))


def cluster_slots(c: ClientState, argv: list) -> object:
    return replies.slots_reply(_cluster(c).topology)


def cluster_shards(c: ClientState, argv: list) -> object:
    return replies.shards_reply(_cluster(c).topology)


def cluster_links(c: ClientState, argv: list) -> object:
    _cluster(c)
    return []                       # no cluster bus, no links


def cluster_keyslot(c: ClientState, argv: list) -> object:
    _cluster(c)
    return key_slot(bytes(argv[2]))


def _slot_arg(arg: bytes, err: str) -> int:
    v = parse_ll(bytes(arg))
    if v is None:
        raise RespError(ERR_NOT_INT)
    if not 0 <= v < SLOTS:
        raise RespError(err)
    return v


def _keys_in_slot(c: ClientState, slot: int, limit: int) -> list[bytes]:
    """Live keys of `slot`, newest first (Redis's per-slot key list adds at its head)."""
    out: list[bytes] = []
    if limit <= 0:
        return out
    ks = c.server.keyspace
    for key in reversed(list(ks.dbs[c.db].items)):
        if key_slot(key) == slot and ks.peek(c.db, key) is not None:
            out.append(key)
            if len(out) >= limit:
                break
    return out


def cluster_countkeysinslot(c: ClientState, argv: list) -> object:
    _cluster(c)
    slot = _slot_arg(argv[2], ERR_INVALID_SLOT)
    return len(_keys_in_slot(c, slot, 1 << 62))


def cluster_getkeysinslot(c: ClientState, argv: list) -> object:
    _cluster(c)
    slot = parse_ll(bytes(argv[2]))
    count = parse_ll(bytes(argv[3]))
    if slot is None or count is None:
        raise RespError(ERR_NOT_INT)
    if not 0 <= slot < SLOTS or count < 0:
        raise RespError(ERR_SLOT_OR_COUNT)
    return _keys_in_slot(c, slot, count)


def _unsupported(c: ClientState, argv: list) -> object:
    _cluster(c)
    name = bytes(argv[1]).decode("utf-8", "replace").upper()
    raise RespError(f"ERR CLUSTER {name} is not supported: the topology is configuration "
                    f"(CONFIG SET cluster-nodes, or SIGHUP to reload cluster-config-file)")


_HELP = [
    "COUNTKEYSINSLOT <slot>", "    Return the number of keys in <slot>.",
    "GETKEYSINSLOT <slot> <count>", "    Return key names stored by current node in a slot.",
    "INFO", "    Return information about the cluster.",
    "KEYSLOT <key>", "    Return the hash slot for <key>.",
    "MYID", "    Return the node id.",
    "NODES", "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "SLOTS", "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS", "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
]


def cluster_help(c: ClientState, argv: list) -> object:
    _cluster(c)
    head = "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    return [Status(x.encode()) for x in (head, *_HELP, "HELP", "    Prints this help.")]


CLUSTER = SubTable("cluster", {
    "info": (cluster_info, 2),
    "myid": (cluster_myid, 2),
    "nodes": (cluster_nodes, 2),
    "slots": (cluster_slots, 2),
    "shards": (cluster_shards, 2),
    "links": (cluster_links, 2),
    "keyslot": (cluster_keyslot, 3),
    "countkeysinslot": (cluster_countkeysinslot, 3),
    "getkeysinslot": (cluster_getkeysinslot, 4),
    "help": (cluster_help, 2),
    **{name: (_unsupported, arity) for name, arity in UNSUPPORTED.items()},
})


def cluster(c: ClientState, argv: list) -> object:
    return CLUSTER(c, argv)


# --- CONFIG parameters (config_cmd.PARAMS takes them from here) --------------------------------

def _get_nodes(s) -> str:
    return s.cluster.topology.text if s.cluster is not None else s.config.cluster_nodes


def _set_nodes(s, v: object) -> None:
    if s.cluster is None:
        raise ValueError("cluster mode is not enabled (cluster-enabled yes at start-up)")
    s.cluster.apply(str(v))


def _set_announce_ip(s, v: object) -> None:
    if s.cluster is None:
        raise ValueError("cluster mode is not enabled (cluster-enabled yes at start-up)")
    s.cluster.set_announce(ip=str(v))


def _set_announce_port(s, v: object) -> None:
    if s.cluster is None:
        raise ValueError("cluster mode is not enabled (cluster-enabled yes at start-up)")
    s.cluster.set_announce(port=int(v))  # type: ignore[call-overload]


def cluster_params() -> list:
    """cluster-* CONFIG GET/SET parameters; a bad cluster-nodes changes nothing."""
    def announce(attr: str, default: str):
        return lambda s: str(getattr(s.cluster, attr) if s.cluster is not None else default)

    return [
        Param("cluster-enabled", lambda s: "yes" if s.cluster is not None else "no"),
        Param("cluster-nodes", _get_nodes, Kind(), _set_nodes),
        Param("cluster-announce-ip", announce("announce_ip", ""), Kind(), _set_announce_ip),
        Param("cluster-announce-port", announce("announce_port", "0"), IntKind(0, 65535),
              _set_announce_port),
        Param("cluster-config-file", lambda s: s.config.cluster_config_file),
    ]


def _flag_ok(c: ClientState, argv: list) -> object:
    """ASKING / READONLY / READWRITE: accepted (no slot migrations, no replicas here)."""
    _cluster(c)
    return OK


COMMANDS = [
    spec("cluster", cluster, -2, "container", group="cluster",
         summary="A container for cluster commands", since="3.0.0"),
    spec("asking", _flag_ok, 1, "fast", group="cluster",
         summary="Sent by cluster clients after an -ASK redirect", since="3.0.0"),
    spec("readonly", _flag_ok, 1, "fast loading stale", group="cluster",
         summary="Enables read queries for a connection to a cluster replica node",
         since="3.0.0"),
    spec("readwrite", _flag_ok, 1, "fast loading stale", group="cluster",
         summary="Disables read queries for a connection to a cluster replica node",
         since="3.0.0"),
]
