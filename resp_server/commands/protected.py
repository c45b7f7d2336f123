"""Protected commands (Redis 7's enable-debug-command): who may run DEBUG.

`yes`: everyone; `local`: clients on a unix socket or the loopback address 127.0.0.1 / ::1
(Redis's islocalClient); `no` (the default, as Redis 7): nobody. The refusal is Redis's text and
is raised before authentication is checked and at MULTI queueing time, as processCommand does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.resp.replies import RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_DEBUG_DISABLED = (
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.")


def is_local(c: ClientState) -> bool:
    host = c.addr.rsplit(":", 1)[0]
    return host in ("127.0.0.1", "::1", "") or host.startswith("/")   # "": a unix socket


def check_debug(c: ClientState) -> None:
    """Raise Redis's refusal unless enable-debug-command lets this client run DEBUG."""
    mode = c.server.ops.debug_command
    if mode == "yes" or (mode == "local" and is_local(c)):
        return
    raise RespError(ERR_DEBUG_DISABLED)
