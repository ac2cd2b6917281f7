"""Cluster mode: one node process per organization over a NATS JetStream orderer.

Each node (`tradeledger.cluster.node.ClusterNode`, run by `python -m
tradeledger.cluster.cli`) keeps its own store, vault and keys, executes the network's
stream, signs a checkpoint per block and exchanges the signature lines with the other
nodes over NATS until the genesis policy's quorum makes the block final. Private
documents travel node to node over NATS request/reply, sealed to the requester's key,
never through the ordering stream; so do private collections' payloads and collection
signatures, sealed to the members' registered keys (cluster/private.py). `tradeledger
network up|status|down` runs a local
three-organization cluster (docs/cluster.md).
"""
