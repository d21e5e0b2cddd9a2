"""DifferenceMomentum (on chain: DifferenceMomentumRule, docs/arithmetic.md §4), float64.

Long EWMA p̄ with the pool λ (carry "ewma"), short EWMA s̄ with λ_short (carry "short_ewma"), signal
s = (1/p̄)·(s̄ − p̄) against the new long average, w̃ = w + FINISH(s, κ). κ may be negative (≠ 0, Σκ ≠ 0).

Parameters: ``lamb`` | ``memory_days_2`` | σ(``logit_lamb`` + ``logit_delta_lamb``) for the long λ;
``lamb_short`` | ``memory_days_1`` | σ(``logit_lamb``) for the short λ (seed-style ones capped at
λ(max_memory_days)); ``kappa`` | ``k`` (κ = k·max(days_short, days_long)) | ``log_k`` (2^x·days_short) |
``absolute_k``. quantammsim's signal 1 − E₂/E₁ = (short − long)/short has the short average as
denominator; the chain divides by the long one, and the chain wins. Chain layout: [κ],[λ_short].
"""

import jax.numpy as jnp
import numpy as np

from parity.params import encode_array
from parity.pools.base import TFMMBasePool
from parity.pools.common import (
    as_vector,
    capped_memory_days,
    check_values,
    ewma_init,
    ewma_series,
    ewma_update,
    finish,
    relative,
    resolve_lamb,
    with_price,
)


class DifferenceMomentumPool(TFMMBasePool):
    """On-chain DifferenceMomentum in float64, both paths."""

    rule = "difference_momentum"
    chain_rule = "DifferenceMomentumRule"
    chain_keys = ("lamb", "kappa", "lamb_short")
    carry_keys = ("price", "ewma", "ewma_deviation", "short_ewma", "short_ewma_deviation")

    def _resolve(self, params, run_fingerprint):
        lamb, _ = resolve_lamb(
            params, run_fingerprint, chain_key="lamb", logit_keys=("logit_lamb", "logit_delta_lamb"),
            days_key="memory_days_2", rule=self.rule,
        )
        lamb_short, _ = resolve_lamb(
            params, run_fingerprint, chain_key="lamb_short", logit_keys=("logit_lamb",), days_key="memory_days_1",
            rule=self.rule,
        )
        days_long = capped_memory_days(lamb, run_fingerprint)
        days_short = capped_memory_days(lamb_short, run_fingerprint)
        if params.get("kappa") is not None:
            kappa = as_vector(params["kappa"], "kappa")
        elif params.get("k") is not None:
            kappa = as_vector(params["k"], "k") * jnp.maximum(days_short, days_long)
        elif params.get("log_k") is not None:
            kappa = 2.0 ** as_vector(params["log_k"], "log_k") * days_short
        elif params.get("absolute_k") is not None:
            kappa = as_vector(params["absolute_k"], "absolute_k")
        else:
            raise ValueError(f"{self.rule}: missing parameter: give one of ['kappa', 'k', 'log_k', 'absolute_k']")
        return {"lamb": lamb, "kappa": kappa, "lamb_short": lamb_short}

    def _checks(self, cp, n):
        check_values(cp, self.rule, [
            ("lamb", lambda a: (a > 0) & (a < 1), "0 < lamb < 1"),
            ("lamb_short", lambda a: (a >= 0) & (a <= 1), "0 <= lamb_short <= 1"),
            ("kappa", lambda a: a != 0, "kappa != 0"),
            ("kappa", lambda a: np.full(a.shape, a.sum() != 0), "sum(kappa) != 0"),
        ])

    def _init_state(self, initial_price, cp, params):
        return {
            "price": initial_price,
            **ewma_init(initial_price, params, self._override),
            **ewma_init(initial_price, params, self._override, key="short_ewma", override_key="initial_short_ewma"),
        }

    def _rule_step(self, carry, price, cp, oracle_row):
        # deviation form (parity.estimators.ewma): s̄ − p̄ = e_long − e_short without cancellation
        long_entries, long_dev = ewma_update(carry, price, cp["lamb"])
        short_entries, short_dev = ewma_update(carry, price, cp["lamb_short"], key="short_ewma")
        signal = relative(long_dev.new - short_dev.new, long_entries["ewma"])
        return with_price(carry, {**long_entries, **short_entries}, price), finish(signal, cp["kappa"], +1.0)

    def _rule_series(self, carry0, prices, cp, oracle):
        prices = jnp.asarray(prices, dtype=jnp.float64)
        long_entries, long_dev = ewma_series(carry0, prices, cp["lamb"])
        short_entries, short_dev = ewma_series(carry0, prices, cp["lamb_short"], key="short_ewma")
        signal = relative(long_dev.new - short_dev.new, long_entries["ewma"])
        return finish(signal, cp["kappa"], +1.0), {"price": prices, **long_entries, **short_entries}

    def _encode(self, cp, n):
        return [encode_array(cp["kappa"], "kappa"), encode_array(cp["lamb_short"], "lamb_short")], self._encode_lamb(cp["lamb"])

    def _decode(self, parameters, lambda_store, n):
        if len(parameters) != 2:
            raise ValueError(f"{self.rule}: parameters has {len(parameters)} arrays: must be [kappa],[lamb_short]")
        return {
            "lamb": self._decode_vec(lambda_store),
            "kappa": self._decode_vec(parameters[0]),
            "lamb_short": self._decode_vec(parameters[1]),
        }
