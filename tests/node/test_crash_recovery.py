"""A node killed with SIGKILL at any moment loses no acknowledged envelope and restarts to
identical roots (DESIGN.md decisions 6-9).

One network is created; then, round after round, a worker subprocess (crash_worker.py)
puts it under load and is SIGKILLed at a random moment. After every kill the test reopens
the network, syncs it, and checks that:

* every envelope the worker had been told was ordered/committed/final is in the log of
  every peer, valid, at the stream position (and leaf index and block) it was told;
* all peers agree on head height, stream position, log size, log root, state digest and
  header hash, and have consumed the whole stream;
* the latest block's checkpoint is final at every peer, nothing is left non-final, and no
  fork was recorded.

At the end the Merkle root is recomputed from every stored leaf, the header chain is
walked, and the peers' state tables are compared row by row.

Only the kill moments are random (seeded); every assertion holds whatever the timing.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tradeledger import merkle
from tradeledger.crypto import sha256_hex
from tradeledger.node import EmbeddedNetwork, NetworkError, create_network

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

WORKER = Path(__file__).with_name("crash_worker.py")
ROUNDS = 25
SEED = 20_240_917
# Every STARTUP_KILL_EVERY-th round kills at a random moment from process start, so some
# kills land while the worker imports or opens (and, in round 0, initializes) the stores.
# The other rounds wait until the worker has opened the network, so the kill lands under load.
STARTUP_KILL_EVERY = 6
READY_TIMEOUT_S = 30.0
LEVEL = {"ordered": 0, "committed": 1, "final": 2}


# --- helpers ----------------------------------------------------------------------------
def read_acks(path: Path) -> list[dict]:
    """The complete lines of the ack file. A trailing fragment without its newline would be
    a write cut by the kill: the worker had not finished recording it, so it is no ack."""
    if not path.exists():
        return []
    data = path.read_bytes()
    complete, _, _fragment = data.rpartition(b"\n")
    return [json.loads(line) for line in complete.split(b"\n") if line]


def wait_ready(proc: subprocess.Popen, timeout: float) -> bool:
    """True once the worker printed "ready"; False if it exited first."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"worker {proc.pid} not ready after {timeout} s")
        readable, _, _ = select.select([proc.stdout], [], [], remaining)
        if readable:
            line = proc.stdout.readline()
            if line.strip() == b"ready":
                return True
            if line == b"":  # EOF: the worker died
                return False


def head_tuple(head) -> tuple:
    return (head.height, head.next_position, head.log_size, head.log_root.hex(), head.state_digest.hex(),
            head.header_hash.hex())


def check_recovered(directory: Path, acks: list[dict], where: str) -> tuple:
    """Reopen the network after a kill and check every recovery property; return the head."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        names = list(network.peers)
        heads = {}
        for name, peer in network.peers.items():
            stored = peer.store.head()
            assert stored == peer.head, f"{where}: {name}'s in-memory head differs from its store"
            heads[name] = head_tuple(stored)
        reference = heads[names[0]]
        assert all(h == reference for h in heads.values()), (
            f"{where}: peers disagree on (height, next_position, log_size, log_root, state_digest, "
            f"header_hash): {json.dumps(heads, indent=1)}"
        )
        height, next_position, log_size = reference[:3]
        # The whole stream is consumed: past the heads there is at most a cut with nothing
        # pending, which closes no block and so does not move a head (decision 6).
        rest = network.orderer.read(next_position)
        assert all(item.kind == "cut" for item in rest), (
            f"{where}: peers stopped at position {next_position}, stream ends at {network.orderer.last_position()} "
            f"with {sum(item.kind == 'envelope' for item in rest)} envelopes not in any block"
        )

        bodies = set()
        for name, peer in network.peers.items():
            store = peer.store
            assert store.forks() == [], f"{where}: {name} recorded a fork: {store.forks()}"
            assert store.non_final_heights() == [], (
                f"{where}: {name} has non-final checkpoints at heights {store.non_final_heights()}"
            )
            if height:
                checkpoint = store.checkpoint(height)
                assert checkpoint is not None and checkpoint.final, (
                    f"{where}: {name}'s checkpoint of the latest block {height} is not final"
                )
                assert checkpoint.size == log_size
                bodies.add(checkpoint.body)
            # the log holds exactly leaves 0 .. log_size-1 (the full gap check is at the end)
            if log_size:
                assert store.tx_by_index(log_size - 1) is not None, f"{where}: {name} lacks leaf {log_size - 1}"
            assert store.tx_by_index(log_size) is None, f"{where}: {name} has a leaf past its log size {log_size}"
        assert len(bodies) <= 1, f"{where}: peers signed different checkpoint bodies for block {height}"

        for ack in acks:
            for name, peer in network.peers.items():
                record = peer.store.tx_by_id(ack["txid"])
                assert record is not None, (
                    f"{where}: envelope {ack['txid']} acknowledged as {ack['status']} (wait={ack['wait']}) "
                    f"is missing from {name}'s log"
                )
                assert record.valid, f"{where}: acknowledged {ack['txid']} is invalid at {name}: {record.reason}"
                assert record.position == ack["position"], (
                    f"{where}: {ack['txid']} acknowledged at stream position {ack['position']}, "
                    f"{name} has it at {record.position}"
                )
                if ack["status"] in ("committed", "final"):
                    assert (record.leaf_index, record.height, record.valid) == (
                        ack["leaf_index"], ack["height"], ack["valid"]
                    ), f"{where}: {ack['txid']} was acknowledged in another place than {name} now holds it"
        return reference


def check_from_scratch(directory: Path, where: str) -> int:
    """Recompute the log roots from the stored leaves and walk the header chains."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        states = {}
        for name, peer in network.peers.items():
            store, head = peer.store, peer.store.head()
            txs = list(store.txs())
            assert [t.leaf_index for t in txs] == list(range(head.log_size)), f"{where}: {name}'s leaves have gaps"
            assert all(sha256_hex(t.leaf) == t.txid for t in txs), f"{where}: {name} stores a leaf under a wrong txid"
            invalid = [(t.leaf_index, t.reason) for t in txs if not t.valid]
            assert not invalid, f"{where}: every worker envelope is fresh, yet {name} flags {invalid[:5]}"
            hashes = [merkle.leaf_hash(t.leaf) for t in txs]
            assert merkle.root_hash(hashes) == head.log_root, (
                f"{where}: {name}'s head root differs from the root recomputed from its {len(txs)} leaves"
            )

            headers = list(store.headers())
            assert [h.height for h in headers] == list(range(1, head.height + 1))
            previous, first_leaf = bytes(32), 0
            for header in headers:
                assert header.previous_hash == previous, f"{where}: {name}'s chain breaks at block {header.height}"
                assert header.first_leaf == first_leaf and header.log_size == first_leaf + header.leaf_count
                assert header.validity == "1" * header.leaf_count
                assert all(t.height == header.height for t in txs[first_leaf:header.log_size])
                previous, first_leaf = header.hash, header.log_size
            assert previous == head.header_hash and first_leaf == head.log_size
            states[name] = list(store.state_rows())

        # Every block's root, recomputed from its prefix of leaves (one peer suffices: the
        # chains above end in the same header hash at every peer, so the headers are equal).
        reader = network.ledger("customs")
        hashes = [merkle.leaf_hash(t.leaf) for t in reader.txs()]
        for header in reader.headers():
            assert merkle.root_hash(hashes[:header.log_size]) == header.log_root, (
                f"{where}: block {header.height}'s log root differs from its recomputed root"
            )

        reference = next(iter(states.values()))
        assert all(rows == reference for rows in states.values()), f"{where}: peers' state tables differ"
        anchored = sum(1 for ns, key, _ in reference if ns == "documents" and key.startswith("document/"))
        assert anchored == len(hashes), f"{where}: {len(hashes)} valid anchors but {anchored} anchored documents"
        return len(hashes)


