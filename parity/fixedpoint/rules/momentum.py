"""MomentumRule (§6.1): w̃ = FINISH(relative gradient, κ, +1)."""

from __future__ import annotations

from ..int256 import at
from ..sd59x18 import ONE
from .base import GradientRuleModel, finish, use_raw_flag


def momentum_params_valid(parameters: list[list[int]]) -> bool:
    """Momentum/AntiMomentum validParameters: [κ] or [κ, [useRaw ∈ {0, 1e18}]], every κ_i > 0."""
    ok_shape = len(parameters) == 1 or (len(parameters) == 2 and len(parameters[1]) == 1)
    if not ok_shape or not parameters[0]:
        return False
    if any(k <= 0 for k in parameters[0]):
        return False
    return len(parameters) == 1 or parameters[1][0] in (0, ONE)


class MomentumModel(GradientRuleModel):
    """Exact model of ``MomentumRule``."""

    name = "Momentum"
    sign = 1

    def _valid(self, parameters):
        return momentum_params_valid(parameters)

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        kappa = at(parameters, 0)
        use_raw = len(parameters) > 1 and use_raw_flag(parameters, 1)
        r = self._relative_gradients(st, pool, data, ma, lambdas, n, use_raw)
        return finish(prev_weights, r, kappa, n, self.sign)
