"""MomentumRule (docs/arithmetic.md): w̃ = FINISH(relative gradient, κ, +1)."""

from __future__ import annotations

from ..calldata import row
from ..sd59x18 import ONE
from .base import GradientRuleModel, accumulate, finish, relative, use_raw_flag


def momentum_params_valid(parameters: list[list[int]]) -> bool:
    """Momentum/AntiMomentum validParameters: [κ] or [κ, [useRaw ∈ {0, 1e18}]], len(κ) mod 65536 ≠ 0
    (V1 tests the length as a uint16), every κ_i > 0."""
    ok_shape = len(parameters) == 1 or (len(parameters) == 2 and len(row(parameters, 1)) == 1)
    if not ok_shape:
        return False
    kappa = row(parameters, 0)
    if len(kappa) % 65536 == 0 or any(k <= 0 for k in kappa):
        return False
    return len(parameters) == 1 or parameters[1][0] in (0, ONE)


class MomentumModel(GradientRuleModel):
    """Exact model of ``MomentumRule``: reads κ and the flag, then runs the estimator."""

    name = "Momentum"
    sign = 1

    def _valid(self, parameters):
        return momentum_params_valid(parameters)

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        kappa = row(parameters, 0)
        use_raw = len(parameters) > 1 and use_raw_flag(parameters, 1)
        g = self._gradients(st, pool, data, ma, lambdas, n)
        r, total = [], 0
        for i in range(n):
            r.append(relative(data[i] if use_raw else ma[i], g[i]))
            total = accumulate(total, r[i], kappa, i)
        return finish(prev_weights, r, kappa, n, self.sign, total)
