"""Mapping between the JAX scan path and an on-chain rule: parameters, initial state and state getters.

Both sides of a comparison always run on *identical* inputs: float parameters are encoded to the rule's
18-decimal integers and decoded back to the floats the JAX side uses; prices, initial weights and initial
estimator state go through the same round trip.

Which carry key is read through which getter is data (`StateMap`), so the harness can drive any simulator
whose carry uses other key names (pass your own StateMap).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from parity.catalogue import RULES
from parity.fixedpoint.int256 import MASK128, UINT64_MAX, low_int128, wrap
from parity.params import decode_array, decode_fixed, encode_array, encode_fixed
from parity.state_maps import EWMA, GETTER_KINDS, StateField, StateMap  # noqa: F401  (StateField, EWMA, GETTER_KINDS re-exported)

WAD = 10**18


# ---------------------------------------------------------------------------------------------------------
# float <-> 18-decimal integers
# ---------------------------------------------------------------------------------------------------------


# One 18-decimal encoding for the whole project (parity.params): the shortest decimal of the float,
# rounded to the nearest wei, ties away from zero; decoding is correctly rounded.
to_wei = encode_fixed
from_wei = decode_fixed
to_wei_list = encode_array
from_wei_array = decode_array


def quantise(values) -> np.ndarray:
    """Round-trip an array through 18-decimal integers (what the chain can represent)."""
    arr = np.asarray(values, dtype=np.float64)
    return np.array([from_wei(to_wei(v)) for v in arr.ravel()], dtype=np.float64).reshape(arr.shape)


def encode_weights(weights) -> list[int]:
    """Weights to wei summing to exactly 1e18; the rounding residual goes to the last asset.

    The rule itself does not require Σw = 1e18, but a pool always starts from weights that do, so the
    harness starts the same way (the residual is at most n/2 wei)."""
    w = to_wei_list(weights)
    w[-1] += WAD - sum(w)
    return w


def wei_error(x: float, i: int) -> float:
    """|x·1e18 − i| computed exactly from the float's binary value, returned as a float."""
    num, den = float(x).as_integer_ratio()
    return abs(num * WAD - int(i) * den) / den


# ---------------------------------------------------------------------------------------------------------
# state maps: carry key <-> getter
# ---------------------------------------------------------------------------------------------------------


# contract name -> the StateMap of each shipped rule (parity.catalogue; the classes are in parity.state_maps)
STATE_MAPS: dict[str, StateMap] = {row.contract: row.state_map for row in RULES.values() if row.contract}


# Carry keys of the deviation form of the moving averages (parity.estimators.ewma): the last consumed
# price, and per moving-average key K the deviation K + "_deviation" = price − K.
PRICE_KEY = "price"
DEVIATION_SUFFIX = "_deviation"
MOVING_AVERAGE_KINDS = ("ewma", "short_ewma")


def derived_carry(carry_keys, state_map: StateMap, price_wei: Sequence[int], state_wei: dict) -> dict:
    """Carry entries derived from the chain's integers, for the carry keys a simulator actually has.

    "price" = the decoded last price sent to the chain; for each moving-average field K of `state_map`
    found in `state_wei`, K + "_deviation" = decode(p_int − p̄_int), the deviation computed exactly in
    integers (not as the difference of two decoded floats, which would carry ulp(p) errors). Keys the
    carry does not have are not set, so a simulator without the deviation form is unaffected."""
    keys = set(carry_keys)
    out = {}
    if PRICE_KEY in keys:
        out[PRICE_KEY] = from_wei_array([int(p) for p in price_wei])
    for f in state_map.fields:
        dev_key = f.key + DEVIATION_SUFFIX
        if f.kind in MOVING_AVERAGE_KINDS and f.key in state_wei and dev_key in keys:
            out[dev_key] = from_wei_array([int(p) - int(m) for p, m in zip(price_wei, state_wei[f.key], strict=True)])
    return out


def state_map_for(contract_name: str) -> StateMap:
    """The StateMap of one of the shipped rule contracts."""
    try:
        return STATE_MAPS[contract_name]
    except KeyError:
        raise ValueError(
            f"contract {contract_name!r} has no built-in state map (known: {sorted(STATE_MAPS)}); pass state_map="
        ) from None


def unpack_words(words: Sequence[int], n: int) -> list[int]:
    """Decode raw int128-pair words (docs/storage.md): element 2k = word_k >> 128 (arithmetic),
    element 2k+1 = low 128 bits as int128; an odd tail is the low half of the last word."""
    if len(words) != (n + 1) // 2:
        raise ValueError(f"need {(n + 1) // 2} words for n={n}, got {len(words)}")
    out: list[int] = []
    for k, word in enumerate(words):
        word = int(word)
        if word >= 2**255 or word < -(2**255):
            raise ValueError(f"word {k} = {word} is not an int256")
        if 2 * k + 1 < n:  # a full pair; an odd tail word holds only its low half
            out.append(word >> 128)  # Python's >> is arithmetic on negative ints
        out.append(low_int128(word))
    return out


