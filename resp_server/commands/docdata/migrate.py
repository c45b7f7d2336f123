"""COMMAND INFO / DOCS data of the commands in commands/migrate.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    'migrate': Doc(
        complexity=(
            'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in '
            'the target instance. See the pages of these commands for time complexity. Also an '
            'O(N) data transfer between the two instances is performed.'
        ),
        acl='@keyspace @dangerous',
        tips='nondeterministic_output',
        key_specs=(KS('RW access delete', index=3),
                   KS('RW access delete incomplete', keyword='KEYS', startfrom=-2, lastkey=-1)),
        history=(
            ('3.0.0', 'Added the `COPY` and `REPLACE` options.'),
            ('3.0.6', 'Added the `KEYS` option.'),
            ('4.0.7', 'Added the `AUTH` option.'),
            ('6.0.0', 'Added the `AUTH2` option.'),
        ),
        args=(
            A('host', 'string'),
            A('port', 'integer'),
            A('key_or_empty_string', 'oneof', args=(
                A('key', 'key', ks=0),
                A('empty_string', 'pure-token', token=''),
            )),
            A('destination-db', 'integer'),
            A('timeout', 'integer'),
            A('copy', 'pure-token', token='COPY', since='3.0.0', flags='optional'),
            A('replace', 'pure-token', token='REPLACE', since='3.0.0', flags='optional'),
            A('authentication', 'oneof', flags='optional', args=(
                A('password', 'string', token='AUTH', since='4.0.7', flags='optional'),
                A('username_password', 'block', token='AUTH2', since='6.0.0', flags='optional',
                  args=(
                    A('username', 'string'),
                    A('password', 'string'),
                )),
            )),
            A('key', 'key', ks=1, token='KEYS', since='3.0.6', flags='optional multiple'),
        ),
    ),
}
