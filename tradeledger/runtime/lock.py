"""Advisory locks on a network folder's files (fcntl), held for as long as they are open.

An exclusive lock keeps a second process off what one process owns (the embedded
network's folder, a cluster node's store). A shared lock lets many holders in together
while keeping out an exclusive one: cluster nodes hold the network folder's lock shared,
so an embedded command (which takes it exclusively) stays off a live cluster.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from tradeledger.runtime.errors import NetworkError


class FolderInUse(NetworkError):
    """Another process holds a lock this one needs."""

    def __init__(self, path: Path, reason: str):
        super().__init__(reason)
        self.path = path


class FolderLock:
    """A lock on `path`, taken at once or refused with `busy` as the reason (never waited
    for: a second process should be told, not hang)."""

    def __init__(self, path: Path, busy: str, *, shared: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a+")  # noqa: SIM115 - held open: the lock lives as long as the handle
        try:
            fcntl.flock(self._handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.close()
            raise FolderInUse(self.path, busy) from None

    def release(self) -> None:
        self._handle.close()

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
