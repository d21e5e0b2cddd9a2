"""Lockstep driver: the JAX scan path and an on-chain rule, one update block at a time.

For each update block k the JAX side takes one jitted `calculate_coarse_weight_step` and the chain mines one
`CalculateNewWeights` transaction in its own block; the state getters are read and every field is compared.
Optionally the exact integer model (parity.fixedpoint) runs the same calls and must equal the chain with
zero tolerance, and the vectorized path is computed over the same prices and compared with the scan path.

Block numbering: block k is the k-th update after the initialisation price (update price row k; row 0
initialises). Burn-in blocks 1..burn_in are either replayed (executed on both sides and compared, but not
counted towards the verdict: they appear in the report flagged `burn_in`) or seeded (the JAX side warms up
over them and its state initialises the contract; the first compared block is burn_in + 1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from parity.float64 import guarded
from parity.harness import compare as cmp
from parity.harness.mapping import (
    MappedParams,
    StateMap,
    chain_caller,
    derived_carry,
    encode_weights,
    from_wei_array,
    initial_weights,
    map_parameters,
    model_caller,
    read_state,
    state_map_for,
    to_wei,
)

MODES = ("independent", "resync")
BURN_IN_MODES = ("replay", "seed")
DEFAULT_START_TIMESTAMP = 2_000_000_000
# Storage key of the simulated pool; the pool contract is never called by a rule (docs/arithmetic.md §2).
POOL_ADDRESS = "0x00000000000000000000000000000000000fa17E"

VALID_PARAMETER_RULES = {
    "MomentumRule": "1 or 2 arrays; every κ > 0; optional [useRawPrice] ∈ {0, 1e18}",
    "AntiMomentumRule": "1 or 2 arrays; every κ > 0; optional [useRawPrice] ∈ {0, 1e18}",
    "PowerChannelRule": "2 or 3 arrays; κ and q of equal length; every κ > 0; every q > 1; optional [useRawPrice] ∈ {0, 1e18}",
    "ChannelFollowingRule": "7 arrays; arrays 1–5 as long as κ; every κ, width, amplitude, exponent, inverse scaling, pre-exp scaling > 0; [useRawPrice] ∈ {0, 1e18}",
    "DifferenceMomentumRule": "2 arrays; every λ_short in [0, 1]; every κ ≠ 0; Σκ ≠ 0",
    "MinimumVarianceRule": "1 array; every mixing Λ in [0, 1]",
}


class SetupError(Exception):
    """The run could not start for a reason outside the user's inputs (compiler, chain, deployment)."""


# ---------------------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------------------


@dataclass
class RevertInfo:
    """A revert that stopped the run: at which update block, with which inputs and reason."""

    block: int
    function: str
    reason: str
    inputs: dict
    backend: str
    chain_block: int | None
    model_reason: str | None = None  # what the integer model did at the same call ("" = no model)
    jax_weights: list | None = None  # what the JAX step produced at that block


@dataclass
class ModelMismatch:
    """The chain and the exact integer model disagree (zero tolerance): a contract (or model) bug."""

    block: int
    field: str
    asset: int
    chain_value: Any
    model_value: Any
    chain_state: dict
    model_state: dict


