"""Lockstep driver: the JAX scan path and an on-chain rule, one update block at a time.

`run_lockstep` is the stable entry point; it is a thin wrapper over the staged pipeline in
parity.harness.lockstep (validate -> map -> deploy -> initialise -> step -> finish), choosing the sides of
the requested level. For each update block k the JAX side takes one jitted `calculate_coarse_weight_step`
and the chain mines one `CalculateNewWeights` transaction in its own block; the state getters are read and
every field is compared. Optionally the exact integer model (parity.fixedpoint) runs the same calls and
must equal the chain with zero tolerance, and the vectorized path is computed over the same prices and
compared with the scan path.
"""

from __future__ import annotations

import time

from parity.float64 import guarded
from parity.harness.lockstep.inputs import VALID_PARAMETER_RULES, RunInputs, map_inputs
from parity.harness.lockstep.jaxstep import make_jax_step, vectorized_trajectory
from parity.harness.lockstep.plan import (
    BURN_IN_MODES,
    DEFAULT_START_TIMESTAMP,
    MODES,
    POOL_ADDRESS,
    LockstepRequest,
    Plan,
    validate,
)
from parity.harness.lockstep.result import LockstepResult, ModelMismatch, RevertInfo, SetupError
from parity.harness.lockstep.session import Sides, run_session
from parity.harness.lockstep.pool_sides import PoolChainSide, PoolJaxSide, PoolModelSide
from parity.harness.lockstep.sides import RuleChainSide, RuleJaxSide, RuleModelSide, rule_artifacts
from parity.harness.mapping import StateMap

_rule_artifacts = rule_artifacts  # the name parity verify, parity.fixtures and benchmarks import (profile="legacy")

__all__ = [
    "BURN_IN_MODES",
    "DEFAULT_START_TIMESTAMP",
    "MODES",
    "POOL_ADDRESS",
    "VALID_PARAMETER_RULES",
    "LockstepResult",
    "ModelMismatch",
    "RevertInfo",
    "SetupError",
    "make_jax_step",
    "run_lockstep",
    "run_pool_lockstep",
    "vectorized_trajectory",
]


def rule_level_sides(plan: Plan, inputs: RunInputs, chain, *, deployed=None, artifact=None) -> Sides:
    """Rule level: the scan path's coarse-weight step, the rule contract alone, the integer rule model."""
    jax_side = RuleJaxSide(plan.request.pool, inputs, plan.state_map, make_jax_step)
    chain_side = RuleChainSide(chain, plan, inputs, deployed=deployed, artifact=artifact)
    model_side = RuleModelSide(inputs.model, plan, inputs) if inputs.model is not None else None
    return Sides(jax_side, chain_side, model_side)


@guarded
def run_lockstep(
    pool,
    params: dict,
    run_fingerprint,
    prices,
    chain,
    *,
    blocks: int | None = None,
    mode: str = "independent",
    burn_in: int = 0,
    burn_in_mode: str = "replay",
    state_map: StateMap | None = None,
    tolerances: dict | None = None,
    model_check: bool = True,
    vectorized_check: bool = True,
    progress: bool = True,
    start_timestamp: int | None = None,
    sender: str | None = None,
    deployed=None,
    artifact=None,
    rule_contract: str | None = None,
    pool_address: str = POOL_ADDRESS,
    compiler_profile: str = "legacy",
) -> LockstepResult:
    """Run the JAX scan path and the rule contract in lockstep and compare every field at every block.

    pool: any object with the scan-path methods (get_initial_rule_state, calculate_coarse_weight_step) and
      the parameter encoding (chain_params, encode_chain_params, decode_chain_params); `chain_rule` names
      the contract unless `rule_contract` does.
    prices: (rows, n) at the fingerprint's price_interval; every chunk_period/price_interval-th row is an
      update (row 0 initialises).
    chain: a parity.chain Chain. `deployed` attaches to an already-deployed rule (runner = `sender`);
      otherwise `artifact` (default: compiled from contracts/) is deployed with `sender` as runner.
    pool_address: the storage key of the simulated pool (initialised, so reusing a key or a contract is safe).
    compiler_profile: "legacy" (default) or "via-ir": the build that is deployed and the operand order the
      integer model follows (they differ only on malformed input; docs/malformed-inputs.md).
    Returns a LockstepResult (also when a revert stops the run). Raises ValueError for bad inputs (before
    deploying anything) and SetupError when the chain side cannot be set up.
    """
    t_start = time.perf_counter()
    request = LockstepRequest(
        pool, params, run_fingerprint, prices, blocks=blocks, mode=mode, burn_in=burn_in,
        burn_in_mode=burn_in_mode, state_map=state_map, tolerances=tolerances, model_check=model_check,
        vectorized_check=vectorized_check, progress=progress, start_timestamp=start_timestamp, sender=sender,
        rule_contract=rule_contract, pool_address=pool_address, compiler_profile=compiler_profile,
    )
    plan = validate(request)
    inputs = map_inputs(plan, chain)
    sides = rule_level_sides(plan, inputs, chain, deployed=deployed, artifact=artifact)
    return run_session(plan, inputs, sides, t_start)


