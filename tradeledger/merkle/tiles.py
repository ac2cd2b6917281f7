"""C2SP tlog-tiles layout: which tiles a tree of a given size has, and their paths.

Spec: https://c2sp.org/tlog-tiles ("Merkle Tree" and "Partial Tiles").
A tile is 256 consecutive hashes at one *level*. Level-0 tiles hold leaf
hashes; entry i of tile n at level l is the Merkle Tree Hash of the perfect
subtree of 256**l leaves starting at leaf (n * 256 + i) * 256**l. The
rightmost tile of a level is usually *partial* (1..255 hashes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from tradeledger.merkle.errors import MerkleError
from tradeledger.merkle.hashing import HASH_SIZE

TileKey = tuple[int, int]
"""(level, tile index within the level). A tile's value is the concatenation of its hashes."""

TILE_HEIGHT = 8
"""Each tile spans 8 levels of the binary tree..."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""...so a full tile holds 256 hashes."""

FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE
"""8192: the size of a full tile."""

MAX_LEVEL = 63
"""The spec's bound on <L> in tile paths."""


class LevelTiles(NamedTuple):
    """How one level of a tree is tiled: full tiles, then at most one partial one."""

    level: int
    full_tiles: int
    partial_width: int  # 0 when the level ends on a tile boundary


def tile_counts(size: int) -> list[LevelTiles]:
    """Per level, the full tiles and the partial tile width of a tree of *size* leaves.

    Level l has floor(size / 256**l) hashes (C2SP tlog-tiles "Partial
    Tiles"); levels with none are omitted, so the empty tree has no tiles.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise MerkleError(f"tree size must be a non-negative int, got {size!r}")
    counts = []
    level = 0
    while (entries := size >> (TILE_HEIGHT * level)) > 0:
        counts.append(LevelTiles(level, entries >> TILE_HEIGHT, entries & (TILE_WIDTH - 1)))
        level += 1
    return counts


def iter_tiles(size: int) -> Iterator[tuple[int, int, int]]:
    """Every tile of a tree of *size* leaves as (level, index, width), level by level."""
    for level, full, partial in tile_counts(size):
        for index in range(full):
            yield level, index, TILE_WIDTH
        if partial:
            yield level, full, partial


def tile_index_path(index: int) -> str:
    """Encode a tile index as zero-padded 3-digit path elements, e.g. 1234067 -> 'x001/x234/067'.

    All elements but the last carry an 'x' prefix so a directory never shares
    a name with a file (C2SP tlog-tiles "Merkle Tree").
    """
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise MerkleError(f"tile index must be a non-negative int, got {index!r}")
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def _width_suffix(width: int) -> str:
    if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= TILE_WIDTH:
        raise MerkleError(f"tile width must be 1..{TILE_WIDTH}, got {width!r}")
    # Full tiles have no suffix; partial ones say how many hashes they hold.
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The resource path of a hash tile, relative to the log prefix: 'tile/<L>/<N>[.p/<W>]'."""
    if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= MAX_LEVEL:
        raise MerkleError(f"tile level must be 0..{MAX_LEVEL}, got {level!r}")
    return f"tile/{level}/{tile_index_path(index)}{_width_suffix(width)}"


def entry_bundle_path(index: int, width: int = TILE_WIDTH) -> str:
    """The resource path of an entry bundle: 'tile/entries/<N>[.p/<W>]'."""
    return f"tile/entries/{tile_index_path(index)}{_width_suffix(width)}"
