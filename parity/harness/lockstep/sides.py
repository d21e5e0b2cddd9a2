"""The sides of a rule-level lockstep: the JAX scan path, the rule contract on a chain, the integer model.

Every level provides one JAX side and two exact sides (chain and integer model) with the same small
interface, so the session runs any level with the same stages:

  JAX side    start(inputs, seeded, t0) -> initial ints; step(price, ts, next_ts) -> {field: float array};
              after_block(k, jax_values, chain_values, price_wei, mode) -> notes; tolerance_basis(result,
              prices); cross_check(result, inputs, start)
  exact side  initialise(initial, timestamp) -> {field: ints}; step(k, price_wei, ts, next_ts) -> Observation
              (a chain side also has start_time, deploy(t0, initial) and artifact_info; it raises
              StepReverted)

`ts` is the block's timestamp and `next_ts` the next update's (the pool level samples the interval between).

The pool level (parity.harness.lockstep.pool_sides) is the second set of sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from parity.adapters.quarantine import check_finite, quiet_callbacks, user_code_error
from parity.harness import compare as cmp
from parity.harness.lockstep.inputs import RunInputs, rejected
from parity.harness.lockstep.jaxstep import as_np, initial_carries, vectorized_trajectory
from parity.harness.lockstep.plan import DEFAULT_START_TIMESTAMP, Plan
from parity.harness.lockstep.result import LockstepResult, SetupError
from parity.harness.mapping import (
    StateMap,
    chain_caller,
    derived_carry,
    encode_weights,
    from_wei_array,
    model_caller,
    read_state,
    to_wei,
)

_ARTIFACTS: dict = {}  # compiler profile -> artifacts


def rule_artifacts(profile: str = "legacy") -> dict:
    """The project's compiled contracts for a compiler profile (compiled once per process)."""
    if profile not in _ARTIFACTS:
        from parity.chain.compile import compile_rules

        _ARTIFACTS[profile] = compile_rules() if profile == "legacy" else compile_rules(profile=profile)
    return _ARTIFACTS[profile]


@dataclass(frozen=True)
class Observation:
    """What an exact side holds after one update block: every compared field as ints, and where it ran."""

    values: dict
    chain_block: int | None = None
    timestamp: int | None = None
    extra: dict | None = None  # per-block facts kept in the result (pool level: sample times, gas)


class StepReverted(Exception):
    """A chain transaction reverted (or halted): which function, why, with which inputs, at which block."""

    def __init__(self, function: str, reason: str, inputs: dict, backend: str, chain_block):
        super().__init__(f"{function} reverted: {reason}")
        self.function, self.reason, self.inputs = function, reason, inputs
        self.backend, self.chain_block = backend, chain_block


def revert_reason_of(fn) -> str:
    """The reason an integer-model call reverts with, or "(no revert)"."""
    try:
        fn()
    except Exception as exc:
        return getattr(exc, "reason", repr(exc))
    return "(no revert)"


# ---------------------------------------------------------------------------------------------------------
# JAX side
# ---------------------------------------------------------------------------------------------------------


