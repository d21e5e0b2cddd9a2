"""Market paths for `parity fuzz`: a small recipe (start levels and a list of moves) expanded into update
prices, deterministically and without Hypothesis (the strategies in parity.fuzz.strategies draw recipes).

A path is built in log10 space, one row per update block (row 0 initialises): every asset starts at its
level, follows a seeded random walk of `volatility` decades per block (0: none), and each move changes the
per-block increments of one asset (or all) over a run of blocks:

    trend      a steady drift of `size` decades spread over the run
    jump       a single move of `size` decades at the run's first block (negative: a crash)
    oscillate  +size, −size, +size, … every block: the price flips between two levels at the update frequency
    noise      a seeded random walk with steps of `size` decades
    flat       no move at all over the run (a long flat run; it overrides earlier moves of those blocks)
    peg        the price jumps to exactly 1 and stays there over the run (a stablecoin peg)

The result is clipped to what the chain can hold (1 wei to parity.chain_limits.MAX_PRICE), so recipes that
drift out of range give prices pinned at 1 wei or at the ceiling, and every price is rounded to a whole
number of wei (the value both sides then see). Fewer moves and smaller sizes mean fewer distinct prices:
the shrinker reaches a minimal market by deleting moves and zeroing sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.chain_limits import MAX_PRICE

KINDS = ("trend", "jump", "oscillate", "noise", "flat", "peg")
LOG_MIN = -18.0  # 1 wei
LOG_MAX = float(np.log10(MAX_PRICE))


@dataclass(frozen=True)
class Move:
    """One move of a path recipe: `kind` on asset `asset` (modulo n; −1: every asset) over the blocks
    start+1..start+length (clipped to the path)."""

    kind: str
    start: int
    length: int
    asset: int
    size: float  # decades (log10 units)
    seed: int = 0

    def to_json(self) -> dict:
        return {"kind": self.kind, "start": self.start, "length": self.length, "asset": self.asset,
                "size": self.size, "seed": self.seed}


@dataclass(frozen=True)
class PathRecipe:
    """Start levels (log10 price per asset), the moves, and the number of update blocks."""

    blocks: int
    levels: tuple
    moves: tuple = ()
    volatility: float = 0.0  # a seeded random walk on every asset, `volatility` decades per block (0: none)
    seed: int = 0

    @property
    def n(self) -> int:
        return len(self.levels)

    def to_json(self) -> dict:
        return {"blocks": self.blocks, "levels": list(self.levels), "moves": [m.to_json() for m in self.moves],
                "volatility": self.volatility, "seed": self.seed}


def _increments(recipe: PathRecipe) -> np.ndarray:
    """(blocks, n) per-block log10 increments; row t moves update row t to t+1."""
    T, n = recipe.blocks, recipe.n
    d = np.zeros((T, n))
    if recipe.volatility:
        d += recipe.volatility * np.random.default_rng([recipe.seed, n]).standard_normal((T, n))
    for m in recipe.moves:
        lo = min(max(m.start, 0), T)
        hi = min(lo + max(m.length, 1), T)
        cols = _columns(m.asset, n)
        if lo >= hi:
            continue
        for c in cols:
            d[lo:hi, c] = _move(m, d[lo:hi, c], hi - lo, c)
    return d


def _columns(asset: int, n: int) -> list[int]:
    return list(range(n)) if asset < 0 else [asset % n]


def _move(m: Move, current: np.ndarray, length: int, column: int) -> np.ndarray:
    """The increments of one column over a move's run."""
    if m.kind == "trend":
        return current + m.size / length
    if m.kind == "jump":
        out = current.copy()
        out[0] += m.size
        return out
    if m.kind == "oscillate":
        return current + m.size * np.where(np.arange(length) % 2 == 0, 1.0, -1.0)
    if m.kind == "noise":
        rng = np.random.default_rng([m.seed, column])
        return current + m.size * rng.standard_normal(length)
    if m.kind in ("flat", "peg"):
        return np.zeros(length)
    raise ValueError(f"move kind {m.kind!r}: must be one of {', '.join(KINDS)}")


def log_prices(recipe: PathRecipe) -> np.ndarray:
    """(blocks + 1, n) log10 prices before rounding to wei (clipped to [1 wei, MAX_PRICE])."""
    levels = np.asarray(recipe.levels, dtype=np.float64)
    logs = levels[None, :] + np.vstack([np.zeros((1, recipe.n)), np.cumsum(_increments(recipe), axis=0)])
    for m in recipe.moves:  # a peg holds exactly 1 over its run (its increments are already 0 there)
        if m.kind == "peg":
            lo = min(max(m.start, 0), recipe.blocks)
            hi = min(lo + max(m.length, 1), recipe.blocks)
            logs[lo + 1 : hi + 1, _columns(m.asset, recipe.n)] = 0.0
    return np.clip(logs, LOG_MIN, LOG_MAX)


def expand(recipe: PathRecipe) -> np.ndarray:
    """(blocks + 1, n) update prices: every value a whole number of wei in [1 wei, MAX_PRICE]."""
    prices = np.power(10.0, log_prices(recipe))
    wei = np.clip(np.round(prices * 1e18), 1.0, np.floor(MAX_PRICE * 1e18))
    return np.array([[int(w) / 10**18 for w in row] for row in wei.tolist()], dtype=np.float64)


def distinct_prices(prices: np.ndarray) -> int:
    """How many distinct values the path holds (what shrinking minimises after blocks and assets)."""
    return int(np.unique(np.asarray(prices)).size)


def variant(recipe: PathRecipe, j: int) -> PathRecipe:
    """The j-th seeded variant of a recipe (j = 0: the recipe itself): the same structure (blocks, moves and
    their kinds) with start levels moved by up to half a decade, the background walk and every move's size
    scaled by up to 10^±0.5, shifted by up to two blocks, and new noise seeds. Each element's perturbation
    depends on j and its own position only, so shrinking the recipe (fewer blocks, assets or moves) leaves
    the perturbation of what remains unchanged."""
    if j == 0:
        return recipe

    def rng(*where):
        return np.random.default_rng([j, *where])

    levels = tuple(float(np.clip(x + rng(1, i).uniform(-0.5, 0.5), LOG_MIN, LOG_MAX)) for i, x in enumerate(recipe.levels))
    moves = []
    for i, m in enumerate(recipe.moves):
        r = rng(2, i)
        moves.append(Move(m.kind, max(m.start + int(r.integers(-2, 3)), 0), m.length, m.asset,
                          m.size * 10.0 ** r.uniform(-0.5, 0.5), m.seed + j))
    vol = recipe.volatility * 10.0 ** rng(3).uniform(-0.5, 0.5)
    return PathRecipe(recipe.blocks, levels, tuple(moves), vol, recipe.seed + 7919 * j)
