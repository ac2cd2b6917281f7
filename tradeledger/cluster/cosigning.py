"""A cluster node's side of the signature exchange, and what it does about forks.

After each block the node announces its checkpoint signature lines on the network's
cosign subject, and takes the other nodes' (`Peer.receive_signatures`) until the genesis
policy makes the block final; lines for heights it has not reached yet wait in memory (up
to EARLY_WINDOW heights ahead). A node missing a quorum (it was down, or the others were)
asks for the lines it lacks, backing off while asking brings nothing, and every node
answers such wants from its store, so finality catches up after an outage.

A valid line over a different checkpoint is a fork: logged loudly and kept as evidence in
the store (the peer records it), once per sender. Lines that verify under no policy key
are counted and dropped.

Messages arrive on NATS threads (`heard`, `wanted` only queue them); everything else runs
on the node's worker thread, which alone writes the store.
"""

from __future__ import annotations

import logging
import time
from collections import deque

from tradeledger.cluster.messages import (
    MAX_WANTED_HEIGHTS,
    CheckpointSignatures,
    SignatureAnnouncement,
    SignatureWant,
    encode,
)
from tradeledger.cluster.messaging import Publish
from tradeledger.cluster.status import NodeHealth
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.ledger.peer import ForkDetected, Peer
from tradeledger.store.base import CheckpointRecord

log = logging.getLogger(__name__)

ANNOUNCE_CHUNK = 128  # checkpoints per signature message: well under NATS's 1 MB max_payload
EARLY_WINDOW = 20_000  # heights past our head whose incoming lines we keep until we get there
MAX_WANT_BACKOFF_S = 30.0


def contiguous_final(peer: Peer) -> tuple[int, int]:
    """(height, stream position) through which every block is final at `peer`."""
    ledger = peer.ledger
    non_final = ledger.non_final_heights()
    height = non_final[0] - 1 if non_final else peer.head.height
    if height <= 0:
        return 0, 0
    header = ledger.header(height)
    return height, header.stream_end if header else 0


