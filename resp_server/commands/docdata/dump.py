"""COMMAND INFO / DOCS data of the commands in commands/dump.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    'dump': Doc(
        complexity=(
            'O(1) to access the key and additional O(N*M) to serialize it, where N is the number '
            'of Redis objects composing the value and M their average size. For small string '
            'values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).'
        ),
        acl='@keyspace',
        tips='nondeterministic_output',
        key_specs=(KS('RO access', index=1),),
        args=(
            A('key', 'key', ks=0),
        ),
    ),
    'restore': Doc(
        complexity=(
            'O(1) to create the new key and additional O(N*M) to reconstruct the serialized '
            'value, where N is the number of Redis objects composing the value and M their '
            'average size. For small string values the time complexity is thus O(1)+O(1*M) where '
            'M is small, so simply O(1). However for sorted set values the complexity is '
            'O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).'
        ),
        acl='@keyspace @dangerous',
        key_specs=(KS('OW update', index=1),),
        history=(
            ('3.0.0', 'Added the `REPLACE` modifier.'),
            ('5.0.0', 'Added the `ABSTTL` modifier.'),
            ('5.0.0', 'Added the `IDLETIME` and `FREQ` options.'),
        ),
        args=(
            A('key', 'key', ks=0),
            A('ttl', 'integer'),
            A('serialized-value', 'string'),
            A('replace', 'pure-token', token='REPLACE', since='3.0.0', flags='optional'),
            A('absttl', 'pure-token', token='ABSTTL', since='5.0.0', flags='optional'),
            A('seconds', 'integer', token='IDLETIME', since='5.0.0', flags='optional'),
            A('frequency', 'integer', token='FREQ', since='5.0.0', flags='optional'),
        ),
    ),
}
