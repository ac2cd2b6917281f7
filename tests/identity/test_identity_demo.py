"""The demo's identity step on a demo network: the importer-of-record credential is
verified and trusted before the entry is filed, then suspended, and the past keeps its answer."""

from tradeledger.cli.demo_identity import identity_demo_step
from tradeledger.node import EmbeddedNetwork, create_network


def test_the_identity_step_checks_the_credential_before_the_entry_then_suspends_it(tmp_path):
    create_network(tmp_path / "network", name="demo")
    lines, filed = [], []
    with EmbeddedNetwork(tmp_path / "network") as net:
        outcome = identity_demo_step(net, lines.append, tmp_path, file_entry=lambda: filed.append(1) or "entry X")
    assert outcome["before"]["verified"] and outcome["before"]["trusted"]
    assert filed == [1] and outcome["filed"] == "entry X"
    assert [e["code"] for e in outcome["after"]["errors"]] == ["SUSPENDED"] and outcome["after"]["trusted"]
    assert outcome["earlier"]["verified"]
    text = "\n".join(lines)
    assert "verified, trusted" in text and "NOT verified, trusted (SUSPENDED" in text
    assert "the importer files its entry: entry X" in text
    assert (tmp_path / "importer-of-record.vc.json").exists() and "tradeledger vc verify" in text
    assert outcome["credential"]["credentialSubject"]["id"].endswith(":orgs:importer")
