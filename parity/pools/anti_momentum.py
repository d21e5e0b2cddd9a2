"""AntiMomentum (on chain: AntiMomentumRule, docs/arithmetic.md §4): Momentum's state and parameters with the
signal negated, w̃ = w + κ(N' − r). Its own scan step and series (the negated rule on both paths)."""

from parity.pools.common import finish, gradient_series, gradient_step
from parity.pools.momentum import MomentumPool


class AntiMomentumPool(MomentumPool):
    """On-chain AntiMomentum in float64, both paths."""

    rule = "anti_momentum"
    chain_rule = "AntiMomentumRule"

    def _rule_step(self, carry, price, cp, oracle_row):
        carry, mean, grad = gradient_step(carry, price, cp["lamb"])
        return carry, finish(self._relative_gradient(price, mean, grad, cp), cp["kappa"], -1.0)

    def _rule_series(self, carry0, prices, cp, oracle):
        states, means, grad = gradient_series(carry0, prices, cp["lamb"])
        return finish(self._relative_gradient(prices, means, grad, cp), cp["kappa"], -1.0), states