def pack_words(values: Sequence[int]) -> list[int]:
    """Inverse of unpack_words in the per-update writer's form (odd tail stored as (0, x))."""
    words = []
    for k in range(0, len(values), 2):
        if k + 1 < len(values):
            hi, lo = int(values[k]), int(values[k + 1])
            words.append(wrap((hi << 128) | (lo & MASK128)))
        else:
            words.append(wrap(int(values[k]) & MASK128))
    return words


Caller = Callable[[str, Sequence[Any]], Any]


def read_state(call: Caller, pool: str, n: int, state_map: StateMap) -> dict[str, list[int]]:
    """Read every mapped state through `call(fn, args)` (a chain or the integer model); ints per key."""
    out = {}
    for f in state_map.fields:
        if f.packed:
            out[f.key] = unpack_words([call(f.getter, (pool, k)) for k in range((n + 1) // 2)], n)
        else:
            out[f.key] = [int(v) for v in call(f.getter, (pool, n))]
    return out


# getter name -> integer-model method (parity.fixedpoint.rules.RuleModel)
MODEL_METHODS = {
    "getMovingAverages": "get_moving_averages",
    "getIntermediateGradientState": "get_intermediate_gradient_state",
    "getIntermediateVarianceState": "get_intermediate_variance_state",
    "shortMovingAverages": "short_moving_averages",
    "movingAverages": "moving_averages_word",
}


def model_caller(model) -> Caller:
    """A `call(fn, args)` over the integer model's methods, using the contract's getter names."""

    def call(fn: str, args: Sequence[Any]):
        return getattr(model, MODEL_METHODS[fn])(*args)

    return call


def chain_caller(chain, deployed, sender=None) -> Caller:
    """A `call(fn, args)` over a deployed rule (eth_call on the latest state)."""

    def call(fn: str, args: Sequence[Any]):
        return chain.call(deployed, fn, list(args), sender=sender)

    return call


# ---------------------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedParams:
    """Parameters as both sides see them.

    chain_params: the pool's validated on-chain-style float params, decoded from the integers (exact);
    parameters / lambda_store / epsilon_max / guard_rail: the integers the contract receives;
    jax_params: the params the JAX pool receives (the caller's params with the decoded values substituted);
    fingerprint: the run fingerprint with ε and the guard rail replaced by their decoded values."""

    chain_params: dict
    parameters: list[list[int]]
    lambda_store: list[int]
    epsilon_max: int
    guard_rail: int
    jax_params: dict
    fingerprint: Any


def _uint64_wei(name: str, value: float) -> int:
    i = to_wei(value)
    if not 0 <= i <= UINT64_MAX:
        raise ValueError(f"{name}={value!r} does not fit the contract's uint64 (0 ≤ {name}·1e18 ≤ 2^64−1)")
    return i


def map_parameters(pool, params: dict, run_fingerprint) -> MappedParams:
    """Float params -> on-chain integers -> decoded floats, via the pool's own encoding.

    Invalid parameters raise the pool's ValueError (its validation), before anything touches a chain."""
    n = run_fingerprint.n_assets
    chain_params = pool.chain_params(params, run_fingerprint)
    parameters, lambda_store = pool.encode_chain_params(chain_params, n)
    parameters = [[int(v) for v in row] for row in parameters]
    lambda_store = [int(v) for v in lambda_store]
    decoded = pool.decode_chain_params(parameters, lambda_store, n)
    eps = _uint64_wei("epsilon_max", run_fingerprint.epsilon_max)
    guard = _uint64_wei("absolute_weight_guard_rail", run_fingerprint.absolute_weight_guard_rail)
    fingerprint = dataclasses.replace(
        run_fingerprint, epsilon_max=from_wei(eps), absolute_weight_guard_rail=from_wei(guard)
    )
    # The JAX side runs on exactly the decoded on-chain values (plus the caller's initial-state overrides
    # and initial weights, which are not contract parameters).
    jax_params = {**{k: v for k, v in params.items() if k.startswith("initial_")}, **decoded}
    return MappedParams(decoded, parameters, lambda_store, eps, guard, jax_params, fingerprint)


def initial_weights(params: dict, n: int) -> np.ndarray:
    """w(0): params["initial_weights"], else softmax(params["initial_weights_logits"]), else uniform."""
    if "initial_weights" in params:
        w = np.asarray(params["initial_weights"], dtype=np.float64).ravel()
    elif "initial_weights_logits" in params:
        z = np.broadcast_to(np.asarray(params["initial_weights_logits"], dtype=np.float64).ravel(), (n,))
        e = np.exp(z - z.max())
        w = e / e.sum()
    else:
        w = np.full(n, 1.0 / n)
    if w.shape != (n,):
        raise ValueError(f"initial_weights has {w.size} entries but the run has n_assets={n}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"initial_weights={w.tolist()} must be finite and non-negative")
    return w
