"""c2sp.org/tlog-cosignature: Ed25519 cosignature/v1 (signature type 0x04)."""

from __future__ import annotations

import base64
import hashlib

import nacl.signing
import pytest
from _tlog_helpers import log_signer, witness_signer

from tradeledger.tlog import (
    MAX_TIMESTAMP,
    Checkpoint,
    CheckpointError,
    CosignatureError,
    CosignatureSigner,
    CosignatureVerifier,
    KeyFormatError,
    NoteSignature,
    NoteVerifier,
    SignedNote,
    UnsupportedKeyTypeError,
    cosignature_timestamp,
    cosigned_message,
)

SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
CP = Checkpoint.from_text(SPEC_BODY)
LOG = log_signer(CP.origin)
W1 = witness_signer("witness.example.com/w1")
NOTE = CP.sign(LOG)


def test_signed_message_matches_the_spec_example():
    # "Ed25519 signed message": header line, time line, then the note body.
    assert cosigned_message(CP, 1679315147) == (
        b"cosignature/v1\n"
        b"time 1679315147\n"
        b"example.com/behind-the-sofa\n"
        b"20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    assert cosigned_message(SPEC_BODY, 0).startswith(b"cosignature/v1\ntime 0\n")


def test_spec_example_line_carries_the_example_timestamp():
    sig = NoteSignature.from_line(
        "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJs"
        "X3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
    )
    assert len(sig.signature) == 8 + 64
    assert cosignature_timestamp(sig) == 1679315147


def test_line_layout_is_keyid_then_u64_timestamp_then_signature():
    line = W1.sign(CP, 1679315147)
    raw = base64.b64decode(line.to_line().split(" ")[2])
    assert raw[:4] == W1.key_id.to_bytes(4, "big")
    assert raw[4:12] == (1679315147).to_bytes(8, "big")
    nacl.signing.VerifyKey(W1.public_key).verify(cosigned_message(CP, 1679315147), raw[12:])


def test_key_id_uses_type_0x04():
    want = hashlib.sha256(W1.name.encode() + b"\n\x04" + W1.public_key).digest()[:4]
    assert W1.key_id == int.from_bytes(want, "big")
    assert W1.vkey.split("+")[1] == want.hex()
    assert base64.b64decode(W1.vkey.split("+", 2)[2])[0] == 0x04


def test_sign_and_verify_returns_the_timestamp():
    cosigned = W1.cosign(NOTE, 1_700_000_123)
    assert W1.verifier().verify_note(cosigned) == 1_700_000_123
    assert W1.verifier().verify_note(cosigned.to_text()) == 1_700_000_123
    # The log's signature is untouched and still first.
    assert cosigned.signatures[0] == NOTE.signatures[0]
    assert cosigned.verify([LOG.verifier(), W1.verifier()]).ok


def test_signing_is_deterministic():
    assert W1.sign(CP, 42) == W1.sign(SPEC_BODY, 42)
    assert W1.cosign(NOTE, 42).to_text() == W1.cosign(NOTE.to_text(), 42).to_text()


def test_cosign_replaces_an_earlier_cosignature_from_the_same_witness():
    twice = W1.cosign(W1.cosign(NOTE, 1), 2)
    assert len(twice.signatures) == 2
    assert W1.verifier().verify_note(twice) == 2


@pytest.mark.parametrize(
    "other",
    [
        Checkpoint(CP.origin, CP.size + 1, CP.root_hash),
        Checkpoint(CP.origin, CP.size, hashlib.sha256(b"other").digest()),
        Checkpoint("example.com/other-log", CP.size, CP.root_hash),
        Checkpoint(CP.origin, CP.size, CP.root_hash, ("extension",)),
    ],
    ids=["size", "root", "origin", "extension"],
)
def test_cosignature_over_a_different_checkpoint_does_not_verify(other):
    stolen = W1.sign(other, 1_700_000_000)
    note = NOTE.with_signatures(stolen)
    assert W1.verifier().verify_note(note) is None
    assert note.verify([W1.verifier()]).invalid == (stolen,)


def test_cosignature_with_other_timestamp_does_not_verify():
    line = W1.sign(CP, 100)
    forged = NoteSignature(line.name, line.key_id, (101).to_bytes(8, "big") + line.signature[8:])
    assert W1.verifier().verify_note(NOTE.with_signatures(forged)) is None


def test_timestamp_above_2_63_minus_1_is_rejected_even_if_signed():
    ts = 2**63
    raw_key = nacl.signing.SigningKey(W1.seed)
    msg = f"cosignature/v1\ntime {ts}\n".encode() + SPEC_BODY.encode()
    sig = NoteSignature(W1.name, W1.key_id, ts.to_bytes(8, "big") + raw_key.sign(msg).signature)
    assert W1.verifier().verify_note(NOTE.with_signatures(sig)) is None


@pytest.mark.parametrize("ts", [-1, 2**63, True, 1.0, "1"])
def test_signer_refuses_bad_timestamps(ts):
    with pytest.raises(CosignatureError, match="timestamp"):
        W1.sign(CP, ts)


def test_max_timestamp_is_signable():
    assert W1.verifier().verify_note(W1.cosign(NOTE, MAX_TIMESTAMP)) == MAX_TIMESTAMP


def test_witnesses_only_cosign_checkpoints():
    with pytest.raises(CheckpointError):
        W1.sign("not a checkpoint\n", 1)
    with pytest.raises(CosignatureError):
        W1.sign(b"bytes", 1)  # type: ignore[arg-type]  # the wrong type, on purpose


def test_cosignature_is_not_a_plain_note_signature():
    # Same seed and name used as a 0x01 log key: different key ID, and the
    # "cosignature/v1" header keeps the two signed messages apart.
    as_log = log_signer(W1.name, label="witness:" + W1.name)
    assert as_log.public_key == W1.public_key
    assert as_log.key_id != W1.key_id
    plain = as_log.sign(SPEC_BODY)
    assert not W1.verifier().verify(SPEC_BODY.encode(), (0).to_bytes(8, "big") + plain.signature)
    cosig = W1.sign(CP, 0)
    assert not as_log.verifier().verify(SPEC_BODY.encode(), cosig.signature[8:])


def test_wrong_length_signature_is_invalid_not_an_error():
    v = W1.verifier()
    for payload in (b"", bytes(71), bytes(73)):
        assert v.verify_timestamp(SPEC_BODY.encode(), payload) is None
    with pytest.raises(CosignatureError, match="72 bytes"):
        cosignature_timestamp(b"short")


def test_verify_note_without_this_witness_is_none():
    assert W1.verifier().verify_note(NOTE) is None


def test_keys_round_trip_and_type_is_enforced():
    assert CosignatureVerifier.from_vkey(W1.vkey) == W1.verifier()
    assert CosignatureSigner.from_skey(W1.skey) == W1
    assert W1.skey.startswith(f"PRIVATE+KEY+{W1.name}+{W1.key_id:08x}+")
    with pytest.raises(UnsupportedKeyTypeError, match="type 0x01, expected 0x04"):
        CosignatureVerifier.from_vkey(LOG.vkey)
    with pytest.raises(UnsupportedKeyTypeError, match="type 0x04, expected 0x01"):
        NoteVerifier.from_vkey(W1.vkey)
    with pytest.raises(UnsupportedKeyTypeError):
        CosignatureSigner.from_skey(LOG.skey)
    with pytest.raises(KeyFormatError):
        CosignatureSigner(bytes(31), "w")
    with pytest.raises(KeyFormatError):
        CosignatureVerifier("w w", bytes(32))


def test_cosign_accepts_note_text():
    assert isinstance(witness_signer("w2").cosign(NOTE.to_text(), 5), SignedNote)
