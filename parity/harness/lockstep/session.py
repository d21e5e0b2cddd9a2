"""The lockstep as one pipeline of named stages over a pair of sides:

    validate (plan.py) -> map (inputs.py, JaxSide.start) -> deploy -> initialise -> step -> finish

`run_session` runs stages 3-6 for any level: the level only chooses which sides (sides.py for rule level,
pool_sides.py for pool level) are passed in. The session owns no arithmetic: the sides compute, compare.py
measures errors, and this module records what happened into a LockstepResult.

Block numbering: block k is the k-th update after the initialisation price (update price row k; row 0
initialises). Burn-in blocks 1..burn_in are either replayed (executed on both sides and compared, but not
counted towards the verdict) or seeded (the JAX side warms up over them and its state initialises the
contract; the first compared block is burn_in + 1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from parity.harness import compare as cmp
from parity.harness.lockstep.inputs import RunInputs, contract_to_rule
from parity.harness.lockstep.plan import Plan
from parity.harness.lockstep.result import LockstepResult, ModelMismatch, RevertInfo
from parity.harness.lockstep.sides import StepReverted, revert_reason_of


@dataclass
class Sides:
    """One level's configuration: the JAX side, the chain side and the integer-model side (None = off)."""

    jax: Any
    chain: Any
    model: Any = None


def run_session(plan: Plan, inputs: RunInputs, sides: Sides, t_start: float | None = None) -> LockstepResult:
    """Stages map (initial state) -> deploy -> initialise -> step -> finish; returns the result (also when a
    revert stopped the run)."""
    t_start = time.perf_counter() if t_start is None else t_start
    t0 = sides.chain.start_time(plan.request.start_timestamp)
    initial = sides.jax.start(inputs, plan.seeded, t0)
    deploy(sides, t0, initial)
    result = new_result(plan, inputs, sides, initial)
    initialised = initialise(result, sides, initial, t0 + 1)
    if initialised:
        # a chain side that answers a recorded history brings its own update times (parity.audit)
        times = sides.chain.update_times(t0) if hasattr(sides.chain, "update_times") else block_times(plan, t0)
        step_blocks(result, plan, inputs, sides, times)
    finish(result, plan, inputs, sides, cross_check=initialised and plan.request.vectorized_check, t_start=t_start)
    return result


# ---------------------------------------------------------------------------------------------------------
# deploy
# ---------------------------------------------------------------------------------------------------------


def deploy(sides: Sides, t0: int, initial: dict) -> None:
    """Stage 3: deploy the chain side's contracts at t0 (a pool is created holding the initial state)."""
    sides.chain.deploy(t0, initial)


def block_times(plan: Plan, t0: int) -> list[tuple[int, int, int]]:
    """(update block k, its timestamp, the next update's timestamp) for every executed block: each one chunk
    period after the previous one (the first after t0), plus the plan's seeded delay (pool level
    --update-jitter; 0 otherwise). Delays add up: the runner refuses an update sooner than one interval
    after the last, so a keeper that is late stays late."""
    period = max(int(getattr(plan.request.run_fingerprint, "chunk_period", 1)), 1) * 60
    start = plan.seeded
    delays = plan.delays(plan.total - start + 1)
    times = (t0 + np.cumsum(period + delays.astype(np.int64))).tolist()
    return [(k, times[k - start - 1], times[k - start]) for k in range(start + 1, plan.total + 1)]


def new_result(plan: Plan, inputs: RunInputs, sides: Sides, initial: dict) -> LockstepResult:
    req = plan.request
    result = LockstepResult(
        rule=getattr(req.pool, "rule", None) or contract_to_rule(plan.contract) or plan.contract,
        contract=plan.contract,
        backend=sides.chain.backend,
        n_assets=plan.n,
        mode=req.mode,
        burn_in=int(req.burn_in),
        burn_in_mode=req.burn_in_mode,
        blocks_requested=int(plan.blocks),
        chunk_period=int(getattr(inputs.fingerprint, "chunk_period", 0)),
        mapped=inputs.mapped,
        state_map=plan.state_map,
        tolerances={},
        scales={},
        model_check=sides.model is not None,
    )
    result.level = getattr(sides.jax, "level", "rule")
    result.initial = {**initial, "block": plan.seeded}
    result.artifact_info = sides.chain.artifact_info()
    result.jax = {f: [] for f in sides.jax.fields}
    result.chain = {f: [] for f in sides.jax.fields}
    return result


# ---------------------------------------------------------------------------------------------------------
# initialise
# ---------------------------------------------------------------------------------------------------------


def initialise(result: LockstepResult, sides: Sides, initial: dict, timestamp: int) -> bool:
    """Stage 4: hand the initial state to the chain (and the model); False when the chain reverted."""
    try:
        state = sides.chain.initialise(initial, timestamp)
    except StepReverted as e:
        result.revert = RevertInfo(0, e.function, e.reason, e.inputs, e.backend, e.chain_block)
        if sides.model is not None:
            result.revert.model_reason = revert_reason_of(lambda: sides.model.initialise(initial, timestamp))
        return False
    if sides.model is not None:
        check_model(result, 0, state, sides.model.initialise(initial, timestamp))
    return True


def check_model(result: LockstepResult, block: int, chain_values: dict, model_values: dict) -> bool:
    """Chain vs integer model at zero tolerance; records the first mismatch. True when they agree."""
    mm = cmp.exact_mismatch(chain_values, model_values)
    if mm is None:
        return True
    fld, asset = mm
    cv = chain_values[fld][asset] if asset >= 0 else chain_values[fld]
    mv = model_values.get(fld, [None] * (asset + 1))[asset] if asset >= 0 else model_values.get(fld)
    result.model_mismatch = ModelMismatch(block, fld, asset, cv, mv, dict(chain_values), dict(model_values))
    return False


