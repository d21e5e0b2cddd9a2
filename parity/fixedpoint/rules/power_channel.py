"""PowerChannelRule (docs/arithmetic.md): s_i = sign(r_i) ⊗ _pow(|r_i|, q_i), then FINISH(s, κ, +1)."""

from __future__ import annotations

from ...probes import probe
from ..calldata import row
from ..int256 import at
from ..sd59x18 import ONE, abs_, mul, qpow
from .base import GradientRuleModel, accumulate, finish, relative, use_raw_flag


class PowerChannelModel(GradientRuleModel):
    """Exact model of ``PowerChannelRule``: the estimator runs before any parameter is read."""

    name = "PowerChannel"

    def _valid(self, parameters):
        if not (len(parameters) == 2 or (len(parameters) == 3 and len(row(parameters, 2)) == 1)):
            return False
        kappa = row(parameters, 0)
        if not kappa:
            return False
        q = row(parameters, 1)
        if not ((len(kappa) == 1 and len(q) == 1) or len(q) == len(kappa)):
            return False
        if any(k <= 0 for k in kappa) or any(v <= ONE for v in q):
            return False
        return len(parameters) == 2 or parameters[2][0] in (0, ONE)

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        g = self._gradients(st, pool, data, ma, lambdas, n)
        kappa = row(parameters, 0)
        use_raw = len(parameters) > 2 and use_raw_flag(parameters, 2)
        q = row(parameters, 1)
        q_i = at(q, 0)
        signals, total = [], 0
        for i in range(n):
            if len(q) != 1:
                q_i = at(q, i)
            x = relative(data[i] if use_raw else ma[i], g[i])
            sigma = ONE if x >= 0 else -ONE
            signals.append(mul(sigma, qpow(abs_(x), q_i)))
            total = accumulate(total, signals[i], kappa, i)
        return finish(prev_weights, probe("signal", signals), kappa, n, 1, total)
