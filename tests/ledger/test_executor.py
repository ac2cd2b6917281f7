"""Execution per DESIGN.md decisions 3 and 4: every envelope is judged, invalid ones stay
in the log with their reason and change no state."""

import dataclasses
import json

import pytest

from tradeledger.contracts import default_contracts
from tradeledger.crypto import KeyPair, canonical_bytes
from tradeledger.ledger.contract import Args, Contract, ContractSet
from tradeledger.ledger.envelope import EnvelopeError, decode_envelope, sign_envelope
from tradeledger.ledger.executor import Executor
from tradeledger.runtime.clock import now_ms

C1 = "11" * 32


def anchor(net, org="importer", commitment=C1, **overrides):
    args = overrides.pop("args", {"doc_type": "commercial_invoice", "refs": {"entry": "B76-0324527-8"}})
    return net.sign(org, "documents", "anchor", args, [commitment], **overrides)


def state_rows(net):
    return {name: list(peer.store.state_rows()) for name, peer in net.peers.items()}


def submit_one(net, envelope):
    [receipt] = net.submit([envelope])
    return receipt


def test_a_valid_envelope_is_final_and_changes_state(network):
    receipt = submit_one(network, anchor(network))
    assert receipt.valid and receipt.status == "final" and receipt.leaf_index == 0
    assert network.state("customs").get_state("documents", f"document/{C1}")["owner"] == "importer"


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda net: anchor(net, created_ms=now_ms() - 3_600_000), "backdated"),
        (lambda net: anchor(net, created_ms=now_ms() + 3_600_000), "after its block time"),
        (lambda net: sign_envelope(net.keys["importer"].admin, network="sha256:" + "00" * 32, contract="documents",
                                   action="anchor", args={"doc_type": "x", "refs": {}}, commitments=[C1],
                                   created_ms=now_ms()), "another network"),
        (lambda net: sign_envelope(KeyPair.generate(), network=net.genesis.network_id, contract="documents",
                                   action="anchor", args={"doc_type": "x", "refs": {}}, commitments=[C1],
                                   created_ms=now_ms()), "not a key registered"),
        (lambda net: net.sign("importer", "nosuch", "anchor", {}), "unknown contract"),
        (lambda net: net.sign("importer", "documents", "erase", {}), "no action 'erase'"),
        (lambda net: anchor(net, args={"doc_type": "Invoice!", "refs": {}}), "invalid arguments"),
        (lambda net: anchor(net, args={"doc_type": "invoice", "refs": {}, "extra": 1}), "invalid arguments"),
        (lambda net: net.sign("importer", "documents", "anchor", {"doc_type": "invoice", "refs": {}}, []),
         "exactly one commitment"),
        (lambda net: net.sign("importer", "registry", "admit_organization", {
            "name": "newco", "role": "carrier", "display_name": "New Co", "admin_key": KeyPair.generate().did,
            "log_key": "x", "witness_key": "y"}), "only a network administrator"),
    ],
)
def test_invalid_envelopes_are_kept_with_their_reason_and_change_nothing(network, make, reason):
    before = state_rows(network)
    receipt = submit_one(network, make(network))
    assert receipt.valid is False
    assert reason in receipt.reason
    assert receipt.leaf_index == 0  # it is in the log, as evidence
    for peer in network.peers.values():
        record = peer.ledger.tx_by_index(0)
        assert record is not None and not record.valid and reason in record.reason
    assert state_rows(network) == before


def test_a_tampered_signature_is_refused(network):
    good = anchor(network)
    forged = dataclasses.replace(good, args={"doc_type": "packing_list", "refs": {}})
    receipt = submit_one(network, forged)
    assert receipt.valid is False and "bad signature" in receipt.reason


def test_a_replayed_envelope_is_refused_in_a_later_block_and_in_the_same_block(network):
    envelope = anchor(network)
    assert submit_one(network, envelope).valid
    assert "replayed" in submit_one(network, envelope).reason
    other = anchor(network, commitment="22" * 32)
    first, second = network.submit([other, other])
    assert first.valid and not second.valid and "replayed" in second.reason


