"""The demo's registry steps: the importer admits a member key and revokes it, after which
the key is refused; replayed and backdated envelopes are kept as evidence and refused."""

from __future__ import annotations

from tradeledger.cli.demo_scenario import ENTRY_NUMBER, DemoRun
from tradeledger.crypto import KeyPair
from tradeledger.ledger.envelope import Envelope, sign_envelope
from tradeledger.runtime.clock import now_ms

HOUR_MS = 3_600_000


def registry_step(demo: DemoRun) -> Envelope:
    """Admit and revoke a clerk's key; the clerk's accepted envelope, for the replay step."""
    net, say = demo.net, demo.say
    say("\n[bold]10. The registry[/bold]: the importer admits a member key, then revokes it")
    clerk = KeyPair.generate()
    receipts = net.submit([net.sign("importer", "registry", "admit_member",
                                    {"organization": "importer", "member": "clerk", "key": clerk.did})])
    say(f"  admit_member clerk: valid={receipts[0].valid}")
    clerk_anchor = sign_envelope(clerk, network=net.genesis.network_id, contract="documents", action="anchor",
                                 args={"doc_type": "arrival_notice", "refs": {"entry": ENTRY_NUMBER}},
                                 commitments=["ab" * 32], created_ms=now_ms())
    say(f"  the clerk anchors a notice: valid={net.submit([clerk_anchor])[0].valid}")
    net.submit([net.sign("importer", "registry", "revoke_key", {"key": clerk.did, "reason": "left the company"})])
    late = sign_envelope(clerk, network=net.genesis.network_id, contract="documents", action="anchor",
                         args={"doc_type": "arrival_notice", "refs": {}}, commitments=["cd" * 32],
                         created_ms=now_ms())
    refused = net.submit([late])[0]
    say(f"  after revocation the clerk's key is refused: valid={refused.valid}: {refused.reason}")
    return clerk_anchor


def replay_step(demo: DemoRun, accepted: Envelope) -> None:
    net, say = demo.net, demo.say
    say("\n[bold]11. Replayed and backdated envelopes are kept as evidence and refused[/bold]")
    replay = net.submit([accepted])[0]
    say(f"  replay: valid={replay.valid}: {replay.reason}")
    old = net.sign("exporter", "documents", "anchor", {"doc_type": "certificate_of_origin", "refs": {}},
                   ["ef" * 32], created_ms=now_ms() - HOUR_MS)
    backdated = net.submit([old])[0]
    say(f"  backdated by an hour: valid={backdated.valid}: {backdated.reason}")
