"""The runtime core both runtimes import: receipts and wait levels, the clock, the
folder layout and its locks, organization keys on disk, network creation, the one
sign-preview-submit path, and the `Node` interface the workflows are written against. It
imports neither runtime."""
