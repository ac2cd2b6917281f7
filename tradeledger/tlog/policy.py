"""C2SP tlog-policy: which logs and witness quorum make a checkpoint trustworthy.

c2sp.org/tlog-policy "Policy file syntax and structure":

* ``log <vkey> [<url>]`` — log keys are Ed25519 note keys (type 0x01) whose key
  name is the log's origin;
* ``witness <name> <vkey> [<url>]`` — witness keys are Ed25519 cosignature
  keys (type 0x04);
* ``group <name> all|any|<k> <member>...`` — at least k of the members
  (witnesses or earlier groups) must have witnessed;
* ``quorum <name>|none`` — exactly one;
* whitespace is ASCII space/tab only; blank lines and lines whose first
  non-whitespace character is ``#`` are ignored; names must be defined on a
  preceding line; ``none`` is predefined and cannot be a member; each name is
  a group member at most once; duplicate log keys or witness keys (same
  underlying public key) are refused; octets with the high bit set are opaque.

Formatting is canonical (logs, witnesses, groups, quorum; single spaces; no
comments), so ``Policy.from_text(p.to_text()) == p`` and formatting a parsed
canonical file gives back the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from tradeledger.errors import TradeledgerError

from ._encoding import parse_decimal
from .checkpoint import Checkpoint, CheckpointError
from .cosignature import COSIGNATURE_TYPE, CosignatureVerifier, cosignature_timestamp
from .note import ED25519_TYPE, NoteError, NoteVerifier, SignedNote, VerifierKey

__all__ = [
    "NONE",
    "CheckpointVerification",
    "Policy",
    "PolicyError",
    "PolicyGroup",
    "PolicyLog",
    "PolicyWitness",
    "QuorumResult",
]

#: The predefined name meaning "no cosignatures required".
NONE = "none"

Threshold: TypeAlias = int | Literal["all", "any"]

_WHITESPACE = re.compile(r"[ \t]+")
# Whitespace and control characters end a token.  Lone surrogates other than
# U+DC80..U+DCFF (how surrogateescape spells an opaque non-UTF-8 octet) could
# never be written back as octets, so they are refused too.
_TOKEN_FORBIDDEN = re.compile("[\x00-\x20\x7f\ud800-\udc7f\udd00-\udfff]")
_FILE_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udc7f\udd00-\udfff]")


class PolicyError(TradeledgerError, ValueError):
    """A policy file (or Policy object) violates tlog-policy.  ``lineno`` is 1-based when known."""

    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(f"line {lineno}: {message}" if lineno is not None else message)
        self.lineno = lineno


def _check_token(value: object, what: str) -> str:
    # Names and URLs are whitespace-free tokens; anything with a high bit is opaque.
    if not isinstance(value, str) or not value:
        raise PolicyError(f"{what} must be a non-empty str")
    m = _TOKEN_FORBIDDEN.search(value)
    if m:
        raise PolicyError(f"{what} {value!r} contains whitespace or a control character")
    return value


def _check_url(url: object) -> str | None:
    return None if url is None else _check_token(url, "URL")


@dataclass(frozen=True)
class PolicyLog:
    """A trusted log: its Ed25519 note key (key name = origin) and optional URL."""

    verifier: NoteVerifier
    url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.verifier, NoteVerifier):
            raise PolicyError("a log needs a NoteVerifier (Ed25519, type 0x01)")
        _check_url(self.url)

    @property
    def origin(self) -> str:
        return self.verifier.name

    def to_line(self) -> str:
        return " ".join(["log", self.verifier.vkey] + ([self.url] if self.url else []))


@dataclass(frozen=True)
class PolicyWitness:
    """A witness: its policy-local name, cosignature key and optional URL."""

    name: str
    verifier: CosignatureVerifier
    url: str | None = None

    def __post_init__(self) -> None:
        _check_token(self.name, "witness name")
        if not isinstance(self.verifier, CosignatureVerifier):
            raise PolicyError("a witness needs a CosignatureVerifier (Ed25519 cosignature, type 0x04)")
        _check_url(self.url)

    def to_line(self) -> str:
        return " ".join(["witness", self.name, self.verifier.vkey] + ([self.url] if self.url else []))


@dataclass(frozen=True)
class PolicyGroup:
    """``group <name> all|any|<k> <members...>``; the threshold keeps its spelling."""

    name: str
    threshold: Threshold
    members: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_token(self.name, "group name")
        if isinstance(self.members, str):
            raise PolicyError("group members must be a sequence of names, not a str")
        members = tuple(self.members)
        object.__setattr__(self, "members", members)
        if not members:
            raise PolicyError(f"group {self.name} needs at least one member")
        for i, m in enumerate(members):
            _check_token(m, "group member")
            if m in members[:i]:
                raise PolicyError(f"group {self.name} lists {m!r} more than once (members are listed at most once)")
        t = self.threshold
        if t not in ("all", "any"):
            if not isinstance(t, int) or isinstance(t, bool) or not 1 <= t <= len(members):
                raise PolicyError(
                    f"group {self.name}: threshold must be all, any or an integer 1..{len(members)}, got {t!r}"
                )

    @property
    def required(self) -> int:
        """k: how many members must have witnessed."""
        if self.threshold == "all":
            return len(self.members)
        if self.threshold == "any":
            return 1
        return int(self.threshold)

    def to_line(self) -> str:
        return " ".join(["group", self.name, str(self.threshold), *self.members])


@dataclass(frozen=True)
class QuorumResult:
    ok: bool
    reason: str | None = None


@dataclass(frozen=True)
class CheckpointVerification:
    """Result of :meth:`Policy.verify_checkpoint`.

    ``checkpoint`` is set only when ``ok``: an unverified checkpoint's text
    MUST be ignored (signed-note).  Logs have no policy-local name, so
    ``logs`` holds the vkeys of the logs whose signature verified;
    ``witnesses`` holds the policy names of witnesses with a valid
    cosignature, and ``cosignature_times`` their (name, timestamp) pairs.
    """

    ok: bool
    checkpoint: Checkpoint | None
    logs: tuple[str, ...] = ()
    witnesses: tuple[str, ...] = ()
    cosignature_times: tuple[tuple[str, int], ...] = ()
    reason: str | None = None


class _Builder:
    """Accumulates definitions in file order, enforcing every tlog-policy rule.

    Used both by the parser (which adds line numbers to errors) and by
    ``Policy.__post_init__``, so a Policy object can never be invalid.
    """

    def __init__(self) -> None:
        self.logs: list[PolicyLog] = []
        self.witnesses: list[PolicyWitness] = []
        self.groups: list[PolicyGroup] = []
        self.quorum: str | None = None
        self.defined: dict[str, PolicyWitness | PolicyGroup] = {}
        self.used_as_member: set[str] = set()
        self.log_keys: set[bytes] = set()
        self.witness_keys: set[bytes] = set()
        # (key name, key ID) must identify one key, or note verification is ambiguous.
        self.key_ids: set[tuple[str, int]] = set()

    def _claim_key_id(self, name: str, key_id: int) -> None:
        if (name, key_id) in self.key_ids:
            raise PolicyError(f"two keys share key name {name!r} and key ID {key_id:08x}")
        self.key_ids.add((name, key_id))

    def add_log(self, log: PolicyLog) -> None:
        key = log.verifier.public_key
        if key in self.log_keys:
            raise PolicyError(f"duplicate log key {log.verifier.vkey} (same public key as an earlier log)")
        self._claim_key_id(log.verifier.name, log.verifier.key_id)
        self.log_keys.add(key)
        self.logs.append(log)

    def _define(self, name: str, what: PolicyWitness | PolicyGroup) -> None:
        if name == NONE:
            raise PolicyError(f"the name {NONE!r} is predefined and cannot be redefined")
        if name in self.defined:
            raise PolicyError(f"name {name!r} is already defined")
        self.defined[name] = what

    def add_witness(self, w: PolicyWitness) -> None:
        key = w.verifier.public_key
        if key in self.witness_keys:
            raise PolicyError(f"duplicate witness key for {w.name!r} (same public key as an earlier witness)")
        self._define(w.name, w)
        self._claim_key_id(w.verifier.name, w.verifier.key_id)
        self.witness_keys.add(key)
        self.witnesses.append(w)

    def add_group(self, g: PolicyGroup) -> None:
        for m in g.members:
            if m == NONE:
                raise PolicyError(f"group {g.name}: {NONE!r} cannot be a group member")
            if m not in self.defined:
                raise PolicyError(f"group {g.name}: member {m!r} is not defined on a preceding line")
            if m in self.used_as_member:
                raise PolicyError(f"group {g.name}: {m!r} is already a member of another group")
        self._define(g.name, g)
        self.used_as_member.update(g.members)
        self.groups.append(g)

    def set_quorum(self, name: str) -> None:
        if self.quorum is not None:
            raise PolicyError("a policy must have exactly one quorum line; found a second one")
        if name != NONE and name not in self.defined:
            raise PolicyError(f"quorum {name!r} is not defined on a preceding line")
        self.quorum = name

    def build(self) -> Policy:
        if self.quorum is None:
            raise PolicyError("a policy must have exactly one quorum line; found none")
        return Policy(tuple(self.logs), tuple(self.witnesses), tuple(self.groups), self.quorum)


def _parse_vkey(text: str, key_type: int, role: str):
    try:
        vk = VerifierKey.from_text(text)
    except NoteError as exc:
        raise PolicyError(f"{role} key: {exc}") from None
    if vk.key_type != key_type:
        raise PolicyError(
            f"{role} key {vk.name}+{vk.key_id:08x} has signature type 0x{vk.key_type:02x}; "
            f"a {role} key must be type 0x{key_type:02x}"
        )
    try:
        if key_type == ED25519_TYPE:
            return NoteVerifier(vk.name, vk.public_key)
        return CosignatureVerifier(vk.name, vk.public_key)
    except NoteError as exc:
        raise PolicyError(f"{role} key: {exc}") from None


def _decode(text: str | bytes) -> str:
    # The file is octets: only tab, newline, 0x20-0x7E and 0x80-0xFF are
    # allowed, and high-bit octets are opaque.  Decoding with surrogateescape
    # keeps arbitrary non-UTF-8 octets (in names, URLs, comments) intact and
    # distinct, with no Unicode normalisation.
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    if not isinstance(text, str):
        raise PolicyError(f"policy must be str or bytes, not {type(text).__name__}")
    m = _FILE_FORBIDDEN.search(text)
    if m:
        lineno = text.count("\n", 0, m.start()) + 1
        code = ord(m.group())
        if code > 0x7F:
            raise PolicyError(f"lone surrogate U+{code:04X} cannot be encoded as octets", lineno)
        raise PolicyError(f"control character 0x{code:02x} is not allowed", lineno)
    return text


@dataclass(frozen=True)
class Policy:
    """A parsed tlog-policy.  Construction validates every rule of the spec."""

    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str

    def __post_init__(self) -> None:
        for attr, kind in (("logs", PolicyLog), ("witnesses", PolicyWitness), ("groups", PolicyGroup)):
            items = tuple(getattr(self, attr))
            for item in items:
                if not isinstance(item, kind):
                    raise PolicyError(f"{attr} must hold {kind.__name__} objects, not {type(item).__name__}")
            object.__setattr__(self, attr, items)
        _check_token(self.quorum, "quorum")
        b = _Builder()
        for log in self.logs:
            b.add_log(log)
        for w in self.witnesses:
            b.add_witness(w)
        for g in self.groups:
            b.add_group(g)
        b.set_quorum(self.quorum)

    # -- text form -------------------------------------------------------

    @classmethod
    def from_text(cls, text: str | bytes) -> Policy:
        """Parse a policy file; raises :class:`PolicyError` naming the offending line."""
        text = _decode(text)
        b = _Builder()
        # Every line is newline-terminated in the spec; a missing newline on
        # the very last line is tolerated (as line-scanning parsers do).
        for lineno, raw in enumerate(text.split("\n"), start=1):
            line = raw.strip(" \t")
            if not line or line.startswith("#"):
                continue
            keyword, *args = _WHITESPACE.split(line)
            try:
                cls._parse_line(b, keyword, args)
            except PolicyError as exc:
                raise PolicyError(str(exc), lineno) from None
        return b.build()

    @staticmethod
    def _parse_line(b: _Builder, keyword: str, args: list[str]) -> None:
        if keyword == "log":
            if len(args) not in (1, 2):
                raise PolicyError("expected 'log <vkey> [<url>]'")
            b.add_log(PolicyLog(_parse_vkey(args[0], ED25519_TYPE, "log"), args[1] if len(args) == 2 else None))
        elif keyword == "witness":
            if len(args) not in (2, 3):
                raise PolicyError("expected 'witness <name> <vkey> [<url>]'")
            verifier = _parse_vkey(args[1], COSIGNATURE_TYPE, "witness")
            b.add_witness(PolicyWitness(args[0], verifier, args[2] if len(args) == 3 else None))
        elif keyword == "group":
            if len(args) < 3:
                raise PolicyError("expected 'group <name> all|any|<k> <member>...' with at least one member")
            name, spec, members = args[0], args[1], args[2:]
            threshold: Threshold
            if spec in ("all", "any"):
                threshold = "all" if spec == "all" else "any"
            else:
                try:
                    threshold = parse_decimal(spec, f"group {name} threshold")
                except ValueError as exc:
                    raise PolicyError(f"{exc} (or all/any)") from None
                if not 1 <= threshold <= len(members):
                    raise PolicyError(f"group {name}: threshold {threshold} is not in 1..{len(members)}")
            b.add_group(PolicyGroup(name, threshold, tuple(members)))
        elif keyword == "quorum":
            if len(args) != 1:
                raise PolicyError("expected 'quorum <name>' or 'quorum none'")
            b.set_quorum(args[0])
        else:
            raise PolicyError(f"unknown keyword {keyword!r}")

    def to_text(self) -> str:
        lines = [log.to_line() for log in self.logs]
        lines += [w.to_line() for w in self.witnesses]
        lines += [g.to_line() for g in self.groups]
        lines.append(f"quorum {self.quorum}")
        return "".join(line + "\n" for line in lines)

    def to_bytes(self) -> bytes:
        return self.to_text().encode("utf-8", "surrogateescape")

    # -- quorum ------------------------------------------------------------

    def evaluate_quorum(self, witnessed: Iterable[str]) -> QuorumResult:
        """Whether witnesses named `witnessed` (policy names) satisfy the quorum.

        A witness "witnesses" by cosigning; a group does when at least k of
        its members do (tlog-policy "Defining a witness group").
        """
        signed = set(witnessed)
        groups = {g.name: g for g in self.groups}
        # Groups only name earlier definitions, so one pass in file order
        # evaluates everything without recursion (no depth limit to hit).
        ok = {w.name: w.name in signed for w in self.witnesses}
        for g in self.groups:
            ok[g.name] = sum(ok[m] for m in g.members) >= g.required
        if self.quorum == NONE or ok[self.quorum]:
            return QuorumResult(True)

        # Explain the failure: the quorum, then each unmet member group, depth first.
        parts: list[str] = []
        stack = [self.quorum]
        while stack:
            name = stack.pop()
            group = groups.get(name)
            if group is None:
                parts.append(f"witness {name} has not cosigned")
                continue
            have = [m for m in group.members if ok[m]]
            part = f"group {name} needs {group.required} of {', '.join(group.members)}; have {len(have)}"
            parts.append(part + (f" ({', '.join(have)})" if have else ""))
            stack.extend(reversed([m for m in group.members if m in groups and not ok[m]]))
        return QuorumResult(False, "quorum not met: " + "; ".join(parts))

    # -- checkpoints ---------------------------------------------------------

    def verify_checkpoint(self, note_text: str | bytes | SignedNote) -> CheckpointVerification:
        """Verify a signed checkpoint against this policy; never raises on bad input.

        Requires a valid signature from a listed log whose key name equals the
        checkpoint origin, no failing signature from any listed key (signed-note
        says clients SHOULD reject the whole note then, as Go does), and
        cosignatures from witnesses satisfying the quorum.  Signatures from
        keys not in the policy are ignored.
        """

        def fail(reason: str) -> CheckpointVerification:
            return CheckpointVerification(False, None, reason=reason)

        try:
            note = note_text if isinstance(note_text, SignedNote) else SignedNote.from_text(note_text)
        except NoteError as exc:
            return fail(f"malformed note: {exc}")
        try:
            checkpoint = Checkpoint.from_text(note.text)
        except CheckpointError as exc:
            return fail(f"malformed checkpoint: {exc}")

        logs = [log for log in self.logs if log.origin == checkpoint.origin]
        if not logs:
            return fail(f"origin {checkpoint.origin!r} is not a log listed in the policy")
        by_verifier = {w.verifier: w for w in self.witnesses}
        result = note.verify([log.verifier for log in logs] + [w.verifier for w in self.witnesses])
        if result.invalid:
            bad = result.invalid[0]
            return fail(f"invalid signature from key {bad.name}+{bad.key_id:08x}")

        signed_logs = tuple(v.verifier.vkey for v in result.verified if isinstance(v.verifier, NoteVerifier))
        if not signed_logs:
            return fail(f"no valid signature from a policy log for origin {checkpoint.origin!r}")
        times = {
            by_verifier[v.verifier].name: cosignature_timestamp(v.signature)
            for v in result.verified
            if isinstance(v.verifier, CosignatureVerifier)
        }
        witnesses = tuple(w.name for w in self.witnesses if w.name in times)
        cosignature_times = tuple((name, times[name]) for name in witnesses)
        quorum = self.evaluate_quorum(witnesses)
        return CheckpointVerification(
            quorum.ok,
            checkpoint if quorum.ok else None,
            signed_logs,
            witnesses,
            cosignature_times,
            quorum.reason,
        )
