"""The runtime core both runtimes import: receipts and wait levels, the clock, the
folder layout and its lock, organization keys on disk, network creation, and the `Node`
interface the workflows are written against. It imports neither runtime."""
