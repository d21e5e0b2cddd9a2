"""MinimumVariance (on chain: MinimumVarianceRule, onchain-math §6.6), float64 — a weight rule.

σ² from the on-chain variance estimator on PRICES (onchain-math §5.2: A = λA + (p − p̄(t−1))(p − p̄(t)),
σ² = (1−λ)A), π = 1/σ², target = π/Σπ, w̃ = Λ·w_prev + (1−Λ)·target, then the guard rails. No FINISH.
(quantammsim instead uses the variance of chunk *returns*; the chain wins.)

Parameters: ``lamb`` | ``memory_days_1`` | σ(``logit_lamb``) for λ; ``mixing`` (Λ) | ``memory_days_2``
(λ(days)) | σ(``logit_lamb`` + ``logit_delta_lamb``) for Λ (seed-style values capped at λ(max_memory_days)).
Initial intermediate variance A(0) = 0 unless ``initial_variance`` is given (a price that does not move
at the first update then gives σ² = 0: π = inf here, a revert on chain). Chain layout: [Λ].
"""

import jax.numpy as jnp

from parity.estimators import ewma, variance
from parity.params import encode_array
from parity.pools.base import TFMMBasePool
from parity.pools.common import check_values, resolve_lamb


def inverse_variance_target(sigma2):
    """π/Σπ with π = 1/σ² (over the last axis)."""
    precision = 1.0 / sigma2
    return precision / jnp.sum(precision, axis=-1, keepdims=True)


class MinVariancePool(TFMMBasePool):
    """On-chain MinimumVariance in float64, both paths."""

    rule = "min_variance"
    chain_rule = "MinimumVarianceRule"
    chain_keys = ("lamb", "mixing")
    rule_outputs_are_weights = True
    carry_keys = ("ewma", "variance")

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
            "ewma": self._override(params, "initial_ewma", initial_price),
            "variance": self._override(params, "initial_variance", jnp.zeros_like(initial_price)),
        }

    def _rule_step(self, carry, price, cp, oracle_row):
        _, mean = ewma.step(ewma.init(carry["ewma"]), price, cp["lamb"])
        state, sigma2 = variance.step(variance.init(carry["variance"]), price, carry["ewma"], mean, cp["lamb"])
        return {"ewma": mean, "variance": state.running_var}, inverse_variance_target(sigma2)

    def _rule_series(self, carry0, prices, cp, oracle):
        means = ewma.series(carry0["ewma"], prices, cp["lamb"])
        prev_means = ewma.previous_series(carry0["ewma"], means)
        big_a, sigma2 = variance.series(carry0["variance"], prices, prev_means, means, cp["lamb"])
        return inverse_variance_target(sigma2), {"ewma": means, "variance": big_a}

    def _encode(self, cp, n):
        return [encode_array(cp["mixing"], "mixing")], self._encode_lamb(cp["lamb"])

    def _decode(self, parameters, lambda_store, n):
        if len(parameters) != 1:
            raise ValueError(f"{self.rule}: parameters has {len(parameters)} arrays: must be [mixing]")
        return {"lamb": self._decode_vec(lambda_store), "mixing": self._decode_vec(parameters[0])}
