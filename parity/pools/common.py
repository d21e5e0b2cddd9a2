"""Shared pieces of the pools: parameter resolution, validation, FINISH normalisation, signals.

Parameter resolution turns a user params dict (seed style or on-chain style, docs/architecture.md, Parameters) into
the on-chain float parameters as 1-D ``jnp`` arrays (length 1 or n). It works on concrete values and under
``jit`` (tracers); value checks run only on concrete values (see :func:`is_concrete`).
"""

import jax
import jax.numpy as jnp
import numpy as np

from parity.estimators import ewma, gradient
from parity.params import lamb_from_memory_days, logistic, memory_days, squareplus
from parity.probes import probe

CHANNEL_INVERSE_SCALING = 0.5415  # quantammsim's fixed channel normaliser; the chain takes it as a parameter
NEUTRAL_PRE_EXP_SCALING = 0.5  # |r/(2·0.5)|^q = |r|^q: the only value the on-chain PowerChannel can express


def as_vector(value, field):
    """A parameter as a 1-D float64 array (0-d -> length 1; quantammsim's (1, n) -> (n,))."""
    if isinstance(value, (bool, np.bool_)):
        value = float(value)
    try:
        arr = jnp.asarray(value, dtype=jnp.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}={value!r}: must be a number or a 1-D array of numbers") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim == 2 and arr.shape[0] == 1:  # quantammsim stores one parameter set as (1, n)
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(f"{field} has shape {tuple(arr.shape)}: must be a scalar, a non-empty 1-D array or one "
                         "parameter set of shape (1, n)")
    return arr


def is_concrete(*values):
    """True when every value is a concrete array (not a jit tracer), so value checks can run."""
    return not any(isinstance(leaf, jax.core.Tracer) for v in values for leaf in jax.tree_util.tree_leaves(v))


def as_start_index(start_index):
    """A bout's start row as an index of one integer type: a Python int when concrete (int, numpy or JAX
    integer scalars of any width), else the traced integer cast to JAX's default integer type (so
    ``dynamic_slice`` sees indices of one type). Raises ValueError for anything that is not an integer."""
    if isinstance(start_index, (bool, np.bool_)):
        raise ValueError(f"start_index={start_index!r}: must be an integer")
    if isinstance(start_index, (int, np.integer)):
        return int(start_index)
    dtype = getattr(start_index, "dtype", None)
    if dtype is None or not jnp.issubdtype(dtype, jnp.integer) or jnp.ndim(start_index) != 0:
        raise ValueError(f"start_index={start_index!r}: must be an integer scalar (Python, numpy or JAX integer)")
    if is_concrete(start_index):
        return int(start_index)
    return jnp.asarray(start_index).astype(jnp.asarray(0).dtype)


def pick(params, keys):
    """(key, value) of the first key present in params (None values count as absent), else (None, None)."""
    for key in keys:
        if key in params and params[key] is not None:
            return key, params[key]
    return None, None


def lamb_cap(run_fingerprint):
    """λ_max = λ(max_memory_days, chunk_period): the cap applied to seed-style λ parameters."""
    return lamb_from_memory_days(run_fingerprint.max_memory_days, run_fingerprint.chunk_period)


def resolve_lamb(params, run_fingerprint, *, chain_key, logit_keys, days_key, rule):
    """Resolve a decay λ from ``chain_key`` (as given), ``days_key`` or a sum of ``logit_keys`` (both capped).

    Returns (λ vector, key used). The cap is λ(max_memory_days, chunk_period) (docs/architecture.md, Parameters);
    on-chain style values are taken as given.
    """
    if chain_key in params and params[chain_key] is not None:
        return as_vector(params[chain_key], chain_key), chain_key
    cap = lamb_cap(run_fingerprint)
    if days_key is not None and days_key in params and params[days_key] is not None:
        days = as_vector(params[days_key], days_key)
        return jnp.minimum(lamb_from_memory_days(days, run_fingerprint.chunk_period), cap), days_key
    if logit_keys[0] in params and params[logit_keys[0]] is not None:
        total = as_vector(params[logit_keys[0]], logit_keys[0])
        for key in logit_keys[1:]:
            if key in params and params[key] is not None:
                total = total + as_vector(params[key], key)
        return jnp.clip(logistic(total), 0.0, cap), "+".join(logit_keys)
    names = [chain_key] + ([days_key] if days_key else []) + [logit_keys[0]]
    raise ValueError(f"{rule}: missing parameter: give one of {names}")


def capped_memory_days(lamb, run_fingerprint):
    """memory_days(λ, chunk_period) clipped to [0, max_memory_days] (the k / amplitude scale)."""
    return jnp.clip(memory_days(lamb, run_fingerprint.chunk_period), 0.0, run_fingerprint.max_memory_days)


