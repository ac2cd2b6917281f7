"""c2sp.org/tlog-policy: syntax, structure, quorum evaluation and checkpoint verification."""

from __future__ import annotations

import hashlib
import re

import pytest
from _tlog_helpers import log_signer, signed_checkpoint, witness_signer
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger.tlog import (
    Checkpoint,
    CosignatureVerifier,
    NoteVerifier,
    Policy,
    PolicyError,
    PolicyGroup,
    PolicyLog,
    PolicyWitness,
)

ORIGIN = "example.com/trade-log"
LOG = log_signer(ORIGIN)
NAMES = ["importer", "exporter", "agency", "X1", "X2", "X3", "Y1", "Y2", "Y3"]
W = {n: witness_signer(f"witness.example/{n}") for n in NAMES}
CP = Checkpoint(ORIGIN, 1234, hashlib.sha256(b"root").digest())


def wline(name: str, url: str = "") -> str:
    return f"witness {name} {W[name].vkey}" + (f" {url}" if url else "")


TRADE = "\n".join(
    [
        f"log {LOG.vkey}",
        wline("importer"),
        wline("exporter"),
        wline("agency"),
        "group trade 2 importer exporter agency",
        "quorum trade",
        "",
    ]
)

# The two-level example from the spec's "Example policy" section.
SPEC_EXAMPLE = "\n".join(
    [
        f"log {LOG.vkey}",
        "",
        wline("X1"),
        wline("X2"),
        wline("X3"),
        "group X-witnesses 2 X1 X2 X3",
        "",
        wline("Y1"),
        wline("Y2"),
        wline("Y3"),
        "group Y-witnesses any Y1 Y2 Y3",
        "",
        "group X-and-Y all X-witnesses Y-witnesses",
        "quorum X-and-Y",
        "",
    ]
)


# --- "Structure" and formatting ---------------------------------------------------


def test_spec_example_parses_into_its_structure():
    p = Policy.from_text(SPEC_EXAMPLE)
    assert [log.verifier for log in p.logs] == [LOG.verifier()]
    assert [w.name for w in p.witnesses] == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert [w.verifier for w in p.witnesses] == [W[n].verifier() for n in ["X1", "X2", "X3", "Y1", "Y2", "Y3"]]
    assert p.groups == (
        PolicyGroup("X-witnesses", 2, ("X1", "X2", "X3")),
        PolicyGroup("Y-witnesses", "any", ("Y1", "Y2", "Y3")),
        PolicyGroup("X-and-Y", "all", ("X-witnesses", "Y-witnesses")),
    )
    assert p.quorum == "X-and-Y"


def test_canonical_text_round_trips_exactly():
    p = Policy.from_text(SPEC_EXAMPLE)
    canonical = p.to_text()
    # Canonical order: logs, witnesses, groups (in file order), quorum.
    assert canonical == "".join(
        line + "\n"
        for line in [f"log {LOG.vkey}"]
        + [wline(n) for n in ["X1", "X2", "X3", "Y1", "Y2", "Y3"]]
        + [
            "group X-witnesses 2 X1 X2 X3",
            "group Y-witnesses any Y1 Y2 Y3",
            "group X-and-Y all X-witnesses Y-witnesses",
            "quorum X-and-Y",
        ]
    )
    assert Policy.from_text(canonical) == p
    assert Policy.from_text(canonical).to_text() == canonical


def test_whitespace_comments_and_urls():
    text = (
        "# trade policy\n"
        "   \t\n"
        f"\tlog  {LOG.vkey}\thttps://log.example/  \n"
        "  # indented comment\n"
        f"witness \t importer {W['importer'].vkey} https://w.example/importer\n"
        "quorum importer"  # no final newline: tolerated
    )
    p = Policy.from_text(text)
    assert p.logs == (PolicyLog(LOG.verifier(), "https://log.example/"),)
    assert p.witnesses == (PolicyWitness("importer", W["importer"].verifier(), "https://w.example/importer"),)
    assert p.to_text() == (
        f"log {LOG.vkey} https://log.example/\n"
        f"witness importer {W['importer'].vkey} https://w.example/importer\n"
        "quorum importer\n"
    )


