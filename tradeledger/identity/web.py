"""The network's did:web names, derived from its genesis origin.

A network's checkpoint origin is a schema-less URL such as `tradeledger.local/demo-1a2b3c4d`
(C2SP tlog-checkpoint). Its organizations are named under it, as the did:web method says an
HTTPS location maps to a DID (https://w3c-ccg.github.io/did-method-web/, "Create"):

    origin                          tradeledger.local/demo-1a2b3c4d
    network                         did:web:tradeledger.local:demo-1a2b3c4d
    organization "customs"          did:web:tradeledger.local:demo-1a2b3c4d:orgs:customs
      served (when the API exists)  https://tradeledger.local/demo-1a2b3c4d/orgs/customs/did.json
      a key of it                   did:web:...:orgs:customs#z6Mk...   (the key's multibase)
    status list "ior" of customs    https://tradeledger.local/demo-1a2b3c4d/orgs/customs/status/ior

The host is lowercased and a port's colon is percent-encoded (%3A); each path segment of
the origin becomes one ':'-separated segment, characters outside the DID idchar set
(letters, digits, '.', '-', '_') percent-encoded. Verification method fragments are the
key's own multibase value, so a rotated-in key gets a new, never reused fragment.
Until an HTTP API serves these documents they are resolved offline from ledger state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from tradeledger.identity.errors import InvalidDidError, OriginError

ORGANIZATIONS_SEGMENT = "orgs"
STATUS_SEGMENT = "status"
_IDCHAR = re.compile(r"[A-Za-z0-9._-]")
_ORG_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")
_LIST_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?")


def _encode_segment(text: str) -> str:
    return "".join(c if _IDCHAR.fullmatch(c) else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text)


@dataclass(frozen=True)
class WebBase:
    """Where a network's did:web identifiers live: a host (with optional port) and a path."""

    host: str
    path: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _HOST.fullmatch(self.host):
            raise OriginError(f"{self.host!r} is not a host name for did:web (letters, digits, '.', '-', "
                              "an optional :port)")
        if any(not segment or "/" in segment for segment in self.path):
            raise OriginError("did:web path segments are non-empty and hold no '/'")

    @classmethod
    def from_origin(cls, origin: str) -> WebBase:
        """The base of a genesis origin such as `tradeledger.local/demo-1a2b3c4d`."""
        if not isinstance(origin, str) or not origin or "://" in origin:
            raise OriginError(f"origin {origin!r} is not a schema-less URL such as example.com/log")
        host, *path = origin.split("/")
        return cls(host.lower(), tuple(segment for segment in path if segment))

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "path": list(self.path)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebBase:
        return cls(data["host"], tuple(data.get("path", ())))

    # --- DIDs ---------------------------------------------------------------------------------
    @property
    def did(self) -> str:
        """The network's own did:web."""
        return ":".join(["did:web", self.host.replace(":", "%3A"), *(_encode_segment(s) for s in self.path)])

    def organization_did(self, name: str) -> str:
        if not _ORG_NAME.fullmatch(name):
            raise InvalidDidError(f"{name!r} is not an organization name (lowercase letters, digits, '-')")
        return f"{self.did}:{ORGANIZATIONS_SEGMENT}:{name}"

    def organization_of(self, did: str) -> str | None:
        """The organization a did:web of this network names, or None for any other DID."""
        prefix = f"{self.did}:{ORGANIZATIONS_SEGMENT}:"
        name = did[len(prefix):] if isinstance(did, str) and did.startswith(prefix) else ""
        return name if _ORG_NAME.fullmatch(name) else None

    @property
    def https_base(self) -> str:
        return "https://" + "/".join([self.host, *self.path])

    def document_url(self, did: str) -> str:
        """Where did:web resolution over HTTPS would fetch the document of `did`."""
        if not did.startswith("did:web:"):
            raise InvalidDidError(f"{did!r} is not a did:web")
        host, *path = did[len("did:web:"):].split(":")
        return "https://" + "/".join([unquote(host), *(unquote(s) for s in path)]) + (
            "/did.json" if path else "/.well-known/did.json")

    # --- status lists -------------------------------------------------------------------------
    def status_list_url(self, organization: str, list_id: str) -> str:
        self.organization_did(organization)  # refuses a malformed name
        if not _LIST_ID.fullmatch(list_id):
            raise InvalidDidError(f"{list_id!r} is not a status list id")
        return f"{self.https_base}/{ORGANIZATIONS_SEGMENT}/{organization}/{STATUS_SEGMENT}/{list_id}"

    def parse_status_list_url(self, url: str) -> tuple[str, str] | None:
        """(organization, list id) of a status list URL of this network, else None."""
        prefix = f"{self.https_base}/{ORGANIZATIONS_SEGMENT}/"
        if not isinstance(url, str) or not url.startswith(prefix):
            return None
        parts = url[len(prefix):].split("/")
        if len(parts) != 3 or parts[1] != STATUS_SEGMENT:
            return None
        organization, _, list_id = parts
        if not _ORG_NAME.fullmatch(organization) or not _LIST_ID.fullmatch(list_id):
            return None
        return organization, list_id


def web_base_of_genesis(genesis_bytes: bytes) -> WebBase:
    """The base of the network whose genesis document is `genesis_bytes`."""
    try:
        origin = json.loads(genesis_bytes)["origin"]
    except (ValueError, KeyError, TypeError):
        raise OriginError("the genesis document has no origin; is this a tradeledger network?") from None
    return WebBase.from_origin(origin)


def web_base_of(state: object) -> WebBase | None:
    """The base of the network a peer store belongs to (a Store keeps its genesis bytes);
    None for a reader that does not know its network, such as a bare overlay."""
    genesis = getattr(state, "genesis", None)
    raw = genesis() if callable(genesis) else None
    return web_base_of_genesis(raw) if isinstance(raw, bytes) else None
