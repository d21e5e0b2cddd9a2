"""Pool level: the two operations around the rule that the runner adds (docs/production-loop.md).

Before the rule, the runner reads the pool's weights at the update time, w⁰ = W + M·τ with
τ = min(now, lastInterp) − lastUpdate; the rule runs with w⁰ as its previous weights. After it, the
runner's multiplier m = tdiv(w − w⁰, Δ) in wei per second. Both sides compute them with their own
functions: the simulator's ``parity.weights.onchain.weights_at`` / ``multipliers``, the model's
``PoolModel.normalized_weights`` / ``multipliers_and_last_interp``. The rule then re-runs from the chain's
w⁰ on both sides, as at rule level.
"""

from __future__ import annotations

import dataclasses

from parity.explain import bounds as b
from parity.explain.case import BlockCase
from parity.explain.ops import Op, SideEnv

QUANTUM = 10**9  # the pool stores 9 decimals
WAD = 10**18


def _stored(case: BlockCase) -> tuple[list[int], list[int], int, int]:
    """(W, M, lastUpdate, lastInterp) of the pool before the block; at creation W = trunc9(w₀), M = 0."""
    prev = case.state_prev
    if "pool_weights" not in prev:  # the initial state: the pool was just created
        w = [int(x) // QUANTUM * QUANTUM for x in prev["weights"]]
        return w, [0] * case.n, 0, 0
    seconds = lambda key: int(prev[key][0]) // WAD  # noqa: E731  (times are written as 18-decimal numbers)
    return list(prev["pool_weights"]), list(prev["multipliers"]), seconds("last_update"), seconds("last_interp")


def pool_case(case: BlockCase) -> tuple[BlockCase, dict, list[float]]:
    """(the case with previous weights w⁰ = the model's pool weights at the block's time, the pool inputs of
    the ops below, the simulator's w⁰)."""
    import numpy as np

    from parity.fixedpoint.production import PoolModel
    from parity.weights import onchain

    w, m, last_update, last_interp = _stored(case)
    now = int(case.timestamp)
    model = PoolModel(n=case.n, threshold=0)
    model.store(w + m, last_update, last_interp)
    w0 = [int(x) for x in model.normalized_weights(now)]
    carry = onchain.carry_from_ints(w, m, last_update, last_interp)
    jax_w0 = [float(x) for x in np.asarray(onchain.weights_at(carry, now)).ravel()]
    tau = (min(now % 2**40, last_interp) - last_update) % 2**40 if any(m) else 0
    state = {**case.state_prev, "weights": w0}
    inputs = {"pool_W": w, "pool_M": m, "tau": tau, "interval": int(case.fingerprint.chunk_period) * 60}
    return dataclasses.replace(case, state_prev=state), inputs, jax_w0


def multipliers(case: BlockCase, inputs: dict, jax_weights, model_weights) -> tuple[list[float] | None, list[int] | None]:
    """The runner's multipliers on each side, from its own w (and the shared w⁰); None where w is missing."""
    import numpy as np

    from parity.fixedpoint.production import multipliers_and_last_interp
    from parity.harness.mapping import from_wei_array
    from parity.weights import onchain

    w0 = case.state_prev["weights"]
    jax_m = None
    if jax_weights is not None and len(jax_weights) == case.n:
        m, _ = onchain.multipliers(from_wei_array(w0), np.asarray(jax_weights), inputs["interval"])
        jax_m = [float(x) for x in np.asarray(m).ravel()]
    model_m = None
    if model_weights is not None and len(model_weights) == case.n:
        values, _ = multipliers_and_last_interp(list(w0), list(model_weights), inputs["interval"], case.guard_rail,
                                                int(case.timestamp))
        model_m = [int(x) for x in values[case.n:]]
    return jax_m, model_m


def _prev_weights(s: SideEnv, i: int):
    tau = int(s.inputs["tau"][0])
    return b.add(s.inp("pool_W", i), b.scale(s.inp("pool_M", i), tau))


def _multiplier(s: SideEnv, i: int):
    q = b.tdiv(b.sub(s.val("weights", i), s.inp("weights_prev", i)), int(s.inputs["interval"][0]))
    # the simulator applies the chain's truncation to whole wei per second where float64 resolves it
    return dataclasses.replace(q, f=q.f + b.WEI) if s.is_float else q


BEFORE = (Op("prev_weights", "pool", "w⁰ = W + M·τ (the pool's weights at the update)", _prev_weights),)
AFTER = (Op("raw_multipliers", "pool", "m = (w − w⁰)/Δ, truncated to wei per second", _multiplier),)
