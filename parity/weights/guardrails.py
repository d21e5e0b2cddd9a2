"""Guard rails in float64 with the on-chain branch structure and quirks (docs/arithmetic.md §5).

``guard_weights`` = clamp -> ε limit -> residual fix (docs/arithmetic.md §5), in real arithmetic instead of
18-decimal integers. Every function acts on the last axis (n weights), is pure, and uses no
value-dependent Python branching, so it can be jitted and vmapped. ``epsilon_max`` and ``guard_rail``
are scalars (or broadcast against the leading axes).
"""

import jax.numpy as jnp

from parity.probes import probe


def _per_row(x):
    """Scalar-per-row parameter, broadcastable against (..., n)."""
    return jnp.asarray(x, dtype=jnp.float64)[..., None]


def clamp_weights(w, guard_rail):
    """``_clampWeights``: one pass of strict bound checks, then rescale every weight ≠ MIN by f = R/O.

    MIN = g, MAX = 1 − (n−1)·g. Weights below MIN become MIN (and R −= MIN); weights above MAX become
    MAX; the rest are kept; O sums everything not clamped to MIN. Then every weight that is not exactly
    MIN, including MAX-clamped ones and excluding weights that were already exactly MIN, is multiplied
    by f = R/O. O = 0 means no rescale; n = 1 returns ``w`` unchanged.
    """
    w = jnp.asarray(w, dtype=jnp.float64)
    n = w.shape[-1]
    if n == 1:
        return w
    lo = _per_row(guard_rail)
    hi = 1.0 - (n - 1) * lo
    below = w < lo
    above = jnp.logical_not(below) & (w > hi)
    v = jnp.where(below, lo, jnp.where(above, hi, w))
    remainder = 1.0 - jnp.sum(jnp.where(below, lo, 0.0), axis=-1, keepdims=True)
    others = jnp.sum(jnp.where(below, 0.0, v), axis=-1, keepdims=True)
    has_others = others != 0.0
    f = remainder / jnp.where(has_others, others, 1.0)
    return jnp.where(has_others & (v != lo), v * f, v)


def limit_change(v, prev, epsilon_max):
    """ε limit of ``_normalizeWeightUpdates``: D = max(ε, max|Δ|); if D > ε every Δ = v − prev is scaled
    by s = ε/D (so the largest |Δ| becomes ε). No residual fix here."""
    v = jnp.asarray(v, dtype=jnp.float64)
    prev = jnp.asarray(prev, dtype=jnp.float64)
    eps = _per_row(epsilon_max)
    delta = v - prev
    d = jnp.maximum(eps, jnp.max(jnp.abs(delta), axis=-1, keepdims=True))
    return jnp.where(d > eps, prev + delta * (eps / d), v)


def fix_residual(v):
    """Residual fix of ``_normalizeWeightUpdates``: if S = Σv ≠ 1, subtract S − 1 from the largest
    weight (S > 1) or add 1 − S to the second-largest (S < 1).

    Largest / second-largest come from one in-order scan with strict comparisons starting from
    maxW = secW = 0 at index 0: ties keep the lowest index for the max, ``[a, a, a]`` gives secIdx 1,
    and if no weight is > 0 both indices stay 0.
    """
    v = jnp.asarray(v, dtype=jnp.float64)
    n = v.shape[-1]
    batch = v.shape[:-1]
    max_w = sec_w = jnp.zeros(batch)
    max_i = sec_i = jnp.zeros(batch, dtype=jnp.int32)
    for i in range(n):
        x = v[..., i]
        new_max = x > max_w
        new_sec = jnp.logical_not(new_max) & (x > sec_w)
        sec_w = jnp.where(new_max, max_w, jnp.where(new_sec, x, sec_w))
        sec_i = jnp.where(new_max, max_i, jnp.where(new_sec, i, sec_i))
        max_w = jnp.where(new_max, x, max_w)
        max_i = jnp.where(new_max, i, max_i)
    total = jnp.sum(v, axis=-1)
    idx = jnp.arange(n)
    excess = (total > 1.0)[..., None] & (idx == max_i[..., None])
    short = (total < 1.0)[..., None] & (idx == sec_i[..., None])
    residual = (1.0 - total)[..., None]
    return jnp.where(excess | short, v + residual, v)


def guard_weights(raw, prev, epsilon_max, guard_rail):
    """``_guardQuantAMMWeights`` in float64: clamp_weights -> limit_change -> fix_residual.

    ``raw`` are the rule's unguarded weights w̃, ``prev`` the previous weights; returns the coarse weights.
    """
    clamped = probe("clamped", clamp_weights(raw, guard_rail))
    return probe("weights", fix_residual(probe("limited", limit_change(clamped, prev, epsilon_max))))