def test_definitions_may_follow_the_quorum_line_and_be_interleaved():
    text = f"{wline('X1')}\ngroup g any X1\nquorum g\n{wline('X2')}\nlog {LOG.vkey}\n"
    p = Policy.from_text(text)
    # Canonical order puts logs, then witnesses, then groups, then the quorum.
    assert Policy.from_text(p.to_text()) == p
    assert p.to_text().splitlines()[0].startswith("log ")


def test_quorum_none_and_no_logs_are_allowed():
    p = Policy.from_text("quorum none\n")
    assert (p.logs, p.witnesses, p.groups, p.quorum) == ((), (), (), "none")


def test_names_are_opaque_octets():
    # "K" and KELVIN SIGN (E2 84 AA) are different names; a non-UTF-8 octet
    # is allowed in names and comments and survives formatting.
    text = (
        b"# comment \xff\xfe\n"
        + wline("X1").replace("X1", "K", 1).encode()
        + b"\n"
        + wline("X2").replace("X2", "\xe2\x84\xaa".encode("latin-1").decode("utf-8"), 1).encode()
        + b"\n"
        + wline("X3").replace("X3", "n\xff", 1).encode("latin-1")
        + b"\n"
        + b"group g all K \xe2\x84\xaa n\xff\nquorum g\n"
    )
    p = Policy.from_text(text)
    names = [w.name for w in p.witnesses]
    assert names[0] == "K" and names[1] == "\u212a" and len(set(names)) == 3
    assert Policy.from_text(p.to_bytes()) == p
    assert p.to_bytes().endswith(b"group g all K \xe2\x84\xaa n\xff\nquorum g\n")


# --- malformed policies ------------------------------------------------------------

