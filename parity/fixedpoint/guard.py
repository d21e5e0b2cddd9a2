"""Guard rails exactly as on chain (docs/arithmetic.md, docs/malformed-inputs.md): clamp, then ε limit, then
residual fix, with wrapping sums and differences and a branch-based |Δ|."""

from __future__ import annotations

from collections.abc import Sequence

from ..probes import probe
from .errors import PANIC_OVERFLOW, Revert
from .int256 import at, wrap
from .sd59x18 import ONE, div, from_int, mul


def clamp_weights(weights: Sequence[int], guard_rail: int) -> list[int]:
    """``_clampWeights``: one pass of strict bound checks, then rescale every non-MIN weight by ``R ⊘ O``."""
    n = len(weights)
    if n == 1:
        return list(weights)
    if n == 0:
        raise Revert(PANIC_OVERFLOW)  # unsigned n − 1 in checked arithmetic
    lo = guard_rail
    hi = wrap(ONE - mul(from_int(n - 1), guard_rail))  # unchecked on chain
    remainder, others = ONE, 0
    out = []
    for w in weights:
        if w < lo:
            out.append(lo)
            remainder = wrap(remainder - lo)
        elif w > hi:
            out.append(hi)
            others = wrap(others + hi)
        else:
            out.append(w)
            others = wrap(others + w)
    if others != 0:
        f = div(remainder, others)
        out = [v if v == lo else mul(v, f) for v in out]
    return out


def normalize_weight_updates(prev_weights: Sequence[int], weights: Sequence[int], epsilon_max: int) -> list[int]:
    """``_normalizeWeightUpdates``: scale all deltas by ``ε ⊘ max|Δ|`` if any |Δ| > ε, then put the
    residual ``ONE − Σv`` on the largest (excess) or second-largest (shortfall) weight. Unchecked + and −."""
    n = len(weights)
    v = list(weights)
    biggest = epsilon_max
    for i in range(n):
        w0 = at(prev_weights, i)
        d = wrap(w0 - v[i]) if w0 > v[i] else wrap(v[i] - w0)  # a wrapped-negative |Δ| never raises D
        if d > biggest:
            biggest = d
    if biggest > epsilon_max:
        s = div(epsilon_max, biggest)
        for i in range(n):
            w0 = prev_weights[i]
            v[i] = wrap(w0 + mul(wrap(v[i] - w0), s))
    probe("limited", v)
    total = 0
    max_w = max_i = sec_w = sec_i = 0
    for i, x in enumerate(v):
        total = wrap(total + x)
        if x > max_w:
            sec_w, sec_i = max_w, max_i
            max_w, max_i = x, i
        elif x > sec_w:
            sec_w, sec_i = x, i
    if total != ONE:
        if total > ONE:
            v[max_i] = wrap(at(v, max_i) - wrap(total - ONE))
        else:
            v[sec_i] = wrap(at(v, sec_i) + wrap(ONE - total))
    return v


def guard_weights(weights: Sequence[int], prev_weights: Sequence[int], epsilon_max: int, guard_rail: int) -> list[int]:
    """``_guardQuantAMMWeights``: clamp to ``[g, ONE − (n−1)·g]`` then normalise against ``prev_weights``."""
    clamped = probe("clamped", clamp_weights(weights, guard_rail))
    return probe("weights", normalize_weight_updates(prev_weights, clamped, epsilon_max))
