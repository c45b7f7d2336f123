"""COMMAND INFO / DOCS data of the commands in commands/cluster.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    'cluster': Doc(complexity='Depends on subcommand.'),
    'cluster|info': Doc(
        summary='Provides info about Redis Cluster node state',
        since='3.0.0',
        group='cluster',
        flags='stale',
        complexity='O(1)',
        tips='nondeterministic_output',
    ),
    'cluster|myid': Doc(
        summary='Return the node id',
        since='3.0.0',
        group='cluster',
        flags='stale',
        complexity='O(1)',
    ),
    'cluster|nodes': Doc(
        summary='Get Cluster config for the node',
        since='3.0.0',
        group='cluster',
        flags='stale',
        complexity='O(N) where N is the total number of Cluster nodes',
        tips='nondeterministic_output',
    ),
    'cluster|slots': Doc(
        summary='Get array of Cluster slot to node mappings',
        since='3.0.0',
        group='cluster',
        flags='stale',
        complexity='O(N) where N is the total number of Cluster nodes',
        tips='nondeterministic_output',
        doc_flags='deprecated',
        deprecated_since='7.0.0',
        replaced_by='`CLUSTER SHARDS`',
        history=(
            ('4.0.0', 'Added node IDs.'),
            ('7.0.0', 'Added additional networking metadata field.'),
        ),
    ),
    'cluster|shards': Doc(
        summary='Get array of cluster slots to node mappings',
        since='7.0.0',
        group='cluster',
        flags='stale',
        complexity='O(N) where N is the total number of cluster nodes',
        tips='nondeterministic_output',
    ),
    'cluster|links': Doc(
        summary='Returns a list of all TCP links to and from peer nodes in cluster',
        since='7.0.0',
        group='cluster',
        flags='stale',
        complexity='O(N) where N is the total number of Cluster nodes',
        tips='nondeterministic_output',
    ),
    'cluster|keyslot': Doc(
        summary='Returns the hash slot of the specified key',
        since='3.0.0',
        group='cluster',
        flags='stale',
        complexity='O(N) where N is the number of bytes in the key',
        args=(
            A('key', 'string'),
        ),
    ),
    'cluster|countkeysinslot': Doc(
        summary='Return the number of local keys in the specified hash slot',
        since='3.0.0',
        group='cluster',
        flags='stale',
        complexity='O(1)',
        args=(
            A('slot', 'integer'),
        ),
    ),
    'cluster|getkeysinslot': Doc(
        summary='Return local key names in the specified hash slot',
        since='3.0.0',
        group='cluster',
        flags='stale',
        complexity='O(log(N)) where N is the number of requested keys',
        tips='nondeterministic_output',
        args=(
            A('slot', 'integer'),
            A('count', 'integer'),
        ),
    ),
    'cluster|help': Doc(
        summary='Show helpful text about the different subcommands',
        since='5.0.0',
        group='cluster',
        flags='loading stale',
        complexity='O(1)',
    ),
    'cluster|addslots': Doc(
        summary='Assign new hash slots to receiving node',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(N) where N is the total number of hash slot arguments',
        args=(
            A('slot', 'integer', flags='multiple'),
        ),
    ),
    'cluster|addslotsrange': Doc(
        summary='Assign new hash slots to receiving node',
        since='7.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(N) where N is the total number of the slots between the start slot and end slot arguments.',
        args=(
            A('start-slot_end-slot', 'block', flags='multiple', args=(
                A('start-slot', 'integer'),
                A('end-slot', 'integer'),
                )),
        ),
    ),
    'cluster|delslots': Doc(
        summary='Set hash slots as unbound in receiving node',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(N) where N is the total number of hash slot arguments',
        args=(
            A('slot', 'integer', flags='multiple'),
        ),
    ),
    'cluster|delslotsrange': Doc(
        summary='Set hash slots as unbound in receiving node',
        since='7.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(N) where N is the total number of the slots between the start slot and end slot arguments.',
        args=(
            A('start-slot_end-slot', 'block', flags='multiple', args=(
                A('start-slot', 'integer'),
                A('end-slot', 'integer'),
                )),
        ),
    ),
    'cluster|flushslots': Doc(
        summary="Delete a node's own slots information",
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
    ),
    'cluster|meet': Doc(
        summary='Force a node cluster to handshake with another node',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
        history=(
            ('4.0.0', 'Added the optional `cluster_bus_port` argument.'),
        ),
        args=(
            A('ip', 'string'),
            A('port', 'integer'),
            A('cluster_bus_port', 'integer', since='4.0.0', flags='optional'),
        ),
    ),
    'cluster|forget': Doc(
        summary='Remove a node from the nodes table',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
        args=(
            A('node-id', 'string'),
        ),
    ),
    'cluster|replicate': Doc(
        summary='Reconfigure a node as a replica of the specified master node',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
        args=(
            A('node-id', 'string'),
        ),
    ),
    'cluster|failover': Doc(
        summary='Forces a replica to perform a manual failover of its master.',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
        args=(
            A('options', 'oneof', flags='optional', args=(
                A('force', 'pure-token', token='FORCE'),
                A('takeover', 'pure-token', token='TAKEOVER'),
                )),
        ),
    ),
    'cluster|setslot': Doc(
        summary='Bind a hash slot to a specific node',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
        args=(
            A('slot', 'integer'),
            A('subcommand', 'oneof', args=(
                A('node-id', 'string', token='IMPORTING'),
                A('node-id', 'string', token='MIGRATING'),
                A('node-id', 'string', token='NODE'),
                A('stable', 'pure-token', token='STABLE'),
                )),
        ),
    ),
    'cluster|reset': Doc(
        summary='Reset a Redis Cluster node',
        since='3.0.0',
        group='cluster',
        flags='admin noscript stale',
        complexity='O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.',
        args=(
            A('hard_soft', 'oneof', flags='optional', args=(
                A('hard', 'pure-token', token='HARD'),
                A('soft', 'pure-token', token='SOFT'),
                )),
        ),
    ),
    'cluster|set-config-epoch': Doc(
        summary='Set the configuration epoch in a new node',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
        args=(
            A('config-epoch', 'integer'),
        ),
    ),
    'cluster|bumpepoch': Doc(
        summary='Advance the cluster config epoch',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
        tips='nondeterministic_output',
    ),
    'cluster|saveconfig': Doc(
        summary='Forces the node to save cluster state on disk',
        since='3.0.0',
        group='cluster',
        flags='admin stale no_async_loading',
        complexity='O(1)',
    ),
    'cluster|count-failure-reports': Doc(
        summary='Return the number of failure reports active for a given node',
        since='3.0.0',
        group='cluster',
        flags='admin stale',
        complexity='O(N) where N is the number of failure reports',
        tips='nondeterministic_output',
        args=(
            A('node-id', 'string'),
        ),
    ),
    'cluster|replicas': Doc(
        summary='List replica nodes of the specified master node',
        since='5.0.0',
        group='cluster',
        flags='admin stale',
        complexity='O(1)',
        tips='nondeterministic_output',
        args=(
            A('node-id', 'string'),
        ),
    ),
    'cluster|slaves': Doc(
        summary='List replica nodes of the specified master node',
        since='3.0.0',
        group='cluster',
        flags='admin stale',
        complexity='O(1)',
        tips='nondeterministic_output',
        doc_flags='deprecated',
        deprecated_since='5.0.0',
        replaced_by='`CLUSTER REPLICAS`',
        args=(
            A('node-id', 'string'),
        ),
    ),
    'asking': Doc(complexity='O(1)', acl='@connection'),
    'readonly': Doc(complexity='O(1)', acl='@connection'),
    'readwrite': Doc(complexity='O(1)', acl='@connection'),
}
