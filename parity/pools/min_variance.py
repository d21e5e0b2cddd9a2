"""MinimumVariance (on chain: MinimumVarianceRule, docs/arithmetic.md §4), float64 — a weight rule.

σ² from the on-chain variance estimator on PRICES (docs/arithmetic.md §3: A = λA + (p − p̄(t−1))(p − p̄(t)),
σ² = (1−λ)A), π = 1/σ², target = π/Σπ, w̃ = Λ·w_prev + (1−Λ)·target, then the guard rails. No FINISH.
(quantammsim instead uses the variance of chunk *returns*; the chain wins.)

Parameters: ``lamb`` | ``memory_days_1`` | σ(``logit_lamb``) for λ; ``mixing`` (Λ) | ``memory_days_2``
(λ(days)) | σ(``logit_lamb`` + ``logit_delta_lamb``) for Λ (seed-style values capped at λ(max_memory_days)).
Initial intermediate variance A(0) = 0 unless ``initial_variance`` is given (a price that does not move
at the first update then gives σ² = 0: π = inf here, a revert on chain). Chain layout: [Λ].
"""

import jax.numpy as jnp

from parity.estimators import variance
from parity.params import encode_array
from parity.probes import probe
from parity.pools.base import TFMMBasePool
from parity.pools.common import check_values, ewma_init, ewma_series, ewma_update, resolve_lamb, with_price


def inverse_variance_target(sigma2):
    """π/Σπ with π = 1/σ² (over the last axis)."""
    precision = probe("precision", 1.0 / sigma2)
    return precision / probe("precision_sum", jnp.sum(precision, axis=-1, keepdims=True))


class MinVariancePool(TFMMBasePool):
    """On-chain MinimumVariance in float64, both paths."""

    rule = "min_variance"
    chain_rule = "MinimumVarianceRule"
    chain_keys = ("lamb", "mixing")
    rule_outputs_are_weights = True
    carry_keys = ("price", "ewma", "ewma_deviation", "variance")

    def _resolve(self, params, run_fingerprint):
        lamb, _ = resolve_lamb(
            params, run_fingerprint, chain_key="lamb", logit_keys=("logit_lamb",), days_key="memory_days_1", rule=self.rule
        )
        mixing, _ = resolve_lamb(
            params, run_fingerprint, chain_key="mixing", logit_keys=("logit_lamb", "logit_delta_lamb"),
            days_key="memory_days_2", rule=self.rule,
        )
        return {"lamb": lamb, "mixing": mixing}

    def _checks(self, cp, n):
        check_values(cp, self.rule, [
            ("lamb", lambda a: (a > 0) & (a < 1), "0 < lamb < 1"),
            ("mixing", lambda a: (a >= 0) & (a <= 1), "0 <= mixing <= 1"),
        ])

    def _init_state(self, initial_price, cp, params):
        return {
            "price": initial_price,
            **ewma_init(initial_price, params, self._override),
            "variance": self._override(params, "initial_variance", jnp.zeros_like(initial_price)),
        }

    def _rule_step(self, carry, price, cp, oracle_row):
        # deviation form (parity.estimators.ewma): p − p̄(t−1) and p − p̄(t) without cancellation
        entries, dev = ewma_update(carry, price, cp["lamb"])
        var_state, sigma2 = variance.step_deviation(variance.init(carry["variance"]), dev.prev, dev.new, cp["lamb"])
        return with_price(carry, {**entries, "variance": var_state.running_var}, price), inverse_variance_target(sigma2)

    def _rule_series(self, carry0, prices, cp, oracle):
        entries, dev = ewma_series(carry0, prices, cp["lamb"])
        big_a, sigma2 = variance.series_deviation(carry0["variance"], dev.prev, dev.new, cp["lamb"])
        return inverse_variance_target(sigma2), {"price": prices, **entries, "variance": big_a}

    def _encode(self, cp, n):
        return [encode_array(cp["mixing"], "mixing")], self._encode_lamb(cp["lamb"])

    def _decode(self, parameters, lambda_store, n):
        if len(parameters) != 1:
            raise ValueError(f"{self.rule}: parameters has {len(parameters)} arrays: must be [mixing]")
        return {"lamb": self._decode_vec(lambda_store), "mixing": self._decode_vec(parameters[0])}
