"""COMMAND INFO / DOCS data of the commands in commands/bits.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    'setbit': Doc(
        complexity='O(1)',
        acl='@bitmap',
        key_specs=(KS('RW access update', index=1),),
        args=(
            A('key', 'key', ks=0),
            A('offset', 'integer'),
            A('value', 'integer'),
        ),
    ),
    'getbit': Doc(
        complexity='O(1)',
        acl='@bitmap',
        key_specs=(KS('RO access', index=1),),
        args=(
            A('key', 'key', ks=0),
            A('offset', 'integer'),
        ),
    ),
    'bitcount': Doc(
        complexity='O(N)',
        acl='@bitmap',
        key_specs=(KS('RO access', index=1),),
        history=(
            ('7.0.0', 'Added the `BYTE|BIT` option.'),
        ),
        args=(
            A('key', 'key', ks=0),
            A('index', 'block', flags='optional', args=(
                A('start', 'integer'),
                A('end', 'integer'),
                A('index_unit', 'oneof', since='7.0.0', flags='optional', args=(
                    A('byte', 'pure-token', token='BYTE'),
                    A('bit', 'pure-token', token='BIT'),
                )),
            )),
        ),
    ),
    'bitpos': Doc(
        complexity='O(N)',
        acl='@bitmap',
        key_specs=(KS('RO access', index=1),),
        history=(
            ('7.0.0', 'Added the `BYTE|BIT` option.'),
        ),
        args=(
            A('key', 'key', ks=0),
            A('bit', 'integer'),
            A('index', 'block', flags='optional', args=(
                A('start', 'integer'),
                A('end_index', 'block', flags='optional', args=(
                    A('end', 'integer'),
                    A('index_unit', 'oneof', since='7.0.0', flags='optional', args=(
                        A('byte', 'pure-token', token='BYTE'),
                        A('bit', 'pure-token', token='BIT'),
                    )),
                )),
            )),
        ),
    ),
    'bitop': Doc(
        complexity='O(N)',
        acl='@bitmap',
        key_specs=(KS('OW update', index=2), KS('RO access', index=3, lastkey=-1),),
        args=(
            A('operation', 'string'),
            A('destkey', 'key', ks=0),
            A('key', 'key', ks=1, flags='multiple'),
        ),
    ),
}
