"""MinimumVarianceRule (§6.6): inverse-variance weights mixed with the previous weights by Λ."""

from __future__ import annotations

from ..estimators import variance
from ..int256 import add, at, sub
from ..sd59x18 import ONE, div, mul
from ..storage import unpack, write_elements, write_elements_raw_tail
from .base import MOVING_AVERAGES, VARIANCE_STATES, RuleModel, initialise_paired_state, normalise_address


class MinimumVarianceModel(RuleModel):
    """Exact model of ``MinimumVarianceRule`` (user rule name ``min_variance``); needs p̄(t−1)."""

    name = "MinimumVariance"
    requires_prev_ma = True
    mappings = (MOVING_AVERAGES, VARIANCE_STATES)

    def get_intermediate_variance_state(self, pool: str, n: int) -> list[int]:
        """``getIntermediateVarianceState(pool, n)``: the intermediate A(t) (not σ²) unpacked."""
        return unpack(self._words(VARIANCE_STATES, normalise_address("pool", pool)), n)

    def _valid(self, parameters):
        return len(parameters) == 1 and len(parameters[0]) >= 1 and all(0 <= v <= ONE for v in parameters[0])

    def _initialise_state(self, st, pool, init, n):
        initialise_paired_state(st, VARIANCE_STATES, pool, init, n, "Invalid set variance")

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        mix = at(parameters, 0)
        words = self._words(VARIANCE_STATES, pool, st)
        a, var = variance(unpack(words, n), data, ma, prev_ma, lambdas, n)
        # scalar λ: the odd tail is stored raw and unchecked (silent int128 wrap on the next read)
        writer = write_elements_raw_tail if len(lambdas) == 1 else write_elements
        st[VARIANCE_STATES][pool] = writer(words, a)
        precision, total = [], 0
        for v in var:
            precision.append(div(ONE, v))
            total = add(total, precision[-1])
        out = []
        for i in range(n):
            m = mix[0] if len(mix) == 1 else at(mix, i)
            u = mul(sub(ONE, m), precision[i])
            out.append(add(mul(m, prev_weights[i]), div(u, total)))
        return out
