"""A contract written for the tests of private collections (DESIGN.md decision 15): a
note kept private to the organizations its opener names. Its opener names the members; a
member edits it; the opener removes or invites members (an invitation to a collection with
private history is refused by the framework)."""

from tradeledger.ledger.contract import Args, Contract, PrivateContext, TxContext

notes = Contract("notes")
REFUSED_WORD = "forbidden"
REFUSAL = "that word is not allowed in a note"


class Open(Args):
    name: str
    members: list[str]


class Body(Args):
    text: str


class Named(Args):
    name: str


class Member(Args):
    name: str
    member: str


def _allowed(ctx: PrivateContext, body: Body) -> None:
    ctx.require(REFUSED_WORD not in body.text, REFUSAL)


@notes.action("open", Open)
def open_note(ctx: TxContext, args: Open) -> None:
    ctx.require(len(ctx.parts_named("body")) == 1, "a note needs its body")
    ctx.set_members(args.name, [ctx.signer.organization, *args.members])


@notes.private("open", "body", Body)
def note_body(ctx: PrivateContext, args: Open, body: Body) -> None:
    _allowed(ctx, body)
    ctx.state.put("text", body.text)


@notes.action("edit", Named)
def edit(ctx: TxContext, args: Named) -> None:
    ctx.require(ctx.collection(args.name) is not None, "no such note")


@notes.private("edit", "body", Body)
def edit_body(ctx: PrivateContext, args: Named, body: Body) -> None:
    _allowed(ctx, body)
    ctx.state.put("text", ctx.state.get("text") + " / " + body.text)


@notes.action("remove", Member)
def remove(ctx: TxContext, args: Member) -> None:
    record = ctx.collection(args.name)
    ctx.require(record is not None, "no such note")
    ctx.set_members(args.name, [m for m in record.members if m != args.member])


@notes.action("invite", Member)
def invite(ctx: TxContext, args: Member) -> None:
    record = ctx.collection(args.name)
    ctx.require(record is not None, "no such note")
    ctx.set_members(args.name, [*record.members, args.member])
