"""Contracts on plain data: an in-memory state and a harness that runs one action the way
the executor does (roles, argument schema, handler, all-or-nothing writes), without keys,
signatures, blocks or a store. Contract tests use it beside the end-to-end tests, as
Fabric's chaincode tests use a stub of the shim.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from tradeledger.crypto import canonical_bytes, sha256_hex
from tradeledger.errors import Refused
from tradeledger.ledger.collections import PrivateInput, commit_part
from tradeledger.ledger.contract import ContractSet, Event, PrivateContext, Signer, TxContext, collection_record
from tradeledger.ledger.state import Overlay, StateKey, StateView


class MemoryState:
    """A `StateReader` over a dict of (namespace, key) to value."""

    def __init__(self, rows: Mapping[StateKey, Any] | None = None):
        self.rows: dict[StateKey, Any] = dict(rows or {})

    def get_state(self, namespace: str, key: str) -> Any | None:
        return self.rows.get((namespace, key))

    def get_states(self, keys: Collection[StateKey]) -> dict[StateKey, Any]:
        return {k: self.rows[k] for k in keys if k in self.rows}

    def scan_state(self, namespace: str, prefix: str) -> Iterator[tuple[str, Any]]:
        for ns, key in sorted(self.rows):
            if ns == namespace and key.startswith(prefix):
                yield key, self.rows[(ns, key)]

    def apply(self, overlay: Overlay) -> None:
        for key, value in overlay.writes.items():
            if value is None:
                self.rows.pop(key, None)
            else:
                self.rows[key] = value


class ContractHarness:
    """Run actions of `contracts` against a `MemoryState`, one transaction at a time.

    A refused action raises `Refused` and leaves the state exactly as it was; an
    accepted one writes all of its changes and returns its events.
    """

    def __init__(self, contracts: ContractSet, state: MemoryState | None = None, network: str = "memory"):
        self.contracts = contracts
        self.state = state if state is not None else MemoryState()
        self.network = network
        self._leaf_index = 0

    def run(self, signer: Signer, contract: str, action: str, args: dict[str, Any],
            commitments: tuple[str, ...] = (), time_ms: int = 0,
            private: Sequence[PrivateInput] = ()) -> list[Event]:
        """Run one action; its private parts run as at a member of every collection (the
        memory state holds them all), and a refused part refuses the whole run here."""
        found = self.contracts.find(contract, action)
        found.authorize(signer)
        parsed = found.parse_args(args)
        tx = Overlay(self.state)
        txid = sha256_hex(canonical_bytes({"contract": contract, "action": action, "args": args,
                                           "signer": signer.key, "index": self._leaf_index}))
        parts = [commit_part(p) for p in private]
        context = TxContext(txid=txid, leaf_index=self._leaf_index, block_time_ms=time_ms, signer=signer,
                            commitments=commitments, state=StateView(tx, contract), network=self.network,
                            private_parts=tuple(p.part for p in parts))
        found.handler(context, parsed)  # Refused propagates; tx is dropped with it
        for committed in parts:
            part = committed.part
            spec = found.parts.get(part.part)
            if spec is None:
                raise Refused(f"{contract}.{action} has no private part {part.part!r}")
            record = collection_record(tx, contract, part.collection)
            if record is None or signer.organization not in record.members:
                raise Refused(f"{signer.organization} is not a member of collection {part.collection}")
            private_context = PrivateContext(txid, self._leaf_index, time_ms, signer, self.network, contract,
                                             part.part, part.collection, record.members, tx)
            spec.handler(private_context, parsed, spec.parse_payload(dict(committed.payload(txid).arguments())))
        self.state.apply(tx)
        self._leaf_index += 1
        return context.events