LOG2 = log_signer(ORIGIN, label="second log key")
ECDSA_VKEY = (
    "rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l"
    "+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc="
)
MALFORMED = [
    ("frobnicate x\nquorum none\n", "unknown keyword 'frobnicate'", 1),
    ("LOG x\nquorum none\n", "unknown keyword 'LOG'", 1),
    ("log\nquorum none\n", "expected 'log <vkey> [<url>]'", 1),
    (f"log {LOG.vkey} url extra\nquorum none\n", "expected 'log <vkey> [<url>]'", 1),
    ("log not-a-vkey\nquorum none\n", "log key: malformed verifier key", 1),
    (f"log {W['X1'].vkey}\nquorum none\n", "has signature type 0x04; a log key must be type 0x01", 1),
    (f"log {ECDSA_VKEY}\nquorum none\n", "has signature type 0x02; a log key must be type 0x01", 1),
    (f"witness X1 {LOG.vkey}\nquorum none\n", "has signature type 0x01; a witness key must be type 0x04", 1),
    ("witness X1\nquorum none\n", "expected 'witness <name> <vkey> [<url>]'", 1),
    (f"{wline('X1')} url extra\nquorum none\n", "expected 'witness <name> <vkey> [<url>]'", 1),
    (f"log {LOG.vkey}\n# c\nlog {LOG.vkey}\nquorum none\n", "duplicate log key", 3),
    # Same public key under another name is still a duplicate.
    (f"log {LOG.vkey}\nlog {NoteVerifier('other.example/log', LOG.public_key).vkey}\n", "duplicate log key", 2),
    (
        f"{wline('X1')}\nwitness X2 {CosignatureVerifier('w.example/renamed', W['X1'].public_key).vkey}\nquorum none\n",
        "duplicate witness key for 'X2'",
        2,
    ),
    (f"{wline('X1')}\n{wline('X2').replace('X2', 'X1', 1)}\nquorum none\n", "name 'X1' is already defined", 2),
    (f"{wline('X1')}\ngroup X1 any X1\nquorum none\n", "name 'X1' is already defined", 2),
    (f"{wline('X1').replace('X1', 'none', 1)}\nquorum none\n", "'none' is predefined", 1),
    (f"{wline('X1')}\ngroup none any X1\nquorum none\n", "'none' is predefined", 2),
    (f"group g any X1\n{wline('X1')}\nquorum g\n", "member 'X1' is not defined on a preceding line", 1),
    (f"{wline('X1')}\ngroup g any X1 none\nquorum g\n", "'none' cannot be a group member", 2),
    (f"{wline('X1')}\ngroup g any\nquorum g\n", "at least one member", 2),
    (f"{wline('X1')}\ngroup g\nquorum g\n", "at least one member", 2),
    (f"{wline('X1')}\ngroup g 0 X1\nquorum g\n", "threshold 0 is not in 1..1", 2),
    (f"{wline('X1')}\ngroup g 2 X1\nquorum g\n", "threshold 2 is not in 1..1", 2),
    (f"{wline('X1')}\ngroup g 01 X1\nquorum g\n", "without leading zeros", 2),
    (f"{wline('X1')}\ngroup g -1 X1\nquorum g\n", "without leading zeros", 2),
    (f"{wline('X1')}\ngroup g one X1\nquorum g\n", "without leading zeros, got 'one' (or all/any)", 2),
    (f"{wline('X1')}\ngroup g ALL X1\nquorum g\n", "got 'ALL'", 2),
    (f"{wline('X1')}\ngroup g any X1 X1\nquorum g\n", "group g lists 'X1' more than once", 2),
    (
        f"{wline('X1')}\n{wline('X2')}\ngroup g any X1\ngroup h any X1 X2\nquorum h\n",
        "'X1' is already a member of another group",
        4,
    ),
    (f"{wline('X1')}\ngroup g any X1\ngroup h any g\ngroup i any g\nquorum h\n", "'g' is already a member", 4),
    ("quorum X1\n", "quorum 'X1' is not defined on a preceding line", 1),
    (f"quorum X1\n{wline('X1')}\n", "quorum 'X1' is not defined on a preceding line", 1),
    (f"{wline('X1')}\nquorum X1\nquorum none\n", "found a second one", 3),
    ("quorum\n", "expected 'quorum <name>' or 'quorum none'", 1),
    ("quorum none # trailing comments are not comments\n", "expected 'quorum <name>' or 'quorum none'", 1),
    (f"log {LOG.vkey}\n", "found none", None),
    ("", "found none", None),
    ("# only a comment\n", "found none", None),
    ("quorum none\r\n", "control character 0x0d", 1),
    ("quorum none\n\x00\n", "control character 0x00", 2),
    ("quorum\x0bnone\n", "control character 0x0b", 1),
    ("\x7f\nquorum none\n", "control character 0x7f", 1),
    ("quorum\u00a0none\n", "unknown keyword 'quorum\\xa0none'", 1),
]


@pytest.mark.parametrize("text, message, lineno", MALFORMED, ids=[m for _, m, _ in MALFORMED])
def test_malformed_policies_raise_policy_error(text, message, lineno):
    with pytest.raises(PolicyError, match=re.escape(message)) as err:
        Policy.from_text(text)
    assert err.value.lineno == lineno
    if lineno is not None:
        assert str(err.value).startswith(f"line {lineno}: ")


def test_same_log_name_with_two_keys_is_fine():
    # Key rotation: two keys, one origin.
    p = Policy.from_text(f"log {LOG.vkey}\nlog {LOG2.vkey}\nquorum none\n")
    assert len(p.logs) == 2


