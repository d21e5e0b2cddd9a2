"""Hypothesis strategies of `parity fuzz`: batches of examples (one Hypothesis test case = one batch).

A batch shares its settings (n, update interval, ε, guard rail, boolean parameters: what the batched engine
compiles in) and holds one to `size` examples. The batch is drawn as a first example followed by further
ones while a continue marker is non-zero, so the shrinker deletes an example by deleting its span (or by
zeroing a marker) and reaches a batch of one. Every draw shrinks toward the simplest market: one block,
two assets, start prices of 1, no moves, parameters at their defaults, updates on time, no stale oracle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hypothesis import strategies as st

from parity.fuzz.examples import Example, Settings
from parity.fuzz.paths import KINDS, LOG_MAX, Move, PathRecipe
from parity.fuzz.space import MAX_ASSETS, ParamSpace, Range

MAX_MOVES = 5
STALE_RATES = (0.25, 0.5, 1.0)  # pool level: the share of stale primary oracles when a scenario is drawn
MOVE_ORDER = ("jump", "trend", "oscillate", "flat", "noise", "peg")  # the shrinker prefers the first
assert set(MOVE_ORDER) == set(KINDS)


@lru_cache(maxsize=None)
def _ints(lo: int, hi: int):
    return st.integers(lo, hi)


@lru_cache(maxsize=None)
def _floats(lo: float, hi: float):
    return st.floats(lo, hi)


@dataclass(frozen=True)
class Shape:
    """How examples are drawn: level (rule or pool), blocks per example (min, max) and the batch size."""

    level: str = "rule"
    min_blocks: int = 1
    max_blocks: int = 50
    batch: int = 32  # examples the engine runs per test case: drawn examples × variants
    variants: int = 1  # seeded variants of every drawn market (parity.fuzz.paths.variant)

    @property
    def drawn(self) -> int:
        """Examples Hypothesis draws per test case."""
        return max(1, -(-self.batch // self.variants))


@dataclass
class Batch:
    settings: Settings
    examples: list


@st.composite
def range_value(draw, r: Range):
    """A value of `r`: its default (the simplest), uniform (log-uniform) over it, or within 10^-k of an edge."""
    if r.is_choice:
        return r.values[draw(_ints(0, len(r.values) - 1))]
    mode = draw(_ints(0, 3))
    if mode == 0 and (r.default is not None or r.lo == r.hi):
        return r.default if r.default is not None else r.lo
    u = draw(_floats(0.0, 1.0))
    if mode in (0, 1):
        if r.log:
            return float(min(max(r.lo * (r.hi / r.lo) ** u, r.lo), r.hi))
        return float(r.lo + (r.hi - r.lo) * u)
    k = draw(_ints(1, 12))
    d = (r.hi - r.lo) * 10.0 ** (-k) * (0.1 + 0.9 * u)
    return float(r.lo + d) if mode == 2 else float(r.hi - d)


@st.composite
def settings_strategy(draw, space: ParamSpace):
    n = draw(_ints(*space.n))
    chunk = space.chunk_period[draw(_ints(0, len(space.chunk_period) - 1))]
    eps = draw(range_value(space.epsilon_max)) if space.epsilon_max is not None else None
    g = None
    if space.guard_rail is not None:
        frac = draw(range_value(space.guard_rail))
        g = None if frac is None else float(frac) / n
    eps = None if eps is None else float(eps)
    statics = tuple((k, draw(range_value(r))) for k, r in sorted(space.statics.items()))
    return Settings(n, int(chunk), eps, g, statics)


@st.composite
def params_strategy(draw, space: ParamSpace, settings: Settings):
    params = dict(space.fixed)
    for key, r in space.ranges.items():
        params[key] = draw(range_value(r))
    params.update(dict(settings.statics))
    return params


@st.composite
def level_strategy(draw):
    """log10 of a start price: ordinary (around 1; three times in four), near 1 wei, or near the int128
    ceiling."""
    kind = draw(_ints(0, 7))
    if kind < 6:
        return draw(_floats(-3.0, 6.0))
    if kind == 6:
        return draw(_floats(-18.0, -12.0))
    return draw(_floats(15.0, LOG_MAX))


def pool_horizons(shape: Shape) -> tuple:
    """The example lengths drawn at pool level: 1, 2, 3, 5, 8, … (Fibonacci) up to the largest, and it."""
    out, a, b = [], 1, 2
    while a < shape.max_blocks:
        if a >= shape.min_blocks:
            out.append(a)
        a, b = b, a + b
    return tuple(out) + (shape.max_blocks,)


@st.composite
def move_strategy(draw, max_blocks: int):
    """A move; its bounds do not depend on the example's blocks or n (positions are clipped to the path and
    the asset taken modulo n when the path is built), so shrinking blocks or n keeps every later choice."""
    kind = MOVE_ORDER[draw(_ints(0, len(MOVE_ORDER) - 1))]
    start = draw(_ints(0, max_blocks - 1))
    length = draw(_ints(1, max_blocks))
    asset = draw(_ints(-1, MAX_ASSETS - 1))
    bound = 8.0 if kind == "jump" else 2.0
    size = draw(_floats(-bound, bound)) * 10.0 ** (-draw(_ints(0, 15)))
    seed = draw(_ints(0, 2**16)) if kind == "noise" else 0
    return Move(kind, start, length, asset, size, seed)


@st.composite
def path_strategy(draw, n: int, shape: Shape):
    """Blocks, start levels of all MAX_ASSETS assets (the first n are used), a background random walk and up
    to MAX_MOVES moves."""
    if shape.level == "pool":  # the pool level's vectorized cross-check compiles once per horizon: a few horizons
        sizes = pool_horizons(shape)
        blocks = sizes[draw(_ints(0, len(sizes) - 1))]
    else:
        blocks = draw(_ints(shape.min_blocks, shape.max_blocks))
    levels = tuple(draw(level_strategy()) for _ in range(MAX_ASSETS))[:n]
    volatility = draw(_floats(0.0, 0.2)) * 10.0 ** (-draw(_ints(0, 12)))
    seed = draw(_ints(0, 2**16)) if volatility else 0
    moves = []
    while len(moves) < MAX_MOVES and draw(_ints(0, 3)) != 0:
        moves.append(draw(move_strategy(shape.max_blocks)))
    return PathRecipe(blocks, levels, tuple(moves), volatility, seed)


@st.composite
def delays_strategy(draw, blocks: int, interval_s: int):
    """Pool level: per update, on time (0), late by less than the interval, or a gap (missed updates).
    `blocks` delays are drawn whatever the example's length (the first ones are used)."""
    out = []
    for _ in range(blocks):
        kind = draw(_ints(0, 3))
        if kind == 2:
            out.append(draw(_ints(1, interval_s - 1)))
        elif kind == 3:
            out.append(draw(_ints(interval_s, 4 * interval_s)))
        else:
            out.append(0)
    return tuple(out)


