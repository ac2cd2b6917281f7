"""Workflows: each capability's steps in one home, written once over the runtime's `Node`
interface, so the embedded network and a cluster node run the same code and the CLI,
the API and the web only parse, call and print."""
