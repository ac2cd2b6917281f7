"""c2sp.org/tlog-checkpoint "Note text"."""

from __future__ import annotations

import base64
import re

import pytest
from _tlog_helpers import log_signer
from hypothesis import given
from hypothesis import strategies as st

from tradeledger.tlog import Checkpoint, CheckpointError, SignedNote

SPEC_EXAMPLE = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


def test_spec_example_body():
    cp = Checkpoint.from_text(SPEC_EXAMPLE)
    assert cp == Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert cp.to_text() == SPEC_EXAMPLE


def test_spec_example_signed_note_parses():
    note = SignedNote.from_text(
        SPEC_EXAMPLE
        + "\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
        "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    )
    assert Checkpoint.from_text(note.text).origin == "example.com/behind-the-sofa"


def test_extension_lines_are_kept_in_order():
    text = SPEC_EXAMPLE + "ext one\n\u2014 looks like a signature\n"
    cp = Checkpoint.from_text(text)
    assert cp.extensions == ("ext one", "\u2014 looks like a signature")
    assert cp.to_text() == text


def test_empty_tree_is_size_zero():
    assert Checkpoint.from_text("o\n0\n" + base64.b64encode(bytes(32)).decode() + "\n").size == 0


def test_largest_size_is_uint64_max():
    text = f"o\n{2**64 - 1}\n{base64.b64encode(ROOT).decode()}\n"
    assert Checkpoint.from_text(text).size == 2**64 - 1


def _body(origin="o", size="1", root=None, *ext):
    root = base64.b64encode(ROOT).decode() if root is None else root
    return "".join(line + "\n" for line in (origin, size, root, *ext))


@pytest.mark.parametrize(
    "text, message",
    [
        (SPEC_EXAMPLE[:-1], "end with a newline"),
        ("o\n1\n", "origin, size and root hash"),
        (_body(origin=""), "origin line is empty"),
        (_body(size="007"), "without leading zeros"),
        (_body(size="00"), "without leading zeros"),
        (_body(size="-1"), "without leading zeros"),
        (_body(size="+1"), "without leading zeros"),
        (_body(size=" 1"), "without leading zeros"),
        (_body(size="1.0"), "without leading zeros"),
        (_body(size="\u0661"), "without leading zeros"),  # ARABIC-INDIC DIGIT ONE
        (_body(size=str(2**64)), "exceeds the maximum"),
        (_body(size=""), "without leading zeros"),
        (_body(root=base64.b64encode(bytes(31)).decode()), "must be 32 bytes, got 31"),
        (_body(root=base64.b64encode(bytes(33)).decode()), "must be 32 bytes, got 33"),
        (_body(root="CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J="), "non-canonical base64"),
        (_body(root="CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I="), "invalid base64"),
        (_body(root=""), "empty base64"),
        (_body("o", "1", None, "ext", ""), "extension line 2 is empty"),
        (_body("o\r", "1"), "control character U+000D"),
        (_body("o", "1", None, "a\tb"), "control character U+0009"),
    ],
)
def test_malformed_checkpoints(text, message):
    with pytest.raises(CheckpointError, match=re.escape(message)):
        Checkpoint.from_text(text)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(origin=""), "origin must be non-empty"),
        (dict(origin="a\nb"), "single line"),
        (dict(size=-1), "tree size"),
        (dict(size=2**64), "tree size"),
        (dict(size=True), "tree size"),
        (dict(size="1"), "tree size"),
        (dict(root_hash=bytes(31)), "32 bytes"),
        (dict(root_hash="x" * 32), "32 bytes"),
        (dict(extensions=("",)), "extension line 1 must be non-empty"),
        (dict(extensions="abc"), "not a str"),
    ],
)
def test_constructor_refuses_what_the_text_form_cannot_express(kwargs, message):
    fields = dict(origin="o", size=1, root_hash=ROOT, extensions=())
    fields.update(kwargs)
    with pytest.raises(CheckpointError, match=re.escape(message)):
        Checkpoint(**fields)


def test_sign_produces_a_verifiable_note():
    log = log_signer("example.com/behind-the-sofa")
    note = Checkpoint.from_text(SPEC_EXAMPLE).sign(log)
    assert note.text == SPEC_EXAMPLE
    assert note.verify([log.verifier()]).ok


# Anything but C0 controls and lone surrogates may appear in a note line,
# including U+0085 and U+2028, which str.splitlines() would wrongly split on.
_line = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(map(chr, range(0x20)))),
    min_size=1,
    max_size=30,
) | st.sampled_from(["\x85", "a\u2028b", "\x7f"])


@given(
    origin=_line,
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(_line, max_size=3).map(tuple),
)
def test_round_trip(origin, size, root, extensions):
    cp = Checkpoint(origin, size, root, extensions)
    text = cp.to_text()
    assert Checkpoint.from_text(text) == cp
    assert Checkpoint.from_text(text).to_text() == text
    assert text.count("\n") == 3 + len(extensions)