class RuleJaxSide:
    """The scan path's coarse-weight step, one update block at a time (estimator carry + weight carry)."""

    level = "rule"

    def __init__(self, pool, inputs: RunInputs, state_map: StateMap, make_step):
        self.pool, self.smap, self.n = pool, state_map, len(inputs.w0)
        self.jax_params, self.fp = inputs.mapped.jax_params, inputs.fingerprint
        self.make_step = make_step
        self.step_fn = make_step(pool, self.jax_params, self.fp)
        self.state_keys = state_map.keys  # the compared states (start() may narrow them, see prepare)
        self.fields = (*state_map.keys, "weights")
        self._resync = None

    def start(self, inputs: RunInputs, seeded: int, t0: int | None = None) -> dict:
        """Initial carries (warmed up over `seeded` blocks); returns the initial state and weights as the
        integers the contract receives, and sets the carry to exactly what those integers decode to."""
        smap, wkey = self.smap, self.smap.weight_key
        prepare = getattr(self.pool, "prepare", None)
        if callable(prepare):  # a plug-in pool that needs the run's prices first (parity.adapters.quantammsim)
            prepare(inputs.price_dec, self.jax_params, self.fp, smap.keys)
        compared = getattr(self.pool, "compared_state_keys", None)
        self.state_keys = smap.keys if compared is None else tuple(k for k in smap.keys if k in compared)
        self.fields = (*self.state_keys, "weights")
        est, wt = initial_carries(self.pool, self.jax_params, self.fp, inputs.price_dec[0], inputs.w0, wkey)
        missing = [k for k in (smap.moving_average_key, smap.init_key, *self.state_keys) if k not in est]
        if missing:
            raise ValueError(f"pool {getattr(self.pool, 'rule', type(self.pool).__name__)}: its scan carry has no "
                             f"{', '.join(map(repr, dict.fromkeys(missing)))} (the rule contract stores "
                             f"{', '.join(smap.keys)}; carry keys: {', '.join(map(str, est))})")
        for k in range(1, seeded + 1):
            est, wt, _ = self.step_fn(est, wt, inputs.price_dec[k])
        ma_key = smap.moving_average_key
        ma_wei = [to_wei(x) for x in as_np(est[ma_key]).ravel()]
        init_wei = [to_wei(x) for x in np.broadcast_to(as_np(est[smap.init_key]), (self.n,)).ravel()]
        w_wei = encode_weights(as_np(wt[wkey]))
        est = dict(est)
        est[ma_key] = jnp.asarray(from_wei_array(ma_wei))
        est[smap.init_key] = jnp.asarray(from_wei_array(init_wei))
        # deviation-form keys (price, <ma>_deviation) consistent with the integers the contract receives
        derived = derived_carry(est.keys(), smap, inputs.price_wei[seeded], {ma_key: ma_wei, smap.init_key: init_wei})
        est.update({key: jnp.asarray(v) for key, v in derived.items()})
        wt[wkey] = jnp.asarray(from_wei_array(w_wei))
        self.est, self.wt = est, wt
        return {ma_key: ma_wei, smap.init_key: init_wei, "weights": w_wei}

    def after_block(self, k: int, jax_values: dict, chain_values: dict, price_wei, mode: str) -> list:
        """Resync mode: the next step starts from the chain's state and weights after this block."""
        if mode == "resync":
            self._resync = (chain_estimator_state(self.est.keys(), self.smap, chain_values, price_wei), chain_values["weights"])
        return []

    def step(self, price, ts: int | None = None, next_ts: int | None = None) -> dict:
        """One update: every compared field as float64 arrays of shape (n,)."""
        if self._resync is not None:
            decoded, weights = self._resync
            self.est = {**self.est, **{key: jnp.asarray(v) for key, v in decoded.items()}}
            self.wt = {**self.wt, self.smap.weight_key: jnp.asarray(from_wei_array(weights))}
        try:
            with quiet_callbacks(self.pool):
                self.est, self.wt, w = self.step_fn(self.est, self.wt, price)
                est, w = jax.device_get((self.est, w))
        except Exception as exc:  # a user's pool failed inside its compiled step: one line (else unchanged)
            raise user_code_error(self.pool, exc) from None
        out = {key: np.asarray(est[key], dtype=np.float64).reshape(self.n) for key in self.state_keys}
        out["weights"] = np.asarray(w, dtype=np.float64).reshape(self.n)
        check_finite(self.pool, out)  # a user's pool: NaN or infinity named (the session adds the block)
        return out

    def tolerance_basis(self, result: LockstepResult, prices: np.ndarray) -> tuple[dict, dict, dict]:
        """(field -> kind, kind -> default tolerance, kind -> per-asset scale) for this run."""
        cp = result.mapped.chain_params
        lamb = _lamb_of(cp)
        if lamb is None:
            lamb = np.array([0.0])
        defaults = cmp.tolerances_for_run(cp, prices, max(len(result.block_ids), 1), result.contract)
        kinds = {f.key: f.kind for f in self.smap.fields}
        kinds["weights"] = "weights"
        return kinds, defaults, cmp.field_scales(prices, lamb)

    def cross_check(self, result: LockstepResult, inputs: RunInputs, start: int) -> dict:
        """Vectorized path vs the scan path's (independent) trajectory over the same prices."""
        price_dec, w0 = inputs.price_dec, inputs.w0
        skip = getattr(self.pool, "cross_check_skip_reason", None)
        if skip:
            return {"skipped": skip}
        if result.mode != "independent" or start:
            # The scan trajectory to compare with is the independent one from the initial price: recompute it.
            scan, first = self._independent_scan(result, price_dec, w0), 1
        else:
            scan, first = {f: np.array(v) for f, v in result.jax.items()}, result.block_ids[0]
        try:
            if not getattr(self.pool, "supports_vectorized_path", lambda: True)():
                return {"skipped": "the pool has no vectorized path"}
            w_start = from_wei_array(encode_weights(w0))
            vec = vectorized_trajectory(self.pool, self.jax_params, self.fp, price_dec, w_start, self.smap)
        except NotImplementedError as exc:
            return {"skipped": str(exc)}
        return compare_trajectories(result, scan, vec, first)

    def _independent_scan(self, result: LockstepResult, price_dec, w0) -> dict:
        step = self.make_step(self.pool, self.jax_params, self.fp)
        wkey = self.smap.weight_key
        est, wt = initial_carries(self.pool, self.jax_params, self.fp, price_dec[0], w0, wkey)
        wt[wkey] = jnp.asarray(from_wei_array(encode_weights(w0)))
        out = {f: [] for f in self.fields}
        for k in range(1, result.block_ids[-1] + 1):
            est, wt, w = step(est, wt, price_dec[k])
            e, w = jax.device_get((est, w))
            for key in self.state_keys:
                out[key].append(np.asarray(e[key], dtype=np.float64))
            out["weights"].append(np.asarray(w, dtype=np.float64))
        return {f: np.array(v) for f, v in out.items()}


