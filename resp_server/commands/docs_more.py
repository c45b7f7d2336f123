"""COMMAND INFO / DOCS data of the bitmap commands, LCS, DUMP, RESTORE, MIGRATE and CLIENT
PAUSE / UNPAUSE, as redis-server 7.0.15 reports them (same shape as docs.py, merged into its
DOCS when this module is imported by the command modules that need it).
"""

from __future__ import annotations

from resp_server.commands.docs import DOCS, KS, A, Doc

MORE_DOCS: dict[str, Doc] = {
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

DOCS.update(MORE_DOCS)
