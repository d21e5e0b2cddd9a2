"""PowerChannel (on chain: PowerChannelRule, docs/arithmetic.md §4): s = sign(r)·|r|^q, w̃ = w + FINISH(s, κ).

Parameters as Momentum plus ``sp_k`` (κ = sp(sp_k)·memory_days) and the exponent q: ``exponents`` |
``sp_exponents`` | ``raw_exponents`` (the last two through squareplus). The chain requires q > 1: the
simulator clips q ≤ 1 to 1 with a warning (quantammsim clips to ≥ 1 silently), while ``chain_params`` /
``encode_chain_params`` (what ``parity verify`` uses) reject q ≤ 1.
The chain has no pre-exponent scaling: quantammsim's |r/(2ψ)|^q equals |r|^q only for ψ = 0.5, so any
``pre_exp_scaling`` / ``sp_pre_exp_scaling`` / ``logit_pre_exp_scaling`` / ``raw_pre_exp_scaling`` that
maps to another ψ raises. Chain layout: [κ],[q](,[useRaw]); κ and q broadcast to a common length.
"""

import warnings

import jax.numpy as jnp
import numpy as np

from parity.params import WAD, encode_array
from parity.probes import probe
from parity.pools.common import (
    NEUTRAL_PRE_EXP_SCALING,
    broadcast_group,
    check_values,
    finish,
    gradient_series,
    gradient_step,
    is_concrete,
    resolve_exponents,
    resolve_pre_exp_scaling,
    resolve_use_raw_price,
)
from parity.pools.momentum import GradientRulePool


def power_signal(r, q):
    """sign(r)·|r|^q with sign(0) = +1 (the chain's σ = +ONE for r ≥ 0)."""
    return probe("signal", jnp.where(r >= 0, 1.0, -1.0) * jnp.abs(r) ** q)


EXPONENTS_ABOVE_ONE = ("exponents", lambda a: a > 1, "exponents (q) > 1 (the on-chain PowerChannel requires it)")


class PowerChannelPool(GradientRulePool):
    """On-chain PowerChannel in float64, both paths."""

    rule = "power_channel"
    chain_rule = "PowerChannelRule"
    chain_keys = ("lamb", "kappa", "exponents", "use_raw_price")
    uses_sp_k = True

    def _resolve(self, params, run_fingerprint):
        cp, _ = self._resolve_common(params, run_fingerprint)
        psi, key = resolve_pre_exp_scaling(params)
        if key is not None and is_concrete(psi):
            arr = np.asarray(psi)
            if np.any(np.abs(arr - NEUTRAL_PRE_EXP_SCALING) > 1e-12):
                raise ValueError(
                    f"{self.rule}: {key}={np.asarray(params[key]).tolist()} gives pre-exponent scaling {arr.tolist()}: "
                    f"the on-chain PowerChannel computes |r|^q with no pre-exponent scaling, which equals quantammsim's "
                    f"|r/(2ψ)|^q only for ψ = {NEUTRAL_PRE_EXP_SCALING}; drop the key or use that value"
                )
        cp["exponents"] = resolve_exponents(params, self.rule)
        cp["use_raw_price"] = resolve_use_raw_price(params)
        return broadcast_group(cp, ("kappa", "exponents"), run_fingerprint.n_assets)

    def _checks(self, cp, n):
        check_values(cp, self.rule, self._common_checks() + [EXPONENTS_ABOVE_ONE])

    def resolve_params(self, params, run_fingerprint, *, validate=True):
        """As the base class, but the simulator clips q ≤ 1 to 1 (with a warning) as quantammsim does."""
        cp = super().resolve_params(params, run_fingerprint, validate=False)
        if validate and is_concrete(cp):
            check_values(cp, self.rule, self._common_checks())
            low = np.asarray(cp["exponents"]) <= 1
            if low.any():
                warnings.warn(
                    f"{self.rule}: exponents={np.asarray(cp['exponents']).tolist()}: q <= 1 is clipped to 1 in the "
                    "simulator (as quantammsim does); the on-chain PowerChannel requires q > 1, so `parity verify` "
                    "rejects these parameters",
                    UserWarning,
                    stacklevel=2,
                )
        return {**cp, "exponents": jnp.maximum(cp["exponents"], 1.0)}

    def chain_params(self, params, run_fingerprint):
        """The on-chain parameters; q ≤ 1 is rejected (the chain requires q > 1; nothing is clipped here)."""
        cp = self._resolve(params, run_fingerprint)
        if is_concrete(cp):
            check_values(cp, self.rule, [EXPONENTS_ABOVE_ONE])
        return super().chain_params(params, run_fingerprint)

    def _rule_step(self, carry, price, cp, oracle_row):
        carry, mean, grad = gradient_step(carry, price, cp["lamb"])
        signal = power_signal(self._relative_gradient(price, mean, grad, cp), cp["exponents"])
        return carry, finish(signal, cp["kappa"], +1.0)

    def _rule_series(self, carry0, prices, cp, oracle):
        states, means, grad = gradient_series(carry0, prices, cp["lamb"])
        signal = power_signal(self._relative_gradient(prices, means, grad, cp), cp["exponents"])
        return finish(signal, cp["kappa"], +1.0), states

    def _encode(self, cp, n):
        if cp["kappa"].shape[0] != cp["exponents"].shape[0]:
            raise ValueError(f"{self.rule}: kappa and exponents lengths differ ({cp['kappa'].shape[0]} vs {cp['exponents'].shape[0]})")
        parameters = [encode_array(cp["kappa"], "kappa"), encode_array(cp["exponents"], "exponents")]
        if self._raw_price_on(cp):
            parameters.append([WAD])
        return parameters, self._encode_lamb(cp["lamb"])

    def _decode(self, parameters, lambda_store, n):
        if len(parameters) not in (2, 3):
            raise ValueError(f"{self.rule}: parameters has {len(parameters)} arrays: must be [kappa],[q] or [kappa],[q],[useRaw]")
        use_raw = self._decode_flag(parameters[2], self.rule) if len(parameters) == 3 else False
        return {
            "lamb": self._decode_vec(lambda_store),
            "kappa": self._decode_vec(parameters[0]),
            "exponents": self._decode_vec(parameters[1]),
            "use_raw_price": use_raw,
        }
