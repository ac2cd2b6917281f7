"""The embedded network: every organization's peer, the solo orderer and the vaults in
one process over one folder (DESIGN.md "The embedded default").

A submitter chooses what to wait for and is told what it got: "ordered" (durably in the
stream), "committed" (in a block at the peers) or "final" (the block's checkpoint carries
the policy's quorum of cosignatures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tradeledger.contracts import default_contracts
from tradeledger.crypto import canonical_bytes, parse_canonical
from tradeledger.crypto.sealing import open_sealed, seal_for
from tradeledger.ledger.collections import Payload, PayloadPending, PrivateInput, PrivatePart
from tradeledger.ledger.contract import ContractSet, collection_record
from tradeledger.ledger.envelope import Envelope
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.peer import Peer
from tradeledger.ledger.signatures import SignatureVerifier
from tradeledger.ledger.state import StateReader
from tradeledger.ordering import SoloOrderer
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.lock import FolderLock
from tradeledger.runtime.node import Preview
from tradeledger.runtime.receipts import Receipt, Settled, receipts_for, wait_level
from tradeledger.runtime.setup import open_genesis
from tradeledger.runtime.submission import leaves_of, preview_on, sign_as, submit_checked
from tradeledger.store import SQLiteStore
from tradeledger.store.base import Head, LedgerReader
from tradeledger.vault import Vault


class _MemberPayloads:
    """A hosted member's payloads: its own inbox, then the other members hosted here."""

    def __init__(self, network: EmbeddedNetwork, organization: str):
        self._network = network
        self._organization = organization

    def payload(self, txid: str, contract: str, part: PrivatePart, members: tuple[str, ...]) -> Payload | None:
        own = self._network.peers[self._organization].store.payload(txid, part.part, part.collection)
        if own is not None and own.opens(part.commitment):
            return own
        return self._network.fetch_payload(self._organization, txid, contract, part, members)