@st.composite
def stale_strategy(draw):
    """Pool level: (rate, seed) of the stale-oracle scenario (parity.harness.lockstep.oracles), half the
    time; (0.0, 0) otherwise, where shrinking goes."""
    if not draw(_ints(0, 1)):
        return 0.0, 0
    return STALE_RATES[draw(_ints(0, len(STALE_RATES) - 1))], draw(_ints(0, 2**16))


@st.composite
def example_strategy(draw, rule: str, space: ParamSpace, settings: Settings, shape: Shape):
    params = draw(params_strategy(space, settings))
    recipe = draw(path_strategy(settings.n, shape))
    if shape.level != "pool":
        return Example(rule, settings, params, recipe)
    delays = draw(delays_strategy(shape.max_blocks, settings.chunk_period * 60))[: recipe.blocks]
    rate, seed = draw(stale_strategy())
    return Example(rule, settings, params, recipe, delays, stale_oracles=rate, stale_seed=seed)


@st.composite
def batch_strategy(draw, rule: str, space: ParamSpace, shape: Shape):
    """A Batch: shared settings, then 1..shape.drawn examples (a continue marker before each further one)."""
    settings = draw(settings_strategy(space))
    examples = [draw(example_strategy(rule, space, settings, shape))]
    while len(examples) < shape.drawn and draw(_ints(0, 255)) != 0:
        examples.append(draw(example_strategy(rule, space, settings, shape)))
    return Batch(settings, examples)
