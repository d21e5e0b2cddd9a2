"""The vectorized cross-check at pool level: the rule outputs of the vectorized path (the whole series at
once, `calculate_rule_outputs`) fed through the same production-loop update (`_onchain_update`: prevWeights
= the pool's weights at the update time, the guard, setWeights) at the run's update times, against the scan
path's independent pool-level trajectory from the same initial state. Compared: the rule state, the coarse
weights, the stored W and M and lastInterp."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from parity.harness.lockstep.jaxstep import cached_jit
from parity.harness.lockstep.sides import compare_trajectories

_VEC_CACHE: dict = {}
FIELDS = ("weights", "pool_weights", "multipliers", "last_interp")


def vectorized_pool_trajectory(pool, params: dict, fp, prices: np.ndarray, pc0: dict, times: np.ndarray, keys) -> dict:
    """field -> (M, n) arrays of the vectorized path over update-price rows `prices` (row 0 initialises)."""
    if fp.price_interval != fp.chunk_period:  # rows here are already update rows
        fp = dataclasses.replace(fp, price_interval=fp.chunk_period, weight_interpolation_period=fp.chunk_period)

    def make_raw(static):
        def raw(arr, prices_, pc0_, times_):
            p = {**arr, **static}
            outputs, states = pool.calculate_rule_outputs(p, fp, prices_, return_states=True)
            cp = pool.resolve_params(p, fp, validate=False)

            def body(pc, x):
                pc, coarse, _ = pool._onchain_update(pc, x[0], x[1], cp, fp)
                return pc, (coarse, pc)

            _, (coarse, carries) = jax.lax.scan(body, pc0_, (outputs[: times_.shape[0]], times_))
            return coarse, carries, states

        return raw

    fn, arr = cached_jit(_VEC_CACHE, pool, params, fp, make_raw)
    coarse, carries, states = jax.device_get(fn(arr, jnp.asarray(prices), pc0, jnp.asarray(times, dtype=jnp.int64)))
    out = {"weights": np.asarray(coarse), "pool_weights": np.asarray(carries["W"]),
           "multipliers": np.asarray(carries["M"]), "last_interp": np.asarray(carries["last_interp"], dtype=np.float64)[:, None]}
    out.update({k: np.asarray(states[k])[: len(times)] for k in keys if k in states})
    return out


def independent_pool_scan(side, price_dec: np.ndarray, times) -> dict:
    """The scan path's pool-level trajectory from the initial state, never resynced to the chain."""
    est, pc = side.start_carries
    out = {f: [] for f in (*side.smap.keys, *FIELDS)}
    for k, ts in enumerate(times, start=1):
        est, pc, coarse, _ = side.step_fn(est, pc, price_dec[k], jnp.asarray(ts, dtype=jnp.int64))
        e, p, c = jax.device_get((est, pc, coarse))
        for key in side.smap.keys:
            out[key].append(np.asarray(e[key], dtype=np.float64))
        out["weights"].append(np.asarray(c, dtype=np.float64))
        out["pool_weights"].append(np.asarray(p["W"], dtype=np.float64))
        out["multipliers"].append(np.asarray(p["M"], dtype=np.float64))
        out["last_interp"].append(np.array([float(p["last_interp"])]))
    return {f: np.array(v) for f, v in out.items()}


def pool_cross_check(side, result, inputs) -> dict:
    if not getattr(side.pool, "supports_vectorized_path", lambda: True)():
        return {"skipped": "the pool has no vectorized path"}
    times = list(result.timestamps)
    scan = independent_pool_scan(side, inputs.price_dec, times)
    try:
        vec = vectorized_pool_trajectory(side.pool, side.jax_params, side.fp, inputs.price_dec[: len(times) + 1],
                                         side.start_carries[1], np.asarray(times), side.smap.keys)
    except NotImplementedError as exc:
        return {"skipped": str(exc)}
    return compare_trajectories(result, scan, vec, 1)
