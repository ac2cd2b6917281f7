"""Signature verdicts are the same whether checked here or in the worker process."""

import pytest

from tradeledger.crypto import KeyPair
from tradeledger.ledger.signatures import PARALLEL_THRESHOLD, SignatureVerifier


def items(count: int):
    key = KeyPair.generate()
    signed = []
    for i in range(count):
        message = f"envelope {i}".encode()
        signature = key.sign(message)
        if i % 7 == 3:  # every seventh signature is over another message
            signature = key.sign(b"something else")
        signed.append((key.public_key, message, signature))
    return [f"{i:064x}" for i in range(count)], signed


@pytest.mark.parametrize("parallel", [False, True])
def test_verdicts_in_block_order_match_each_signature(parallel):
    txids, signed = items(PARALLEL_THRESHOLD * 3 + 5)
    signed[10] = None  # an envelope that could not be decoded
    verifier = SignatureVerifier(parallel=parallel)
    try:
        verdicts = verifier.start(txids, signed.__getitem__)
        got = [verdicts.result(i) for i in range(len(txids))]
        expected = [item is not None and i % 7 != 3 for i, item in enumerate(signed)]
        assert got == expected
        # valid signatures are remembered: a second peer's pass needs no worker
        again = verifier.start(txids, signed.__getitem__)
        assert [again.result(i) for i in range(len(txids))] == expected
    finally:
        verifier.close()


def test_verdicts_may_be_read_out_of_order():
    txids, signed = items(PARALLEL_THRESHOLD * 2)
    verifier = SignatureVerifier(parallel=True)
    try:
        verdicts = verifier.start(txids, signed.__getitem__)
        assert verdicts.result(len(txids) - 4) is ((len(txids) - 4) % 7 != 3)
        assert verdicts.result(3) is False and verdicts.result(0) is True
    finally:
        verifier.close()


def test_prefetched_leaves_give_the_same_verdicts_as_checks_at_execution(network):
    """A peer catching up hands the next blocks' raw leaves to the worker early; the
    verdicts it reads later are those of checking each envelope itself."""
    from tradeledger.crypto import sha256_hex

    owners = list(network.keys)
    envelopes = [network.sign(owners[i % len(owners)], "documents", "anchor",
                              {"doc_type": "invoice", "refs": {}}, [f"{i:064x}"])
                 for i in range(PARALLEL_THRESHOLD + 9)]
    leaves = [e.leaf_bytes() for e in envelopes]
    leaves[4] = leaves[4].replace(b'"invoice"', b'"invoicf"')  # signature no longer covers it
    leaves[5] = leaves[5] + b" "  # not canonical
    txids = [sha256_hex(leaf) for leaf in leaves]
    verifier = SignatureVerifier(parallel=True)
    try:
        verifier.prefetch(leaves, txids)
        # The items are those of the unaltered envelopes: the verdicts must come from the
        # worker's own reading of the leaves, which for leaf 4 fails.
        items = [(e.signer_public_key(), e.signing_bytes(), e.signature) for e in envelopes]
        items[5] = None  # what execution passes for an envelope it could not decode
        verdicts = verifier.start(txids, items.__getitem__)
        got = [verdicts.result(i) for i in range(len(leaves))]
        assert got == [i not in (4, 5) for i in range(len(leaves))]
    finally:
        verifier.close()


def test_the_workers_reading_of_a_leaf_is_the_decoded_envelopes(network):
    """The worker reads key, message and signature straight from the leaf bytes; for
    every leaf that decodes they are the decoded envelope's, even when the arguments
    hold the text of a signature member."""
    from tradeledger.ledger.envelope import decode_envelope, signature_parts

    decoy = network.sign("importer", "documents", "anchor", {"doc_type": "invoice"}, ["ab" * 32])
    member = ',"signature":"' + decoy.to_dict()["signature"] + '"'
    for args in ({"doc_type": "invoice"}, {"note": member, "quote": '"\\,', "\u00e9": "\U0001f600"}):
        envelope = network.sign("importer", "documents", "anchor", args, ["cd" * 32])
        decoded = decode_envelope(envelope.leaf_bytes())
        assert signature_parts(envelope.leaf_bytes()) == (
            decoded.signer_public_key(), decoded.signing_bytes(), decoded.signature)
    assert signature_parts(b"[1, 2]") is None and signature_parts(b"not json") is None