def test_policy_objects_are_validated_like_text():
    w = PolicyWitness("X1", W["X1"].verifier())
    with pytest.raises(PolicyError, match="not defined"):
        Policy((), (w,), (PolicyGroup("g", "any", ("nope",)),), "g")
    with pytest.raises(PolicyError, match="threshold"):
        PolicyGroup("g", 3, ("a", "b"))
    with pytest.raises(PolicyError, match="threshold"):
        PolicyGroup("g", True, ("a",))
    with pytest.raises(PolicyError, match="whitespace"):
        PolicyWitness("a b", W["X1"].verifier())
    with pytest.raises(PolicyError, match="whitespace"):
        PolicyLog(LOG.verifier(), "http://x/ y")
    with pytest.raises(PolicyError, match="NoteVerifier"):
        PolicyLog(W["X1"].verifier())  # type: ignore[arg-type]  # the wrong type, on purpose
    with pytest.raises(PolicyError, match="CosignatureVerifier"):
        PolicyWitness("X1", LOG.verifier())  # type: ignore[arg-type]  # the wrong type, on purpose
    with pytest.raises(PolicyError, match="lists 'a' more than once"):
        PolicyGroup("g", "any", ("a", "a"))


# --- quorum evaluation ("Defining a witness group") ---------------------------------

NESTED = Policy.from_text(SPEC_EXAMPLE)
QUORUM_TABLE = [
    # (policy text, witnesses that cosigned, satisfied?)
    ("quorum none\n", set(), True),
    (f"{wline('X1')}\nquorum none\n", set(), True),
    (f"{wline('X1')}\nquorum X1\n", {"X1"}, True),
    (f"{wline('X1')}\nquorum X1\n", set(), False),
    (f"{wline('X1')}\n{wline('X2')}\ngroup g all X1 X2\nquorum g\n", {"X1", "X2"}, True),
    (f"{wline('X1')}\n{wline('X2')}\ngroup g all X1 X2\nquorum g\n", {"X1"}, False),
    (f"{wline('X1')}\n{wline('X2')}\ngroup g any X1 X2\nquorum g\n", {"X2"}, True),
    (f"{wline('X1')}\n{wline('X2')}\ngroup g any X1 X2\nquorum g\n", set(), False),
    (TRADE, {"importer", "agency"}, True),
    (TRADE, {"importer", "exporter", "agency"}, True),
    (TRADE, {"exporter"}, False),
    (TRADE, set(), False),
    (SPEC_EXAMPLE, {"X1", "X2", "Y3"}, True),
    (SPEC_EXAMPLE, {"X1", "X2", "X3", "Y1", "Y2", "Y3"}, True),
    (SPEC_EXAMPLE, {"X1", "X2"}, False),
    (SPEC_EXAMPLE, {"X1", "Y1", "Y2", "Y3"}, False),
    (SPEC_EXAMPLE, {"Y1", "Y2", "Y3"}, False),
    # Names that aren't witnesses (or are groups) don't count as cosigners.
    (SPEC_EXAMPLE, {"X-witnesses", "Y-witnesses", "X-and-Y"}, False),
]


@pytest.mark.parametrize("text, signed, expected", QUORUM_TABLE)
def test_quorum_table(text, signed, expected):
    result = Policy.from_text(text).evaluate_quorum(signed)
    assert result.ok is expected
    assert (result.reason is None) is expected


def test_quorum_reasons_name_the_unmet_groups():
    trade = Policy.from_text(TRADE)
    assert (
        trade.evaluate_quorum({"importer"}).reason
        == "quorum not met: group trade needs 2 of importer, exporter, agency; have 1 (importer)"
    )
    assert (
        trade.evaluate_quorum(set()).reason
        == "quorum not met: group trade needs 2 of importer, exporter, agency; have 0"
    )
    assert NESTED.evaluate_quorum({"X1", "Y2"}).reason == (
        "quorum not met: group X-and-Y needs 2 of X-witnesses, Y-witnesses; have 1 (Y-witnesses); "
        "group X-witnesses needs 2 of X1, X2, X3; have 1 (X1)"
    )
    single = Policy.from_text(f"{wline('X1')}\nquorum X1\n")
    assert single.evaluate_quorum(()).reason == "quorum not met: witness X1 has not cosigned"


