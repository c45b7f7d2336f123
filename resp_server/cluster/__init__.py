"""Redis Cluster protocol without a gossip bus: hash slots, a configured topology, routing.

- slots.py: key -> slot (CRC16-XMODEM, {hash tags}) and the even split of slots over nodes;
- topology.py: `cluster-nodes` text -> Topology (node ids, slot owners, who we are);
- state.py: ClusterState, the node's current topology and its changes (CONFIG SET, SIGHUP);
- replies.py: CLUSTER INFO/NODES/SLOTS/SHARDS from the topology;
- reclaim.py: background freeing of keys of slots given away.

Where a command goes (MOVED, CROSSSLOT, Redis's getNodeByQuery) is decided by
commands/routing.py, which reads the command table; this package imports nothing from
resp_server.commands or resp_server.client.
"""
