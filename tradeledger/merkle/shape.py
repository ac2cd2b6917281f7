"""Which subtrees make up a proof: the integer half of RFC 9162 §2.1.

Proof generation is split in two: this module decides *which* nodes of the
tree a proof is made of (as half-open leaf ranges ``[start, end)``), and the
in-memory and tiled back ends decide how to hash such a range. Keeping the
tree geometry in one place means both back ends agree by construction, and the
geometry is checked once against the recursive definitions in the RFC.

Every range produced here is a node of the RFC 9162 tree of the given size:
either a perfect subtree (power-of-two width, aligned to its width) or a
node on the right edge of the tree (it ends at the tree size).
"""

from __future__ import annotations

Range = tuple[int, int]
"""A node of the tree as the half-open range of leaf indices it covers."""

Piece = tuple[int, int]
"""A perfect subtree as (first leaf index, height); it covers 2**height leaves."""


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than *n* (n >= 2): the "k" of §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_nodes(index: int, size: int) -> list[Range]:
    """The nodes whose hashes form PATH(index, D[size]), leaf side first (RFC 9162 §2.1.3.1).

    The recursion of §2.1.3.1 descends from the root; at each step the node
    not containing *index* is the sibling the verifier needs. Collected top
    down, then reversed because the proof lists the deepest sibling first.
    Requires 0 <= index < size.
    """
    lo, hi = 0, size
    nodes: list[Range] = []
    while hi - lo > 1:
        mid = lo + split_point(hi - lo)
        if index < mid:
            nodes.append((mid, hi))
            hi = mid
        else:
            nodes.append((lo, mid))
            lo = mid
    nodes.reverse()
    return nodes


def consistency_nodes(size1: int, size2: int) -> list[Range]:
    """The nodes whose hashes form PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1).

    Follows SUBPROOF(m, D[n], b): descend toward the boundary *size1*; each
    step emits the subtree the boundary does not fall into. The descent stops
    at the node that ends exactly at *size1*; that node itself is emitted
    unless it is the whole old tree (b still true), because the verifier
    already knows the old root. Requires 0 < size1 < size2.
    """
    lo, hi = 0, size2
    whole_old_tree = True  # the "b" flag of SUBPROOF
    nodes: list[Range] = []
    while hi != size1:
        mid = lo + split_point(hi - lo)
        if size1 <= mid:
            nodes.append((mid, hi))
            hi = mid
        else:
            nodes.append((lo, mid))
            lo = mid
            whole_old_tree = False
    if not whole_old_tree:
        nodes.append((lo, hi))
    nodes.reverse()
    return nodes


def perfect_pieces(start: int, end: int) -> list[Piece]:
    """Split the node ``[start, end)`` into perfect subtrees, largest (leftmost) first.

    By §2.1.1 the hash of any node is the right fold
    node_hash(P1, node_hash(P2, ... Pk)) of these pieces, one per set bit of
    the node's width. For the nodes produced by this module every piece is
    aligned to its own width, which is what lets the tiled back end find each
    piece as a run of entries inside a single tile.
    """
    pieces: list[Piece] = []
    width = end - start
    for height in range(width.bit_length() - 1, -1, -1):
        if width >> height & 1:
            pieces.append((start, height))
            start += 1 << height
    return pieces
