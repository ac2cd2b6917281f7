"""The registry contract: organizations, members and their keys.

Each change is one signed transaction authorized by the genesis rules:
- an administrator key of an organization whose role is in the genesis `admin_roles`
  (customs by default) admits organizations;
- an organization's administrator keys admit its members;
- a key rotates itself, or its organization's administrator rotates it;
- an organization's administrator, or a network administrator, revokes a key.
A rotated or revoked key signs nothing from the block that records it on; what it signed
before stays valid, because history is not rewritten.

It keeps the records of tradeledger.ledger.authority (OrganizationRecord, KeyRecord,
MemberRecord under org/<name>, key/<did>, member/<org>/<member>) and reads them through
tradeledger.identity.registry.
"""

from __future__ import annotations

import re

from pydantic import field_validator

from tradeledger.crypto import DidKeyError, public_key_from_did_key
from tradeledger.identity.registry import key_record, member_record, organization_record
from tradeledger.ledger.authority import (
    DEFAULT_ADMIN_ROLES,
    REGISTRY,
    KeyRecord,
    MemberRecord,
    admin_roles,
    key_key,
    member_key,
    organization_admission,
)
from tradeledger.ledger.contract import Args, Contract, Refused, TxContext
from tradeledger.ledger.genesis import ORG_NAME, ROLES

contract = Contract(REGISTRY, "organizations, members and keys")
MEMBER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def _did(value: str) -> str:
    try:
        public_key_from_did_key(value)
    except DidKeyError as exc:
        raise ValueError(str(exc)) from None
    if "#" in value:
        raise ValueError("give the did:key itself, without a fragment")
    return value


class AdmitOrganization(Args):
    name: str
    role: str
    display_name: str
    admin_key: str
    log_key: str
    witness_key: str

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not ORG_NAME.match(v):
            raise ValueError("use lowercase letters, digits and '-'")
        return v

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        if v not in ROLES:
            raise ValueError(f"unknown role; roles: {', '.join(sorted(ROLES))}")
        return v

    _admin = field_validator("admin_key")(classmethod(lambda cls, v: _did(v)))


class AdmitMember(Args):
    organization: str
    member: str
    key: str
    admin: bool = False

    @field_validator("member")
    @classmethod
    def _member(cls, v: str) -> str:
        if not MEMBER_NAME.match(v):
            raise ValueError("member names are lowercase letters, digits, '.', '_' and '-'")
        return v

    _key = field_validator("key")(classmethod(lambda cls, v: _did(v)))


class RotateKey(Args):
    old_key: str
    new_key: str

    _keys = field_validator("old_key", "new_key")(classmethod(lambda cls, v: _did(v)))


class RevokeKey(Args):
    key: str
    reason: str

    _key = field_validator("key")(classmethod(lambda cls, v: _did(v)))


def _network_admin(ctx: TxContext) -> bool:
    # An empty list in genesis leaves customs in charge rather than nobody.
    roles = admin_roles(ctx.state.reader).roles or DEFAULT_ADMIN_ROLES
    return ctx.signer.admin and ctx.signer.role in roles


def _active_key(ctx: TxContext, did: str) -> KeyRecord:
    record = key_record(ctx.state.reader, did)
    if record is None:
        raise Refused(f"key {did} is not registered")
    if not record.active:
        raise Refused(f"key {did} is already {record.status}")
    return record


def _require_unused(ctx: TxContext, did: str) -> None:
    if key_record(ctx.state.reader, did) is not None:
        raise Refused(f"key {did} is already registered; every key belongs to one member")


def _put(ctx: TxContext, key: str, record: KeyRecord | MemberRecord) -> None:
    ctx.state.put(key, record.to_dict())


@contract.action("admit_organization", AdmitOrganization)
def admit_organization(ctx: TxContext, args: AdmitOrganization) -> None:
    ctx.require(_network_admin(ctx),
                "only a network administrator (an admin key of an admin role) admits organizations")
    ctx.require(organization_record(ctx.state.reader, args.name) is None, f"organization {args.name} already exists")
    _require_unused(ctx, args.admin_key)
    admission = organization_admission(args.name, args.role, args.display_name, args.admin_key, ctx.block_time_ms,
                                       args.log_key, args.witness_key)
    for (_namespace, key), value in admission.items():
        ctx.state.put(key, value)
    ctx.emit("organization_admitted", name=args.name, role=args.role, by=ctx.signer.organization)


@contract.action("admit_member", AdmitMember)
def admit_member(ctx: TxContext, args: AdmitMember) -> None:
    ctx.require(organization_record(ctx.state.reader, args.organization) is not None,
                f"unknown organization {args.organization}")
    ctx.require(
        ctx.signer.admin and ctx.signer.organization == args.organization,
        f"only an administrator of {args.organization} admits its members",
    )
    ctx.require(member_record(ctx.state.reader, args.organization, args.member) is None,
                f"member {args.member} of {args.organization} already exists; rotate its key instead")
    _require_unused(ctx, args.key)
    _put(ctx, key_key(args.key), KeyRecord.registered(args.key, args.organization, args.member, args.admin,
                                                      ctx.block_time_ms))
    _put(ctx, member_key(args.organization, args.member),
         MemberRecord(args.organization, args.member, args.key, args.admin))
    ctx.emit("member_admitted", organization=args.organization, member=args.member, key=args.key)


@contract.action("rotate_key", RotateKey)
def rotate_key(ctx: TxContext, args: RotateKey) -> None:
    old = _active_key(ctx, args.old_key)
    own_key = ctx.signer.key == args.old_key
    org_admin = ctx.signer.admin and ctx.signer.organization == old.organization
    ctx.require(own_key or org_admin, f"only the key itself or an administrator of {old.organization} rotates it")
    _require_unused(ctx, args.new_key)
    _put(ctx, key_key(args.old_key), old.rotated(ctx.block_time_ms, args.new_key))
    _put(ctx, key_key(args.new_key), KeyRecord.registered(args.new_key, old.organization, old.member, old.admin,
                                                          ctx.block_time_ms, replaces=args.old_key))
    _put(ctx, member_key(old.organization, old.member), MemberRecord(old.organization, old.member, args.new_key,
                                                                     old.admin))
    ctx.emit("key_rotated", organization=old.organization, member=old.member,
             old_key=args.old_key, new_key=args.new_key)


@contract.action("revoke_key", RevokeKey)
def revoke_key(ctx: TxContext, args: RevokeKey) -> None:
    record = _active_key(ctx, args.key)
    org_admin = ctx.signer.admin and ctx.signer.organization == record.organization
    ctx.require(org_admin or _network_admin(ctx),
                f"only an administrator of {record.organization} or a network administrator revokes its keys")
    ctx.require(bool(args.reason.strip()), "a revocation needs a reason")
    _put(ctx, key_key(args.key), record.revoked(ctx.block_time_ms, args.reason))
    ctx.emit("key_revoked", organization=record.organization, member=record.member, key=args.key,
             reason=args.reason, by=ctx.signer.organization)