# --- verify_checkpoint ---------------------------------------------------------------


def test_checkpoint_with_quorum_verifies():
    note = signed_checkpoint(CP, LOG, [W["importer"], W["agency"]], timestamp=1_700_000_500)
    result = Policy.from_text(TRADE).verify_checkpoint(note)
    assert result.ok and result.reason is None
    assert result.checkpoint == CP
    assert result.logs == (LOG.vkey,)
    assert result.witnesses == ("importer", "agency")
    assert result.cosignature_times == (("importer", 1_700_000_500), ("agency", 1_700_000_500))


def test_checkpoint_without_quorum_is_refused_with_a_reason():
    note = signed_checkpoint(CP, LOG, [W["importer"]])
    result = Policy.from_text(TRADE).verify_checkpoint(note)
    assert not result.ok and result.checkpoint is None
    assert result.witnesses == ("importer",)
    assert result.reason == "quorum not met: group trade needs 2 of importer, exporter, agency; have 1 (importer)"


def test_quorum_none_needs_only_the_log():
    result = Policy.from_text(f"log {LOG.vkey}\nquorum none\n").verify_checkpoint(signed_checkpoint(CP, LOG))
    assert result.ok and result.witnesses == ()


def test_checkpoint_signed_by_an_unlisted_log_is_refused():
    impostor = log_signer(ORIGIN, label="impostor")  # same origin, different key
    note = signed_checkpoint(CP, impostor, [W["importer"], W["agency"]])
    result = Policy.from_text(TRADE).verify_checkpoint(note)
    assert not result.ok and result.checkpoint is None
    assert result.reason == f"no valid signature from a policy log for origin {ORIGIN!r}"


def test_checkpoint_for_an_origin_not_in_the_policy_is_refused():
    other = log_signer("example.com/other")
    note = signed_checkpoint(Checkpoint("example.com/other", 1, bytes(32)), other, [W["importer"], W["agency"]])
    result = Policy.from_text(TRADE).verify_checkpoint(note)
    assert not result.ok
    assert result.reason == "origin 'example.com/other' is not a log listed in the policy"


def test_log_key_must_be_named_after_the_origin():
    # A listed log's key that signs a checkpoint with some other origin does not count.
    cp = Checkpoint("example.com/not-the-key-name", 1, bytes(32))
    result = Policy.from_text(TRADE).verify_checkpoint(signed_checkpoint(cp, LOG, [W["importer"], W["agency"]]))
    assert not result.ok and "is not a log listed in the policy" in result.reason


def test_cosignature_over_a_different_size_or_root_is_refused():
    # The agency's genuine cosignature of another tree head, pasted onto this one.
    other = Checkpoint(ORIGIN, CP.size + 1, CP.root_hash)
    note = W["importer"].cosign(CP.sign(LOG), 1).with_signatures(W["agency"].sign(other, 1))
    result = Policy.from_text(TRADE).verify_checkpoint(note)
    assert not result.ok and result.checkpoint is None
    assert result.reason == f"invalid signature from key {W['agency'].name}+{W['agency'].key_id:08x}"

    other_root = Checkpoint(ORIGIN, CP.size, hashlib.sha256(b"fork").digest())
    note = W["importer"].cosign(CP.sign(LOG), 1).with_signatures(W["agency"].sign(other_root, 1))
    assert not Policy.from_text(TRADE).verify_checkpoint(note).ok


def test_tampered_checkpoint_is_refused():
    note = signed_checkpoint(CP, LOG, [W["importer"], W["agency"]])
    tampered = note.replace("\n1234\n", "\n1235\n", 1)
    result = Policy.from_text(TRADE).verify_checkpoint(tampered)
    assert not result.ok and result.reason.startswith("invalid signature from key ")


