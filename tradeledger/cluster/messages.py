"""What nodes and clients say to each other over NATS, as typed messages.

Every message is a JSON object with a "type"; `encode` and `decode` convert. Nothing here
is trusted because of where it came from: signature lines are checked against the genesis
policy by the receiving peer, and a `sender` field is only a label for logs and evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from tradeledger.errors import TradeledgerError

_M = TypeVar("_M", bound="_Message")

MAX_WANTED_HEIGHTS = 256  # heights per want, so that an answer stays well under max_payload


class MessageError(TradeledgerError, ValueError):
    """A NATS message that is not the message its subject carries."""


class _Message:
    TYPE = ""

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        raise NotImplementedError


def encode(message: _Message) -> bytes:
    return json.dumps({"type": message.TYPE, **message.to_dict()}, separators=(",", ":")).encode()


def decode(kind: type[_M], data: bytes) -> _M:
    """The message of type `kind` in `data`, or MessageError saying what is wrong."""
    try:
        obj = json.loads(data)
    except ValueError:
        raise MessageError(f"a {kind.TYPE} message is not JSON") from None
    if not isinstance(obj, dict) or obj.get("type") != kind.TYPE:
        raise MessageError(f"expected a {kind.TYPE} message")
    try:
        return kind.from_dict(obj)
    except (KeyError, TypeError, ValueError) as exc:
        raise MessageError(f"malformed {kind.TYPE} message: {exc!r}") from None


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


@dataclass(frozen=True)
class CheckpointSignatures:
    """One block's checkpoint body as its sender computed it, and signature lines over it."""

    height: int
    body: str
    lines: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"height": self.height, "body": self.body, "lines": list(self.lines)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckpointSignatures:
        return cls(_int(data["height"]), _str(data["body"]), tuple(_str(line) for line in data["lines"]))


@dataclass(frozen=True)
class SignatureAnnouncement(_Message):
    """A node's checkpoints with the lines it holds over them: its own after each block,
    every line it has when it answers a want."""

    TYPE = "signatures"
    sender: str
    checkpoints: tuple[CheckpointSignatures, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"sender": self.sender, "checkpoints": [c.to_dict() for c in self.checkpoints]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignatureAnnouncement:
        return cls(_str(data["sender"]), tuple(CheckpointSignatures.from_dict(c) for c in data["checkpoints"]))


@dataclass(frozen=True)
class SignatureWant(_Message):
    """A node lacks a quorum at these heights (it was down, or missed announcements)."""

    TYPE = "want"
    sender: str
    heights: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"sender": self.sender, "heights": list(self.heights)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignatureWant:
        heights = tuple(_int(h) for h in data["heights"])
        if len(heights) > MAX_WANTED_HEIGHTS:
            raise ValueError(f"at most {MAX_WANTED_HEIGHTS} heights per want")
        return cls(_str(data["sender"]), heights)


@dataclass(frozen=True)
class Progress(_Message):
    """How far a node is: every stream position up to `committed_position` is in its
    blocks, and every block up to `final_height` (ending at `final_position`) is final."""

    TYPE = "progress"
    organization: str
    height: int
    committed_position: int
    final_height: int
    final_position: int
    log_size: int
    log_root: str  # hex

    def to_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization, "height": self.height,
            "committed_position": self.committed_position, "final_height": self.final_height,
            "final_position": self.final_position, "log_size": self.log_size, "log_root": self.log_root,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Progress:
        return cls(_str(data["organization"]), _int(data["height"]), _int(data["committed_position"]),
                   _int(data["final_height"]), _int(data["final_position"]), _int(data["log_size"]),
                   _str(data["log_root"]))


@dataclass(frozen=True)
class ForkSummary:
    """One piece of fork evidence a node keeps in its store, as status reports it."""

    height: int
    size: int
    sender: str
    detected_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"height": self.height, "size": self.size, "sender": self.sender, "detected_by": self.detected_by}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForkSummary:
        return cls(_int(data["height"]), _int(data["size"]), _str(data["sender"]), _str(data["detected_by"]))