@pytest.mark.parametrize("respell", [
    lambda text: text[:-1] + {"A": "B", "Q": "R", "g": "h", "w": "x"}[text[-1]],  # unused low bits set
    lambda text: text + "==",  # padded
    lambda text: text[:40] + "\n" + text[40:],  # a character base64 decoders skip
])
def test_a_signature_spelled_another_way_is_not_a_new_transaction(network, respell):
    """Base64 decoders map several texts to one signature; only the canonical spelling is
    accepted, else re-spelling the signature would replay an envelope under a new txid."""
    envelope = network.sign("importer", "trust", "nosuch", {})  # any envelope: the check is the envelope's
    spelled = envelope.to_dict()
    spelled["signature"] = respell(spelled["signature"])
    leaf = canonical_bytes(spelled)
    assert leaf != envelope.leaf_bytes()
    with pytest.raises(EnvelopeError, match="canonical base64url"):
        decode_envelope(leaf)
    receipt = submit_one(network, leaf)
    assert receipt.valid is False and "malformed envelope" in receipt.reason


def test_the_second_anchor_of_a_commitment_is_refused(network):
    assert submit_one(network, anchor(network)).valid
    receipt = submit_one(network, anchor(network, org="exporter"))
    assert not receipt.valid and "already anchored at leaf 0" in receipt.reason


def test_every_peer_computes_the_same_blocks(network):
    network.submit([anchor(network, commitment=f"{i:064x}") for i in range(30)])
    heads = {peer.store.head() for peer in network.peers.values()}
    assert len(heads) == 1
    assert next(iter(heads)).log_size == 30


def test_wait_levels_report_what_was_reached(network):
    [ordered] = network.submit([anchor(network)], wait="ordered")
    assert ordered.status == "ordered" and ordered.leaf_index is None
    [committed] = network.submit([anchor(network, commitment="33" * 32)], wait="committed")
    assert committed.status == "committed" and committed.valid
    [final] = network.submit([anchor(network, commitment="44" * 32)], wait="final")
    assert final.status == "final"


def test_an_event_that_is_not_ledger_data_fails_its_transaction_not_the_block(network):
    """Events are encoded when a handler emits them: a contract bug that emits a float
    makes its own transaction invalid, and the block (here, the next anchor) commits."""
    faulty = Contract("faulty")

    class NoArgs(Args):
        pass

    @faulty.action("emit_float", NoArgs)
    def emit_float(ctx, args):
        ctx.emit("measured", carbon_equivalent=0.43)

    executor = Executor(network.genesis, ContractSet([*default_contracts(), faulty]))
    peer = network.reader
    leaves = [network.sign("importer", "faulty", "emit_float", {}).leaf_bytes(), anchor(network).leaf_bytes()]
    bad, good = executor.execute_block(peer.ledger, peer.ledger.seen_txids, leaves, peer.head.log_size,
                                       now_ms()).outcomes
    assert not bad.valid and "floating-point number 0.43" in bad.reason and bad.events == ()
    assert good.valid and [e.type for e in good.events] == ["anchored"]
    assert json.loads(good.events[0].data_json) == good.events[0].data


def test_a_read_hint_that_fails_or_guesses_wrong_changes_no_outcome(network):
    """Read hints only warm the block's cache: a hint that raises, or names keys the
    handler never reads, leaves every outcome as without it."""
    guessing = Contract("guessing")

    class Note(Args):
        key: str

    def hint(args, _commitments):
        if args["key"] == "boom":
            raise KeyError("a hint over arguments not yet validated")
        return [("guessing", "elsewhere"), ("registry", "nothing here")]

    @guessing.action("note", Note, reads=hint)
    def note(ctx, args):
        ctx.require(ctx.state.get(args.key) is None, f"{args.key} already noted")
        ctx.state.put(args.key, ctx.leaf_index)

    executor = Executor(network.genesis, ContractSet([*default_contracts(), guessing]))
    peer = network.reader
    leaves = [network.sign("importer", "guessing", "note", {"key": key}).leaf_bytes()
              for key in ("boom", "a", "a", "boom")]
    outcomes = executor.execute_block(peer.ledger, peer.ledger.seen_txids, leaves, peer.head.log_size,
                                      now_ms()).outcomes
    assert [(o.valid, o.reason) for o in outcomes] == [
        (True, ""), (True, ""), (False, "a already noted"), (False, "boom already noted")]
