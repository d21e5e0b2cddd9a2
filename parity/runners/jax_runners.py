"""do_run_on_historic_data: prices + params -> fine/coarse weights, zero-fee arbitrage reserves, values.

The quantammsim module path of the runner (``quantammsim.runners.jax_runners``) is kept: a quantammsim
script runs with its package name changed to ``parity``.

Reserves (zero fees, perfect arbitrage; parity.runners.value): R₀ = w₀·V₀/p₀; between two price rows the
prices of the row are held and the pool's weights move as the pool moves them, arbitraged every
``arb_frequency`` minutes (default 1, as quantammsim on minute prices); at the next row the price moves,
then the weights reach that row's. ``arb_frequency = price_interval`` arbitrages once per row (the weight
change of a whole row in one jump); a multiple of it arbitrages every few rows, the reserves held between.
After every arbitrage the value shares R·p/Σ(R·p) equal the weights of that time.

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

from parity.float64 import guarded
from parity.pools import create_pool
from parity.pools.base import bout_rows
from parity.pools.common import as_start_index
from parity.runners import value
from parity.runners.value import zero_fee_reserves  # noqa: F401  (re-exported)
from parity.weights import onchain


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


def _normalised(weights):
    return weights / jnp.sum(weights, axis=1, keepdims=True)


def _onchain_row_paths(w0, out, fp, rows, t0=onchain.START_TIME):
    """(S, end shares) of every row's in-row arbitrage times of an onchain run, one update block at a time."""
    k = value.substeps_per_row(fp)
    init = onchain.init_pool_carry(w0, t0)
    carries, times = out["pool_carries"], out["update_times"]
    if carries is None:
        befores = afters = jax.tree_util.tree_map(lambda x: x[None], init)
        starts = updates = jnp.full((1,), t0, dtype=jnp.int64)
    else:
        befores = jax.tree_util.tree_map(lambda i, c: jnp.concatenate([i[None], i[None], c[:-1]]), init, carries)
        afters = jax.tree_util.tree_map(lambda i, c: jnp.concatenate([i[None], c]), init, carries)
        nominal = t0 + fp.chunk_period * 60 * jnp.arange(times.shape[0] + 1, dtype=jnp.int64)
        starts, updates = nominal, jnp.concatenate([jnp.full((1,), t0, dtype=jnp.int64), times])

    def block(args):
        before, after, start, update = args
        path = onchain.block_path(before, after, start, update, fp.price_interval * 60, fp.chunk_steps, k)
        return value.explicit_row_paths(path / jnp.sum(path, axis=-1, keepdims=True))

    loss, end = jax.lax.map(block, (befores, afters, starts, updates))
    n = w0.shape[0]
    return loss.reshape(-1)[: rows - 1], end.reshape(-1, n)[: rows - 1]


def _reserves(fine, local, fp, w0, onchain_out):
    """The run's reserves on its fine weights (module docstring)."""
    shares = _normalised(fine) if onchain_out is not None else fine
    every = value.rows_per_arbitrage(fp)
    if every > 1:
        return value.held_reserves(shares, local, fp.initial_pool_value, every)
    if value.substeps_per_row(fp) == 1 or fine.shape[0] < 2:
        return value.fine_reserves(shares, local, fp.initial_pool_value)
    if onchain_out is not None:
        loss, end = _onchain_row_paths(w0, onchain_out, fp, fine.shape[0])
    else:
        loss, end = value.linear_row_paths(shares, value.substeps_per_row(fp))
    return value.fine_reserves(shares, local, fp.initial_pool_value, loss, end)


@lru_cache(maxsize=None)
def _compiled(rule):
    pool = create_pool(rule)

    def run(params, prices, oracle, run_fingerprint, start_index):
        extra, out = {}, None
        if run_fingerprint.weight_interpolation_method == "onchain":
            out = pool.calculate_onchain_run(params, run_fingerprint, prices, start_index, oracle)
            fine, coarse = out["weights"], out["coarse_weights"]
            extra = {"update_times": out["update_times"], "pool_carries": out["pool_carries"],
                     "reverted": None if out["info"] is None else out["info"]["reverted"]}
        else:
            fine, coarse = pool.calculate_weights_and_coarse(params, run_fingerprint, prices, start_index, oracle)
        local = jax.lax.dynamic_slice(prices, (start_index, 0), fine.shape)
        w0 = pool.initial_weights(params, run_fingerprint)
        reserves = _reserves(fine, local, run_fingerprint, w0, out)
        return fine, coarse, local, reserves, extra

    return jax.jit(run, static_argnums=(3, 4))


def _chain_params_or_none(pool, params, fp):
    """The on-chain parameters of the run; None for a pool without a chain rule or parameters the chain
    cannot take (PowerChannel q <= 1, which the simulator clipped with a warning that says so)."""
    if pool.chain_rule is None:
        return None
    try:
        return pool.chain_params(params, fp)
    except ValueError:
        return None


@guarded
def do_run_on_historic_data(run_fingerprint, params, prices=None, start_index=0, additional_oracle_input=None):
    """Run one pool over historic prices (array or CSV path) from price row ``start_index``.

    ``run_fingerprint``: a RunFingerprint or a dict of its keys, or a quantammsim run fingerprint as it is
    (every quantammsim key accepted, see parity.quantammsim_inputs): ``tokens`` selects price columns by
    name (sorted, as quantammsim) from the prices given or, with ``prices=None``, from the bundled data;
    ``startDateString``/``endDateString`` select the bout. ``start_index``: an integer of any type.
    Reserves and values follow the pool's fine weights between rows, arbitraged every ``arb_frequency``
    minutes (module docstring).

    Returns a dict: ``weights`` (fine, L × n), ``coarse_weights`` (M × n, one per update), ``reserves``
    (L × n), ``value`` (L), ``final_value``, ``final_reserves``, ``prices`` (the L bout rows),
    ``initial_weights``, ``chain_params`` (None for pools without a chain rule), ``path``,
    ``start_index``, ``run_fingerprint``, ``tokens`` (the price columns' names, None for a bare array), and
    for the onchain method ``update_times`` (M,) and ``pool_carries`` (W, M, last_update, last_interp after
    each update; None otherwise). Deterministic; nothing is downloaded.
    """
    from parity.prices import PriceSeries
    from parity.quantammsim_inputs import apply_run_options, resolve_run_inputs

    if not isinstance(run_fingerprint, dict):
        run_fingerprint = _as_fingerprint(run_fingerprint)
    fp, prices, start_index, options = resolve_run_inputs(run_fingerprint, prices, start_index)
    params = apply_run_options(params, options) if isinstance(params, dict) else params
    arr = _as_prices(prices.prices if isinstance(prices, PriceSeries) else prices, fp.n_assets)
    start_index = as_start_index(start_index)
    if not isinstance(start_index, int):
        raise ValueError("start_index: a traced value under jit; do_run_on_historic_data needs a concrete integer "
                         "(call pool.calculate_weights under jit instead)")
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
    if not options["do_arb"]:  # quantammsim's do_arb=False: the reserves never move
        reserves = jnp.broadcast_to(reserves[0], reserves.shape)
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
        "chain_params": _chain_params_or_none(pool, params, fp),
        "path": path,
        "start_index": start_index,
        "run_fingerprint": fp,
        "tokens": options["tokens"],
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
