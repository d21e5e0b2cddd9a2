"""The model-vs-EVM check catches each deliberately broken runner or pool, deployed through the user path
(an artifact directory), at its first effective operation.

The stack runs a deterministic trending series (on-time and late updates, samples inside each interval and
past the rail time, and after every update a stranger calling InitialisePoolLastRunTime, which must be
refused). For every variant the first operation where EVM and model differ must be exactly the first
operation where the bug can show, which is worked out here from the correct model's trajectory (equal to
the chain's until that point)."""

from __future__ import annotations

import math
import random

import pytest

from parity.chain import make_chain
from parity.chain import production as prod
from parity.fixedpoint.production import ProductionModel

from production_broken import VARIANTS, broken_stack
from production_io import E, outcome

DELTA = 3_600
N = 2


def run_ops(artifacts, seed: int = 7, updates: int = 40):
    """Yield (op, chain outcome+state, model outcome+state, model pool state before the op, model events)."""
    chain = make_chain("revm")
    rng = random.Random(seed)
    t0 = chain.timestamp() + 100
    prices = [1000.0, 50.0]
    stack = prod.deploy_pool_stack(
        chain, "momentum", artifacts=artifacts, n=N, lambda_store=[8 * E // 10], epsilon_max=E, guard_rail=E // 20,
        parameters=[[20 * E]], update_interval_s=DELTA, initial_weights_wei=[E // 2] * 2,
        moving_averages_wei=[int(p * E) for p in prices], initial_values_wei=[0, 0],
        oracle_prices_wei=[int(p * E) for p in prices], timestamp=t0)
    model = ProductionModel.from_stack(stack)
    t = t0 + 2
    for _ in range(updates):
        drift = math.sin(t / 40_000.0) * 0.08
        prices = [prices[0] * math.exp(drift + rng.gauss(0, 0.01)), prices[1] * math.exp(-drift + rng.gauss(0, 0.01))]
        wei = [int(p * E) for p in prices]
        before = (model.read_pool(), dict(vars(model.pool)))
        c = outcome(lambda: prod.perform_update(chain, stack, t, prices=wei))
        m = outcome(lambda: model.perform_update(t, prices=wei))
        yield ("update", t), (c, prod.read_pool(chain, stack)), (m, model.read_pool()), before
        stranger = chain.accounts[5]
        before = (model.read_pool(), dict(vars(model.pool)))
        c = outcome(lambda: prod.initialise_pool_last_run_time(chain, stack, t, tx_timestamp=t + 1, sender=stranger))
        m = outcome(lambda: model.initialise_pool_last_run_time(t, sender=stranger))
        yield ("setter", t + 1), (c, prod.read_runner(chain, stack)), (m, model.read_runner()), before
        late = rng.choice([0, 0, DELTA // 2, 2 * DELTA])
        for s in (t + DELTA // 2, t + DELTA - 1 + late):
            before = (model.read_pool(), dict(vars(model.pool)))
            c = outcome(lambda: prod.sample_weights(chain, stack, s))
            m = outcome(lambda: model.sample_weights(s))
            yield ("sample", s), (c, None), (m, None), before
        t += DELTA + late


def effective(variant: str, op, model_result, before) -> bool:
    """Whether `variant` changes what this operation shows, judged on the correct model's data."""
    (kind, t), (pool, raw) = op, before
    if variant == "tau_without_min":  # reading past lastInteropTime with a moving weight
        return kind == "sample" and t > raw["last_interp"] >= raw["last_update"] and any(pool["multipliers"])
    if variant == "unguarded_last_run":  # the stranger's call, refused by the model
        return kind == "setter"
    if kind != "update" or model_result[0][0] != "ok":
        return False
    events = {name: args for role, name, args in model_result[0][1] if role == "runner"}
    if variant == "swapped_event_times":
        weights = events["WeightsUpdated"]
        return weights["lastInterpolationTimePossible"] != weights["lastUpdateTime"]
    current, target = events["CalculateWeightsRequest"]["currentWeights"], events["CalculateWeightsResponse"]["updatedWeights"]
    if variant == "base_is_target":
        return current != target
    return any(2 * (abs(w - w0) % DELTA) >= DELTA for w, w0 in zip(target, current))  # rounding changes m


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_model_check_catches_broken_variant_at_first_effective_op(variant, tmp_path):
    first_effective = first_mismatch = None
    for i, (op, chain_side, model_side, before) in enumerate(run_ops(broken_stack(variant, tmp_path))):
        if first_effective is None and effective(variant, op, model_side, before):
            first_effective = (i, op)
        if chain_side != model_side:
            first_mismatch = (i, op)
            break
    assert first_effective is not None, f"{variant}: the scenario never exercises the bug"
    assert first_mismatch == first_effective, f"{variant}: caught at {first_mismatch}, first effective {first_effective}"


def test_correct_contracts_pass_the_same_scenario(artifacts):
    for op, chain_side, model_side, _ in run_ops(artifacts):
        assert chain_side == model_side, op
