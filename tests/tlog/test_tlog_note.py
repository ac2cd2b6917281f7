"""c2sp.org/signed-note: format, signatures, key IDs, vkeys and signer keys."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from _tlog_helpers import seed
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger.tlog import (
    MAX_SIGNATURES,
    InvalidSignatureError,
    KeyFormatError,
    NoteError,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    SignedNote,
    UnsupportedKeyTypeError,
    UnverifiedNoteError,
    VerifierKey,
    compute_key_id,
    open_note,
    sign_note,
)

ALICE = NoteSigner(seed("alice"), "example.com/alice")
BOB = NoteSigner(seed("bob"), "example.com/bob")
TEXT = "hello, note\n"


def _line(name: str, payload: bytes) -> str:
    return f"\u2014 {name} {base64.b64encode(payload).decode()}"


# --- "Format" -------------------------------------------------------------


def test_spec_example_text_may_contain_blank_lines():
    # The example at the top of signed-note: the text is split from the
    # signatures at the *last* blank line.
    msg = (
        "Ognuno sta solo sul cuor della terra\n"
        "trafitto da un raggio di sole:\n"
        "\n"
        "ed è subito sera.\n"
        "\n"
        "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+"
        "EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
    )
    note = SignedNote.from_text(msg)
    assert note.text == msg.split("\n\n— ")[0] + "\n"
    assert note.text.endswith("ed è subito sera.\n")
    [sig] = note.signatures
    assert sig.name == "quasimodo.example/salvatore"
    assert sig.key_id == 0x367BA04B
    assert len(sig.signature) == 64
    assert note.to_text() == msg


def test_sign_then_parse_round_trips():
    note = sign_note(TEXT, ALICE, BOB)
    text = note.to_text()
    assert text.startswith(TEXT + "\n\u2014 example.com/alice ")
    assert text.count("\n\u2014 ") == 2 and text.endswith("\n")
    assert SignedNote.from_text(text) == note
    assert SignedNote.from_text(note.to_bytes()) == note


@pytest.mark.parametrize(
    "msg, message",
    [
        ("no blank line\n\u2014 a AAAAAAA=\n", "no blank line"),
        ("text\n\n", "at least one newline-terminated signature line"),
        ("text\n\n\u2014 a AAAAAAA=", "at least one newline-terminated signature line"),
        ("text\r\n\n\u2014 a AAAAAAA=\n", "control character U+000D"),
        ("te\txt\n\n\u2014 a AAAAAAA=\n", "control character U+0009"),
        ("text\ud800\n\n\u2014 a AAAAAAA=\n", "lone surrogate"),
        ("text\n\n- a AAAAAAA=\n", "em dash"),
        ("text\n\n\u2014a AAAAAAA=\n", "em dash"),
        ("text\n\n\u2014 a+b AAAAAAA=\n", "'+'"),
        ("text\n\n\u2014  AAAAAAA=\n", "key name is empty"),
        ("text\n\n\u2014 a\u00a0b AAAAAAA=\n", "space character U+00A0"),
        ("text\n\n\u2014 a\n", "empty base64"),
        ("text\n\n\u2014 a AAAAAAA\n", "invalid base64"),
        ("text\n\n\u2014 a AAAAAAB=\n", "non-canonical base64"),
        ("text\n\n\u2014 a AAAA AAA=\n", "invalid base64"),
        ("text\n\n\u2014 a AAAAAA==\n", "4-byte key ID and a signature"),
        ("text\n\n\u2014 a AAAAAAA=\n\n", "at least one newline-terminated signature line"),
    ],
)
def test_malformed_notes_raise_note_error(msg, message):
    with pytest.raises(NoteError, match=re.escape(message)):
        SignedNote.from_text(msg)


def test_invalid_utf8_is_refused():
    with pytest.raises(NoteError, match="not valid UTF-8"):
        SignedNote.from_text(b"caf\xe9\n\n\xe2\x80\x94 a AAAAAAA=\n")


def test_signature_count_limit():
    # MUST accept at least 16; we accept up to Go's 100 and refuse more.
    def note_with(n: int) -> str:
        return TEXT + "\n" + "".join(_line(f"k{i}", bytes(8)) + "\n" for i in range(n))

    assert len(SignedNote.from_text(note_with(16)).signatures) == 16
    assert len(SignedNote.from_text(note_with(MAX_SIGNATURES)).signatures) == MAX_SIGNATURES
    with pytest.raises(NoteError, match="too many signatures"):
        SignedNote.from_text(note_with(MAX_SIGNATURES + 1))


def test_signed_note_object_validation():
    sig = ALICE.sign(TEXT)
    with pytest.raises(NoteError, match="end with a newline"):
        SignedNote("no newline", (sig,))
    with pytest.raises(NoteError, match="at least one signature"):
        SignedNote(TEXT, ())
    with pytest.raises(NoteError, match="key ID must be a uint32"):
        NoteSignature("a", 2**32, b"x")
    with pytest.raises(NoteError, match="non-empty"):
        NoteSignature("a", 1, b"")


def test_sign_note_refuses_texts_that_could_not_be_parsed_back():
    with pytest.raises(NoteError, match="end with a newline"):
        sign_note("no final newline", ALICE)
    with pytest.raises(NoteError, match="control character"):
        sign_note("bell\a\n", ALICE)
    with pytest.raises(NoteError, match="at least one signer"):
        sign_note(TEXT)


@settings(max_examples=60, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(map(chr, range(0x20)))))
    .flatmap(lambda first: st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc"))), max_size=4).map(
        lambda rest: "\n".join([first, *rest]) + "\n"
    ))
)
def test_any_valid_text_signs_parses_and_verifies(text):
    note = sign_note(text, ALICE)
    parsed = SignedNote.from_text(note.to_text())
    assert parsed == note
    assert parsed.verify([ALICE.verifier()]).ok


# --- "Signatures" ------------------------------------------------------------


def test_unknown_keys_are_ignored_even_when_sharing_name_or_id():
    good = ALICE.sign(TEXT)
    same_name_other_id = NoteSignature(ALICE.name, ALICE.key_id ^ 1, bytes(64))
    same_id_other_name = NoteSignature("example.com/mallory", ALICE.key_id, bytes(64))
    note = SignedNote(TEXT, (same_name_other_id, same_id_other_name, good))
    result = note.verify([ALICE.verifier()])
    assert result.ok
    assert [v.signature for v in result.verified] == [good]
    assert result.unknown == (same_name_other_id, same_id_other_name)
    assert result.invalid == ()


def test_known_key_with_bad_signature_rejects_the_note():
    forged = NoteSignature(ALICE.name, ALICE.key_id, bytes(64))
    note = SignedNote(TEXT, (forged, BOB.sign(TEXT)))
    result = note.verify([ALICE.verifier(), BOB.verifier()])
    assert not result.ok and result.invalid == (forged,)
    with pytest.raises(InvalidSignatureError, match=f"{ALICE.name}\\+{ALICE.key_id:08x}") as err:
        open_note(note.to_text(), [ALICE.verifier(), BOB.verifier()])
    assert (err.value.name, err.value.key_id) == (ALICE.name, ALICE.key_id)


def test_signature_over_other_text_is_invalid():
    note = SignedNote("other text\n", (ALICE.sign(TEXT),))
    assert note.verify([ALICE.verifier()]).invalid


def test_no_known_signature_means_unverified():
    note = sign_note(TEXT, BOB)
    with pytest.raises(UnverifiedNoteError, match="no signature from a known key"):
        open_note(note.to_text(), [ALICE.verifier()])


def test_repeated_lines_from_one_key_are_checked_once():
    good = ALICE.sign(TEXT)
    repeat = NoteSignature(ALICE.name, ALICE.key_id, bytes(64))
    result = SignedNote(TEXT, (good, repeat)).verify([ALICE.verifier()])
    assert result.ok and len(result.verified) == 1 and result.invalid == ()


def test_ambiguous_verifiers_are_a_configuration_error():
    class Impostor:
        name = ALICE.name
        key_id = ALICE.key_id

        def verify(self, message, signature):
            return True

    with pytest.raises(NoteError, match="ambiguous key"):
        sign_note(TEXT, ALICE).verify([ALICE.verifier(), Impostor()])


def test_with_signatures_replaces_lines_from_the_same_key():
    note = SignedNote(TEXT, (NoteSignature(ALICE.name, ALICE.key_id, bytes(64)), BOB.sign(TEXT)))
    fixed = note.with_signatures(ALICE.sign(TEXT))
    assert [s.name for s in fixed.signatures] == [BOB.name, ALICE.name]
    assert fixed.verify([ALICE.verifier(), BOB.verifier()]).ok


def test_verify_never_raises_on_garbage_signature_bytes():
    for payload in (b"x", bytes(63), bytes(65), bytes(64)):
        note = SignedNote(TEXT, (NoteSignature(ALICE.name, ALICE.key_id, payload),))
        assert note.verify([ALICE.verifier()]).invalid


# --- key IDs, vkeys and signer keys --------------------------------------------


def test_key_id_is_sha256_of_name_newline_type_key():
    pub = ALICE.public_key
    want = int.from_bytes(hashlib.sha256(ALICE.name.encode() + b"\n\x01" + pub).digest()[:4], "big")
    assert ALICE.key_id == compute_key_id(ALICE.name, 0x01, pub) == want
    assert compute_key_id(ALICE.name, 0x04, pub) != want


def test_vkey_and_skey_formats():
    vkey = ALICE.vkey
    name, hex_id, b64 = vkey.split("+", 2)
    assert (name, hex_id) == (ALICE.name, f"{ALICE.key_id:08x}")
    assert base64.b64decode(b64) == b"\x01" + ALICE.public_key
    seed_b64 = base64.b64encode(b"\x01" + ALICE.seed).decode()
    assert ALICE.skey == f"PRIVATE+KEY+{ALICE.name}+{hex_id}+{seed_b64}"
    assert NoteVerifier.from_vkey(vkey) == ALICE.verifier()
    assert NoteVerifier.from_vkey(vkey).vkey == vkey
    assert NoteSigner.from_skey(ALICE.skey) == ALICE
    assert repr(ALICE.seed) not in repr(ALICE)  # secrets stay out of logs


def _vkey(name: str, hex_id: str, material: bytes) -> str:
    return f"{name}+{hex_id}+{base64.b64encode(material).decode()}"


@pytest.mark.parametrize(
    "vkey, error, message",
    [
        ("example.com/alice", KeyFormatError, "3 '\\+'-separated fields"),
        ("example.com/alice+abcd", KeyFormatError, "3 '\\+'-separated fields"),
        (ALICE.vkey.replace(f"{ALICE.key_id:08x}", f"{ALICE.key_id ^ 1:08x}"), KeyFormatError, "does not match"),
        (ALICE.vkey.replace(f"{ALICE.key_id:08x}", f"{ALICE.key_id:08X}"), KeyFormatError, "lowercase hex"),
        (ALICE.vkey.replace(f"{ALICE.key_id:08x}", f"{ALICE.key_id:08x}"[:7]), KeyFormatError, "8 lowercase hex"),
        (ALICE.vkey[:-1], KeyFormatError, "base64"),
        ("+12345678+AQ==", KeyFormatError, "key name is empty"),
        ("a b+12345678+AQ==", KeyFormatError, "space character"),
        ("a+12345678+AQ==", KeyFormatError, "type byte followed by the key"),
    ],
)
def test_malformed_vkeys(vkey, error, message):
    with pytest.raises(error, match=message):
        NoteVerifier.from_vkey(vkey)


def test_vkey_with_wrong_key_length_or_type():
    short = b"\x01" + bytes(31)
    with pytest.raises(KeyFormatError, match="32 bytes"):
        NoteVerifier.from_vkey(_vkey("n", f"{compute_key_id('n', 1, bytes(31)):08x}", short))
    cosig = b"\x04" + ALICE.public_key
    with pytest.raises(UnsupportedKeyTypeError, match="type 0x04, expected 0x01"):
        NoteVerifier.from_vkey(_vkey("n", f"{compute_key_id('n', 4, ALICE.public_key):08x}", cosig))
    # Types we don't implement still parse generically (their key ID rule differs).
    ecdsa = VerifierKey.from_text(_vkey("n", "01020304", b"\x02" + b"spki"))
    assert (ecdsa.key_type, ecdsa.key_id, ecdsa.public_key) == (2, 0x01020304, b"spki")


@pytest.mark.parametrize(
    "skey, message",
    [
        (ALICE.skey.replace("PRIVATE+KEY", "PRIVATE+KEYS"), "must start with 'PRIVATE\\+KEY\\+'"),
        (ALICE.vkey, "5 '\\+'-separated fields"),
        (ALICE.skey.replace(f"{ALICE.key_id:08x}", f"{BOB.key_id:08x}"), "does not match"),
        (_vkey("PRIVATE+KEY+n", "00000000", b"\x01" + bytes(31)), "32 bytes"),
    ],
)
def test_malformed_signer_keys(skey, message):
    with pytest.raises(KeyFormatError, match=message):
        NoteSigner.from_skey(skey)


def test_signer_key_of_another_type_is_unsupported():
    skey = _vkey("PRIVATE+KEY+n", "00000000", b"\x02" + bytes(32))
    with pytest.raises(UnsupportedKeyTypeError):
        NoteSigner.from_skey(skey)


def test_signer_construction_checks_seed_and_name():
    with pytest.raises(KeyFormatError, match="32 bytes"):
        NoteSigner(bytes(31), "n")
    with pytest.raises(KeyFormatError, match="'\\+'"):
        NoteSigner(bytes(32), "a+b")
    with pytest.raises(KeyFormatError, match="32 bytes"):
        NoteVerifier("n", bytes(33))
