"""The in-memory harness runs an action as the executor would: roles, schema, handler,
and all-or-nothing writes."""

import pytest

from tradeledger.errors import Refused
from tradeledger.ledger.contract import Args, Contract, ContractSet, Signer, TxContext
from tradeledger.ledger.memory import ContractHarness, MemoryState

counter = Contract("counter")


class Add(Args):
    by: int


@counter.action("add", Add, roles=["importer"])
def add(ctx: TxContext, args: Add) -> None:
    total = (ctx.state.get("total") or 0) + args.by
    ctx.state.put("total", total)
    ctx.state.put("last", ctx.signer.organization)
    ctx.require(total <= 10, "the total may not pass 10")
    ctx.emit("added", total=total)


IMPORTER = Signer("did:key:z1", "acme", "importer", "m", False)
CUSTOMS = Signer("did:key:z2", "cbp", "customs", "m", False)


def harness() -> ContractHarness:
    return ContractHarness(ContractSet([counter]), MemoryState())


def test_an_accepted_action_writes_its_state_and_returns_its_events():
    h = harness()
    events = h.run(IMPORTER, "counter", "add", {"by": 4})
    assert h.state.get_state("counter", "total") == 4
    assert [e.to_dict() for e in events] == [{"contract": "counter", "type": "added", "data": {"total": 4}}]


def test_a_refused_action_writes_nothing_even_what_it_wrote_before_refusing():
    h = harness()
    h.run(IMPORTER, "counter", "add", {"by": 8})
    before = dict(h.state.rows)
    with pytest.raises(Refused, match="may not pass 10"):
        h.run(IMPORTER, "counter", "add", {"by": 3})
    assert h.state.rows == before


def test_roles_and_argument_schemas_are_judged_as_the_executor_judges_them():
    h = harness()
    with pytest.raises(Refused, match="may not add"):
        h.run(CUSTOMS, "counter", "add", {"by": 1})
    with pytest.raises(Refused, match="invalid arguments"):
        h.run(IMPORTER, "counter", "add", {"by": "1"})
    assert h.state.rows == {}