# ---------------------------------------------------------------------------------------------------------
# step
# ---------------------------------------------------------------------------------------------------------


def step_blocks(result: LockstepResult, plan: Plan, inputs: RunInputs, sides: Sides, times) -> None:
    """Stage 5: every update block on the JAX side, the chain and the model; stops at a revert."""
    model_ok = sides.model is not None and result.model_mismatch is None
    bar = _progress(len(times), plan.request.progress)
    t_loop = time.perf_counter()
    overlap = hasattr(sides.jax, "dispatch")  # pool level: the JAX step runs while the chain mines its block
    for k, ts, next_ts in times:
        when = (inputs.price_wei[k], ts, next_ts)
        if overlap:
            sides.jax.dispatch(inputs.price_dec[k], ts, next_ts)
        else:
            jax_values = sides.jax.step(inputs.price_dec[k], ts, next_ts)
        try:
            obs = sides.chain.step(k, *when)
        except StepReverted as e:
            jax_values = sides.jax.collect() if overlap else jax_values
            record_revert(result, k, e, jax_values, sides.model if model_ok else None, when)
            break
        if overlap:
            jax_values = sides.jax.collect()
        if model_ok:
            model_ok = check_model_step(result, k, obs.values, sides.model, when)
        # after_block may complete jax_values with fields computed on the chain's values (pool level)
        result.excused.extend(sides.jax.after_block(k, jax_values, obs.values, inputs.price_wei[k], plan.request.mode))
        record_block(result, k, plan, jax_values, obs, inputs.price_wei[k])
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    result.timing["loop_s"] = time.perf_counter() - t_loop
    result.timing["blocks"] = len(result.block_ids)


def check_model_step(result: LockstepResult, k: int, chain_values: dict, model, when) -> bool:
    """Run the model's block k and compare it with the chain's; False once they disagree."""
    try:
        m_obs = model.step(k, *when)
    except Exception as exc:  # the model reverted where the chain did not
        reason = getattr(exc, "reason", repr(exc))
        result.model_mismatch = ModelMismatch(k, "revert", -1, "(no revert)", reason, dict(chain_values), {})
        return False
    ok = check_model(result, k, chain_values, m_obs.values)
    result.model_blocks_checked += 1
    return ok


def record_revert(result: LockstepResult, k: int, e: StepReverted, jax_values: dict, model, when) -> None:
    """The chain reverted at block k: record the revert, what JAX computed, and whether the model agrees."""
    result.revert = RevertInfo(
        block=k, function=e.function, reason=e.reason, inputs=e.inputs, backend=e.backend,
        chain_block=e.chain_block, jax_weights=[float(x) for x in np.asarray(jax_values["weights"])],
    )
    if model is not None:
        result.revert.model_reason = revert_reason_of(lambda: model.step(k, *when))
        if result.revert.model_reason != e.reason:
            result.model_mismatch = ModelMismatch(k, "revert", -1, e.reason, result.revert.model_reason, {}, {})


def record_block(result: LockstepResult, k: int, plan: Plan, jax_values: dict, obs, price_wei) -> None:
    for f in result.jax:
        result.jax[f].append(jax_values[f])
        result.chain[f].append(obs.values[f])
    result.block_ids.append(k)
    result.burn_in_rows.append(k <= plan.request.burn_in)
    result.chain_blocks.append(obs.chain_block)
    result.timestamps.append(obs.timestamp)
    result.prices_wei.append(price_wei)
    for key, value in (obs.extra or {}).items():
        result.pool.setdefault(key, []).append(value)


def _progress(total: int, enabled: bool):
    if not enabled or total < 200:
        return None
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="block", file=sys.stderr, leave=False)


# ---------------------------------------------------------------------------------------------------------
# finish
# ---------------------------------------------------------------------------------------------------------


def finish(result: LockstepResult, plan: Plan, inputs: RunInputs, sides: Sides, *, cross_check: bool, t_start: float) -> None:
    """Stage 6: tolerances, per-field errors, the first divergence, the worst per field and the vectorized
    cross-check."""
    kinds, defaults, scales = sides.jax.tolerance_basis(result, inputs.price_dec)
    over = plan.request.tolerances or {}
    fields = list(result.jax)
    result.tolerances = {f: float(over.get(f, over.get(kinds[f], defaults[kinds[f]]))) for f in fields}
    result.scales = {f: scales[kinds[f]] for f in fields}
    if result.block_ids:
        counted = result.counted
        for f in fields:
            result.errors[f] = cmp.field_errors(f, np.array(result.jax[f]), result.chain[f], result.scales[f], result.tolerances[f])
        excused = excused_masks(result)
        result.first_divergence = cmp.first_divergence(result.errors, result.block_ids, counted, excused)
        result.worst = cmp.worst_per_field(result.errors, result.block_ids, counted, excused)
    if cross_check and result.block_ids:
        result.vectorized = sides.jax.cross_check(result, inputs, plan.seeded)
    result.timing["total_s"] = time.perf_counter() - t_start


def excused_masks(result: LockstepResult) -> dict:
    """field -> bool (blocks, width) marking elements explained by a truncation-boundary note (not counted)."""
    masks = {}
    row_of = {k: i for i, k in enumerate(result.block_ids)}
    for note in result.excused:
        e = result.errors.get(note["field"])
        if e is None or note["block"] not in row_of:
            continue
        mask = masks.setdefault(note["field"], np.zeros(e.scaled.shape, dtype=bool))
        mask[row_of[note["block"]], note["asset"]] = True
    return masks