def resolve_kappa(params, days, rule, *, allow_sp=False):
    """κ from ``kappa`` (as given), ``sp_k`` (sp(x)·days), ``log_k`` (2^x·days), ``k`` (x·days), ``absolute_k``."""
    if "kappa" in params and params["kappa"] is not None:
        return as_vector(params["kappa"], "kappa")
    if allow_sp and params.get("sp_k") is not None:
        return squareplus(as_vector(params["sp_k"], "sp_k")) * days
    if params.get("log_k") is not None:
        return 2.0 ** as_vector(params["log_k"], "log_k") * days
    if params.get("k") is not None:
        return as_vector(params["k"], "k") * days
    if params.get("absolute_k") is not None:
        return as_vector(params["absolute_k"], "absolute_k")
    keys = ["kappa"] + (["sp_k"] if allow_sp else []) + ["log_k", "k", "absolute_k"]
    raise ValueError(f"{rule}: missing parameter: give one of {keys}")


def resolve_use_raw_price(params):
    """use_raw_price as a length-1 float array (1.0 = on); default off."""
    value = params.get("use_raw_price")
    return as_vector(0.0 if value is None else value, "use_raw_price")


def resolve_pre_exp_scaling(params):
    """ψ from ``pre_exp_scaling`` | ``sp_pre_exp_scaling`` (sp) | ``logit_pre_exp_scaling`` (σ) | ``raw_pre_exp_scaling`` (2^x).

    Returns (ψ, key) with key None when absent (then ψ = 0.5, quantammsim's default).
    """
    key, value = pick(params, ["pre_exp_scaling", "sp_pre_exp_scaling", "logit_pre_exp_scaling", "raw_pre_exp_scaling"])
    if key is None:
        return as_vector(NEUTRAL_PRE_EXP_SCALING, "pre_exp_scaling"), None
    x = as_vector(value, key)
    mapped = {"pre_exp_scaling": x, "sp_pre_exp_scaling": squareplus(x), "logit_pre_exp_scaling": logistic(x),
              "raw_pre_exp_scaling": 2.0**x}[key]
    return mapped, key


def resolve_exponents(params, rule):
    """q from ``exponents`` (as given) | ``sp_exponents`` | ``raw_exponents`` (both via squareplus, no clip)."""
    key, value = pick(params, ["exponents", "sp_exponents", "raw_exponents"])
    if key is None:
        raise ValueError(f"{rule}: missing parameter: give one of ['exponents', 'sp_exponents', 'raw_exponents']")
    x = as_vector(value, key)
    return x if key == "exponents" else squareplus(x)


def broadcast_group(cp, keys, n):
    """Broadcast the arrays ``keys`` of cp to length n if any of them has length n (chain needs equal lengths)."""
    if any(cp[k].shape[0] == n for k in keys) and n != 1:
        for k in keys:
            cp[k] = jnp.broadcast_to(cp[k], (n,)) if cp[k].shape[0] == 1 else cp[k]
    return cp


# ---------------------------------------------------------------------------------------- validation


def _np(value):
    return np.asarray(value, dtype=np.float64).reshape(-1)


def check_length(cp, n, rule):
    """Every array in cp must have length 1 or n."""
    for key, value in cp.items():
        length = int(np.shape(value)[0])
        if length not in (1, n):
            raise ValueError(f"{rule}: {key} has length {length}: must be 1 (scalar) or n_assets={n}")


def check_values(cp, rule, checks):
    """Run (key, predicate, description) checks on concrete cp values; NaN always fails."""
    for key, value in cp.items():
        arr = _np(value)
        if np.isnan(arr).any():
            raise ValueError(f"{rule}: {key}={arr.tolist()}: contains NaN")
    for key, predicate, description in checks:
        arr = _np(cp[key])
        bad = ~predicate(arr)
        if bad.any():
            raise ValueError(f"{rule}: {key}={arr.tolist()}: every entry must satisfy {description}")


# ----------------------------------------------------------------------------------- rule arithmetic


def finish(signal, kappa, sign=1.0):
    """On-chain FINISH normalisation (docs/arithmetic.md §4), float64: raw weights from the per-asset signal.

    Works on (n,) rows and on (T, n) series (the normalisation is over the last axis).
    scalar κ: N' = Σs/n, w̃ = w + κ(s − N'); vector κ: N' = Σκs/Σκ, w̃_i = w_i + κ_i(s_i − N').
    Returns the delta sign·κ(s − N'); the caller adds the previous weights.
    """
    n = signal.shape[-1]
    if kappa.shape[0] == 1:
        mean = jnp.sum(signal, axis=-1, keepdims=True) / n
    else:
        mean = jnp.sum(signal * kappa, axis=-1, keepdims=True) / jnp.sum(kappa)
    return sign * kappa * (signal - probe("centre", mean))