class Cosigning:
    def __init__(self, organization: str, peer: Peer, subjects: NetworkSubjects, publish: Publish,
                 health: NodeHealth, want_interval_s: float, want_after_s: float):
        self.organization = organization
        self._peer = peer
        self._subjects = subjects
        self._publish = publish
        self._health = health
        self._want_interval_s = want_interval_s
        self._want_after_s = want_after_s
        self._inbox: deque[SignatureAnnouncement | tuple[SignatureWant, str]] = deque()
        self._early: dict[int, list[tuple[str, CheckpointSignatures]]] = {}
        self._committed_at: dict[int, float] = {}
        self._wants: list[tuple[SignatureWant, str]] = []
        # A sender whose fork is already in the store is not recorded again.
        self.forked_senders = {str(f.get("sender", "")) for f in peer.ledger.forks()}
        self._next_want = 0.0
        self._want_backoff = want_interval_s
        self.final = contiguous_final(peer)  # read by other threads: replaced, never mutated
        self._announced = peer.head.height  # announced before, or wanted from the store

    @property
    def waiting_heights(self) -> int:
        """Heights ahead of ours whose lines wait here."""
        return len(self._early)

    # --- on NATS threads: queue only ------------------------------------------------------
    def heard(self, announcement: SignatureAnnouncement) -> None:
        self._inbox.append(announcement)

    def wanted(self, want: SignatureWant, reply: str) -> None:
        self._inbox.append((want, reply))

    # --- on the worker ----------------------------------------------------------------------
    def cosign(self) -> bool:
        """Announce the blocks committed since the last call and take the lines received;
        True when anything moved (the caller then publishes progress)."""
        head = self._peer.head
        ledger = self._peer.ledger
        now = time.monotonic()
        fresh = []
        for height in range(self._announced + 1, head.height + 1):
            record = ledger.checkpoint(height)
            if record is not None:
                fresh.append(CheckpointSignatures(height, record.body, record.signatures))
            self._committed_at[height] = now
        self._health.blocks += head.height - self._announced
        self._announced = head.height
        if fresh:
            self._announce(self._subjects.cosign, fresh)
        self._drain_inbox()
        changed = self._take_signatures()
        if fresh or changed:
            before = self.final
            self.final = contiguous_final(self._peer)
            if self.final[0] > before[0]:
                self._want_backoff = self._want_interval_s
                self._forget_before(self.final[0])
        return bool(fresh or changed)

    def answer_wants(self) -> None:
        """Answer the wants received with the lines this node holds."""
        wants, self._wants = self._wants, []
        for want, reply in wants:
            found = []
            for height in want.heights:
                record = self._peer.ledger.checkpoint(height)
                if record is not None and record.signatures:
                    found.append(CheckpointSignatures(height, record.body, record.signatures))
            self._announce(reply, found)

    def ask_for_missing(self) -> None:
        """Ask for the lines of blocks still not final a while after their commit."""
        now = time.monotonic()
        if now < self._next_want:
            return
        missing = [h for h in self._peer.ledger.non_final_heights()
                   if now - self._committed_at.get(h, 0.0) >= self._want_after_s][:MAX_WANTED_HEIGHTS]
        if missing:
            want = SignatureWant(self.organization, tuple(missing))
            self._publish(self._subjects.want, encode(want), self._subjects.answers_to(self.organization))
            # Back off while wants bring no finality (e.g. the quorum's nodes are down).
            self._next_want = now + self._want_backoff
            self._want_backoff = min(self._want_backoff * 2, MAX_WANT_BACKOFF_S)
        else:
            self._next_want = now + self._want_interval_s

    def _drain_inbox(self) -> None:
        while self._inbox:
            item = self._inbox.popleft()
            if isinstance(item, SignatureAnnouncement):
                for checkpoint in item.checkpoints:
                    self._early.setdefault(checkpoint.height, []).append((item.sender, checkpoint))
            else:
                self._wants.append(item)

    def _announce(self, subject: str, checkpoints: list[CheckpointSignatures]) -> None:
        for first in range(0, len(checkpoints), ANNOUNCE_CHUNK):
            message = SignatureAnnouncement(self.organization, tuple(checkpoints[first:first + ANNOUNCE_CHUNK]))
            self._publish(subject, encode(message), "")

    def _take_signatures(self) -> bool:
        """Apply the lines received for heights we have; keep those for heights ahead."""
        head = self._peer.head.height
        changed = False
        for height in sorted([h for h in self._early if h <= head]):
            received = self._early.pop(height)
            ours = self._peer.ledger.checkpoint(height)
            if ours is None:
                continue
            # Every sender's lines over our own checkpoint at once: one verification pass
            # and one write per block, however many nodes announced it in this round.
            agreeing = [(sender, c) for sender, c in received if c.body == ours.body]
            if agreeing:
                changed |= self._take_agreeing(ours, agreeing)
            for sender, checkpoint in received:
                if checkpoint.body != ours.body:
                    changed |= self._take_different(sender, checkpoint)
        for height in [h for h in self._early if h > head + EARLY_WINDOW]:
            del self._early[height]  # too far ahead to hold; wants will bring them back
        return changed

    def _take_agreeing(self, ours: CheckpointRecord, received: list[tuple[str, CheckpointSignatures]]) -> bool:
        held = set(ours.signatures)
        lines = list(dict.fromkeys(line for _s, c in received for line in c.lines if line not in held))
        if not lines:
            return False
        senders = "+".join(sorted({sender for sender, _c in received}))
        self._peer.receive_signatures(ours.height, ours.body, lines, senders)
        after = self._peer.ledger.checkpoint(ours.height)
        kept = set(after.signatures) if after else set()
        self._reject([line for line in lines if line not in kept], senders, ours.height)
        return True

    def _take_different(self, sender: str, checkpoint: CheckpointSignatures) -> bool:
        """Lines over a checkpoint that is not ours: a fork if any verifies, else junk."""
        peer = self._peer
        valid = peer.policy.valid_lines(checkpoint.body, checkpoint.lines)
        self._reject([line for line in checkpoint.lines if line not in valid], sender, checkpoint.height)
        if not valid or sender in self.forked_senders:
            return False  # junk; or a sender whose first fork is already in the store
        try:
            peer.receive_signatures(checkpoint.height, checkpoint.body, valid, sender)
        except ForkDetected as fork:
            self.forked_senders.add(sender)
            log.critical("FORK DETECTED by %s: %s\nthe evidence is kept in the store (forks table); "
                         "stop trusting this network until it is explained", self.organization, fork)
        return True

    def _reject(self, lines: list[str], sender: str, height: int) -> None:
        if lines:
            self._health.rejected_lines += len(lines)
            log.warning("REJECTED %d signature line(s) from %r at height %d: they verify under no key of the "
                        "network's policy", len(lines), sender, height)

    def _forget_before(self, height: int) -> None:
        for old in [h for h in self._committed_at if h < height]:
            del self._committed_at[old]
