"""Bare batched execution: the honest reference of benchmarks/sweep.py and benchmarks/fuzz.py.

The same CalculateNewWeights calls (with their state getters) that a sweep or fuzz chunk sends, in the same
BatchCaller transactions (one per block, every pool of a chunk in it), on one core, with nothing else: no
JAX, no decoding, no comparison, no integer model. What is timed is the block loop alone (deployment,
initialisation and calldata templates are set-up)."""

from __future__ import annotations

import time

import numpy as np


class _NoErrors:
    """The chain session reports reverts here; a bare run only counts them."""

    def __init__(self):
        self.reverts = 0

    def revert(self, pool, block, reason) -> None:
        self.reverts += 1

    def revert_reason(self, pool):
        return None


def bare_batched(rule: str, params: list, price_wei: list, fp, chunk_size: int) -> tuple[int, float]:
    """(pool updates, seconds) of executing every pool's blocks in BatchCaller transactions of `chunk_size`
    pools, one process. params[i]: pool i's parameters; price_wei[i]: its (blocks + 1, n) price rows in wei
    (pools of a chunk may have different lengths: each leaves the batch after its own last block)."""
    from parity.harness.mapping import state_map_for
    from parity.pools import create_pool
    from parity.sweep.session import ChainSession, pool_start

    pool = create_pool(rule)
    smap = state_map_for(pool.chain_rule)
    updates, seconds = 0, 0.0
    for c in range(0, len(params), chunk_size):
        ps, ws = params[c : c + chunk_size], price_wei[c : c + chunk_size]
        starts = [pool_start(pool, p, fp, w[0], np.array(w[0], dtype=np.float64) / 1e18, smap) for p, w in zip(ps, ws)]
        session = ChainSession(pool.chain_rule, starts, smap, len(ws[0][0]), 0, rule)
        errors = _NoErrors()
        session.initialise(errors)
        horizons = [len(w) - 1 for w in ws]
        t0 = time.perf_counter()
        for k in range(1, max(horizons) + 1):
            for i, h in enumerate(horizons):
                if h < k:
                    session.alive[i] = False
            session.update(k, {i: ws[i][k] for i in np.nonzero(session.alive)[0]}, fp.chunk_period, errors)
        seconds += time.perf_counter() - t0
        updates += sum(horizons)
    return updates, seconds
