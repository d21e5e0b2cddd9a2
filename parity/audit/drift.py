"""Drift over an audited range: the idealised backtest of the pool's rule on the oracle values the pool read,
against the weights the pool really had (the report of `parity drift`, parity.drift.DriftReport).

* idealised: the rule's float64 step from the chain's rule state and weights before the first update, fed
  back its own coarse weights (the scan path), at the real update times; the fine weights ramp linearly from
  one coarse weight to the next over the update interval;
* realised: the pool's own weights W + M·τ, exact, from what each update stored and what every other state
  change stored (a manual setter is part of the realised history, not of the backtest).

Both are evaluated at GRID times spread over each interval between updates, with the prices the pool read
held until the next update (nothing else is known about the prices in between); the pool values are the
zero-fee arbitrage values of parity.runners on those rows (the realised pool's weights normalised to sum 1).
"""

from __future__ import annotations

import bisect

import numpy as np

from parity.audit.history import AuditHistory
from parity.fixedpoint.production_state import PoolModel, words_of_fields

GRID = 8  # evaluation times per interval between two updates
INITIAL_VALUE = 1e6


def _pool(state, n: int) -> PoolModel:
    p = PoolModel(n=n)
    p.word_a, p.word_b = words_of_fields(list(state.first_four)), words_of_fields(list(state.second_four))
    p.last_update, p.last_interp = int(state.last_update), int(state.last_interp)
    return p


def realised_timeline(h: AuditHistory) -> list[tuple[int, PoolModel]]:
    """(from time, the pool's storage) after every update and every other change that stored weights."""
    out = [(u.timestamp, _pool(u.post, h.n)) for u in h.updates]
    for change in h.interventions:
        for e in change.events:
            if e.role == "pool" and e.name == "WeightsUpdated":
                p = PoolModel(n=h.n)
                p.store([int(v) for v in e.args["calculatedWeightsAndMultipliers"]], change.timestamp,
                        int(e.args["lastInterpolationTimePossible"]))
                out.append((change.timestamp, p))
    return sorted(out, key=lambda item: item[0])


def _weights_at(timeline: list, starts: list, t: int) -> np.ndarray:
    state = timeline[max(bisect.bisect_right(starts, t) - 1, 0)][1]
    try:
        return np.array(state.normalized_weights(t), dtype=np.float64) / 1e18
    except Exception:  # a stuck pool (negative or wrapped weight): no meaningful weight
        return np.full(state.n, np.nan)


def ideal_coarse(h: AuditHistory, plan, inputs, pre_states: list) -> np.ndarray:
    """The backtest's coarse weight after each update (K, n)."""
    from parity.audit.sides import state_values
    from parity.harness.driver import make_jax_step
    from parity.harness.lockstep.jaxstep import initial_carries
    from parity.harness.lockstep.sides import chain_estimator_state

    pool, fp, smap = plan.request.pool, inputs.fingerprint, plan.state_map
    params = inputs.mapped.jax_params
    est, wt = initial_carries(pool, params, fp, inputs.price_dec[0], inputs.w0, smap.weight_key)
    state = state_values(smap, pre_states[0].rule_state, h.n)
    est = {**est, **{k: np.asarray(v) for k, v in chain_estimator_state(est.keys(), smap, state, h.updates[0].data).items()}}
    step = make_jax_step(pool, params, fp)
    out = []
    for k in range(1, len(h.updates) + 1):
        est, wt, w = step(est, wt, inputs.price_dec[k])
        out.append(np.asarray(w, dtype=np.float64))
    return np.array(out)


def grid(h: AuditHistory, interval: int) -> tuple[np.ndarray, np.ndarray]:
    """(times, index of the update in force) over [first update, last update + interval)."""
    times = [u.timestamp for u in h.updates] + [h.updates[-1].timestamp + interval]
    ts, ks = [], []
    for k in range(len(h.updates)):
        span = times[k + 1] - times[k]
        ts += [times[k] + span * j // GRID for j in range(GRID)]
        ks += [k] * GRID
    return np.array(ts, dtype=np.int64), np.array(ks)


def audit_drift(h: AuditHistory, plan, inputs, pre_states: list):
    """The DriftReport of the audited range (None for a single update: nothing to compare over)."""
    from parity.drift import DriftReport
    from parity.runners import zero_fee_reserves

    if len(h.updates) < 2:
        return None
    interval = h.epochs[0].interval
    coarse = ideal_coarse(h, plan, inputs, pre_states)
    times, ks = grid(h, interval)
    starts = np.array([u.timestamp for u in h.updates])[ks]
    prev = np.vstack([inputs.w0, coarse[:-1]])[ks]
    ramp = np.minimum((times - starts) / interval, 1.0)[:, None]
    ideal = prev + (coarse[ks] - prev) * ramp
    timeline = realised_timeline(h)
    starts = [start for start, _ in timeline]
    real = np.array([_weights_at(timeline, starts, int(t)) for t in times])
    prices = inputs.price_dec[1:][ks]
    v_ideal = np.sum(np.asarray(zero_fee_reserves(ideal, prices, INITIAL_VALUE)) * prices, axis=1)
    shares = real / np.sum(real, axis=1, keepdims=True)
    v_real = np.sum(np.asarray(zero_fee_reserves(shares, prices, INITIAL_VALUE)) * prices, axis=1)
    shortfall, lost = _shortfall(h, interval)
    return DriftReport(
        assets=[f"asset{i}" for i in range(h.n)], rows=len(times), updates=len(h.updates),
        settings={"grid_per_interval": GRID, "interval_s": interval, "from_time": int(times[0]), "to_time": int(times[-1])},
        weight_diff=real - ideal, value_bp=(v_real / v_ideal - 1.0) * 1e4, shortfall=shortfall, lost_moves=lost,
        final_values={"idealised": float(v_ideal[-1]), "production": float(v_real[-1])})


def _shortfall(h: AuditHistory, interval: int) -> tuple[np.ndarray, int]:
    """Per update: the rule's target − the weight the stored W, M reach one interval later; and the updates
    whose every stored multiplier truncated to 0 although the rule moved the weights."""
    out, lost = [], 0
    for u in h.updates:
        target = np.array([int(v) for v in u.event("runner", "CalculateWeightsResponse")["updatedWeights"]], dtype=np.float64)
        pool = _pool(u.post, h.n)
        try:
            reached = np.array(pool.normalized_weights(u.timestamp + interval), dtype=np.float64)
        except Exception:  # a stuck pool: no weight is reached
            reached = np.full(h.n, np.nan)
        out.append((target - reached) / 1e18)
        _, m = pool.weights_and_multipliers()
        lost += int(any(int(a) != b for a, b in zip(u.event("runner", "CalculateWeightsResponse")["updatedWeights"],
                                                    u.current_weights)) and not any(m))
    return np.array(out), lost
