"""The demo's origin step (issue 6, item 6): both USMCA scenarios on the demo network, told
readably: the motor is eligible, the pump denied for its regional value content, and the
determinations are held by the verification's parties (the importer, the exporter and the
agency), never the broker."""

from __future__ import annotations

import io

from rich.console import Console

from tradeledger.cli.demo_origin import origin_demo_step
from tradeledger.contracts import origin
from tradeledger.node import EmbeddedNetwork, create_network


def test_the_origin_step_runs_both_scenarios_and_says_what_happened(tmp_path):
    create_network(tmp_path / "net")
    out = io.StringIO()
    console = Console(file=out, width=400, no_color=True, emoji=False, highlight=False)
    with EmbeddedNetwork(tmp_path / "net") as net:
        origin_demo_step(net, console.print)
        determined = [v.to_dict() for v in origin.all_verifications(net.state("customs"))]
        outside = [origin.find_case(net.state("broker"), v["id"]) for v in determined]
        inside = [origin.find_case(net.state("agency"), v["id"]) for v in determined]
    text = out.getvalue()
    assert "a. An electric motor from Mexico" in text and "b. A pump from Mexico" in text
    assert text.count("the ledger judges the claim against the certification's terms: supported") == 2
    assert "runs the origin engine: eligible" in text and "runs the origin engine: denied" in text
    assert "65.00%, not less than the required 60%: met" in text
    assert "47.06%, less than the required 50%: not met" in text
    assert text.count("importer reads it; exporter reads it; agency reads it; broker holds none of it") == 2
    assert [(v["status"], v["parties"]) for v in determined] == [("determined", ["agency", "exporter"])] * 2
    assert outside == [None, None] and all(case is not None and case.determination for case in inside)
