"""do_run_on_historic_data: prices + params -> fine/coarse weights, zero-fee arbitrage reserves, values.

Reserves follow docs/architecture.md (Reserves and results) (zero fees, perfect arbitrage): R₀ = w₀·V₀/p₀ and, for each
row, the price sub-step ρ_price = Π(p/p⁻)^{w⁻} / (p/p⁻) and the weight sub-step
ρ_weight = (w/w⁻) / Π(w/w⁻)^{w}, accumulated in log space. After every row the value shares
R·p/Σ(R·p) equal the weights of that row.

With ``weight_interpolation_method="onchain"`` the fine weights are the pool's (W + M·τ, 9 decimals, not
summing exactly to 1). A G3M pool with weights w is in arbitrage equilibrium when its value shares are
w/Σw, so the reserves use those normalised weights (docs/production-loop-jax.md); ``weights`` stays the
pool's own. An update that would revert on chain (the pool is stuck) raises ValueError.
"""

import os
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from parity.pools import create_pool
from parity.pools.base import bout_rows


def _as_fingerprint(run_fingerprint):
    from parity.fingerprint import RunFingerprint, make_run_fingerprint

    if isinstance(run_fingerprint, RunFingerprint):
        return run_fingerprint
    if isinstance(run_fingerprint, dict):
        return make_run_fingerprint(**run_fingerprint)
    raise ValueError(f"run_fingerprint={type(run_fingerprint).__name__}: must be a RunFingerprint or a dict")


