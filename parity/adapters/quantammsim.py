"""Verify a pool written against quantammsim's public interface against a rule contract.

quantammsim's pools take a plain dict run fingerprint, parameters under its names (``logit_lamb``,
``log_k``, ``sp_exponents``, …, each of shape (n,)), minute prices, and implement::

    get_initial_rule_state(initial_price (n,), params, run_fingerprint) -> carry dict ("ewma", "running_a")
    calculate_rule_output_step(carry, price (n,), params, run_fingerprint) -> (carry, rule output (n,))
    calculate_rule_outputs(params, run_fingerprint, prices (T, n) per minute) -> (N−1, n)   [optional]

``QuantammsimPool(pool, rule_contract="MomentumRule")`` wraps such a pool into parity's harness ``Pool``
protocol. What it verifies is the wrapped pool's **rule** (its estimators and rule outputs); the guard
rails are the chain's (parity.weights.guardrails), because quantammsim's differ from the chain's by design
(README, "Known divergences"). The parameter encoding is that of parity's pool for the same contract: the
user's quantammsim parameters become the on-chain integers, and the decoded on-chain values are turned back
into quantammsim's names for the wrapped pool (λ → ``logit_lamb``, κ → ``log_k``, q → ``sp_exponents``,
width → ``raw_width``, amplitude → ``log_amplitude``, ψ → ``raw_pre_exp_scaling``), every one as a length-n
vector (a length-1 κ means something else in quantammsim). A different parameterisation can be given as
``to_pool_params(chain_params, run_fingerprint_dict) -> params``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from parity.pools.common import CHANNEL_INVERSE_SCALING, capped_memory_days
from parity.weights.guardrails import guard_weights

# on-chain rule contract -> the quantammsim rule name of the same rule
CONTRACT_RULES = {
    "MomentumRule": "momentum",
    "AntiMomentumRule": "anti_momentum",
    "PowerChannelRule": "power_channel",
    "ChannelFollowingRule": "mean_reversion_channel",
}


def quantammsim_fingerprint(fp) -> dict:
    """A parity RunFingerprint as the dict a quantammsim pool reads (its key names, the run's values)."""
    return {
        "rule": fp.rule, "n_assets": fp.n_assets, "chunk_period": fp.chunk_period,
        "weight_interpolation_period": fp.weight_interpolation_period, "maximum_change": fp.maximum_change,
        "minimum_weight": fp.absolute_weight_guard_rail, "max_memory_days": fp.max_memory_days,
        "initial_pool_value": fp.initial_pool_value, "weight_calculation_method": fp.weight_calculation_method,
        "weight_interpolation_method": fp.weight_interpolation_method, "use_alt_lamb": False,
        "use_pre_exp_scaling": True,
    }


def _vector(value, n):
    return jnp.broadcast_to(jnp.asarray(value, dtype=jnp.float64).reshape(-1), (n,))


def default_pool_params(chain_params: dict, fp) -> dict:
    """quantammsim-named parameters (each (n,)) meaning the given on-chain float parameters."""
    n = fp.n_assets
    lamb = _vector(chain_params["lamb"], n)
    days = capped_memory_days(lamb, fp)
    out = {"logit_lamb": jnp.log(lamb) - jnp.log1p(-lamb), "log_k": jnp.log2(_vector(chain_params["kappa"], n) / days)}
    if "exponents" in chain_params:
        q = _vector(chain_params["exponents"], n)
        out["sp_exponents"] = (q * q - 1.0) / q  # squareplus⁻¹
    if "width" in chain_params:
        out["raw_width"] = jnp.log2(_vector(chain_params["width"], n))
        out["log_amplitude"] = jnp.log2(_vector(chain_params["amplitude"], n) / days)
        out["raw_pre_exp_scaling"] = jnp.log2(_vector(chain_params["pre_exp_scaling"], n))
    return out


class QuantammsimPool:
    """A quantammsim-interface pool as a parity harness ``Pool`` (see the module docstring)."""

    def __init__(self, pool, rule_contract: str = "MomentumRule", *, to_pool_params=None):
        from parity.pools import create_pool

        if rule_contract not in CONTRACT_RULES:
            raise ValueError(f"rule_contract={rule_contract!r}: the quantammsim adapter maps parameters for "
                             f"{', '.join(CONTRACT_RULES)}; give to_pool_params= for another rule")
        for name in ("get_initial_rule_state", "calculate_rule_output_step"):
            if not callable(getattr(pool, name, None)):
                raise ValueError(f"pool {type(pool).__name__}: has no {name}(); a quantammsim-style pool needs "
                                 "get_initial_rule_state and calculate_rule_output_step")
        self.pool = pool
        self.chain_rule = rule_contract
        self.rule = type(pool).__name__
        self._reference = create_pool(CONTRACT_RULES[rule_contract])
        self._to_pool_params = to_pool_params or default_pool_params
        self._outputs_are_weights = bool(getattr(pool, "_rule_outputs_are_weights", False))

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

    # ------------------------------------------------------------------------------------ scan path

    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        qparams, qfp = self._pool_args(params, run_fingerprint)
        return dict(self.pool.get_initial_rule_state(jnp.asarray(initial_price, dtype=jnp.float64), qparams, qfp))

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
        qparams, qfp = self._pool_args(params, run_fingerprint)
        est, output = self.pool.calculate_rule_output_step(est_carry, jnp.asarray(price, dtype=jnp.float64), qparams, qfp)
        new = self._next_weights(jnp.asarray(output).reshape(-1), wt_carry["prev_actual_weight"], params, run_fingerprint)
        return dict(est), {**wt_carry, "prev_actual_weight": new}, new

    # ------------------------------------------------------------------- vectorized cross-check

    def supports_vectorized_path(self) -> bool:
        own = getattr(self.pool, "supports_vectorized_path", None)
        return bool(own()) if callable(own) else callable(getattr(self.pool, "calculate_rule_outputs", None))

    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None, return_states=False):
        """The wrapped pool's rule outputs over update rows ``prices`` (one row every chunk_period minutes):
        the rows are repeated per minute, as quantammsim's pools read prices. No states (quantammsim's
        vectorized path does not return them), so only weights are cross-checked."""
        qparams, qfp = self._pool_args(params, run_fingerprint)
        stride = run_fingerprint.chunk_period // run_fingerprint.price_interval
        minutes = jnp.repeat(jnp.asarray(prices, dtype=jnp.float64), run_fingerprint.chunk_period // stride, axis=0)
        outputs = self.pool.calculate_rule_outputs(qparams, qfp, minutes, additional_oracle_input)
        return (outputs, {}) if return_states else outputs

    def resolve_params(self, params, run_fingerprint, *, validate=True):
        return params

    def _coarse_scan(self, rule_outputs, initial_weights, resolved_params, run_fingerprint):
        def body(prev, output):
            new = self._next_weights(output, prev, resolved_params, run_fingerprint)
            return new, new

        return jax.lax.scan(body, jnp.asarray(initial_weights, dtype=jnp.float64), rule_outputs)[1]
