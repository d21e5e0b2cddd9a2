"""The production model at a state read from a chain, instead of one built by replaying a deployment
(parity.fixedpoint.production.ProductionModel.deployed).

An audit of a live pool knows what the runner's, the pool's and the rule's views say at one block: the
registration (rule, oracles, λ, ε, g, parameters, interval, manager), the pool's two weight words and times,
the runner's lastPoolUpdateRun and the rule's state per getter. `seeded_model` builds the model holding
exactly that state, so the next call (performUpdate) runs from it; `observed_state` reads the same views back
from a model; `apply_event` moves a model along a state change it did not run itself (a break-glass setter
seen only through its events).

Rule state seeding: every unpacked getter (getMovingAverages, getIntermediateGradientState,
getIntermediateVarianceState) returns the n int128 values the contract unpacks from its int128-pair words
(docs/storage.md); they are packed back into ⌈n/2⌉ words. How a contract stored an odd tail ((0, x) or sign-
extended) is not visible through the getter, and nothing a rule computes depends on it: every read unpacks
the low half, every write replaces the word. DifferenceMomentum's shortMovingAverages is public as raw words
and is seeded word for word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from .production import ProductionModel
from .production_state import MASK_PERFORM_UPDATE, ZERO_ADDRESS, OracleModel, Registration, words_of_fields
from .rules.base import GRADIENT_STATES, MOVING_AVERAGES, SHORT_MOVING_AVERAGES, VARIANCE_STATES
from .storage import pack_pair

# rule getter -> (storage mapping, the model's method, packed: the getter returns raw words by index)
GETTERS = {
    "getMovingAverages": (MOVING_AVERAGES, "get_moving_averages", False),
    "getIntermediateGradientState": (GRADIENT_STATES, "get_intermediate_gradient_state", False),
    "getIntermediateVarianceState": (VARIANCE_STATES, "get_intermediate_variance_state", False),
    "shortMovingAverages": (SHORT_MOVING_AVERAGES, "short_moving_averages", True),
}


@dataclass(frozen=True)
class ObservedPool:
    """One pool's registration with one runner, as the runner's and the pool's views give it."""

    rule: str  # parity's rule name: which integer model runs
    n: int
    runner: str
    pool: str
    rule_address: str
    oracles: tuple  # per asset: (primary, backup 1, ...)
    lambda_store: tuple
    parameters: tuple
    epsilon_max: int
    guard_rail: int
    interval: int
    pool_manager: str
    staleness: int
    admin: str = ZERO_ADDRESS
    actions: int = MASK_PERFORM_UPDATE


@dataclass(frozen=True)
class ObservedState:
    """What the views say at one block: rule state per getter (raw words for a packed getter), the pool's
    stored fields (firstFour/secondFourWeightsAndMultipliers, 18 decimals) and times, the runner's last run."""

    rule_state: dict
    first_four: tuple
    second_four: tuple
    last_update: int
    last_interp: int
    last_run: int
    extra: dict = field(default_factory=dict, compare=False)


