"""The NATS subjects of one network's cluster: who publishes what where.

    tradeledger.order.<net>               the JetStream stream (ordering only; see ordering/jetstream.py)
    tradeledger.cosign.<net>              nodes announce checkpoint signature lines (broadcast)
    tradeledger.cosign.<net>.want         a node asks for lines it lacks; others answer to its inbox
    tradeledger.cosign.<net>.to.<org>     that inbox: answers to <org>'s wants
    tradeledger.progress.<net>            each node's committed and final positions (broadcast)
    tradeledger.disclose.<net>.<org>      request/reply: the disclosure transfer, served by <org>
    tradeledger.node.<net>.<org>          request/reply: status, transactions, disclose on <org>'s node
    tradeledger.private.<net>.<org>       request/reply: private payloads delivered to <org>, or fetched from it
    tradeledger.private.<net>.<org>.signed  <org>'s inbox for other members' collection signatures

<net> is the stream's token for the network id, so two networks on one NATS cluster never
hear each other. Private documents travel only on the disclose subjects, and private payloads and
collection signatures only on the private subjects, sealed to the receiving organization's
registered keys, never on the ordered stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tradeledger.ordering.jetstream import subject_for

_ORG_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def _token(network_id: str) -> str:
    # The ordered stream's subject is tradeledger.order.<token>; reuse the same token.
    return subject_for(network_id).rsplit(".", 1)[-1]


def _org(name: str) -> str:
    if not _ORG_TOKEN.match(name):
        raise ValueError(f"organization name {name!r} cannot be a NATS subject token; use letters, digits, - and _")
    return name


@dataclass(frozen=True)
class NetworkSubjects:
    network_id: str

    @property
    def token(self) -> str:
        return _token(self.network_id)

    @property
    def order(self) -> str:
        return subject_for(self.network_id)

    @property
    def cosign(self) -> str:
        return f"tradeledger.cosign.{self.token}"

    @property
    def want(self) -> str:
        return f"tradeledger.cosign.{self.token}.want"

    def answers_to(self, organization: str) -> str:
        return f"tradeledger.cosign.{self.token}.to.{_org(organization)}"

    @property
    def progress(self) -> str:
        return f"tradeledger.progress.{self.token}"

    def disclose(self, owner: str) -> str:
        return f"tradeledger.disclose.{self.token}.{_org(owner)}"

    def control(self, organization: str) -> str:
        return f"tradeledger.node.{self.token}.{_org(organization)}"

    def private(self, organization: str) -> str:
        return f"tradeledger.private.{self.token}.{_org(organization)}"

    def collection_signatures(self, organization: str) -> str:
        return f"tradeledger.private.{self.token}.{_org(organization)}.signed"
