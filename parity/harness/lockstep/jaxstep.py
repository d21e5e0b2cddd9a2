"""Compiled JAX steps for the lockstep: one jitted scan step and one jitted vectorized trajectory per
(pool type, fingerprint, static parameters, shapes), reused across blocks and runs.

Numeric parameters are traced arguments, so one compilation serves many parameter values.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from parity.harness.mapping import StateMap

_STEP_CACHE: dict = {}


def _pool_key(pool):
    try:
        key = (type(pool), frozenset(vars(pool).items()))
        hash(key)
        return key
    except TypeError:
        return ("id", id(pool))


def _split_params(params: dict):
    """Numeric leaves become traced arguments (one compilation serves many parameter values)."""
    arrays, static = {}, {}
    for k, v in params.items():
        if isinstance(v, (bool, str, type(None))) or (isinstance(v, (list, tuple)) and not v):
            static[k] = v
        else:
            try:
                a = np.asarray(v)
            except Exception:
                static[k] = v
                continue
            if a.dtype.kind in "fiu" and a.dtype != bool:
                arrays[k] = a.astype(np.float64) if a.dtype.kind == "f" else a
            else:
                static[k] = v
    return arrays, static


def _static_key(static: dict, params: dict):
    try:
        skey = tuple(sorted((k, v if not isinstance(v, list) else tuple(v)) for k, v in static.items()))
        hash(skey)
        return skey
    except TypeError:
        return ("id", id(params))


def cached_jit(cache: dict, pool, params: dict, run_fingerprint, make_raw: Callable[[dict], Callable]):
    """(jax.jit(make_raw(static params)), traced params): compiled once per (pool type, fingerprint, static
    params, shapes) and kept in `cache`; the numeric params are passed as arguments (see _split_params)."""
    arrays, static = _split_params(params)
    key = (_pool_key(pool), run_fingerprint, _static_key(static, params))
    fn = cache.get(key)
    if fn is None:
        fn = cache[key] = jax.jit(make_raw(static))
    return fn, {k: jnp.asarray(v) for k, v in arrays.items()}


def make_jax_step(pool, params: dict, run_fingerprint) -> Callable:
    """Jitted (est_carry, wt_carry, price) -> (est_carry, wt_carry, coarse_weights), compiled once per
    (pool type, fingerprint, static params, shapes) and reused for every block and every run."""

    def make_raw(static):
        def raw(est, wt, price, arr):
            return pool.calculate_coarse_weight_step(est, wt, price, {**arr, **static}, run_fingerprint)

        return raw

    fn, arr = cached_jit(_STEP_CACHE, pool, params, run_fingerprint, make_raw)
    return lambda est, wt, price: fn(est, wt, price, arr)


def initial_carries(pool, jax_params: dict, fp, price0: np.ndarray, w0: np.ndarray, weight_key: str):
    """The scan path's (estimator carry, weight carry) at the initialisation price, weights w0."""
    est = pool.get_initial_rule_state(jnp.asarray(price0), jax_params, fp)
    wt = dict(pool.get_initial_guardrail_state(jnp.asarray(w0))) if hasattr(pool, "get_initial_guardrail_state") else {}
    wt[weight_key] = jnp.asarray(w0)
    return est, wt


def as_np(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


_VEC_CACHE: dict = {}


def vectorized_trajectory(pool, params: dict, run_fingerprint, prices: np.ndarray, w0: np.ndarray, state_map: StateMap):
    """Coarse weights and estimator states of the vectorized path over update-price rows `prices` (row 0
    initialises): dict field -> (T−1, n) arrays aligned with update blocks 1..T−1.

    calculate_rule_outputs(return_states=True), then the pool's guard scan from w0; jitted as a whole and
    cached like the scan step (numeric parameters are traced arguments)."""
    import dataclasses

    fp = run_fingerprint
    if hasattr(fp, "price_interval") and fp.price_interval != fp.chunk_period:
        # rows here are already update rows; interpolation does not enter coarse weights
        fp = dataclasses.replace(fp, price_interval=fp.chunk_period, weight_interpolation_period=fp.chunk_period)
    if getattr(pool, "_coarse_scan", None) is None:
        raise NotImplementedError("the pool has no guard scan over vectorized rule outputs (_coarse_scan)")

    def make_raw(static):
        def raw(arr, prices_, w0_):
            p = {**arr, **static}
            outputs, states = pool.calculate_rule_outputs(p, fp, prices_, return_states=True)
            cp = pool.resolve_params(p, fp, validate=False)
            return pool._coarse_scan(outputs, w0_, cp, fp), states

        return raw

    fn, arr = cached_jit(_VEC_CACHE, pool, params, fp, make_raw)
    weights, states = fn(arr, jnp.asarray(prices), jnp.asarray(w0))
    res = {"weights": np.asarray(weights)}
    for k in state_map.keys:
        if k in states:
            res[k] = np.asarray(states[k])
    return res