def state_words(values) -> list[int]:
    """n int128 values as ⌈n/2⌉ int128-pair words (an odd tail in the low half)."""
    n = len(values)
    words = [pack_pair(values[2 * k], values[2 * k + 1]) for k in range(n // 2)]
    return words + ([pack_pair(0, values[-1])] if n % 2 else [])


def seeded_model(pool: ObservedPool, state: ObservedState, *, oracle_reads: dict | None = None,
                 compiler_profile: str = "legacy") -> ProductionModel:
    """A model of `pool` holding `state`. oracle_reads: {oracle address: (value, timestamp), or None for a
    read that reverted}; oracles not given answer (0, 0)."""
    addresses = SimpleNamespace(runner=pool.runner, pool=pool.pool, rule=pool.rule_address, driver=ZERO_ADDRESS,
                                admin=pool.admin, oracles=pool.oracles, pool_manager=pool.pool_manager)
    config = SimpleNamespace(rule=pool.rule, n=pool.n, pool_registry=0)
    m = ProductionModel(config, addresses, compiler_profile=compiler_profile)
    every = {o for per in m.oracle_addresses for o in per}
    m.runner.approved_oracles = set(every)
    m.runner.actions[m.pool_address] = pool.actions | MASK_PERFORM_UPDATE
    m.runner.pools[m.pool_address] = Registration(
        rule=m.rule_address, oracles=[list(per) for per in m.oracle_addresses], lambda_store=list(pool.lambda_store),
        parameters=[list(r) for r in pool.parameters], epsilon_max=pool.epsilon_max, guard_rail=pool.guard_rail,
        interval=pool.interval, pool_manager=pool.pool_manager, last_run=state.last_run)
    _seed_pool(m, pool, state)
    _seed_rule(m, state.rule_state)
    reads = {_checksum(o): r for o, r in (oracle_reads or {}).items()}
    m.oracles = {o: _oracle(reads[o]) if o in reads else OracleModel() for o in every}
    return m


def _seed_pool(m: ProductionModel, pool: ObservedPool, state: ObservedState) -> None:
    p = m.pool
    p.initialized, p.runner, p.threshold, p.interval = True, m.runner_address, pool.staleness, pool.interval
    p.lambda_store, p.parameters = list(pool.lambda_store), [list(r) for r in pool.parameters]
    p.epsilon_max, p.guard_rail = pool.epsilon_max, pool.guard_rail
    p.word_a, p.word_b = words_of_fields(list(state.first_four)), words_of_fields(list(state.second_four))
    p.last_update, p.last_interp = state.last_update, state.last_interp


def _seed_rule(m: ProductionModel, rule_state: dict) -> None:
    key = m.pool_address.lower()
    for getter, values in rule_state.items():
        mapping, _, packed = GETTERS[getter]
        if mapping not in m.rule._storage:
            raise ValueError(f"rule state {getter}: the {m.rule.name} model keeps no {mapping}")
        m.rule._storage[mapping][key] = list(values) if packed else state_words(list(values))


def _oracle(read) -> OracleModel:
    if read is None:
        return OracleModel(mode="revert")  # getData() reverted: the runner reads (0, 0)
    return OracleModel(value=int(read[0]), timestamp=int(read[1]))


def observed_state(m: ProductionModel, getters, *, words: int | None = None) -> ObservedState:
    """The views of `m` as an ObservedState: the rule state through `getters` (a packed getter reads
    `words` words, default ⌈n/2⌉)."""
    rule_state = {}
    for getter in getters:
        _, method, packed = GETTERS[getter]
        fn = getattr(m.rule, method)
        if packed:
            count = (m.n + 1) // 2 if words is None else words
            rule_state[getter] = [fn(m.pool_address, i) for i in range(count)]
        else:
            rule_state[getter] = fn(m.pool_address, m.n)
    first, second = m.pool.dynamic_data_words()
    return ObservedState(rule_state, tuple(first), tuple(second), m.pool.last_update, m.pool.last_interp,
                         m.runner.last_run(m.pool_address))


def apply_event(m: ProductionModel, role: str, name: str, args: dict, now: int) -> bool:
    """Move `m` along a state change seen through one event of its runner or pool at block time `now`; True
    when the event changes modelled state. The pool's WeightsUpdated carries what every setWeights stored
    (the untruncated array, lastInterp; lastUpdateTime = now), the runner's PoolLastRunSet the last run, its
    SetIntermediateValuesManually the rule's re-initialisation."""
    if role == "pool" and name == "WeightsUpdated":
        m.pool.store([int(v) for v in args["calculatedWeightsAndMultipliers"]], now,
                     int(args["lastInterpolationTimePossible"]))
        return True
    if role != "runner":
        return False
    if name == "PoolLastRunSet" and _same(args["poolAddress"], m.pool_address):
        m.runner.pools[m.pool_address].last_run = int(args["time"])
        return True
    if name == "SetIntermediateValuesManually" and _same(args["pool"], m.pool_address):
        m.rule.initialise(m.pool_address, [int(v) for v in args["newMovingAverages"]],
                          [int(v) for v in args["newParameters"]], int(args["numberOfAssets"]), sender=m.runner_address)
        return True
    return False


def _checksum(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


__all__ = ["GETTERS", "ObservedPool", "ObservedState", "apply_event", "observed_state", "seeded_model", "state_words"]
