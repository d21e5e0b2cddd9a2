"""Pool value on the pool's fine weights: zero-fee arbitrage at a cadence finer than the price rows.

A deployed pool moves its weights every second and an arbitrageur trades against it whenever the
prices or the weights move; quantammsim arbitrages every minute of its minute prices. On coarse price
rows (hourly, daily) parity keeps the prices of a row for the whole row and lets the weights move
between rows as the pool moves them, arbitraging every ``arb_frequency`` minutes (default 1: every
minute). docs/production-loop-jax.md (Value on the fine weights) derives the formulas below.

One zero-fee arbitrage step from (w⁻, p⁻) to (w, p) multiplies the reserves by

    ρ = [Π_i (p_i/p⁻_i)^{w⁻_i} / (p/p⁻)] · [(w/w⁻) / Π_i (w_i/w⁻_i)^{w_i}]

(price sub-step at the old weights, then weight sub-step at the new prices). With the prices held, K
weight sub-steps w_0 → w_1 → … → w_K telescope to a product form:

    R_K = R_0 ⊙ (w_K / w_0) · exp(−S),   S = Σ_{k=1..K} Σ_i w_{k,i} log(w_{k,i} / w_{k−1,i}),

so a row needs only S and the weights it ends at. Along a straight line w_k = a + k·d (the ``linear``
interpolation between fine rows) S has a closed form per asset,

    φ(a, d, K) = (a + K·d)·log(a + K·d) − a·log a − d · Σ_{k=0..K−1} log(a + k·d),
    Σ_{k=0..K−1} log(a + k·d) = K·log|d| + lnΓ(a/d + K) − lnΓ(a/d)            (d > 0)
                              = K·log|d| + lnΓ(a/|d| + 1) − lnΓ(a/|d| − K + 1)  (d < 0),

whose absolute error stays below 5e-15 whatever K (lnΓ at large a/|d|; checked against 50-digit sums in
tests/unit/test_value.py): a relative error of the same size in the value, per row.
The ``onchain`` pool's weights (9-decimal grid, normalised because they need not sum to 1, kinks at a
late update and at a rail) are evaluated at each arbitrage time of a row instead, one update block at a
time (:func:`explicit_row_paths`), so no array of every minute of the bout is built.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

_TINY_STEP = 1e-250  # |d|/a below this: the line is flat to float precision (lnΓ would overflow)


def substeps_per_row(run_fingerprint) -> int:
    """Arbitrage times per price row (price_interval / arb_frequency; 1 when arbitrage is no finer than rows)."""
    fp = run_fingerprint
    return fp.price_interval // fp.arb_frequency if fp.price_interval % fp.arb_frequency == 0 else 1


def rows_per_arbitrage(run_fingerprint) -> int:
    """Price rows between two arbitrage times (arb_frequency / price_interval when that is a whole number > 1)."""
    fp = run_fingerprint
    return fp.arb_frequency // fp.price_interval if fp.arb_frequency % fp.price_interval == 0 else 1


def _log_ramp_sum(a, d, k: int):
    """Σ_{j=0..k−1} log(a + j·d) elementwise (a > 0, a + (k−1)·d > 0), by lnΓ; k·log a where d ≈ 0."""
    size = jnp.abs(d)
    flat = size <= _TINY_STEP * a
    safe = jnp.where(flat, 1.0, size)
    y = a / safe
    rising = jax.lax.lgamma(y + k) - jax.lax.lgamma(y)
    falling = jax.lax.lgamma(y + 1.0) - jax.lax.lgamma(jnp.where(flat | (d > 0), 1.0, y - k + 1.0))
    ramp = k * jnp.log(safe) + jnp.where(d > 0, rising, falling)
    return jnp.where(flat, k * jnp.log(a), ramp)


def ramp_loss(a, d, k: int):
    """S of k weight sub-steps along w_j = a + j·d (j = 0..k), summed over the last axis (the assets)."""
    if k == 0:
        return jnp.zeros(jnp.shape(a)[:-1])
    end = a + k * d
    per_asset = end * jnp.log(end) - a * jnp.log(a) - d * _log_ramp_sum(a, d, k)
    return jnp.sum(per_asset, axis=-1)


def linear_row_paths(shares, substeps: int):
    """(S (L−1,), end shares (L−1, n)) of rows whose weights move in a straight line to the next row's,
    arbitraged ``substeps`` times per row: the in-row sub-steps j = 1..substeps−1 (closed form)."""
    k = substeps - 1
    a = shares[:-1]
    if k == 0:
        return jnp.zeros(a.shape[0]), a
    step = (shares[1:] - a) / substeps
    return ramp_loss(a, step, k), a + k * step


def explicit_row_paths(path_shares):
    """(S (...,), end shares (..., n)) from the shares at every arbitrage time of a row, (..., K, n)."""
    prev, cur = path_shares[..., :-1, :], path_shares[..., 1:, :]
    loss = jnp.sum(cur * jnp.log(cur / prev), axis=(-2, -1))
    return loss, path_shares[..., -1, :]


def fine_reserves(shares, prices, initial_value, loss=None, end=None):
    """Reserves (L, n) at the price rows of a zero-fee pool arbitraged to its weights between rows.

    ``shares`` (L, n): the value shares at each row (weights, normalised); ``prices`` (L, n); ``loss``
    (L−1,) and ``end`` (L−1, n): the in-row sub-steps' S and the shares they end at (None: arbitrage at
    the rows only, end = the row's own shares). Row r → r+1: the in-row weight sub-steps, the price move at
    the end shares, then the weight sub-step to row r+1's shares. After every row the value shares are
    that row's ``shares``.
    """
    shares = jnp.asarray(shares, dtype=jnp.float64)
    prices = jnp.asarray(prices, dtype=jnp.float64)
    initial = shares[0] * initial_value / prices[0]
    if end is None:
        end, loss = shares[:-1], jnp.zeros(shares.shape[0] - 1)
    log_price = jnp.log(prices[1:] / prices[:-1])
    log_to_next = jnp.log(shares[1:] / end)
    log_rho = (
        jnp.log(shares[1:] / shares[:-1])
        - loss[:, None]
        + jnp.sum(end * log_price, axis=1, keepdims=True)
        - log_price
        - jnp.sum(shares[1:] * log_to_next, axis=1, keepdims=True)
    )
    log_cum = jnp.concatenate([jnp.zeros((1, shares.shape[1])), jnp.cumsum(log_rho, axis=0)], axis=0)
    return initial * jnp.exp(log_cum)


def zero_fee_reserves(weights, prices, initial_value):
    """Reserves (L, n) of a pool arbitraged to its weights at every row only, with no fees."""
    return fine_reserves(weights, prices, initial_value)


def held_reserves(shares, prices, initial_value, every: int):
    """Arbitrage every ``every`` rows (quantammsim's arb_frequency on its rows): the reserves of rows
    0, every, 2·every, … by the row formula, each held until the next arbitrage row."""
    arb = fine_reserves(shares[::every], prices[::every], initial_value)
    return jnp.repeat(arb, every, axis=0)[: shares.shape[0]]