def chain_estimator_state(carry_keys, smap: StateMap, chain_values: dict, price_wei) -> dict:
    """The estimator carry entries decoded from the chain's state integers (and the entries derived from them)."""
    state = {key: chain_values[key] for key in smap.keys}
    decoded = {key: from_wei_array(v) for key, v in state.items()}
    decoded.update(derived_carry(carry_keys, smap, price_wei, state))
    return decoded


def compare_trajectories(result: LockstepResult, scan: dict, vec: dict, first: int) -> dict:
    """Errors of the vectorized trajectory against the scan trajectory, field by field, from block `first`."""
    rows = len(scan["weights"])
    blocks = list(range(first, first + rows))
    errors = {}
    for f, s in scan.items():
        if f not in vec:
            continue
        v = np.asarray(vec[f])[first - 1 : first - 1 + rows]
        if v.shape == s.shape:
            errors[f] = cmp.float_errors(f, v, s, result.scales[f], result.tolerances[f])
    return {
        "errors": errors,
        "worst": cmp.worst_per_field(errors, blocks),
        "first_divergence": cmp.first_divergence(errors, blocks),
        "blocks": blocks,
    }


def _lamb_of(chain_params: dict, key="lamb"):
    v = chain_params.get(key)
    return None if v is None else np.asarray(v, dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------
# exact sides: the rule contract on a chain, and the integer rule model
# ---------------------------------------------------------------------------------------------------------


class RuleChainSide:
    """The rule contract on a chain: deployed (or attached), initialised, one CalculateNewWeights per block."""

    def __init__(self, chain, plan: Plan, inputs: RunInputs, *, deployed=None, artifact=None):
        self.chain, self.contract, self.n = chain, plan.contract, plan.n
        self.smap, self.mapped, self.runner = plan.state_map, inputs.mapped, inputs.runner
        self.pool_address = plan.request.pool_address
        self.deployed, self.artifact = deployed, artifact
        self.profile = plan.request.compiler_profile
        self.backend = getattr(chain, "name", type(chain).__name__)

    def start_time(self, requested: int | None) -> int:
        """Timestamp of the deployment block: `requested`, else after the chain's latest block."""
        return requested if requested is not None else max(DEFAULT_START_TIMESTAMP, int(self.chain.timestamp()) + 1)

    def deploy(self, t0: int, initial: dict | None = None) -> None:
        """Deploy the rule (unless attached) with the runner as its updateWeightRunner; check the parameters."""
        from parity.chain.errors import ChainError

        try:
            if self.deployed is None:
                if self.artifact is None:
                    self.artifact = _compiled(self.contract, self.profile)
                self.deployed = self.chain.deploy(self.artifact, self.runner, sender=self.runner, timestamp=t0)
            if not self.chain.call(self.deployed, "validParameters", [self.mapped.parameters], sender=self.runner):
                raise rejected(self.contract, self.mapped.parameters)
        except ChainError as e:
            raise SetupError(f"setting up {self.contract} on {getattr(self.chain, 'name', 'the chain')} failed: {e}") from e
        # sender=None means accounts[0] without re-checksumming the address on every call (hot loop).
        self.tx_sender = None if self.runner == self.chain.accounts[0] else self.runner
        self.call = chain_caller(self.chain, self.deployed, sender=self.tx_sender)

    def artifact_info(self) -> dict:
        info = {}
        if self.artifact is not None:
            info = {k: getattr(self.artifact, k) for k in ("contract_name", "compiler_version", "source_hash") if hasattr(self.artifact, k)}
        info["address"] = getattr(self.deployed, "address", None)
        info["compiler_profile"] = self.profile
        return info

    def initialise(self, initial: dict, timestamp: int) -> dict:
        """initialisePoolRuleIntermediateValues with the initial moving averages and rule state."""
        from parity.chain.errors import ContractRevert

        ma, init = initial[self.smap.moving_average_key], initial[self.smap.init_key]
        args = [self.pool_address, ma, init, self.n]
        try:
            self.chain.transact(self.deployed, "initialisePoolRuleIntermediateValues", args, timestamp=timestamp, sender=self.runner)
        except ContractRevert as e:
            if e.reason in ("UNAUTH", "UNAUTH_CALC"):
                raise SetupError(
                    f"{self.contract} at {self.deployed.address} refused {self.runner} ({e.reason}): send from the "
                    f"rule's updateWeightRunner (--sender / sender=)"
                ) from e
            raise StepReverted(e.function, e.reason, {"moving_averages": ma, "initial_values": init}, e.backend, e.block) from e
        self.weights = list(initial["weights"])
        return read_state(self.call, self.pool_address, self.n, self.smap)

    def step(self, k: int, price_wei, timestamp: int, next_ts: int | None = None) -> Observation:
        """CalculateNewWeights(previous chain output, prices) in its own block, then the state getters."""
        from parity.chain.errors import ContractHalt, ContractRevert

        args = rule_call_args(self.weights, price_wei, self.pool_address, self.mapped)
        try:
            tx = self.chain.transact(self.deployed, "CalculateNewWeights", args, timestamp=timestamp, sender=self.tx_sender)
        except (ContractRevert, ContractHalt) as e:
            raise StepReverted(e.function, e.reason, inputs_json(args), e.backend, e.block) from e
        self.weights = [int(v) for v in tx.return_value]
        values = read_state(self.call, self.pool_address, self.n, self.smap)
        values["weights"] = self.weights
        return Observation(values, tx.block_number, tx.timestamp)


class RuleModelSide:
    """The exact integer model of the rule, driven with the same calls as the chain."""

    def __init__(self, model, plan: Plan, inputs: RunInputs):
        self.model, self.n, self.smap = model, plan.n, plan.state_map
        self.mapped, self.runner, self.pool_address = inputs.mapped, inputs.runner, plan.request.pool_address
        self.call = model_caller(model)

    def initialise(self, initial: dict, timestamp: int) -> dict:
        ma, init = initial[self.smap.moving_average_key], initial[self.smap.init_key]
        self.model.initialise(self.pool_address, ma, init, self.n, sender=self.runner)
        self.weights = list(initial["weights"])
        return read_state(self.call, self.pool_address, self.n, self.smap)

    def step(self, k: int, price_wei, timestamp: int, next_ts: int | None = None) -> Observation:
        args = rule_call_args(self.weights, price_wei, self.pool_address, self.mapped)
        self.weights = [int(v) for v in self.model.calculate_new_weights(*args, sender=self.runner)]
        values = read_state(self.call, self.pool_address, self.n, self.smap)
        values["weights"] = self.weights
        return Observation(values)


def _compiled(contract: str, profile: str = "legacy"):
    try:
        artifacts = rule_artifacts(profile)
    except Exception as e:  # compiler missing or sources rejected
        raise SetupError(f"compiling the rule contracts failed: {e}") from e
    if contract not in artifacts:
        raise SetupError(f"contract {contract} is not among the compiled contracts ({sorted(artifacts)})")
    return artifacts[contract]


def rule_call_args(prev_weights, price_wei, pool_address: str, mapped) -> list:
    """The arguments of CalculateNewWeights, in the ABI's order."""
    return [prev_weights, price_wei, pool_address, mapped.parameters, mapped.lambda_store, mapped.epsilon_max, mapped.guard_rail]


def inputs_json(args) -> dict:
    prev, data, pool, parameters, lambda_store, eps, g = args
    return {
        "prevWeights": [str(v) for v in prev],
        "data": [str(v) for v in data],
        "pool": pool,
        "parameters": [[str(v) for v in row] for row in parameters],
        "lambdaStore": [str(v) for v in lambda_store],
        "epsilonMax": str(eps),
        "absoluteWeightGuardRail": str(g),
    }
