"""COMMAND INFO / DOCS data of the commands in commands/lcs.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    'lcs': Doc(
        complexity='O(N*M) where N and M are the lengths of s1 and s2, respectively',
        acl='@string',
        key_specs=(KS('RO access', lastkey=1),),
        args=(
            A('key1', 'key', ks=0),
            A('key2', 'key', ks=0),
            A('len', 'pure-token', token='LEN', flags='optional'),
            A('idx', 'pure-token', token='IDX', flags='optional'),
            A('len', 'integer', token='MINMATCHLEN', flags='optional'),
            A('withmatchlen', 'pure-token', token='WITHMATCHLEN', flags='optional'),
        ),
    ),
}