def test_unknown_signatures_are_ignored():
    stranger = witness_signer("stranger.example/w")
    note = signed_checkpoint(CP, LOG, [stranger, W["importer"], W["exporter"]])
    result = Policy.from_text(TRADE).verify_checkpoint(note)
    assert result.ok and result.witnesses == ("importer", "exporter")


def test_malformed_inputs_are_results_not_exceptions():
    p = Policy.from_text(TRADE)
    assert p.verify_checkpoint("garbage").reason.startswith("malformed note: ")
    assert p.verify_checkpoint(b"\xff\n\n").reason.startswith("malformed note: ")
    bad_body = LOG.sign("not\na checkpoint\n")
    note = f"not\na checkpoint\n\n{bad_body.to_line()}\n"
    assert p.verify_checkpoint(note).reason.startswith("malformed checkpoint: ")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_verify_checkpoint_never_raises(junk):
    assert Policy.from_text(TRADE).verify_checkpoint(junk).ok is False


# --- round-trip property ---------------------------------------------------------

LOG_KEYS = [log_signer(f"log{i}.example/log").verifier() for i in range(4)]
WITNESS_KEYS = [witness_signer(f"w{i}.example").verifier() for i in range(8)]
_token = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(map(chr, range(0x21))) + "\x7f"),
    min_size=1,
    max_size=8,
)
_name = _token.filter(lambda s: s != "none")


@st.composite
def policies(draw):
    logs = [PolicyLog(k, draw(st.none() | _token)) for k in draw(st.lists(st.sampled_from(LOG_KEYS), unique=True))]
    wkeys = draw(st.lists(st.sampled_from(WITNESS_KEYS), unique=True))
    names = draw(st.lists(_name, min_size=len(wkeys) + 3, max_size=len(wkeys) + 3, unique=True))
    witnesses = [PolicyWitness(n, k, draw(st.none() | _token)) for n, k in zip(names[: len(wkeys)], wkeys, strict=True)]
    free = [w.name for w in witnesses]  # defined and not yet a member of any group
    groups = []
    for gname in names[len(wkeys) :]:
        if not free or not draw(st.booleans()):
            continue
        members = draw(st.lists(st.sampled_from(free), min_size=1, unique=True))
        threshold = draw(st.sampled_from(["all", "any"]) | st.integers(1, len(members)))
        groups.append(PolicyGroup(gname, threshold, tuple(members)))
        free = [n for n in free if n not in members] + [gname]
    quorum = draw(st.sampled_from(["none"] + [w.name for w in witnesses] + [g.name for g in groups]))
    return Policy(tuple(logs), tuple(witnesses), tuple(groups), quorum)


@settings(max_examples=150, deadline=None)
@given(policies())
def test_policy_round_trip(policy):
    text = policy.to_text()
    assert Policy.from_text(text) == policy
    assert Policy.from_text(text).to_text() == text
    assert Policy.from_text(policy.to_bytes()) == policy


def test_deeply_nested_groups_evaluate_without_recursion_limits():
    lines = [wline("X1"), "group g0 any X1"]
    lines += [f"group g{i} all g{i - 1}" for i in range(1, 2000)]
    lines.append("quorum g1999")
    p = Policy.from_text("\n".join(lines) + "\n")
    assert p.evaluate_quorum({"X1"}).ok
    reason = p.evaluate_quorum(set()).reason
    assert reason.startswith("quorum not met: group g1999 needs 1 of g1998; have 0; group g1998 ")
    assert reason.endswith("group g0 needs 1 of X1; have 0")


def test_lone_surrogates_that_are_not_octets_are_refused():
    with pytest.raises(PolicyError, match="lone surrogate U\\+D800"):
        Policy.from_text("# \ud800\nquorum none\n")
    # U+DCFF is how an opaque 0xFF octet decodes; it is fine in a comment.
    assert Policy.from_text("# \udcff\nquorum none\n").quorum == "none"
