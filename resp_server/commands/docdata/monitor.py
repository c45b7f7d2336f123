"""COMMAND INFO / DOCS data of the commands in commands/monitor.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import Doc

DOCS: dict[str, Doc] = {
    "monitor": Doc(
    ),
}
