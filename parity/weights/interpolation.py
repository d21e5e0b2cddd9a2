"""Fine weights: coarse weights (one per update) -> one weight row per price row (docs/architecture.md, Weights and timing).

Timing: rows [0, c) hold the initial weights w₀; block k (rows [(k+1)·c, (k+2)·c)) starts at the previous
coarse weight (w₀ for k = 0) and moves to coarse weight k over W rows, then holds it. c = chunk_steps
(chunk_period / price_interval) and W = interpolation_steps (weight_interpolation_period / price_interval),
1 ≤ W ≤ c. Row j of a block, with a = start, t = target, d = (t − a)/W:

* linear:          a + j·d for j < W, then t;
* approx_optimal:  (lin_j + geo_j) / Σ_i (lin_j + geo_j)_i with lin_j = a + j·d and
                   geo_j = a·(t/a)^(j/(W+1)) for j < W, then t (weights must be > 0).

Row 0 of every block is the previous position, so the new target first shows at row (k+1)·c + 1.
"""

import jax.numpy as jnp

METHODS = ("linear", "approx_optimal")


def _check(chunk_steps, interpolation_steps, method):
    for name, value in (("chunk_steps", chunk_steps), ("interpolation_steps", interpolation_steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r}: must be a positive integer")
    if interpolation_steps > chunk_steps:
        raise ValueError(f"interpolation_steps={interpolation_steps!r}: must be <= chunk_steps={chunk_steps!r}")
    if method not in METHODS:
        raise ValueError(f"method={method!r}: must be one of {', '.join(METHODS)}")


def interpolation_block(start, target, chunk_steps: int, interpolation_steps: int, method: str = "linear"):
    """Rows of one update block: (..., chunk_steps, n) from start/target of shape (..., n)."""
    _check(chunk_steps, interpolation_steps, method)
    a = jnp.asarray(start, dtype=jnp.float64)[..., None, :]
    t = jnp.asarray(target, dtype=jnp.float64)[..., None, :]
    W = interpolation_steps
    j = jnp.arange(chunk_steps, dtype=jnp.float64)[:, None]
    d = (t - a) / W
    ramp = a + j * d
    if method == "approx_optimal":
        geo = a * (t / a) ** (j / (W + 1))
        both = ramp + geo
        ramp = both / jnp.sum(both, axis=-1, keepdims=True)
    return jnp.where(j < W, ramp, t)


def fine_weights(initial_weights, coarse_weights, *, chunk_steps: int, interpolation_steps: int,
                 method: str = "linear", n_rows: int | None = None):
    """All fine weights: (M + 1)·chunk_steps rows for M coarse weights (M, n), or the first ``n_rows``.

    The first chunk holds ``initial_weights``; block k ramps from coarse_weights[k−1] (initial_weights for
    k = 0) to coarse_weights[k].
    """
    _check(chunk_steps, interpolation_steps, method)
    w0 = jnp.asarray(initial_weights, dtype=jnp.float64)
    coarse = jnp.asarray(coarse_weights, dtype=jnp.float64)
    if coarse.ndim != 2 or w0.shape != coarse.shape[1:]:
        raise ValueError(f"coarse_weights: shape {coarse.shape}: must be (M, n) with n = len(initial_weights) "
                         f"= {w0.shape}")
    starts = jnp.concatenate([w0[None], coarse[:-1]], axis=0)
    blocks = interpolation_block(starts, coarse, chunk_steps, interpolation_steps, method)
    rows = jnp.concatenate([jnp.broadcast_to(w0, (chunk_steps, w0.shape[0])), blocks.reshape(-1, w0.shape[0])])
    if n_rows is not None:
        if isinstance(n_rows, bool) or not isinstance(n_rows, int) or not 0 <= n_rows <= rows.shape[0]:
            raise ValueError(f"n_rows={n_rows!r}: must be an integer between 0 and {rows.shape[0]} "
                             f"((M + 1)·chunk_steps for M = {coarse.shape[0]})")
        rows = rows[:n_rows]
    return rows


def fine_weights_for(initial_weights, coarse_weights, run_fingerprint, n_rows: int | None = None):
    """``fine_weights`` with steps and method taken from a RunFingerprint."""
    fp = run_fingerprint
    return fine_weights(initial_weights, coarse_weights, chunk_steps=fp.chunk_steps,
                        interpolation_steps=fp.interpolation_steps, method=fp.weight_interpolation_method,
                        n_rows=n_rows)
