"""The vectorized cross-check at pool level: the production loop over the whole series
(`calculate_onchain_run`) against the scan path's pool-level trajectory."""

from __future__ import annotations


def pool_cross_check(jax_side, result, inputs) -> dict:
    return {"skipped": "the pool-level vectorized cross-check is not implemented yet"}
