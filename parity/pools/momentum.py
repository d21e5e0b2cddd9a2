"""Momentum (on chain: MomentumRule, docs/arithmetic.md §4).

w̃ = w + FINISH(r, κ), r = (1/d)·g with g = (1−λ)³/λ · a the gradient and d the new moving average
(or the raw price when use_raw_price). Parameters: ``lamb`` | ``memory_days`` | ``logit_lamb`` (capped at
λ(max_memory_days)); ``kappa`` | ``log_k`` (κ = 2^log_k·memory_days(λ)) | ``k`` (k·memory_days) |
``absolute_k``; ``use_raw_price`` (default False). Chain layout: [κ] or [κ],[useRaw]; lambdaStore [λ].
"""

import numpy as np

from parity.params import WAD, encode_array
from parity.pools.base import TFMMBasePool
from parity.pools.common import (
    capped_memory_days,
    check_values,
    finish,
    gradient_denominator,
    gradient_init,
    gradient_series,
    gradient_step,
    relative,
    resolve_kappa,
    resolve_lamb,
    resolve_use_raw_price,
)


def _lamb_ok(a):
    return (a > 0) & (a < 1)


def _flag_ok(a):
    return (a == 0) | (a == 1)


class GradientRulePool(TFMMBasePool):
    """Shared parameter handling of the gradient rules (not a pool on its own: it has no rule hooks)."""

    carry_keys = ("price", "ewma", "ewma_deviation", "running_a")
    uses_sp_k = False

    def _resolve_common(self, params, run_fingerprint):
        lamb, _ = resolve_lamb(
            params, run_fingerprint, chain_key="lamb", logit_keys=("logit_lamb",), days_key="memory_days", rule=self.rule
        )
        days = capped_memory_days(lamb, run_fingerprint)
        kappa = resolve_kappa(params, days, self.rule, allow_sp=self.uses_sp_k)
        return {"lamb": lamb, "kappa": kappa}, days

    def _common_checks(self):
        return [
            ("lamb", _lamb_ok, "0 < lamb < 1"),
            ("kappa", lambda a: a > 0, "kappa > 0"),
            ("use_raw_price", _flag_ok, "use_raw_price in {0, 1} (False/True)"),
        ]

    def _init_state(self, initial_price, cp, params):
        return gradient_init(initial_price, params, self._override)

    @staticmethod
    def _relative_gradient(price, mean, grad, cp):
        return relative(grad, gradient_denominator(price, mean, cp["use_raw_price"]))

    @staticmethod
    def _raw_price_on(cp):
        """True when cp's use_raw_price flag is set (1.0)."""
        return float(np.asarray(cp["use_raw_price"]).reshape(-1)[0]) == 1.0

    @staticmethod
    def _decode_flag(row, rule):
        if len(row) != 1 or row[0] not in (0, WAD):
            raise ValueError(f"{rule}: useRawPrice parameter {row}: must be [0] or [1e18]")
        return row[0] == WAD


class MomentumPool(GradientRulePool):
    """On-chain Momentum in float64, both paths."""

    rule = "momentum"
    chain_rule = "MomentumRule"
    chain_keys = ("lamb", "kappa", "use_raw_price")

    def _resolve(self, params, run_fingerprint):
        cp, _ = self._resolve_common(params, run_fingerprint)
        cp["use_raw_price"] = resolve_use_raw_price(params)
        return cp

    def _checks(self, cp, n):
        check_values(cp, self.rule, self._common_checks())

    def _rule_step(self, carry, price, cp, oracle_row):
        carry, mean, grad = gradient_step(carry, price, cp["lamb"])
        return carry, finish(self._relative_gradient(price, mean, grad, cp), cp["kappa"], +1.0)

    def _rule_series(self, carry0, prices, cp, oracle):
        states, means, grad = gradient_series(carry0, prices, cp["lamb"])
        return finish(self._relative_gradient(prices, means, grad, cp), cp["kappa"], +1.0), states

    def _encode(self, cp, n):
        parameters = [encode_array(cp["kappa"], "kappa")]
        if self._raw_price_on(cp):
            parameters.append([WAD])
        return parameters, self._encode_lamb(cp["lamb"])

    def _decode(self, parameters, lambda_store, n):
        if len(parameters) not in (1, 2):
            raise ValueError(f"{self.rule}: parameters has {len(parameters)} arrays: must be [kappa] or [kappa],[useRaw]")
        use_raw = self._decode_flag(parameters[1], self.rule) if len(parameters) == 2 else False
        return {
            "lamb": self._decode_vec(lambda_store),
            "kappa": self._decode_vec(parameters[0]),
            "use_raw_price": use_raw,
        }