def relative(values, denominator):
    """(1/d)·x: the on-chain order (reciprocal first, then multiply)."""
    return probe("relative", probe("reciprocal", 1.0 / denominator) * values)


def gradient_denominator(price, mean, use_raw_price):
    """d = raw price when use_raw_price is on, else the new moving average."""
    return jnp.where(use_raw_price[0] == 1.0, price, mean)


# ------------------------------------------------------------------------------ shared estimator use


def deviation_state(carry, key="ewma"):
    """The deviation-form EWMA state of carry key ``key``: last price carry["price"], e = carry[key + "_deviation"]."""
    return ewma.DeviationState(price=carry["price"], deviation=carry[key + "_deviation"])


def has_deviation_form(carry, key="ewma"):
    """True if the carry holds the deviation form of moving average ``key`` ("price" and key + "_deviation")."""
    return "price" in carry and key + "_deviation" in carry


def ewma_update(carry, price, lamb, key="ewma"):
    """One update of the moving average ``key`` of a carry: (new carry entries, ewma.Deviations).

    Deviation form (parity.estimators.ewma) when the carry has it. A carry with only the moving average
    (built by hand, or by a caller that predates the deviation form) gets the plain form instead — the
    same values up to the ulp(p) cancellation the deviation form avoids — and keeps its key set, so
    its structure is unchanged. The caller sets "price" when the carry has it.
    """
    if has_deviation_form(carry, key):
        state, dev = ewma.deviation_step(deviation_state(carry, key), price, lamb)
        return {key: probe(key, ewma.mean(state)), key + "_deviation": dev.new}, dev
    price = jnp.asarray(price, dtype=jnp.float64)
    _, mean = ewma.step(ewma.init(carry[key]), price, lamb)
    return {key: probe(key, mean)}, ewma.Deviations(prev=price - carry[key], new=price - mean)


def ewma_series(carry0, prices, lamb, key="ewma"):
    """Whole-series counterpart of :func:`ewma_update` (deviation form): (carry entries (T, n) of moving
    average ``key`` after each row, ewma.Deviations of every row). The caller adds "price" = prices."""
    dev = ewma.deviation_series(deviation_state(carry0, key), prices, lamb)
    return {key: prices - dev.new, key + "_deviation": dev.new}, dev


def with_price(carry, new_entries, price):
    """new_entries plus "price" = the consumed price when the carry has that key."""
    if "price" in carry:
        return {"price": jnp.asarray(price, dtype=jnp.float64), **new_entries}
    return new_entries


def ewma_init(initial_price, params, override, key="ewma", override_key="initial_ewma"):
    """Carry entries of one moving average: {key: p̄(0), key + "_deviation": p(0) − p̄(0)}.

    p̄(0) is the initial price unless params[override_key] is given; the deviation is computed once from it.
    The carry also needs "price" = p(0) (the last consumed price), set by the caller.
    """
    price = jnp.asarray(initial_price, dtype=jnp.float64)
    mean0 = override(params, override_key, price)
    return {key: mean0, key + "_deviation": ewma.deviation_init(price, mean0).deviation}


def gradient_init(initial_price, params, override):
    """Carry of the gradient rules: {"price": p(0), "ewma": p̄(0), "ewma_deviation": p(0) − p̄(0), "running_a": a(0)}."""
    price = jnp.asarray(initial_price, dtype=jnp.float64)
    return {
        "price": price,
        **ewma_init(price, params, override),
        "running_a": override(params, "initial_running_a", jnp.zeros_like(price)),
    }


def gradient_step(carry, price, lamb):
    """One on-chain estimator update of a gradient rule (deviation form): (new carry, new p̄, gradient g)."""
    entries, dev = ewma_update(carry, price, lamb)
    grad_state, grad = gradient.step_deviation(gradient.init(carry["running_a"]), dev.new, lamb)
    return with_price(carry, {**entries, "running_a": grad_state.running_a}, price), entries["ewma"], grad


def gradient_series(carry0, prices, lamb):
    """Whole-series gradient estimators (deviation form): (states (T, n) per carry key, means, gradients)."""
    prices = jnp.asarray(prices, dtype=jnp.float64)
    entries, dev = ewma_series(carry0, prices, lamb)
    a, grad = gradient.series_deviation(carry0["running_a"], dev.new, lamb)
    return {"price": prices, **entries, "running_a": a}, entries["ewma"], grad
