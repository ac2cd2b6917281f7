"""Published signed-note / checkpoint / cosignature vectors (data/signed_note_vectors.json).

Each vector names its upstream source.  We implement signature types 0x01
(Ed25519) and 0x04 (Ed25519 cosignature/v1); lines of any other type (ECDSA
0x02, RFC 6962 0x05, ML-DSA-44 0x06) must be ignored as "unknown key", exactly
as c2sp.org/signed-note "Signatures" requires of a verifier -- not errors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tradeledger.tlog import (
    COSIGNATURE_TYPE,
    ED25519_TYPE,
    CosignatureVerifier,
    NoteSigner,
    NoteVerifier,
    Policy,
    SignedNote,
    UnsupportedKeyTypeError,
    UnverifiedNoteError,
    VerifierKey,
    open_note,
    sign_note,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "signed_note_vectors.json").read_text("utf-8"))["vectors"]
SUPPORTED = {ED25519_TYPE, COSIGNATURE_TYPE}


def _ids(vectors):
    return [v["name"] for v in vectors]


def _verifiers(vector):
    """Our verifiers for the vector's keys; unsupported types are refused by name."""
    out = []
    for text in vector["verifier_keys"]:
        key = VerifierKey.from_text(text)
        if key.key_type == ED25519_TYPE:
            out.append(NoteVerifier.from_vkey(text))
        elif key.key_type == COSIGNATURE_TYPE:
            out.append(CosignatureVerifier.from_vkey(text))
    return out


def _mutate(note: str, negative: str) -> str:
    # e.g. "changing tree size line 1432088532 -> 42 must make ... fail"
    old, new = re.search(r"line (\S+) -> (\S+)", negative).groups()
    assert f"\n{old}\n" in note
    return note.replace(f"\n{old}\n", f"\n{new}\n", 1)


@pytest.mark.parametrize("vector", VECTORS, ids=_ids(VECTORS))
def test_note_parses_and_formats_byte_for_byte(vector):
    note = SignedNote.from_text(vector["note"])
    assert note.to_text() == vector["note"]
    assert SignedNote.from_text(vector["note"].encode("utf-8")) == note


@pytest.mark.parametrize("vector", VECTORS, ids=_ids(VECTORS))
def test_vkeys_parse_and_format_for_every_type(vector):
    for text in vector["verifier_keys"]:
        assert VerifierKey.from_text(text).to_text() == text


@pytest.mark.parametrize("vector", VECTORS, ids=_ids(VECTORS))
def test_unsupported_key_types_are_refused_as_verifiers(vector):
    for text in vector["verifier_keys"]:
        key = VerifierKey.from_text(text)
        if key.key_type != ED25519_TYPE:
            with pytest.raises(UnsupportedKeyTypeError) as err:
                NoteVerifier.from_vkey(text)
            assert err.value.key_type == key.key_type
        if key.key_type != COSIGNATURE_TYPE:
            with pytest.raises(UnsupportedKeyTypeError):
                CosignatureVerifier.from_vkey(text)


@pytest.mark.parametrize("vector", VECTORS, ids=_ids(VECTORS))
def test_valid_vectors_verify_and_unknown_lines_are_ignored(vector):
    assert vector["expect"] == "valid"
    note = SignedNote.from_text(vector["note"])
    verifiers = _verifiers(vector)
    result = note.verify(verifiers)

    # Nothing from a supported key fails...
    assert result.invalid == ()
    # ...every supported key in the vector verified exactly once...
    assert sorted((v.verifier.name, v.verifier.key_id) for v in result.verified) == sorted(
        (v.name, v.key_id) for v in verifiers
    )
    # ...and every other line was set aside as unknown, not an error.
    assert len(result.verified) + len(result.unknown) == len(note.signatures)

    if verifiers:
        assert open_note(vector["note"], verifiers).ok
    else:
        # Only unsupported key types: the note is well formed but, per the
        # spec's MUST, rejected for lack of a signature from a known key.
        with pytest.raises(UnverifiedNoteError) as err:
            open_note(vector["note"], verifiers)
        assert len(err.value.verification.unknown) == len(note.signatures)