def start_worker(directory: Path, ack_file: Path, seed: int, stderr_path: Path) -> subprocess.Popen:
    with open(stderr_path, "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, str(WORKER), str(directory), str(ack_file), str(seed)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
            start_new_session=True,  # its own process group: a kill takes any helper it spawned too
        )


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and whatever it started (its process group has the worker's pid)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- the test ---------------------------------------------------------------------------
def test_sigkill_under_load_loses_no_acknowledged_envelope(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    # A small block limit, so blocks also close mid-stream by size, not only at cuts.
    create_network(directory, max_block_transactions=8)
    ack_file = tmp_path / "acks.jsonl"
    rng = random.Random(SEED)
    started = time.monotonic()
    per_round: list[int] = []
    lock_checked = 0
    head = None

    for round_number in range(ROUNDS):
        stderr_path = tmp_path / f"worker-{round_number}.err"
        before = len(read_acks(ack_file))
        proc = start_worker(directory, ack_file, SEED + round_number, stderr_path)
        try:
            if round_number % STARTUP_KILL_EVERY == 0:
                time.sleep(rng.uniform(0.0, 0.5))
            else:
                ready = wait_ready(proc, READY_TIMEOUT_S)
                assert ready, f"round {round_number}: worker died before ready:\n{stderr_path.read_text()}"
                if lock_checked < 3:  # the worker holds the folder: nobody else may open it
                    with pytest.raises(NetworkError, match="another tradeledger process"):
                        EmbeddedNetwork(directory)
                    lock_checked += 1
                time.sleep(rng.uniform(0.05, 0.6))
            assert proc.poll() is None, (
                f"round {round_number}: worker exited by itself (rc {proc.returncode}) before the kill:\n"
                f"{stderr_path.read_text()}"
            )
            kill_group(proc)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            kill_group(proc)
            if proc.poll() is None:
                proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()

        acks = read_acks(ack_file)
        per_round.append(len(acks) - before)
        where = (f"after kill {round_number + 1} of {ROUNDS} ({len(acks)} acknowledged envelopes so far, "
                 f"{per_round[-1]} in this round)")
        for ack in acks:
            assert LEVEL[ack["status"]] >= LEVEL[ack["wait"]], f"{where}: {ack} reached less than it waited for"
        new_head = check_recovered(directory, acks, where)
        if head is not None:  # the ledger only grows
            assert new_head[0] >= head[0] and new_head[2] >= head[2], f"{where}: the head went back"
        head = new_head

    acks = read_acks(ack_file)
    levels = Counter(a["status"] for a in acks)
    summary = (f"{ROUNDS} rounds, {len(acks)} acknowledged envelopes ({dict(levels)}), "
               f"per round {per_round}, {time.monotonic() - started:.1f} s")
    assert acks, f"no kill landed under load: {summary}"
    log_size = check_from_scratch(directory, f"at the end: {summary}")
    assert log_size >= len(acks), f"log of {log_size} leaves < acknowledged envelopes: {summary}"
    print(f"crash recovery: {summary}, final log size {log_size}, head height {head[0]}")
