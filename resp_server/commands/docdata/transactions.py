"""COMMAND INFO / DOCS data of the commands in commands/transactions.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    "multi": Doc(
        complexity="O(1)",
        acl="@transaction",
    ),
    "exec": Doc(
        complexity="Depends on commands in the transaction",
        acl="@transaction",
    ),
    "discard": Doc(
        complexity="O(N), when N is the number of queued commands",
        acl="@transaction",
    ),
    "watch": Doc(
        complexity="O(1) for every key.",
        acl="@transaction",
        key_specs=(KS("RO", 1, -1, 1),),
        args=(
            A("key", "key", ks=0, flags="multiple"),
        ),
    ),
    "unwatch": Doc(
        complexity="O(1)",
        acl="@transaction",
    ),
}