@dataclass
class LockstepResult:
    """Everything one lockstep run produced; see parity.harness.report for its renderings."""

    rule: str
    contract: str
    backend: str
    n_assets: int
    mode: str
    burn_in: int
    burn_in_mode: str
    blocks_requested: int
    chunk_period: int
    mapped: MappedParams
    state_map: StateMap
    tolerances: dict
    scales: dict
    block_ids: list = field(default_factory=list)  # update block k per compared row
    burn_in_rows: list = field(default_factory=list)  # bool per row: replayed burn-in (not counted)
    chain_blocks: list = field(default_factory=list)
    timestamps: list = field(default_factory=list)
    prices_wei: list = field(default_factory=list)  # price row per compared block (ints)
    jax: dict = field(default_factory=dict)  # field -> list of float arrays (n,)
    chain: dict = field(default_factory=dict)  # field -> list of int lists
    errors: dict = field(default_factory=dict)  # field -> compare.FieldErrors
    first_divergence: cmp.Divergence | None = None
    worst: dict = field(default_factory=dict)
    revert: RevertInfo | None = None
    model_check: bool = False
    model_mismatch: ModelMismatch | None = None
    model_blocks_checked: int = 0
    vectorized: dict | None = None  # {"errors", "worst", "first_divergence", "skipped"}
    initial: dict = field(default_factory=dict)  # initial state/weights as ints
    artifact_info: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)

    @property
    def counted(self) -> np.ndarray:
        return ~np.asarray(self.burn_in_rows, dtype=bool)

    @property
    def blocks_compared(self) -> int:
        """Compared blocks that count towards the verdict (replayed burn-in rows excluded)."""
        return int(np.sum(self.counted))

    @property
    def status(self) -> str:
        """'model_mismatch' (chain ≠ integer model) | 'revert' | 'divergence' | 'parity'."""
        if self.model_mismatch is not None:
            return "model_mismatch"
        if self.revert is not None:
            return "revert"
        if self.first_divergence is not None:
            return "divergence"
        if self.vectorized and self.vectorized.get("first_divergence") is not None:
            return "divergence"
        return "parity"

    @property
    def passed(self) -> bool:
        return self.status == "parity"

    def state_at(self, block: int) -> dict:
        """Both sides' full state and weights at update block `block` (after that block's update)."""
        if block not in self.block_ids:
            raise ValueError(f"block {block} was not compared (compared: {self.block_ids[:1]}..{self.block_ids[-1:]})")
        row = self.block_ids.index(block)
        return {
            "jax": {k: [float(x) for x in v[row]] for k, v in self.jax.items()},
            "chain": {k: [int(x) for x in v[row]] for k, v in self.chain.items()},
            "price": [int(x) for x in self.prices_wei[row]],
        }


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------

_ARTIFACTS: dict | None = None  # the legacy profile's artifacts
_PROFILE_ARTIFACTS: dict = {}  # other compiler profiles
_STEP_CACHE: dict = {}


def _rule_artifacts(profile: str = "legacy") -> dict:
    global _ARTIFACTS
    from parity.chain.compile import compile_rules

    if profile != "legacy":
        if profile not in _PROFILE_ARTIFACTS:
            _PROFILE_ARTIFACTS[profile] = compile_rules(profile=profile)
        return _PROFILE_ARTIFACTS[profile]
    if _ARTIFACTS is None:
        _ARTIFACTS = compile_rules()
    return _ARTIFACTS


def _pool_key(pool):
    try:
        key = (type(pool), frozenset(vars(pool).items()))
        hash(key)
        return key
    except TypeError:
        return ("id", id(pool))


def _split_params(params: dict):
    """Numeric leaves become traced arguments (one compilation serves many parameter values)."""
    arrays, static = {}, {}
    for k, v in params.items():
        if isinstance(v, (bool, str, type(None))) or (isinstance(v, (list, tuple)) and not v):
            static[k] = v
        else:
            try:
                a = np.asarray(v)
            except Exception:
                static[k] = v
                continue
            if a.dtype.kind in "fiu" and a.dtype != bool:
                arrays[k] = a.astype(np.float64) if a.dtype.kind == "f" else a
            else:
                static[k] = v
    return arrays, static


def _static_key(static: dict, params: dict):
    try:
        skey = tuple(sorted((k, v if not isinstance(v, list) else tuple(v)) for k, v in static.items()))
        hash(skey)
        return skey
    except TypeError:
        return ("id", id(params))


def _cached_jit(cache: dict, pool, params: dict, run_fingerprint, make_raw: Callable[[dict], Callable]):
    """(jax.jit(make_raw(static params)), traced params): compiled once per (pool type, fingerprint, static
    params, shapes) and kept in `cache`; the numeric params are passed as arguments (see _split_params)."""
    arrays, static = _split_params(params)
    key = (_pool_key(pool), run_fingerprint, _static_key(static, params))
    fn = cache.get(key)
    if fn is None:
        fn = cache[key] = jax.jit(make_raw(static))
    return fn, {k: jnp.asarray(v) for k, v in arrays.items()}


