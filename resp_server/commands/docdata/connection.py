"""COMMAND INFO / DOCS data of the commands in commands/connection.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    "ping": Doc(
        complexity="O(1)",
        acl="@connection",
        tips="request_policy:all_shards response_policy:all_succeeded",
        args=(
            A("message", "string", flags="optional"),
        ),
    ),
    "echo": Doc(
        complexity="O(1)",
        acl="@connection",
        args=(
            A("message", "string"),
        ),
    ),
    "select": Doc(
        complexity="O(1)",
        acl="@connection",
        args=(
            A("index", "integer"),
        ),
    ),
    "quit": Doc(
        complexity="O(1)",
        acl="@connection",
    ),
    "auth": Doc(
        complexity="O(N) where N is the number of passwords defined for the user",
        acl="@connection",
        history=(
            ("6.0.0", "Added ACL style (username and password)."),
        ),
        args=(
            A("username", "string", since="6.0.0", flags="optional"),
            A("password", "string"),
        ),
    ),
    "hello": Doc(
        complexity="O(1)",
        acl="@connection",
        history=(
            ("6.2.0", (
                "`protover` made optional; when called without arguments the command "
                "reports the current connection's context."
            )),
        ),
        args=(
            A("arguments", "block", flags="optional", args=(
                A("protover", "integer"),
                A("username_password", "block", token="AUTH", flags="optional", args=(
                    A("username", "string"),
                    A("password", "string"),
                )),
                A("clientname", "string", token="SETNAME", flags="optional"),
            )),
        ),
    ),
    "reset": Doc(
        complexity="O(1)",
        acl="@connection",
    ),
}
