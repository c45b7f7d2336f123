"""COMMAND INFO / DOCS data of the commands in commands/bitfield.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    'bitfield': Doc(
        complexity='O(1) for each subcommand specified',
        acl='@bitmap',
        key_specs=(KS('RW access update variable_flags',
                      notes='This command allows both access and modification of the key'),),
        args=(
            A('key', 'key', ks=0),
            A('operation', 'oneof', flags='optional multiple', args=(
                A('encoding_offset', 'block', token='GET', args=(
                    A('encoding', 'string'),
                    A('offset', 'integer'),
                )),
                A('write', 'block', args=(
                    A('wrap_sat_fail', 'oneof', token='OVERFLOW', flags='optional', args=(
                        A('wrap', 'pure-token', token='WRAP'),
                        A('sat', 'pure-token', token='SAT'),
                        A('fail', 'pure-token', token='FAIL'),
                    )),
                    A('write_operation', 'oneof', args=(
                        A('encoding_offset_value', 'block', token='SET', args=(
                            A('encoding', 'string'),
                            A('offset', 'integer'),
                            A('value', 'integer'),
                        )),
                        A('encoding_offset_increment', 'block', token='INCRBY', args=(
                            A('encoding', 'string'),
                            A('offset', 'integer'),
                            A('increment', 'integer'),
                        )),
                    )),
                )),
            )),
        ),
    ),
    'bitfield_ro': Doc(
        complexity='O(1) for each subcommand specified',
        acl='@bitmap',
        key_specs=(KS('RO access', index=1),),
        args=(
            A('key', 'key', ks=0),
            A('encoding_offset', 'block', token='GET', flags='optional multiple multiple_token',
              args=(
                A('encoding', 'string'),
                A('offset', 'integer'),
            )),
        ),
    ),
}
