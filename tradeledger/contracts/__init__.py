"""Contracts: deterministic state machines, one module each, over the ledger framework."""

from tradeledger.contracts import access, brokers, documents, entries, ipr, origin, registry, status, trust
from tradeledger.ledger.contract import ContractSet


def default_contracts() -> ContractSet:
    """The contracts every tradeledger network runs."""
    return ContractSet([registry.contract, documents.contract, entries.contract, access.contract, ipr.contract,
                        origin.contract, trust.contract, status.contract, brokers.contract])