@dataclass(frozen=True)
class NodeStatus(_Message):
    """What a node reports on /status, on its control subject and (as numbers) on /metrics."""

    TYPE = "status"
    organization: str
    network_id: str
    height: int
    committed_position: int
    log_size: int
    log_root: str  # hex
    state_digest: str  # hex
    final_height: int
    final_position: int  # the stream position that closed block final_height
    final_log_size: int
    final_root: str  # hex of the latest final checkpoint's root; "" when none is final
    forks: tuple[ForkSummary, ...] = ()
    rejected_signature_lines: int = 0
    blocks_committed: int = 0  # since this process started
    orderer_ok: bool = True
    working: bool = True  # the worker's last step succeeded
    last_error: str = ""
    disclosures_served: int = 0
    disclosures_denied: int = 0
    started_ms: int = 0
    updated_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    halted: tuple[str, ...] = ()  # collections ("contract:name") this node stopped executing

    @property
    def healthy(self) -> bool:
        return self.orderer_ok and self.working and not self.forks and not self.halted

    def to_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization, "network_id": self.network_id, "height": self.height,
            "committed_position": self.committed_position, "log_size": self.log_size, "log_root": self.log_root,
            "state_digest": self.state_digest, "final_height": self.final_height,
            "final_position": self.final_position, "final_log_size": self.final_log_size, "final_root": self.final_root,
            "forks": [f.to_dict() for f in self.forks], "rejected_signature_lines": self.rejected_signature_lines,
            "blocks_committed": self.blocks_committed, "orderer_ok": self.orderer_ok,
            "working": self.working, "last_error": self.last_error, "disclosures_served": self.disclosures_served,
            "disclosures_denied": self.disclosures_denied, "started_ms": self.started_ms,
            "updated_ms": self.updated_ms, "extra": dict(self.extra), "halted": list(self.halted),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeStatus:
        return cls(
            organization=_str(data["organization"]), network_id=_str(data["network_id"]),
            height=_int(data["height"]), committed_position=_int(data["committed_position"]),
            log_size=_int(data["log_size"]), log_root=_str(data["log_root"]),
            state_digest=_str(data["state_digest"]), final_height=_int(data["final_height"]),
            final_position=_int(data["final_position"]), final_log_size=_int(data["final_log_size"]),
            final_root=_str(data["final_root"]),
            forks=tuple(ForkSummary.from_dict(f) for f in data["forks"]),
            rejected_signature_lines=_int(data["rejected_signature_lines"]),
            blocks_committed=_int(data["blocks_committed"]), orderer_ok=bool(data["orderer_ok"]),
            working=bool(data["working"]), last_error=_str(data["last_error"]),
            disclosures_served=_int(data["disclosures_served"]),
            disclosures_denied=_int(data["disclosures_denied"]), started_ms=_int(data["started_ms"]),
            updated_ms=_int(data["updated_ms"]), extra=dict(data.get("extra") or {}),
            halted=tuple(_str(name) for name in data.get("halted") or ()),
        )


@dataclass(frozen=True)
class ControlRequest(_Message):
    """An operation asked of one node: "status", "txs" (first, last positions) or
    "disclose" (request_id)."""

    TYPE = "control"
    op: str
    args: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "args": dict(self.args)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlRequest:
        args = data.get("args") or {}
        if not isinstance(args, dict):
            raise TypeError("args is an object")
        return cls(_str(data["op"]), args)


@dataclass(frozen=True)
class Reply(_Message):
    """The answer to a control or disclosure request: a result, or one-line error."""

    TYPE = "reply"
    ok: bool
    result: Any = None
    error: str = ""
    error_kind: str = ""  # e.g. "access_denied", so a client can raise the matching exception

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "result": self.result, "error": self.error, "error_kind": self.error_kind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(bool(data["ok"]), data.get("result"), _str(data.get("error", "")),
                   _str(data.get("error_kind", "")))


# --- private collections (cluster/private.py) -----------------------------------------------
def _sealed(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise TypeError("sealed is a non-empty object of key DID to base64 sealed box")
    return {_str(did): _str(box) for did, box in value.items()}


@dataclass(frozen=True)
class SealedToMember(_Message):
    """Something for one member organization, sealed to each of its registered
    administrator keys (did -> base64 sealed box): payloads delivered by their submitter,
    or a member's collection signatures. `sender` is a label, never trusted."""

    TYPE = "sealed"
    sender: str
    kind: str  # "payloads" | "collection_signatures"
    sealed: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"sender": self.sender, "kind": self.kind, "sealed": dict(self.sealed)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SealedToMember:
        kind = _str(data["kind"])
        if kind not in ("payloads", "collection_signatures"):
            raise ValueError(f"unknown sealed kind {kind!r}")
        return cls(_str(data["sender"]), kind, _sealed(data["sealed"]))


@dataclass(frozen=True)
class PayloadFetch(_Message):
    """A member asks another member for a private part's payload it lacks; the answer is
    sealed to `key`, which must be a registered key of `requester`."""

    TYPE = "payload_fetch"
    requester: str
    key: str  # did:key
    txid: str
    part: str
    collection: str

    def to_dict(self) -> dict[str, Any]:
        return {"requester": self.requester, "key": self.key, "txid": self.txid, "part": self.part,
                "collection": self.collection}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PayloadFetch:
        return cls(_str(data["requester"]), _str(data["key"]), _str(data["txid"]), _str(data["part"]),
                   _str(data["collection"]))


FETCH_STATUSES = ("payload", "not_yet", "none")


@dataclass(frozen=True)
class PayloadAnswer(_Message):
    """The holder's answer: "payload" (sealed to the requester's key), "not_yet" (the holder
    has not reached the transaction, so cannot tell whether the requester belongs) or
    "none" (it holds no payload it may give this requester)."""

    TYPE = "payload_answer"
    status: str
    sealed: str = ""  # base64 sealed box, with status "payload"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "sealed": self.sealed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PayloadAnswer:
        status = _str(data["status"])
        if status not in FETCH_STATUSES:
            raise ValueError(f"unknown fetch status {status!r}")
        return cls(status, _str(data.get("sealed", "")))
