"""COMMAND INFO / DOCS data of the commands in commands/client_cmd.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    "client": Doc(
        complexity="Depends on subcommand.",
    ),
    "client|id": Doc(
        summary="Returns the client ID for the current connection",
        since="5.0.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "client|info": Doc(
        summary="Returns information about the current client connection.",
        since="6.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        tips="nondeterministic_output",
    ),
    "client|list": Doc(
        summary="Get the list of client connections",
        since="2.4.0",
        group="connection",
        flags="admin noscript loading stale",
        complexity="O(N) where N is the number of client connections",
        acl="@connection",
        tips="nondeterministic_output",
        history=(
            ("2.8.12", "Added unique client `id` field."),
            ("5.0.0", "Added optional `TYPE` filter."),
            ("6.0.0", "Added `user` field."),
            ("6.2.0", (
                "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional"
                " `ID` filter."
            )),
            ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
            ("7.0.3", "Added `ssub` field."),
        ),
        args=(
            A("normal_master_replica_pubsub", "oneof", token="TYPE", since="5.0.0", flags="optional", args=(
                A("normal", "pure-token", token="NORMAL"),
                A("master", "pure-token", token="MASTER"),
                A("replica", "pure-token", token="REPLICA"),
                A("pubsub", "pure-token", token="PUBSUB"),
            )),
            A("id", "block", token="ID", since="6.2.0", flags="optional", args=(
                A("client-id", "integer", flags="multiple"),
            )),
        ),
    ),
    "client|kill": Doc(
        summary="Kill the connection of a client",
        since="2.4.0",
        group="connection",
        flags="admin noscript loading stale",
        complexity="O(N) where N is the number of client connections",
        acl="@connection",
        history=(
            ("2.8.12", "Added new filter format."),
            ("2.8.12", "`ID` option."),
            ("3.2.0", "Added `master` type in for `TYPE` option."),
            ("5.0.0", (
                "Replaced `slave` `TYPE` with `replica`. `slave` still supported for "
                "backward compatibility."
            )),
            ("6.2.0", "`LADDR` option."),
        ),
        args=(
            A("filter", "oneof", args=(
                A("ip:port", "string", deprecated_since="2.8.12"),
                A("new-format", "oneof", flags="multiple", args=(
                    A("client-id", "integer", token="ID", since="2.8.12", flags="optional"),
                    A("normal_master_slave_pubsub", "oneof", token="TYPE", since="2.8.12", flags="optional", args=(
                        A("normal", "pure-token", token="NORMAL"),
                        A("master", "pure-token", token="MASTER", since="3.2.0"),
                        A("slave", "pure-token", token="SLAVE"),
                        A("replica", "pure-token", token="REPLICA", since="5.0.0"),
                        A("pubsub", "pure-token", token="PUBSUB"),
                    )),
                    A("username", "string", token="USER", flags="optional"),
                    A("ip:port", "string", token="ADDR", flags="optional"),
                    A("ip:port", "string", token="LADDR", since="6.2.0", flags="optional"),
                    A("yes/no", "string", token="SKIPME", flags="optional"),
                )),
            )),
        ),
    ),
    "client|setname": Doc(
        summary="Set the current connection name",
        since="2.6.9",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        args=(
            A("connection-name", "string"),
        ),
    ),
    "client|getname": Doc(
        summary="Get the current connection name",
        since="2.6.9",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "client|no-evict": Doc(
        summary="Set client eviction mode for the current connection",
        since="7.0.0",
        group="connection",
        flags="admin noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        args=(
            A("enabled", "oneof", args=(
                A("on", "pure-token", token="ON"),
                A("off", "pure-token", token="OFF"),
            )),
        ),
    ),
    "client|reply": Doc(
        summary="Instruct the server whether to reply to commands",
        since="3.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        args=(
            A("on_off_skip", "oneof", args=(
                A("on", "pure-token", token="ON"),
                A("off", "pure-token", token="OFF"),
                A("skip", "pure-token", token="SKIP"),
            )),
        ),
    ),
    "client|getredir": Doc(
        summary="Get tracking notifications redirection client ID if any",
        since="6.0.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "client|help": Doc(
        summary="Show helpful text about the different subcommands",
        since="5.0.0",
        group="connection",
        flags="loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "client|setinfo": Doc(
        summary="Sets information specific to the client or connection.",
        since="7.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        tips="request_policy:all_nodes response_policy:all_succeeded",
        args=(
            A("attr", "oneof", args=(
                A("libname", "string", token="LIB-NAME"),
                A("libver", "string", token="LIB-VER"),
            )),
        ),
    ),
    "client|no-touch": Doc(
        summary="Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
        since="7.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        tips="request_policy:all_nodes response_policy:all_succeeded",
        args=(
            A("enabled", "oneof", args=(
                A("on", "pure-token", token="ON"),
                A("off", "pure-token", token="OFF"),
            )),
        ),
    ),
    'client|pause': Doc(
        summary='Stop processing commands from clients for some time',
        since='2.9.50',
        group='connection',
        flags='admin noscript loading stale',
        complexity='O(1)',
        acl='@connection',
        history=(
            ('6.2.0', '`CLIENT PAUSE WRITE` mode added along with the `mode` option.'),
        ),
        args=(
            A('timeout', 'integer'),
            A('mode', 'oneof', since='6.2.0', flags='optional', args=(
                A('write', 'pure-token', token='WRITE'),
                A('all', 'pure-token', token='ALL'),
            )),
        ),
    ),
    'client|unpause': Doc(
        summary='Resume processing of clients that were paused',
        since='6.2.0',
        group='connection',
        flags='admin noscript loading stale',
        complexity='O(N) Where N is the number of paused clients',
        acl='@connection',
    ),
}
