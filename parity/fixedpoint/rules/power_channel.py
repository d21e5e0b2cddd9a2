"""PowerChannelRule (§6.3): s_i = sign(r_i) ⊗ _pow(|r_i|, q_i), then FINISH(s, κ, +1)."""

from __future__ import annotations

from ..int256 import at
from ..sd59x18 import ONE, abs_, mul, qpow
from .base import GradientRuleModel, finish, use_raw_flag


class PowerChannelModel(GradientRuleModel):
    """Exact model of ``PowerChannelRule``."""

    name = "PowerChannel"

    def _valid(self, parameters):
        if not (len(parameters) == 2 or (len(parameters) == 3 and len(parameters[2]) == 1)):
            return False
        kappa, q = parameters[0], parameters[1]
        if not kappa:
            return False
        if not ((len(kappa) == 1 and len(q) == 1) or len(q) == len(kappa)):
            return False
        if any(k <= 0 for k in kappa) or any(v <= ONE for v in q):
            return False
        return len(parameters) == 2 or parameters[2][0] in (0, ONE)

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        kappa = at(parameters, 0)
        q = at(parameters, 1)
        use_raw = len(parameters) > 2 and use_raw_flag(parameters, 2)
        r = self._relative_gradients(st, pool, data, ma, lambdas, n, use_raw)
        signals = []
        for i, x in enumerate(r):
            sigma = ONE if x >= 0 else -ONE
            q_i = q[0] if len(q) == 1 else at(q, i)
            signals.append(mul(sigma, qpow(abs_(x), q_i)))
        return finish(prev_weights, signals, kappa, n)