def make_jax_step(pool, params: dict, run_fingerprint) -> Callable:
    """Jitted (est_carry, wt_carry, price) -> (est_carry, wt_carry, coarse_weights), compiled once per
    (pool type, fingerprint, static params, shapes) and reused for every block and every run."""

    def make_raw(static):
        def raw(est, wt, price, arr):
            return pool.calculate_coarse_weight_step(est, wt, price, {**arr, **static}, run_fingerprint)

        return raw

    fn, arr = _cached_jit(_STEP_CACHE, pool, params, run_fingerprint, make_raw)
    return lambda est, wt, price: fn(est, wt, price, arr)


def _check_prices(prices, n: int) -> np.ndarray:
    p = np.asarray(prices, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != n:
        raise ValueError(f"prices must have shape (rows, n_assets={n}), got {p.shape}")
    if not np.all(np.isfinite(p)):
        row = int(np.nonzero(~np.isfinite(p).all(axis=1))[0][0])
        raise ValueError(f"prices row {row} is not finite: {p[row].tolist()}")
    if np.any(p <= 0):
        row = int(np.nonzero((p <= 0).any(axis=1))[0][0])
        raise ValueError(f"prices row {row} = {p[row].tolist()}: oracle prices must be > 0")
    return p


def _contract_to_rule(contract: str) -> str | None:
    from parity.chain.compile import RULE_CONTRACTS

    for rule, c in RULE_CONTRACTS.items():
        if c == contract:
            return rule
    return None


def _make_model(contract: str, runner: str, compiler_profile: str = "legacy"):
    rule = _contract_to_rule(contract)
    if rule is None:
        return None
    from parity.fixedpoint.rules import make_model

    return make_model(rule, runner, compiler_profile=compiler_profile)


def _rejected(contract: str, parameters) -> ValueError:
    """The error for parameters the rule's validParameters (integer model or chain) refuses."""
    return ValueError(
        f"{contract}.validParameters rejected parameters={parameters} "
        f"(the rule requires: {VALID_PARAMETER_RULES.get(contract, 'see the contract')})"
    )


def _initial_carries(pool, jax_params: dict, fp, price0: np.ndarray, w0: np.ndarray, weight_key: str):
    """The scan path's (estimator carry, weight carry) at the initialisation price, weights w0."""
    est = pool.get_initial_rule_state(jnp.asarray(price0), jax_params, fp)
    wt = dict(pool.get_initial_guardrail_state(jnp.asarray(w0))) if hasattr(pool, "get_initial_guardrail_state") else {}
    wt[weight_key] = jnp.asarray(w0)
    return est, wt


def _as_np(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _lamb_of(chain_params: dict, key="lamb"):
    v = chain_params.get(key)
    return None if v is None else np.asarray(v, dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------
# vectorized cross-check
# ---------------------------------------------------------------------------------------------------------


_VEC_CACHE: dict = {}


def vectorized_trajectory(pool, params: dict, run_fingerprint, prices: np.ndarray, w0: np.ndarray, state_map: StateMap):
    """Coarse weights and estimator states of the vectorized path over update-price rows `prices` (row 0
    initialises): dict field -> (T−1, n) arrays aligned with update blocks 1..T−1.

    calculate_rule_outputs(return_states=True), then the pool's guard scan from w0; jitted as a whole and
    cached like the scan step (numeric parameters are traced arguments)."""
    import dataclasses

    fp = run_fingerprint
    if hasattr(fp, "price_interval") and fp.price_interval != fp.chunk_period:
        # rows here are already update rows; interpolation does not enter coarse weights
        fp = dataclasses.replace(fp, price_interval=fp.chunk_period, weight_interpolation_period=fp.chunk_period)
    if getattr(pool, "_coarse_scan", None) is None:
        raise NotImplementedError("the pool has no guard scan over vectorized rule outputs (_coarse_scan)")

    def make_raw(static):
        def raw(arr, prices_, w0_):
            p = {**arr, **static}
            outputs, states = pool.calculate_rule_outputs(p, fp, prices_, return_states=True)
            cp = pool.resolve_params(p, fp, validate=False)
            return pool._coarse_scan(outputs, w0_, cp, fp), states

        return raw

    fn, arr = _cached_jit(_VEC_CACHE, pool, params, fp, make_raw)
    weights, states = fn(arr, jnp.asarray(prices), jnp.asarray(w0))
    res = {"weights": np.asarray(weights)}
    for k in state_map.keys:
        if k in states:
            res[k] = np.asarray(states[k])
    return res


# ---------------------------------------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------------------------------------


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
    if compiler_profile not in ("legacy", "via-ir"):
        raise ValueError(f"compiler_profile={compiler_profile!r} is not one of ('legacy', 'via-ir')")
    if mode not in MODES:
        raise ValueError(f"mode={mode!r} is not one of {MODES}")
    if burn_in_mode not in BURN_IN_MODES:
        raise ValueError(f"burn_in_mode={burn_in_mode!r} is not one of {BURN_IN_MODES}")
    if not isinstance(burn_in, (int, np.integer)) or burn_in < 0:
        raise ValueError(f"burn_in={burn_in!r} must be an integer ≥ 0")
    fp0 = run_fingerprint
    n = int(fp0.n_assets)
    prices = _check_prices(prices, n)
    stride = int(getattr(fp0, "chunk_period", 1)) // int(getattr(fp0, "price_interval", 1) or 1)
    if stride < 1:
        raise ValueError(f"chunk_period={fp0.chunk_period} must be ≥ price_interval={fp0.price_interval}")
    update_prices = prices[::stride]
    available = len(update_prices) - 1 - burn_in
    if blocks is None:
        blocks = available
    if not isinstance(blocks, (int, np.integer)) or blocks < 1:
        raise ValueError(f"blocks={blocks!r} must be an integer ≥ 1")
    if blocks > available:
        raise ValueError(
            f"blocks={blocks} with burn_in={burn_in} needs {blocks + burn_in + 1} update prices "
            f"(every {stride}th row), but the price series has {len(update_prices)}"
        )

    contract = rule_contract or getattr(pool, "chain_rule", None)
    if contract is None:
        raise ValueError(f"rule {getattr(pool, 'rule', type(pool).__name__)!r} has no on-chain rule to verify against")
    smap = state_map or state_map_for(contract)

    allowed = {*cmp.FIELDS, *smap.keys}
    for key, v in (tolerances or {}).items():
        if key not in allowed:
            raise ValueError(f"tolerance field {key!r} is unknown; use one of {', '.join(sorted(allowed))}")
        if not (isinstance(v, (int, float)) and v >= 0):
            raise ValueError(f"tolerance {key}={v!r} must be a number ≥ 0")

    mapped = map_parameters(pool, params, fp0)
    fp = mapped.fingerprint
    if sender is not None:
        from eth_utils import is_address, to_checksum_address

        if not is_address(sender):
            raise ValueError(f"sender={sender!r} is not an address")
        runner = to_checksum_address(sender)
    else:
        runner = chain.accounts[0]
    # The integer model answers validParameters before anything is deployed (also when model_check is off).
    model = _make_model(contract, runner, compiler_profile)
    if model is not None and not model.valid_parameters(mapped.parameters):
        raise _rejected(contract, mapped.parameters)

    if not model_check:
        model = None

    # Both sides consume the same 18-decimal prices.
    total = burn_in + blocks
    used = update_prices[: total + 1]
    price_wei = [[to_wei(x) for x in row] for row in used.tolist()]
    price_dec = np.array([[v / 10**18 for v in row] for row in price_wei], dtype=np.float64)

    wkey = smap.weight_key
    step = make_jax_step(pool, mapped.jax_params, fp)
    w0 = np.asarray(pool.initial_weights(params, fp), dtype=np.float64) if hasattr(pool, "initial_weights") else initial_weights(params, n)
    est, wt = _initial_carries(pool, mapped.jax_params, fp, price_dec[0], w0, wkey)

    start = 0
    if burn_in and burn_in_mode == "seed":
        for k in range(1, burn_in + 1):
            est, wt, _ = step(est, wt, price_dec[k])
        start = burn_in

    # Initial state: JAX carry -> wei -> contract; then the JAX carry takes the decoded values.
    ma_key = smap.moving_average_key
    ma_wei = [to_wei(x) for x in _as_np(est[ma_key]).ravel()]
    init_wei = [to_wei(x) for x in np.broadcast_to(_as_np(est[smap.init_key]), (n,)).ravel()]
    w_wei = encode_weights(_as_np(wt[wkey]))
    est = dict(est)
    est[ma_key] = jnp.asarray(from_wei_array(ma_wei))
    est[smap.init_key] = jnp.asarray(from_wei_array(init_wei))
    # deviation-form keys (price, <ma>_deviation) consistent with the integers the contract receives
    derived = derived_carry(est.keys(), smap, price_wei[start], {ma_key: ma_wei, smap.init_key: init_wei})
    est.update({key: jnp.asarray(v) for key, v in derived.items()})
    wt[wkey] = jnp.asarray(from_wei_array(w_wei))

    # Chain set-up.
    from parity.chain.errors import ChainError, ContractHalt, ContractRevert

    t0 = start_timestamp
    if t0 is None:
        t0 = max(DEFAULT_START_TIMESTAMP, int(chain.timestamp()) + 1)
    try:
        if deployed is None:
            if artifact is None:
                try:
                    artifacts = _rule_artifacts(compiler_profile)
                except Exception as e:  # compiler missing or sources rejected
                    raise SetupError(f"compiling the rule contracts failed: {e}") from e
                if contract not in artifacts:
                    raise SetupError(f"contract {contract} is not among the compiled contracts ({sorted(artifacts)})")
                artifact = artifacts[contract]
            deployed = chain.deploy(artifact, runner, sender=runner, timestamp=t0)
        if not chain.call(deployed, "validParameters", [mapped.parameters], sender=runner):
            raise _rejected(contract, mapped.parameters)
    except ChainError as e:
        raise SetupError(f"setting up {contract} on {getattr(chain, 'name', 'the chain')} failed: {e}") from e

    # sender=None means accounts[0] without re-checksumming the address on every call (hot loop).
    tx_sender = None if runner == chain.accounts[0] else runner
    call = chain_caller(chain, deployed, sender=tx_sender)
    m_call = model_caller(model) if model is not None else None
    result = LockstepResult(
        rule=getattr(pool, "rule", None) or _contract_to_rule(contract) or contract,
        contract=contract,
        backend=getattr(chain, "name", type(chain).__name__),
        n_assets=n,
        mode=mode,
        burn_in=int(burn_in),
        burn_in_mode=burn_in_mode,
        blocks_requested=int(blocks),
        chunk_period=int(getattr(fp, "chunk_period", 0)),
        mapped=mapped,
        state_map=smap,
        tolerances={},
        scales={},
        model_check=model is not None,
    )
    result.initial = {ma_key: ma_wei, smap.init_key: init_wei, "weights": w_wei, "block": start}
    if artifact is not None:
        result.artifact_info = {
            k: getattr(artifact, k) for k in ("contract_name", "compiler_version", "source_hash") if hasattr(artifact, k)
        }
    result.artifact_info["address"] = getattr(deployed, "address", None)
    result.artifact_info["compiler_profile"] = compiler_profile
    fields = list(smap.keys) + ["weights"]
    result.jax = {f: [] for f in fields}
    result.chain = {f: [] for f in fields}

    init_args = [pool_address, ma_wei, init_wei, n]
    try:
        chain.transact(deployed, "initialisePoolRuleIntermediateValues", init_args, timestamp=t0 + 1, sender=runner)
    except ContractRevert as e:
        if e.reason in ("UNAUTH", "UNAUTH_CALC"):
            raise SetupError(
                f"{contract} at {deployed.address} refused {runner} ({e.reason}): send from the rule's "
                f"updateWeightRunner (--sender / sender=)"
            ) from e
        result.revert = RevertInfo(0, e.function, e.reason, {"moving_averages": ma_wei, "initial_values": init_wei}, e.backend, e.block)
        if model is not None:
            result.revert.model_reason = _model_revert(lambda: model.initialise(pool_address, ma_wei, init_wei, n, sender=runner))
        _finish(result, pool, params, fp, price_dec, w0, tolerances, vectorized_check=False, t_start=t_start)
        return result
    if model is not None:
        model.initialise(pool_address, ma_wei, init_wei, n, sender=runner)
        _check_model(result, 0, read_state(call, pool_address, n, smap), read_state(m_call, pool_address, n, smap), None, None)

    chain_w = list(w_wei)
    chain_state_dec = None
    model_ok = model is not None and result.model_mismatch is None
    bar = _progress(total - start, progress)
    t_loop = time.perf_counter()
    for k in range(start + 1, total + 1):
        if mode == "resync" and chain_state_dec is not None:
            est = {**est, **{key: jnp.asarray(v) for key, v in chain_state_dec.items()}}
            wt = {**wt, wkey: jnp.asarray(from_wei_array(chain_w))}
        est, wt, w_jax = step(est, wt, price_dec[k])
        args = [chain_w, price_wei[k], pool_address, mapped.parameters, mapped.lambda_store, mapped.epsilon_max, mapped.guard_rail]
        ts = t0 + (k - start) * max(int(getattr(fp, "chunk_period", 1)), 1) * 60
        try:
            tx = chain.transact(deployed, "CalculateNewWeights", args, timestamp=ts, sender=tx_sender)
        except (ContractRevert, ContractHalt) as e:
            result.revert = RevertInfo(
                block=k,
                function=e.function,
                reason=e.reason,
                inputs=_inputs_json(args),
                backend=e.backend,
                chain_block=e.block,
                jax_weights=[float(x) for x in _as_np(w_jax)],
            )
            if model_ok:
                result.revert.model_reason = _model_revert(lambda: model.calculate_new_weights(*args, sender=runner))
                if result.revert.model_reason != e.reason:
                    result.model_mismatch = ModelMismatch(k, "revert", -1, e.reason, result.revert.model_reason, {}, {})
            break
        new_w = [int(v) for v in tx.return_value]
        state = read_state(call, pool_address, n, smap)
        if model_ok:
            try:
                m_w = [int(v) for v in model.calculate_new_weights(*args, sender=runner)]
                m_state = read_state(m_call, pool_address, n, smap)
            except Exception as exc:  # the model reverted where the chain did not
                reason = getattr(exc, "reason", repr(exc))
                result.model_mismatch = ModelMismatch(k, "revert", -1, "(no revert)", reason, state, {})
                model_ok = False
            else:
                model_ok = _check_model(result, k, state, m_state, new_w, m_w)
                result.model_blocks_checked += 1
        jax_np = jax.device_get((est, w_jax))
        for key in smap.keys:
            result.jax[key].append(np.asarray(jax_np[0][key], dtype=np.float64).reshape(n))
            result.chain[key].append(state[key])
        result.jax["weights"].append(np.asarray(jax_np[1], dtype=np.float64).reshape(n))
        result.chain["weights"].append(new_w)
        result.block_ids.append(k)
        result.burn_in_rows.append(k <= burn_in)
        result.chain_blocks.append(tx.block_number)
        result.timestamps.append(tx.timestamp)
        result.prices_wei.append(price_wei[k])
        chain_w = new_w
        if mode == "resync":
            chain_state_dec = {key: from_wei_array(v) for key, v in state.items()}
            chain_state_dec.update(derived_carry(est.keys(), smap, price_wei[k], state))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    result.timing["loop_s"] = time.perf_counter() - t_loop
    result.timing["blocks"] = len(result.block_ids)
    _finish(result, pool, params, fp, price_dec, w0, tolerances, vectorized_check=vectorized_check, t_start=t_start, start=start)
    return result


def _inputs_json(args) -> dict:
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


def _model_revert(fn) -> str:
    try:
        fn()
    except Exception as exc:
        return getattr(exc, "reason", repr(exc))
    return "(no revert)"


def _check_model(result: LockstepResult, block: int, state: dict, m_state: dict, w, m_w) -> bool:
    chain_all = dict(state)
    model_all = dict(m_state)
    if w is not None:
        chain_all["weights"] = w
        model_all["weights"] = m_w
    mm = cmp.exact_mismatch(chain_all, model_all)
    if mm is None:
        return True
    fld, asset = mm
    cv = chain_all[fld][asset] if asset >= 0 else chain_all[fld]
    mv = model_all.get(fld, [None] * (asset + 1))[asset] if asset >= 0 else model_all.get(fld)
    result.model_mismatch = ModelMismatch(block, fld, asset, cv, mv, chain_all, model_all)
    return False


def _progress(total: int, enabled: bool):
    if not enabled or total < 200:
        return None
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="block", file=sys.stderr, leave=False)


def _finish(result, pool, params, fp, price_dec, w0, tolerances, *, vectorized_check, t_start, start=0):
    """Errors, tolerances, divergences and the vectorized cross-check."""
    cp = result.mapped.chain_params
    lamb = _lamb_of(cp)
    if lamb is None:
        lamb = np.array([0.0])
    lamb_short = _lamb_of(cp, "lamb_short")
    horizon = max(len(result.block_ids), 1)
    kappa = cp.get("kappa", 1.0)
    gradient = result.state_map.field(result.state_map.init_key).kind == "running_a"
    defaults = cmp.tolerances_for_run(cp, price_dec, horizon, result.contract)
    tol = dict(defaults)
    kinds = {f.key: f.kind for f in result.state_map.fields}
    kinds["weights"] = "weights"
    scales = cmp.field_scales(price_dec, lamb)
    fields = list(result.state_map.keys) + ["weights"]
    over = tolerances or {}
    result.tolerances = {f: float(over.get(f, over.get(kinds[f], tol[kinds[f]]))) for f in fields}
    result.scales = {f: scales[kinds[f]] for f in fields}
    if result.block_ids:
        counted = result.counted
        for f in fields:
            result.errors[f] = cmp.field_errors(f, np.array(result.jax[f]), result.chain[f], result.scales[f], result.tolerances[f])
        result.first_divergence = cmp.first_divergence(result.errors, result.block_ids, counted)
        result.worst = cmp.worst_per_field(result.errors, result.block_ids, counted)
    if vectorized_check and result.block_ids:
        result.vectorized = _vectorized_check(result, pool, fp, price_dec, w0, start)
    result.timing["total_s"] = time.perf_counter() - t_start


def _vectorized_check(result: LockstepResult, pool, fp, price_dec, w0, start: int) -> dict:
    """Vectorized path vs the scan path's (independent) trajectory over the same prices."""
    if result.mode != "independent" or (result.burn_in and result.burn_in_mode == "seed"):
        # The scan trajectory to compare with is the independent one from the initial price: recompute it.
        scan = _independent_scan(result, pool, fp, price_dec, w0)
        first = 1
    else:
        scan = {f: np.array(v) for f, v in result.jax.items()}
        first = result.block_ids[0]
    try:
        supports = getattr(pool, "supports_vectorized_path", lambda: True)()
        if not supports:
            return {"skipped": "the pool has no vectorized path"}
        w_start = from_wei_array(encode_weights(w0))
        vec = vectorized_trajectory(pool, result.mapped.jax_params, fp, price_dec, w_start, result.state_map)
    except NotImplementedError as exc:
        return {"skipped": str(exc)}
    rows = len(scan["weights"])
    out_err = {}
    blocks = list(range(first, first + rows))
    for f, s in scan.items():
        if f not in vec:
            continue
        v = np.asarray(vec[f])[first - 1 : first - 1 + rows]
        if v.shape != s.shape:
            continue
        out_err[f] = cmp.float_errors(f, v, s, result.scales[f], result.tolerances[f])
    return {
        "errors": out_err,
        "worst": cmp.worst_per_field(out_err, blocks),
        "first_divergence": cmp.first_divergence(out_err, blocks),
        "blocks": blocks,
    }


def _independent_scan(result, pool, fp, price_dec, w0) -> dict:
    step = make_jax_step(pool, result.mapped.jax_params, fp)
    est, wt = _initial_carries(pool, result.mapped.jax_params, fp, price_dec[0], w0, result.state_map.weight_key)
    wt[result.state_map.weight_key] = jnp.asarray(from_wei_array(encode_weights(w0)))
    out = {f: [] for f in list(result.state_map.keys) + ["weights"]}
    last = result.block_ids[-1]
    for k in range(1, last + 1):
        est, wt, w = step(est, wt, price_dec[k])
        e, w = jax.device_get((est, w))
        for key in result.state_map.keys:
            out[key].append(np.asarray(e[key], dtype=np.float64))
        out["weights"].append(np.asarray(w, dtype=np.float64))
    return {f: np.array(v) for f, v in out.items()}