class EmbeddedNetwork:
    """Every organization hosted in one folder, as one runtime (`runtime.node.Node`):
    `close()` (or leaving the `with` block) releases the folder."""

    def __init__(self, directory: Path, parallel_verification: bool = False, contracts: ContractSet | None = None):
        """Open the network in `directory`.

        `parallel_verification` checks large blocks' signatures in a worker process
        (started with "spawn", so a script that enables it needs the usual
        `if __name__ == "__main__":` guard). `contracts` replaces the default contracts, for
        tests of the framework itself.
        """
        self._contracts = contracts or default_contracts()
        self.layout = NetworkLayout(Path(directory))
        if not self.layout.genesis.exists():
            raise NetworkError(f"no network in {directory}; create one with `tradeledger init --dir {directory}`")
        self._lock = FolderLock(self.layout.lock,
                                f"another tradeledger process is using {directory}; wait for it to finish")
        self.keys: dict[str, OrganizationKeys] = {}
        self.peers: dict[str, Peer] = {}
        self._stores: list[SQLiteStore] = []
        self._vaults: dict[str, Vault] = {}
        self._orderer: SoloOrderer | None = None
        self._patient = True  # a missing payload waits for members still behind (see _catch_up_all)
        self._collections_exchanged = 0  # collection signatures up to this height went round
        self._signatures = SignatureVerifier(parallel=parallel_verification)
        try:
            self._open_parts()
        except BaseException:
            self.close()  # release the folder and every file opened so far
            raise

    def _open_parts(self) -> None:
        self.genesis: Genesis = open_genesis(self.layout.genesis)
        if not self.layout.orderer.exists() and any(
            self.layout.store(org.name).exists() for org in self.genesis.organizations
        ):
            # Peers that have executed blocks without this folder's solo stream were fed by
            # another orderer (a cluster's JetStream): a fresh, empty stream here would
            # reuse positions they have already consumed.
            raise NetworkError(
                f"{self.layout.directory} holds a cluster's ledger (its peers were ordered by JetStream); "
                f"run it with `tradeledger network up --dir {self.layout.directory}`"
            )
        self.layout.orderer.parent.mkdir(parents=True, exist_ok=True)
        self._orderer = SoloOrderer(self.layout.orderer)
        contracts = self._contracts
        for org in self.genesis.organizations:
            key_path = self.layout.keys(org.name)
            if not key_path.exists():
                continue  # this folder does not host that organization's node
            keys = OrganizationKeys.load(key_path)
            self.keys[org.name] = keys
            store = SQLiteStore(self.layout.store(org.name))
            self._stores.append(store)
            self.peers[org.name] = Peer(org.name, self.genesis, store, contracts, keys.node_signer, self._signatures,
                                        payloads=_MemberPayloads(self, org.name))
        if not self.peers:
            raise NetworkError(f"{self.layout.directory} holds no organization's keys")

    def __enter__(self) -> EmbeddedNetwork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for store in self._stores:
            store.close()
        for vault in self._vaults.values():
            vault.close()
        if self._orderer is not None:
            self._orderer.close()
        self._signatures.close()
        self._lock.release()

    @property
    def contracts(self) -> ContractSet:
        """The contracts this network's peers run (the audit replays with the same)."""
        return self._contracts

    @property
    def orderer(self) -> SoloOrderer:
        """The folder's solo orderer (open from the start to `close()`)."""
        assert self._orderer is not None
        return self._orderer

    # --- organizations -----------------------------------------------------------------
    def organization_keys(self, name: str) -> OrganizationKeys:
        if name not in self.keys:
            self.genesis.organization(name)  # raises with the list of known names
            raise NetworkError(f"this folder holds no keys for {name}")
        return self.keys[name]

    def vault(self, name: str) -> Vault:
        self.organization_keys(name)
        if name not in self._vaults:
            self._vaults[name] = Vault(self.layout.vault(name))
        return self._vaults[name]

    @property
    def reader(self) -> Peer:
        """A peer to answer queries: the first organization hosted here."""
        return next(iter(self.peers.values()))

    def peer(self, name: str) -> Peer:
        self.organization_keys(name)
        return self.peers[name]

    @property
    def hosted(self) -> tuple[str, ...]:
        return tuple(self.peers)

    def head(self, name: str) -> Head:
        return self.peer(name).head

    def state(self, name: str) -> StateReader:
        """`name`'s view of ledger state: its own peer's."""
        return self.peer(name).ledger

    def ledger(self, name: str) -> LedgerReader:
        """`name`'s own peer's transactions, checkpoints and tiles, read-only."""
        return self.peer(name).ledger

    # --- transactions ------------------------------------------------------------------
    def sign(self, organization: str, contract: str, action: str, args: dict[str, Any],
             commitments: Sequence[str] = (), created_ms: int | None = None,
             private: Sequence[PrivatePart] = ()) -> Envelope:
        return sign_as(self.organization_keys(organization), self.genesis, contract, action, args,
                       commitments, created_ms, private)

    def preview(self, organization: str, envelope: Envelope, payloads: Sequence[Payload] = ()) -> Preview:
        """Would `envelope` be valid if ordered now? Judged on `organization`'s own peer;
        nothing is written anywhere."""
        peer = self.peer(organization)
        return preview_on(peer.executor, peer.ledger, peer.head.log_size, envelope, payloads)

    def deliver(self, organization: str, payloads: Sequence[Payload],
                members: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
        """Hand each payload to every member hosted here, sealed to that member's key and
        opened by it, as a cluster node's delivery does over NATS; the sender keeps its own.
        Each member gets one sealed bundle per call, whatever the number of payloads."""
        by_member: dict[str, list[Payload]] = {}
        for payload in payloads:
            for member in {organization, *members.get((payload.part, payload.collection), ())}:
                if member in self.peers:
                    by_member.setdefault(member, []).append(payload)
        for member, bundle in by_member.items():
            self._receive(member, bundle)

    def _receive(self, member: str, payloads: Sequence[Payload]) -> None:
        keys = self.keys[member]
        sealed = seal_for(keys.admin.public_key, canonical_bytes([payload.to_dict() for payload in payloads]))
        received = [Payload.from_dict(item) for item in parse_canonical(open_sealed(keys.admin, sealed))]
        self.peers[member].store.put_payloads(received)

    def fetch_payload(self, member: str, txid: str, contract: str, part: PrivatePart,
                      members: tuple[str, ...]) -> Payload | None:
        """A payload `member` missed, from another member hosted here that holds it and
        still counts `member` in the collection; checked against the commitment."""
        behind = False
        for other in members:
            peer = self.peers.get(other)
            if other == member or peer is None:
                continue
            if peer.ledger.tx_by_id(txid) is None:
                behind = True  # it cannot yet tell whether `member` belongs: ask again later
                continue
            record = collection_record(peer.ledger, contract, part.collection)
            if record is None or member not in record.members:
                continue  # the holder's own view of the collection decides whom it serves
            held = peer.store.payload(txid, part.part, part.collection)
            if held is not None and held.opens(part.commitment):
                self._receive(member, [held])
                return held
        if behind and self._patient:
            raise PayloadPending(f"{member} waits for a payload of {txid[:16]}")
        return None

    def submit_checked(self, organization: str, contract: str, action: str, args: dict[str, Any],
                       commitments: Sequence[str] = (), wait: str = "final",
                       private: Sequence[PrivateInput] = ()) -> Receipt:
        """Sign as `organization`, refuse what would be invalid, else submit and wait
        (runtime/submission.py)."""
        return submit_checked(self, organization, contract, action, args, commitments, wait, private)

    def submit(self, envelopes: Sequence[Envelope | bytes], wait: str = "final",
               viewer: str | None = None) -> list[Receipt]:
        """Order the envelopes and wait as asked; the receipts are `viewer`'s peer's (by
        default the first organization hosted here)."""
        level = wait_level(wait)
        ledger = self.peers.get(viewer or "", self.reader).ledger
        leaves, txids = leaves_of(envelopes)
        # The block closes right behind these envelopes, in the same fsync: once they are
        # acknowledged, their block and its time are fixed, so a node that goes down before
        # executing them cannot make them late (backdated) by cutting them after a restart.
        positions = self.orderer.submit(leaves, cut=True)
        if level == "ordered":
            return receipts_for(txids, positions, {})  # none settled yet
        self.sync(finality=(level == "final"))
        records = ledger.txs_at_positions(positions[0], positions[-1]) if positions else {}
        heights = [r.height for r in records.values()]
        final = ledger.final_heights(min(heights), max(heights)) if heights else set()
        return receipts_for(txids, positions, {
            position: Settled("final" if r.height in final else "committed", r.leaf_index, r.height, r.valid, r.reason)
            for position, r in records.items()
        })

    def sync(self, finality: bool = True) -> None:
        """Close the pending block, bring every peer up to the stream's end, and exchange
        checkpoint signatures until each block is final (or no more signatures exist)."""
        if self._has_pending():
            self.orderer.cut()
        self._catch_up_all()
        if finality:
            self.exchange_signatures()

    def _catch_up_all(self) -> None:
        """Bring every peer to the stream's end. A member that needs a payload from one
        still behind waits while any peer moves; when none does, what is still missing
        cannot be had, and the collections that need it halt."""
        waiting = set(self.peers)
        while waiting:
            before = {name: self.peers[name].head.height for name in waiting}
            for name in sorted(waiting):
                try:
                    self.peers[name].catch_up(self.orderer)
                    waiting.discard(name)
                except PayloadPending:
                    pass
            if waiting and all(self.peers[name].head.height == before[name] for name in waiting):
                self._patient = False
                try:
                    for name in sorted(waiting):
                        self.peers[name].catch_up(self.orderer)
                finally:
                    self._patient = True
                return

    def _has_pending(self) -> bool:
        last = self.orderer.last_position()
        if last == 0:
            return False
        tail = self.orderer.read(last, 1)
        if tail and tail[0].kind == "cut":
            return False
        return any(peer.head.next_position <= last for peer in self.peers.values())

    def exchange_signatures(self) -> None:
        self._exchange_checkpoint_signatures()
        self._exchange_collection_signatures()

    def _exchange_collection_signatures(self) -> None:
        # Each member's signatures go to the other members only: a digest is private too.
        first = self._collections_exchanged + 1
        signed = {name: peer.ledger.collection_signatures(first) for name, peer in self.peers.items()}
        self._collections_exchanged = min(peer.head.height for peer in self.peers.values())
        for name, receiver in self.peers.items():
            theirs = [row for sender, rows in signed.items() if sender != name for row in rows
                      if row.organization == sender]
            if theirs:
                receiver.receive_collection_signatures(theirs)

    def _exchange_checkpoint_signatures(self) -> None:
        pending = sorted({h for peer in self.peers.values() for h in peer.ledger.non_final_heights()})
        for height in pending:
            records = {name: peer.ledger.checkpoint(height) for name, peer in self.peers.items()}
            for sender, record in records.items():
                if record is None:
                    continue
                for name, receiver in self.peers.items():
                    if name != sender:
                        receiver.receive_signatures(height, record.body, record.signatures, sender)
