"""Verify a pool written against quantammsim's public interface (its own six TFMM pools included) against a
rule contract (docs/quantammsim.md).

quantammsim's pools take a run fingerprint of its own hashable dict type (their rule functions are
``jax.jit``-ed with the fingerprint as a static argument), parameters under its names (``logit_lamb``,
``log_k``, ``memory_days_1``, …, each of shape (n,)) and minute prices, and implement::

    get_initial_rule_state(initial_price (n,), params, run_fingerprint) -> carry dict
    calculate_rule_output_step(carry, price (n,), params, run_fingerprint) -> (carry, rule output (n,))
    calculate_rule_outputs(params, run_fingerprint, prices (T, n) per minute) -> (N−1, n)
    supports_scan_path() / supports_vectorized_path()

``QuantammsimPool(pool, rule_contract="MomentumRule")`` wraps such a pool into parity's harness ``Pool``
protocol. What it verifies is the wrapped pool's **rule** (estimators and rule outputs); the guard rails
are the chain's (parity.weights.guardrails), because quantammsim's differ by design. How (``path``):

* ``"scan"``: the pool's scan step, block by block; its carry must hold every state the contract stores
  (compared too), else a one-line error names the missing field. The vectorized path is cross-checked.
* ``"vectorized"``: the pool's rule outputs over the whole series (computed once), fed block by block
  through the chain's guard rails and compared per block (weights only: the vectorized path keeps no
  state). No scan step is invented for it.
* ``"auto"`` (default): scan when the pool supports it and its carry holds the contract's states, else
  vectorized (quantammsim's MinVariancePool has no scan step; its DifferenceMomentumPool's scan step is
  Momentum's, with Momentum's carry). The report says which and why.

Parameters: parity's encoding of the same contract turns the caller's parameters into on-chain integers;
the decoded values go back to quantammsim's names for the wrapped pool (:func:`default_pool_params`), or
through ``to_pool_params(chain_params, run_fingerprint) -> params`` for another parameterisation. The
wrapped pool runs quarantined (parity.adapters.quarantine): any exception inside its code becomes a one-line
:class:`PoolCodeError` naming its frame.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from parity.adapters.errors import PoolCodeError
from parity.adapters.quarantine import quarantine, user_step
from parity.pools.common import CHANNEL_INVERSE_SCALING, capped_memory_days
from parity.weights.guardrails import guard_weights

__all__ = ["CONTRACT_RULES", "HashableDict", "PoolCodeError", "QuantammsimPool", "default_pool_params",
           "quantammsim_fingerprint"]

# on-chain rule contract -> the quantammsim rule name of the same rule
CONTRACT_RULES = {
    "MomentumRule": "momentum",
    "AntiMomentumRule": "anti_momentum",
    "PowerChannelRule": "power_channel",
    "ChannelFollowingRule": "mean_reversion_channel",
    "DifferenceMomentumRule": "difference_momentum",
    "MinimumVarianceRule": "min_variance",
}
# what each contract stores (its state getters), in the carry keys quantammsim's pools use
CONTRACT_STATES = {
    "MomentumRule": ("ewma", "running_a"), "AntiMomentumRule": ("ewma", "running_a"),
    "PowerChannelRule": ("ewma", "running_a"), "ChannelFollowingRule": ("ewma", "running_a"),
    "DifferenceMomentumRule": ("ewma", "short_ewma"), "MinimumVarianceRule": ("ewma", "variance"),
}
PATHS = ("auto", "scan", "vectorized")


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


class HashableDict(dict):
    """quantammsim's fingerprint type: a dict hashed (and compared) by the sorted tuple of its items, lists
    as tuples and nested dicts as sorted item tuples, so it can be a static argument of ``jax.jit``."""

    def __hash__(self):
        return hash(_freeze(dict(self)))

    def __eq__(self, other):
        return isinstance(other, dict) and _freeze(dict(self)) == _freeze(dict(other))

    def __ne__(self, other):
        return not self == other


# quantammsim's default run fingerprint (its defaults file): the keys a pool may read besides the run's own
QUANTAMMSIM_DEFAULTS = {
    "freq": "minute", "startDateString": "2023-01-01 00:00:00", "endDateString": "2023-06-01 00:00:00",
    "endTestDateString": None, "tokens": ["BTC", "ETH", "USDC"], "rule": "mean_reversion_channel",
    "optimisation_settings": {"training_data_kind": "historic", "force_scalar": False},
    "initial_memory_length": 10.0, "initial_memory_length_delta": 0.0, "initial_k_per_day": 20,
    "bout_offset": 10080, "initial_weights_logits": 1.0, "initial_log_amplitude": 0.0, "initial_raw_width": 0.0,
    "initial_raw_exponents": 0.0, "initial_pre_exp_scaling": 0.5, "subsidary_pools": [], "maximum_change": 3e-4,
    "chunk_period": 1440, "weight_interpolation_period": 1440, "return_val": "sharpe", "initial_pool_value": 1e6,
    "fees": 0.0, "arb_fees": 0.0, "gas_cost": 0.0, "use_alt_lamb": False, "use_pre_exp_scaling": True,
    "weight_interpolation_method": "linear", "arb_frequency": 1, "arb_quality": 1.0, "numeraire": None,
    "do_arb": True, "max_memory_days": 365.0, "noise_trader_ratio": 0.0, "minimum_weight": None,
    "ste_max_change": False, "ste_min_max_weight": False, "weight_calculation_method": "auto",
    "learnable_bounds_settings": {"freeze_bounds": False, "min_weights_per_asset": None, "max_weights_per_asset": None},
    "n_ensemble_members": 1, "do_trades": False, "use_fused_reserves": True, "turnover_penalty": 0.0,
    "price_noise_sigma": 0.0, "protocol_fee_split": 0.0,
}


def quantammsim_fingerprint(fp) -> HashableDict:
    """A parity RunFingerprint as the hashable dict a quantammsim pool reads: quantammsim's defaults, the
    run's values under quantammsim's key names, and the keys its runner adds (n_assets, bout_length)."""
    interp = fp.weight_interpolation_method if fp.weight_interpolation_method != "onchain" else "linear"
    return HashableDict({
        **QUANTAMMSIM_DEFAULTS, "rule": fp.rule, "n_assets": fp.n_assets, "chunk_period": fp.chunk_period,
        "weight_interpolation_period": fp.weight_interpolation_period, "maximum_change": fp.maximum_change,
        "minimum_weight": fp.absolute_weight_guard_rail, "max_memory_days": fp.max_memory_days,
        "initial_pool_value": fp.initial_pool_value, "weight_calculation_method": fp.weight_calculation_method,
        "weight_interpolation_method": interp, "bout_length": fp.bout_length, "tokens": None,
    })


# ------------------------------------------------------------------------------------------- parameters


def _vector(value, n):
    return jnp.broadcast_to(jnp.asarray(value, dtype=jnp.float64).reshape(-1), (n,))


def _days(chain_params, key, fp):
    return capped_memory_days(_vector(chain_params[key], fp.n_assets), fp)


def _gradient_rule_params(cp, fp) -> dict:
    """Momentum, AntiMomentum, PowerChannel, MeanReversionChannel: λ -> logit_lamb, κ -> log_k, q ->
    sp_exponents, width -> raw_width, amplitude -> log_amplitude, ψ -> raw_pre_exp_scaling."""
    n = fp.n_assets
    lamb, days = _vector(cp["lamb"], n), _days(cp, "lamb", fp)
    out = {"logit_lamb": jnp.log(lamb) - jnp.log1p(-lamb), "log_k": jnp.log2(_vector(cp["kappa"], n) / days)}
    if "exponents" in cp:
        q = _vector(cp["exponents"], n)
        out["sp_exponents"] = (q * q - 1.0) / q  # squareplus⁻¹
    if "width" in cp:
        out["raw_width"] = jnp.log2(_vector(cp["width"], n))
        out["log_amplitude"] = jnp.log2(_vector(cp["amplitude"], n) / days)
        out["raw_pre_exp_scaling"] = jnp.log2(_vector(cp["pre_exp_scaling"], n))
    return out


def _difference_momentum_params(cp, fp) -> dict:
    """DifferenceMomentum: memory_days_1 = days(λ_short), memory_days_2 = days(λ), k = κ / max(both)."""
    short, long = _days(cp, "lamb_short", fp), _days(cp, "lamb", fp)
    return {"memory_days_1": short, "memory_days_2": long,
            "k": _vector(cp["kappa"], fp.n_assets) / jnp.maximum(short, long)}


def _min_variance_params(cp, fp) -> dict:
    """MinVariance: memory_days_1 = days(λ) (the variance), memory_days_2 = days(Λ) (the mixing)."""
    return {"memory_days_1": _days(cp, "lamb", fp), "memory_days_2": _days(cp, "mixing", fp)}


def default_pool_params(chain_params: dict, fp) -> dict:
    """quantammsim-named parameters (each (n,)) meaning the given on-chain float parameters of ``fp.rule``."""
    if "lamb_short" in chain_params:
        return _difference_momentum_params(chain_params, fp)
    if "mixing" in chain_params:
        return _min_variance_params(chain_params, fp)
    return _gradient_rule_params(chain_params, fp)


# ----------------------------------------------------------------------------------------------- adapter


class QuantammsimPool:
    """A quantammsim-interface pool as a parity harness ``Pool`` (see the module docstring)."""

    def __init__(self, pool, rule_contract: str = "MomentumRule", *, to_pool_params=None, path: str = "auto"):
        from parity.pools import create_pool

        if rule_contract not in CONTRACT_RULES:
            raise ValueError(f"rule_contract={rule_contract!r}: must be one of {', '.join(CONTRACT_RULES)}")
        if path not in PATHS:
            raise ValueError(f"path={path!r}: must be one of {', '.join(PATHS)}")
        scan = all(callable(getattr(pool, m, None)) for m in ("get_initial_rule_state", "calculate_rule_output_step"))
        if not scan and not callable(getattr(pool, "calculate_rule_outputs", None)):
            raise ValueError(f"pool {type(pool).__name__}: has neither get_initial_rule_state and "
                             "calculate_rule_output_step (scan path) nor calculate_rule_outputs (vectorized path)")
        # the wrapped pool's own code runs quarantined (parity.adapters.quarantine): whatever it raises is one
        # line naming its class, method and frame; a NaN from its scan step is named at its block
        quarantined = pool if user_step(pool) is not None else quarantine(pool, "calculate_rule_output_step")
        self.pool, self.chain_rule, self.rule = quarantined, rule_contract, type(pool).__name__
        self.path, self.mode, self.note = path, None, None
        self._reference = create_pool(CONTRACT_RULES[rule_contract])
        self._to_pool_params = to_pool_params or default_pool_params
        self._outputs_are_weights = bool(getattr(pool, "_rule_outputs_are_weights",
                                                 self._reference.rule_outputs_are_weights))
        self._table = None
        self._instance = object()  # compiled steps are cached per adapter: they call back into this object

    def _call(self, method, *args):
        """``self.pool.method(*args)``: the pool is quarantined, so any exception inside becomes a one-line
        PoolCodeError naming its frame."""
        return getattr(self.pool, method)(*args)

    def _supports(self, path) -> bool:
        own = getattr(self.pool, f"supports_{path}_path", None)
        if callable(own):
            return bool(self._call(f"supports_{path}_path"))
        needed = ("calculate_rule_output_step",) if path == "scan" else ("calculate_rule_outputs",)
        return all(callable(getattr(self.pool, m, None)) for m in needed)

    # ------------------------------------------------------------------ parameters (parity's encoding)

    def chain_params(self, params, run_fingerprint):
        cp = self._reference.chain_params(params, run_fingerprint)
        if cp.get("use_raw_price"):
            raise ValueError(f"{self.rule}: use_raw_price=True: quantammsim's pools always divide the gradient by "
                             "the moving average")
        h = cp.get("inverse_scaling")
        if h is not None and np.any(np.abs(np.asarray(h) - CHANNEL_INVERSE_SCALING) > 1e-15):
            raise ValueError(f"{self.rule}: inverse_scaling={np.asarray(h).tolist()}: quantammsim's channel uses the "
                             f"constant {CHANNEL_INVERSE_SCALING}")
        return cp

    def encode_chain_params(self, chain_params, n):
        return self._reference.encode_chain_params(chain_params, n)

    def decode_chain_params(self, parameters, lambda_store, n):
        return self._reference.decode_chain_params(parameters, lambda_store, n)

    def initial_weights(self, params, run_fingerprint):
        return self._reference.initial_weights(params, run_fingerprint)

    def _pool_args(self, params, run_fingerprint):
        extra = {k: v for k, v in params.items() if k.startswith("initial_")}
        return {**extra, **self._to_pool_params(params, run_fingerprint)}, quantammsim_fingerprint(run_fingerprint)

    @staticmethod
    def _minute_prices(prices, minutes_per_row: int):
        """Price rows repeated for every minute they hold, as quantammsim's pools read prices."""
        return jnp.repeat(jnp.asarray(prices, dtype=jnp.float64), minutes_per_row, axis=0)

    # ------------------------------------------------------------------------------- choosing the path

    def _scan_carry_gap(self, price0, params, run_fingerprint, state_keys) -> list[str]:
        """The contract's state fields the pool's scan carry lacks."""
        qparams, qfp = self._pool_args(params, run_fingerprint)
        carry = self._call("get_initial_rule_state", jnp.asarray(price0, dtype=jnp.float64), qparams, qfp)
        return [k for k in state_keys if k not in carry]

    def _choose_path(self, price0, params, run_fingerprint, state_keys) -> tuple[str, str | None]:
        """(mode, note): "scan" or "vectorized" for this run (module docstring), or a one-line ValueError."""
        scan, vectorized = self._supports("scan"), self._supports("vectorized")
        gap = self._scan_carry_gap(price0, params, run_fingerprint, state_keys) if scan else []
        carry_note = (f"its scan carry has no {', '.join(map(repr, gap))} ({self.chain_rule} stores "
                      f"{', '.join(state_keys)})") if gap else None
        if self.path == "scan" or (self.path == "auto" and not vectorized):
            if not scan:
                raise ValueError(f"pool {self.rule}: has no scan path (supports_scan_path() is False)"
                                 + ("" if vectorized else " and no vectorized path"))
            if gap:
                raise ValueError(f"pool {self.rule}: {carry_note}: verify it with path='vectorized' (--pool-path vectorized)")
            return "scan", None
        if self.path == "vectorized" or not scan or gap:
            if not vectorized:
                raise ValueError(f"pool {self.rule}: has no vectorized path (supports_vectorized_path() is False)")
            why = ("path='vectorized'" if self.path == "vectorized"
                   else "the pool has no scan path" if not scan else carry_note)
            return "vectorized", f"verified from the pool's vectorized rule outputs (weights only): {why}"
        return "scan", None

    def prepare(self, update_prices, params, run_fingerprint, state_keys=None):
        """Before a run (the harness calls it with every update row, row 0 initialising): choose the path and,
        for the vectorized one, compute the pool's rule outputs over all rows once."""
        keys = tuple(state_keys) if state_keys is not None else CONTRACT_STATES[self.chain_rule]
        self.mode, self.note = self._choose_path(update_prices[0], params, run_fingerprint, keys)
        self._table = None
        if self.mode == "vectorized":
            qparams, qfp = self._pool_args(params, run_fingerprint)
            minutes = self._minute_prices(update_prices, run_fingerprint.chunk_period)
            table = self._call("calculate_rule_outputs", qparams, qfp, minutes)
            table = np.asarray(table, dtype=np.float64)
            expected = (len(update_prices) - 1, np.shape(update_prices)[1])
            if table.shape != expected:
                raise ValueError(f"pool {self.rule}: calculate_rule_outputs returned shape {table.shape}: expected "
                                 f"{expected} (one row per update after the first price row)")
            self._table = table

    def _output_row(self, k):
        """Row k of this run's rule outputs, read when the step runs (a compiled step serves every run)."""
        return np.asarray(self._table[int(k)], dtype=np.float64)

    @property
    def compared_state_keys(self):
        """The contract states this run compares: all (None) on the scan path, none from rule outputs."""
        return () if self.mode == "vectorized" else None

    @property
    def cross_check_skip_reason(self):
        return self.note if self.mode == "vectorized" else None

    # ------------------------------------------------------------------------------------ scan path

    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        if self.mode == "vectorized":  # the contract's own initial state, and the row of the next output
            state = self._reference.get_initial_rule_state(initial_price, params, run_fingerprint)
            return {**state, "block": jnp.asarray(0, dtype=jnp.int32)}
        qparams, qfp = self._pool_args(params, run_fingerprint)
        price = jnp.asarray(initial_price, dtype=jnp.float64)
        return dict(self._call("get_initial_rule_state", price, qparams, qfp))

    def get_initial_guardrail_state(self, initial_weights):
        return {"prev_actual_weight": jnp.asarray(initial_weights, dtype=jnp.float64)}

    def _next_weights(self, output, prev, params, run_fingerprint):
        if self._outputs_are_weights:
            mixing = jnp.asarray(params["mixing"], dtype=jnp.float64)
            raw = mixing * prev + (1.0 - mixing) * output
        else:
            raw = prev + output
        return guard_weights(raw, prev, run_fingerprint.epsilon_max, run_fingerprint.absolute_weight_guard_rail)

    def calculate_coarse_weight_step(self, est_carry, wt_carry, price, params, run_fingerprint):
        if self.mode == "vectorized":
            k = est_carry["block"]
            row = jax.ShapeDtypeStruct(jnp.shape(wt_carry["prev_actual_weight"]), jnp.float64)
            output, est = jax.pure_callback(self._output_row, row, k), {**est_carry, "block": k + 1}
        else:
            qparams, qfp = self._pool_args(params, run_fingerprint)
            price = jnp.asarray(price, dtype=jnp.float64)
            est, output = self._call("calculate_rule_output_step", est_carry, price, qparams, qfp)
            est = dict(est)
        new = self._next_weights(jnp.asarray(output).reshape(-1), wt_carry["prev_actual_weight"], params, run_fingerprint)
        return est, {**wt_carry, "prev_actual_weight": new}, new

    # ------------------------------------------------------------------- vectorized cross-check

    def supports_vectorized_path(self) -> bool:
        return self.mode != "vectorized" and self._supports("vectorized")

    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None, return_states=False):
        """The wrapped pool's rule outputs over update rows ``prices`` (one row every price_interval minutes,
        repeated per minute). No states (quantammsim's vectorized path keeps none): weights are cross-checked."""
        qparams, qfp = self._pool_args(params, run_fingerprint)
        minutes = self._minute_prices(prices, run_fingerprint.price_interval)
        outputs = self._call("calculate_rule_outputs", qparams, qfp, minutes, additional_oracle_input)
        return (outputs, {}) if return_states else outputs

    def resolve_params(self, params, run_fingerprint, *, validate=True):
        return params

    def _coarse_scan(self, rule_outputs, initial_weights, resolved_params, run_fingerprint):
        def body(prev, output):
            new = self._next_weights(output, prev, resolved_params, run_fingerprint)
            return new, new

        return jax.lax.scan(body, jnp.asarray(initial_weights, dtype=jnp.float64), rule_outputs)[1]
