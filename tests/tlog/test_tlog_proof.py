"""c2sp.org/tlog-proof@v1: format, parsing and offline verification."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from _tlog_helpers import log_signer, signed_checkpoint, witness_signer
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger import merkle
from tradeledger.merkle import leaf_hash
from tradeledger.tlog import Checkpoint, Policy, ProofFormatError, TlogProof

ORIGIN = "example.com/fancylog"
LOG = log_signer(ORIGIN)
WITNESS = witness_signer("witness1.example")
LEAVES = [f"entry {i}".encode() for i in range(11)]
LEAF_HASHES = [leaf_hash(leaf) for leaf in LEAVES]
CP = Checkpoint(ORIGIN, len(LEAVES), merkle.root_hash(LEAF_HASHES))
NOTE = signed_checkpoint(CP, LOG, [WITNESS])
POLICY = Policy.from_text(f"log {LOG.vkey}\nwitness w1 {WITNESS.vkey}\nquorum w1\n")


# TlogProof.verify calls its checker as (leaf_hash, index, size, path, root).
def verify_inclusion(leaf: bytes, index: int, size: int, path, root: bytes) -> bool:
    return merkle.verify_inclusion(index, size, leaf, path, root)


def inclusion_path(index: int) -> list[bytes]:
    return merkle.inclusion_proof(index, LEAF_HASHES)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def proof_for(index: int, extra: bytes | None = None) -> TlogProof:
    return TlogProof(index, tuple(inclusion_path(index)), NOTE, extra)


# --- "Format" -------------------------------------------------------------------


def test_format_line_by_line():
    proof = proof_for(6, extra=b"age-v1.2.1-darwin-arm64.tar.gz")
    path = inclusion_path(6)
    assert proof.to_text() == (
        "c2sp.org/tlog-proof@v1\n"
        f"extra {b64(b'age-v1.2.1-darwin-arm64.tar.gz')}\n"
        "index 6\n" + "".join(b64(h) + "\n" for h in path) + "\n" + NOTE
    )
    assert TlogProof.from_text(proof.to_text()) == proof


def test_extra_line_is_omitted_when_absent():
    text = proof_for(0).to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nindex 0\n")
    assert "extra" not in text.split("\n\n")[0]


def test_empty_inclusion_path_for_a_single_leaf_tree():
    cp = Checkpoint(ORIGIN, 1, leaf_hash(b"only"))
    note = signed_checkpoint(cp, LOG)
    proof = TlogProof(0, (), note)
    assert proof.to_text() == "c2sp.org/tlog-proof@v1\nindex 0\n\n" + note
    assert TlogProof.from_text(proof.to_text()) == proof


def test_spec_example_header_with_a_real_checkpoint():
    # The spec's example lines, up to the checkpoint (whose signatures the spec elides).
    head = (
        "c2sp.org/tlog-proof@v1\n"
        "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
        "index 73894\n"
        "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
        "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
        "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
        "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
        "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
        "\n"
    )
    proof = TlogProof.from_text(head + NOTE)
    assert proof.index == 73894 and len(proof.inclusion_path) == 5
    assert proof.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert proof.checkpoint_note == NOTE
    assert proof.to_text() == head + NOTE


def test_bytes_input_and_unverified_checkpoint_accessor():
    proof = proof_for(3)
    assert TlogProof.from_text(proof.to_text().encode()) == proof
    assert proof.checkpoint == CP


H = b64(bytes(32))
MALFORMED = [
    ("", "missing the empty line"),
    (f"c2sp.org/tlog-proof@v1\nindex 0\n{H}\n" + NOTE.replace("\n\n", "\n"), "missing the empty line"),
    (f"c2sp.org/tlog-proof@v2\nindex 0\n\n{NOTE}", "first line must be 'c2sp.org/tlog-proof@v1'"),
    (f"C2SP.ORG/TLOG-PROOF@V1\nindex 0\n\n{NOTE}", "first line must be"),
    (f"c2sp.org/tlog-proof@v1\n\n{NOTE}", "expected 'index <n>' on line 2, got nothing"),
    (f"c2sp.org/tlog-proof@v1\n{H}\n\n{NOTE}", "expected 'index <n>' on line 2"),
    (f"c2sp.org/tlog-proof@v1\nindex 0\nextra AAAA\n\n{NOTE}", "line 3: inclusion path hash: invalid base64"),
    (f"c2sp.org/tlog-proof@v1\nextra AAAA\nextra AAAA\nindex 0\n\n{NOTE}", "expected 'index <n>' on line 3"),
    (f"c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n{NOTE}", "extra: empty base64"),
    (f"c2sp.org/tlog-proof@v1\nextra !!!!\nindex 0\n\n{NOTE}", "extra: invalid base64"),
    (f"c2sp.org/tlog-proof@v1\nextra AAB=\nindex 0\n\n{NOTE}", "extra: non-canonical base64"),
    (f"c2sp.org/tlog-proof@v1\nindex 01\n\n{NOTE}", "index: expected a decimal number without leading zeros"),
    (f"c2sp.org/tlog-proof@v1\nindex -1\n\n{NOTE}", "without leading zeros"),
    (f"c2sp.org/tlog-proof@v1\nindex  1\n\n{NOTE}", "without leading zeros"),
    (f"c2sp.org/tlog-proof@v1\nindex 1 \n\n{NOTE}", "without leading zeros"),
    (f"c2sp.org/tlog-proof@v1\nindex {2**64}\n\n{NOTE}", "exceeds the maximum"),
    (f"c2sp.org/tlog-proof@v1\nindex:1\n\n{NOTE}", "expected 'index <n>'"),
    (
        f"c2sp.org/tlog-proof@v1\nindex 0\n{b64(bytes(31))}\n\n{NOTE}",
        "line 3: inclusion path hash must be 32 bytes, got 31",
    ),
    (f"c2sp.org/tlog-proof@v1\nindex 0\n{H} \n\n{NOTE}", "line 3: inclusion path hash: invalid base64"),
    ("c2sp.org/tlog-proof@v1\nindex 0\n" + f"{H}\n" * 65 + f"\n{NOTE}", "at most 64"),
    ("c2sp.org/tlog-proof@v1\nindex 0\n\nnot a note\n", "checkpoint: note has no blank line"),
    (f"c2sp.org/tlog-proof@v1\nindex 0\n\n{NOTE}\n", "checkpoint: note must end"),
    (
        "c2sp.org/tlog-proof@v1\nindex 0\n\n" + f"hello\n\n{LOG.sign('hello' + chr(10)).to_line()}\n",
        "checkpoint: checkpoint needs origin, size and root hash lines",
    ),
]


@pytest.mark.parametrize("text, message", MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_proofs_raise_proof_format_error(text, message):
    with pytest.raises(ProofFormatError, match=re.escape(message)):
        TlogProof.from_text(text)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(index=-1), "index must be an int"),
        (dict(index=2**64), "index must be an int"),
        (dict(inclusion_path=(bytes(31),)), "hash 1 must be 32 bytes"),
        (dict(inclusion_path=(bytes(32),) * 65), "at most 64"),
        (dict(extra=b""), "extra must be None or non-empty bytes"),
        (dict(checkpoint_note="x\n"), "checkpoint: "),
    ],
)
def test_constructor_validation(kwargs, message):
    fields = dict(index=0, inclusion_path=(), checkpoint_note=NOTE, extra=None)
    fields.update(kwargs)
    with pytest.raises(ProofFormatError, match=re.escape(message)):
        TlogProof(**fields)


_notes = [signed_checkpoint(Checkpoint(ORIGIN, n, hashlib.sha256(bytes([n])).digest()), LOG) for n in (0, 1, 7)]


@settings(max_examples=100, deadline=None)
@given(
    index=st.integers(0, 2**64 - 1),
    path=st.lists(st.binary(min_size=32, max_size=32), max_size=64).map(tuple),
    note=st.sampled_from(_notes + [NOTE]),
    extra=st.none() | st.binary(min_size=1, max_size=64),
)
def test_round_trip(index, path, note, extra):
    proof = TlogProof(index, path, note, extra)
    text = proof.to_text()
    assert TlogProof.from_text(text) == proof
    assert TlogProof.from_text(text).to_text() == text
    assert text.endswith(note)


# --- verification -----------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(LEAVES)))
def test_every_leaf_verifies(index):
    result = proof_for(index).verify(leaf_hash(LEAVES[index]), POLICY, verify_inclusion)
    assert result.ok, result.reason
    assert result.checkpoint.checkpoint == CP


def test_wrong_leaf_fails():
    result = proof_for(2).verify(leaf_hash(b"forged"), POLICY, verify_inclusion)
    assert not result.ok
    assert result.reason == "inclusion proof does not lead to the checkpoint root hash"


def test_index_outside_tree_fails_before_merkle_check():
    def must_not_be_called(*args):
        raise AssertionError("called")

    proof = TlogProof(len(LEAVES), (), NOTE)
    result = proof.verify(leaf_hash(b"x"), POLICY, must_not_be_called)
    assert not result.ok and result.reason == f"index {len(LEAVES)} is outside the tree of size {len(LEAVES)}"


def test_checkpoint_must_satisfy_the_policy():
    unwitnessed = signed_checkpoint(CP, LOG)
    proof = TlogProof(1, tuple(inclusion_path(1)), unwitnessed)
    result = proof.verify(leaf_hash(LEAVES[1]), POLICY, verify_inclusion)
    assert not result.ok
    assert result.reason == "checkpoint rejected: quorum not met: witness w1 has not cosigned"
    assert result.checkpoint.ok is False


def test_checker_raising_value_error_is_a_failure_not_a_crash():
    def strict(*args):
        raise ValueError("wrong proof size")

    result = proof_for(1).verify(leaf_hash(LEAVES[1]), POLICY, strict)
    assert not result.ok and result.reason == "inclusion proof invalid: wrong proof size"


def test_checker_must_return_true_not_just_something():
    result = proof_for(1).verify(leaf_hash(LEAVES[1]), POLICY, lambda *a: None)
    assert not result.ok


def test_checker_gets_leaf_index_size_path_root():
    seen = []
    proof = proof_for(4)
    proof.verify(b"L" * 32, POLICY, lambda *a: seen.append(a) or True)
    assert seen == [(b"L" * 32, 4, CP.size, proof.inclusion_path, CP.root_hash)]
