"""The per-block tree a member signs over its collections' digests (decision 15)."""

from __future__ import annotations

from tradeledger import merkle
from tradeledger.ledger.checkpoints import collection_leaf, collection_row_statement, collection_tree

ORIGIN = "tradeledger.local/test"
DIGESTS = {f"notes:n{i}": f"{i:02x}" * 32 for i in range(5)}


def test_every_row_of_a_tree_leads_to_the_one_signed_statement():
    tree = collection_tree(ORIGIN, 7, DIGESTS)
    assert tree.size == 5 and sorted(i for i, _proof in tree.proofs.values()) == [0, 1, 2, 3, 4]
    for name, digest in DIGESTS.items():
        index, proof = tree.proofs[name]
        assert collection_row_statement(ORIGIN, 7, name, digest, index, tree.size, proof) == tree.statement
    assert "/collections\n5\n" in tree.statement and "tradeledger-collection 7" in tree.statement


def test_a_row_over_another_digest_height_or_index_leads_elsewhere():
    tree = collection_tree(ORIGIN, 7, DIGESTS)
    index, proof = tree.proofs["notes:n2"]
    assert collection_row_statement(ORIGIN, 7, "notes:n2", "ff" * 32, index, 5, proof) != tree.statement
    assert collection_row_statement(ORIGIN, 8, "notes:n2", DIGESTS["notes:n2"], index, 5, proof) != tree.statement
    assert collection_row_statement(ORIGIN, 7, "notes:n2", DIGESTS["notes:n2"], (index + 1) % 5, 5, proof
                                    ) != tree.statement


def test_a_malformed_proof_gives_no_statement():
    tree = collection_tree(ORIGIN, 7, DIGESTS)
    index, proof = tree.proofs["notes:n0"]
    for bad in (proof[:-2], proof + "00" * 32, "zz" * 32, ""):
        assert collection_row_statement(ORIGIN, 7, "notes:n0", DIGESTS["notes:n0"], index, 5, bad) is None
    assert collection_row_statement(ORIGIN, 7, "notes:n0", DIGESTS["notes:n0"], 5, 5, proof) is None
    assert collection_row_statement(ORIGIN, 7, "notes:n0", "not hex", index, 5, proof) is None


def test_a_proof_names_no_other_collection_nor_its_digest():
    tree = collection_tree(ORIGIN, 7, DIGESTS)
    _index, proof = tree.proofs["notes:n0"]
    for name, digest in DIGESTS.items():
        if name != "notes:n0":
            assert name.encode().hex() not in proof and digest not in proof


def test_all_inclusion_proofs_and_inclusion_root_agree_with_the_tree_root():
    for size in range(1, 12):
        leaves = [collection_leaf(f"c:{i}", f"{i:02x}" * 32) for i in range(size)]
        root = merkle.root_hash(leaves)
        all_root, proofs = merkle.all_inclusion_proofs(leaves)
        assert all_root == root
        for index in range(size):
            proof = merkle.inclusion_proof(index, leaves)
            assert proofs[index] == proof
            assert merkle.inclusion_root(index, size, leaves[index], proof) == root
        assert merkle.inclusion_root(size, size, leaves[0], []) is None