def pool_level_sides(plan: Plan, inputs: RunInputs, chain, *, artifacts: dict | None = None) -> Sides:
    """Pool level: the JAX production loop, runner + pool + rule + oracles, the ProductionModel."""
    samples = int(plan.request.options.get("samples_per_interval", 3))
    scenario = plan.oracle_scenario()
    jax_side = PoolJaxSide(plan.request.pool, inputs, plan.state_map, samples, make_jax_step, scenario)
    chain_side = PoolChainSide(chain, plan, inputs, samples, artifacts=artifacts, scenario=scenario)
    model_side = PoolModelSide(chain_side) if inputs.model is not None else None
    return Sides(jax_side, chain_side, model_side)


@guarded
def run_pool_lockstep(
    pool,
    params: dict,
    run_fingerprint,
    prices,
    chain,
    *,
    samples_per_interval: int = 3,
    update_jitter: int = 0,
    jitter_seed: int = 0,
    stale_oracles: float = 0.0,
    stale_seed: int = 0,
    update_delays=None,
    artifacts=None,
    **options,
) -> LockstepResult:
    """Pool level: each update block sets the oracle prices and calls the runner's performUpdate; compares
    the rule state and coarse weights, the pool's stored W, M and times, and getNormalizedWeights at
    `samples_per_interval` times inside each interval (plus the rail time) with the JAX production loop;
    the chain against the ProductionModel at zero tolerance.

    update_jitter: each update is late by a seeded 0..update_jitter seconds (jitter_seed). update_delays:
    instead, the seconds each update is late (any size: a delay of an interval or more is a missed update).
    stale_oracles: the share of primary oracles that are stale at an update, with a fresh or stale backup
    (seeded by stale_seed; parity.harness.lockstep.oracles). artifacts: what to deploy instead of the
    reference stack built with `compiler_profile`: a parity.chain.stack.StackArtifacts (a user's runner, pool
    and rule, or any mix with the reference) or a compile_rules dict.
    options: run_lockstep's blocks, mode, burn_in, burn_in_mode, tolerances, model_check, vectorized_check,
    progress, start_timestamp. Raises ValueError for bad inputs and SetupError for set-up failures.
    """
    t_start = time.perf_counter()
    level_options = {"samples_per_interval": samples_per_interval, "update_jitter": update_jitter, "jitter_seed": jitter_seed}
    if stale_oracles:
        level_options.update(stale_oracles=stale_oracles, stale_seed=stale_seed)
    if update_delays is not None:
        level_options["update_delays"] = [int(d) for d in update_delays]
    request = LockstepRequest(pool, params, run_fingerprint, prices, level="pool", options=level_options, **options)
    plan = validate(request)
    inputs = map_inputs(plan, chain)
    sides = pool_level_sides(plan, inputs, chain, artifacts=artifacts)
    result = run_session(plan, inputs, sides, t_start)
    result.pool.update(level_options)
    if hasattr(sides.chain, "stack"):
        result.pool["stack"] = sides.chain.stack_info()
    return result
