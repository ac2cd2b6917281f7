"""Load generator for the crash-recovery test: run until SIGKILLed.

    python crash_worker.py NETWORK_DIR ACK_FILE [SEED]

Opens the embedded network in NETWORK_DIR, prints "ready" on stdout, then loops forever:
signs a few `documents.anchor` envelopes over random documents from a rotating
organization, submits them with a wait level that varies ("ordered", "committed",
"final"), and, only after `submit` has returned, appends one JSON line per acknowledged
envelope to ACK_FILE and fsyncs it. A line in ACK_FILE therefore means "the ledger
acknowledged this envelope before the process died"; the parent checks that none of them
is lost after the kill.

Every envelope is fresh (random nonce, random document), so every one of them, acknowledged
or not, must end up valid in the log.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tradeledger.node import EmbeddedNetwork  # noqa: E402

try:  # DESIGN.md decision 10: commitments are made by the vault's helper
    from tradeledger.vault import commit_document  # noqa: E402
except ImportError:  # pragma: no cover - the helper's home moved
    from tradeledger.crypto import commit_document  # noqa: E402

DOC_TYPES = ("commercial_invoice", "packing_list", "bill_of_lading", "certificate_of_origin", "mill_test_report")
# Weighted toward "ordered": those acks leave envelopes in the stream that no peer has
# executed when the kill lands; committed/final acks exercise block commits and cosigning.
WAIT_CHOICES = ("ordered", "ordered", "committed", "final")


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    directory, ack_path = Path(argv[1]), Path(argv[2])
    seed = int(argv[3]) if len(argv) == 4 else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    network = EmbeddedNetwork(directory)
    organizations = sorted(network.keys)
    # O_APPEND: every write lands at the end even if an earlier worker left the file longer.
    fd = os.open(ack_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    print("ready", flush=True)
    counter = 0
    batch_number = 0
    while True:
        organization = organizations[batch_number % len(organizations)]
        wait = rng.choice(WAIT_CHOICES)
        envelopes = []
        for _ in range(rng.randint(1, 4)):
            counter += 1
            commitment, _salt, _digest = commit_document(os.urandom(rng.randint(16, 256)))
            envelopes.append(network.sign(
                organization, "documents", "anchor",
                {"doc_type": rng.choice(DOC_TYPES), "refs": {"entry": f"W{seed}-{counter}"}},
                [commitment],
            ))
        receipts = network.submit(envelopes, wait=wait)
        # Acknowledged: record it durably before doing anything else. One write per batch.
        lines = "".join(
            json.dumps({
                "txid": r.txid, "wait": wait, "status": r.status, "position": r.position,
                "leaf_index": r.leaf_index, "height": r.height, "valid": r.valid, "reason": r.reason,
                "organization": organization, "seed": seed, "batch": batch_number,
            }, sort_keys=True) + "\n"
            for r in receipts
        ).encode()
        written = os.write(fd, lines)
        if written != len(lines):  # regular files do not short-write; refuse to go on if one did
            raise OSError(f"short write to {ack_path}: {written} of {len(lines)} bytes")
        os.fsync(fd)
        batch_number += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
