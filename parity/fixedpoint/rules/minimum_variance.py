"""MinimumVarianceRule (docs/arithmetic.md): inverse-variance weights mixed with the previous weights by Λ."""

from __future__ import annotations

from ...probes import probe
from ..calldata import row
from ..estimators import variance_stored
from ..int256 import add, at, sub
from ..sd59x18 import ONE, div, mul
from ..storage import unpack
from .base import MOVING_AVERAGES, VARIANCE_STATES, RuleModel, initialise_paired_state, normalise_address


class MinimumVarianceModel(RuleModel):
    """Exact model of ``MinimumVarianceRule`` (user rule name ``min_variance``); needs p̄(t−1).

    The estimator runs before Λ is read. ``via_ir`` selects the via-IR build's order in the last step
    (Λ ⊗ prev before u ⊘ D)."""

    name = "MinimumVariance"
    requires_prev_ma = True
    mappings = (MOVING_AVERAGES, VARIANCE_STATES)
    via_ir = False

    def get_intermediate_variance_state(self, pool: str, n: int) -> list[int]:
        """``getIntermediateVarianceState(pool, n)``: the intermediate A(t) (not σ²) unpacked."""
        return unpack(self._words(VARIANCE_STATES, normalise_address("pool", pool)), n)

    def _valid(self, parameters):
        if len(parameters) != 1:
            return False
        mix = row(parameters, 0)
        return len(mix) >= 1 and all(0 <= v <= ONE for v in mix)

    def _initialise_state(self, st, pool, init, n):
        initialise_paired_state(st, VARIANCE_STATES, pool, init, n, "Invalid set variance")

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        words = self._words(VARIANCE_STATES, pool, st)
        st[VARIANCE_STATES][pool], _, var = variance_stored(unpack(words, n), data, ma, prev_ma, lambdas, n, words)
        mix = row(parameters, 0)
        scalar = len(mix) == 1
        if scalar:
            m = mix[0]
            one_minus = sub(ONE, m)
        scaled, total = [], 0
        for i in range(n):
            if not scalar:
                m = at(mix, i)
                one_minus = sub(ONE, m)
            precision = probe("precision", div(ONE, var[i]))
            total = add(total, precision)
            scaled.append(mul(one_minus, precision))
        probe("precision_sum", total)
        out = []
        for i in range(n):
            m = mix[0] if scalar else mix[i]
            if self.via_ir:
                kept = mul(m, prev_weights[i])
                out.append(add(kept, div(scaled[i], total)))
            else:
                part = div(scaled[i], total)
                out.append(add(mul(m, prev_weights[i]), part))
        return probe("raw_weights", out)