def _as_prices(prices, n_assets, field="prices"):
    if prices is None:
        raise ValueError(f"{field}=None: give a (T, n) array or a CSV path (nothing is downloaded)")
    if isinstance(prices, (str, os.PathLike)):
        from parity.prices import load_prices

        arr = np.asarray(load_prices(prices).prices, dtype=np.float64)
    else:
        try:
            arr = np.asarray(prices, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{field}: cannot be read as a float array ({exc})") from exc
    if arr.ndim != 2:
        raise ValueError(f"{field} has shape {arr.shape}: must be 2-D (T rows, n_assets columns)")
    if arr.shape[1] != n_assets:
        raise ValueError(f"{field} has {arr.shape[1]} columns: run_fingerprint.n_assets is {n_assets}")
    if arr.shape[0] < 1:
        raise ValueError(f"{field} has 0 rows: need at least 1")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise ValueError(f"{field}[{row}, {col}]={float(arr[row, col])!r}: every value must be finite and > 0")
    return arr


def zero_fee_reserves(weights, prices, initial_value):
    """Reserves (L, n) of a pool arbitraged to its weights every row, with no fees (docs/architecture.md (Reserves and results))."""
    weights = jnp.asarray(weights, dtype=jnp.float64)
    prices = jnp.asarray(prices, dtype=jnp.float64)
    initial = weights[0] * initial_value / prices[0]
    log_price_ratio = jnp.log(prices[1:] / prices[:-1])
    log_weight_ratio = jnp.log(weights[1:] / weights[:-1])
    log_rho = (
        jnp.sum(weights[:-1] * log_price_ratio, axis=1, keepdims=True)
        - log_price_ratio
        + log_weight_ratio
        - jnp.sum(weights[1:] * log_weight_ratio, axis=1, keepdims=True)
    )
    log_cum = jnp.concatenate([jnp.zeros((1, weights.shape[1])), jnp.cumsum(log_rho, axis=0)], axis=0)
    return initial * jnp.exp(log_cum)


@lru_cache(maxsize=None)
def _compiled(rule):
    pool = create_pool(rule)

    def run(params, prices, oracle, run_fingerprint, start_index):
        extra = {}
        if run_fingerprint.weight_interpolation_method == "onchain":
            out = pool.calculate_onchain_run(params, run_fingerprint, prices, start_index, oracle)
            fine, coarse = out["weights"], out["coarse_weights"]
            extra = {"update_times": out["update_times"], "pool_carries": out["pool_carries"],
                     "reverted": None if out["info"] is None else out["info"]["reverted"]}
            shares = fine / jnp.sum(fine, axis=1, keepdims=True)
        else:
            fine, coarse = pool.calculate_weights_and_coarse(params, run_fingerprint, prices, start_index, oracle)
            shares = fine
        local = jax.lax.dynamic_slice(prices, (start_index, 0), fine.shape)
        reserves = zero_fee_reserves(shares, local, run_fingerprint.initial_pool_value)
        return fine, coarse, local, reserves, extra

    return jax.jit(run, static_argnums=(3, 4))


def do_run_on_historic_data(run_fingerprint, params, prices=None, start_index=0, additional_oracle_input=None):
    """Run one pool over historic prices (array or CSV path) from price row ``start_index``.

    Returns a dict: ``weights`` (fine, L × n), ``coarse_weights`` (M × n, one per update), ``reserves``
    (L × n), ``value`` (L), ``final_value``, ``final_reserves``, ``prices`` (the L bout rows),
    ``initial_weights``, ``chain_params`` (None for pools without a chain rule), ``path``,
    ``start_index``, ``run_fingerprint``, and for the onchain method ``update_times`` (M,) and
    ``pool_carries`` (W, M, last_update, last_interp after each update; None otherwise). Deterministic;
    nothing is downloaded.
    """
    fp = _as_fingerprint(run_fingerprint)
    arr = _as_prices(prices, fp.n_assets)
    if isinstance(start_index, (bool, np.bool_)) or not isinstance(start_index, (int, np.integer)):
        raise ValueError(f"start_index={start_index!r}: must be an int")
    start_index = int(start_index)
    if not 0 <= start_index < arr.shape[0]:
        raise ValueError(f"start_index={start_index}: must be in [0, {arr.shape[0]}) (the price rows)")
    pool = create_pool(fp.rule)
    path = pool.select_path(fp)
    pool.resolve_params(params, fp)  # concrete validation before tracing
    w0 = pool.initial_weights(params, fp)
    bout_rows(fp, arr.shape[0], start_index)
    oracle = None
    if additional_oracle_input is not None:
        oracle = _as_prices(additional_oracle_input, fp.n_assets, "additional_oracle_input")
        if oracle.shape != arr.shape:
            raise ValueError(f"additional_oracle_input has shape {oracle.shape}: must match prices {arr.shape}")
    elif pool.needs_oracle_input:
        raise ValueError(f"rule {fp.rule!r} needs additional_oracle_input (market caps, T × n); got None")
    jparams = jax.tree_util.tree_map(lambda x: jnp.asarray(x, dtype=jnp.float64), dict(params))
    fine, coarse, local, reserves, extra = _compiled(fp.rule)(
        jparams, jnp.asarray(arr), None if oracle is None else jnp.asarray(oracle), fp, start_index
    )
    _check_not_reverted(extra)
    value = jnp.sum(reserves * local, axis=1)
    return {
        "weights": fine,
        "coarse_weights": coarse,
        "reserves": reserves,
        "value": value,
        "final_value": value[-1],
        "final_reserves": reserves[-1],
        "prices": local,
        "initial_weights": w0,
        "chain_params": pool.chain_params(params, fp) if pool.chain_rule is not None else None,
        "path": path,
        "start_index": start_index,
        "run_fingerprint": fp,
        "update_times": extra.get("update_times"),
        "pool_carries": extra.get("pool_carries"),
    }


def _check_not_reverted(extra):
    """Raise if a production-loop update would revert on chain (from then on the pool is stuck)."""
    reverted = extra.get("reverted")
    if reverted is None or not bool(np.any(np.asarray(reverted))):
        return
    k = int(np.argmax(np.asarray(reverted)))
    at = int(np.asarray(extra["update_times"])[k])
    raise ValueError(f"update {k} at t={at}: performUpdate would revert on chain (a pool weight went negative or out "
                     "of the int32 storage after the τ wrap of a rail time in the past); the pool is stuck from there")