@pytest.mark.parametrize("vector", VECTORS, ids=_ids(VECTORS))
def test_cosignature_timestamps_match_the_vector(vector):
    note = SignedNote.from_text(vector["note"])
    for verifier in _verifiers(vector):
        if isinstance(verifier, CosignatureVerifier):
            [claim] = vector["verified_here"][f"{verifier.name}+{verifier.key_id:08x}"]
            want = int(re.search(r"ts=(\d+)", claim).group(1))
            assert verifier.verify_note(note) == want


NEGATIVE = [v for v in VECTORS if "negative" in v]


@pytest.mark.parametrize("vector", NEGATIVE, ids=_ids(NEGATIVE))
def test_negative_mutation_breaks_every_supported_signature(vector):
    mutated = SignedNote.from_text(_mutate(vector["note"], vector["negative"]))
    verifiers = _verifiers(vector)
    result = mutated.verify(verifiers)
    assert result.verified == ()
    assert len(result.invalid) == len(verifiers) > 0
    for verifier in verifiers:
        if isinstance(verifier, CosignatureVerifier):
            assert verifier.verify_note(mutated) is None


SIGNING = [v for v in VECTORS if "signing_keys" in v]


@pytest.mark.parametrize("vector", SIGNING, ids=_ids(SIGNING))
def test_signing_keys_reproduce_signature_lines_byte_for_byte(vector):
    note = SignedNote.from_text(vector["note"])
    vkeys = {VerifierKey.from_text(k).name: k for k in vector["verifier_keys"]}
    signers = []
    for name, description in vector["signing_keys"].items():
        skey = re.search(r"PRIVATE\+KEY\+\S+", description).group(0)
        signer = NoteSigner.from_skey(skey)
        assert signer.name == name
        assert signer.skey == skey
        assert signer.vkey == vkeys[name]
        [line] = [s for s in note.signatures if s.name == name]
        assert signer.sign(note.text).to_line() == line.to_line()
        signers.append(signer)
    if "32 zero bytes" in vector["signing_keys"].get("EnochRoot", ""):
        assert NoteSigner(bytes(32), "EnochRoot").vkey == vkeys["EnochRoot"]
    # Signing the text with all keys, in the note's order, rebuilds the note.
    order = [s.name for s in note.signatures]
    signers.sort(key=lambda s: order.index(s.name))
    assert sign_note(note.text, *signers).to_text() == vector["note"]


def test_real_witnessed_checkpoint_under_a_policy():
    """The CT staging checkpoint: 0x01 log signature + one 0x04 witness we know;
    the 0x05 log line and three other witnesses' lines are ignored."""
    [vector] = [v for v in VECTORS if v["name"] == "real_ct_staging_checkpoint_with_witness_cosignatures"]
    log_vkey, witness_vkey = vector["verifier_keys"]
    policy = Policy.from_text(f"log {log_vkey}\nwitness remora {witness_vkey}\nquorum remora\n")
    result = policy.verify_checkpoint(vector["note"])
    assert result.ok, result.reason
    assert result.logs == (log_vkey,)
    assert result.witnesses == ("remora",)
    assert result.cosignature_times == (("remora", 1779573024),)
    assert result.checkpoint.origin == "arche2025h1.staging.ct.transparency.dev"
    assert result.checkpoint.size == 1432088532

    # The 0x05 RFC 6962 line shares the log's name but not its key ID: ignored.
    note = SignedNote.from_text(vector["note"])
    log = NoteVerifier.from_vkey(log_vkey)
    same_name = [s for s in note.verify([log]).unknown if s.name == log.name]
    assert len(same_name) == 1 and same_name[0].key_id != log.key_id

    bad = policy.verify_checkpoint(_mutate(vector["note"], vector["negative"]))
    assert not bad.ok and bad.checkpoint is None
    assert "invalid signature" in bad.reason
