"""DifferenceMomentumRule (docs/arithmetic.md): signal (ONE ⊘ p̄) ⊗ (s̄ − p̄) from a short and the long EWMA, then FINISH."""

from __future__ import annotations

from ...probes import probe
from ..errors import Revert
from ..estimators import moving_average
from ..int256 import add, at, low_int128, sub
from ..sd59x18 import ONE
from ..storage import pack_array, unpack
from ..calldata import row
from .base import (
    GRADIENT_STATES, MOVING_AVERAGES, SHORT_MOVING_AVERAGES, RuleModel, accumulate, finish, normalise_address,
    public_array_word, relative,
)


class DifferenceMomentumModel(RuleModel):
    """Exact model of ``DifferenceMomentumRule``; its state is the short EWMA ``shortMovingAverages``."""

    name = "DifferenceMomentum"
    mappings = (MOVING_AVERAGES, GRADIENT_STATES, SHORT_MOVING_AVERAGES)

    def get_intermediate_gradient_state(self, pool: str, n: int) -> list[int]:
        """Inherited getter over a never-written store: reverts "SRC!=TGT" for any n ≥ 1."""
        return unpack(self._words(GRADIENT_STATES, normalise_address("pool", pool)), n)

    def short_moving_averages(self, pool: str, word_index: int) -> int:
        """``shortMovingAverages(pool, i)``: raw packed word of s̄ (out of range reverts with empty data)."""
        return public_array_word(self._words(SHORT_MOVING_AVERAGES, normalise_address("pool", pool)), word_index)

    def _valid(self, parameters):
        """λs in [0, 1e18]; ok = len(κ) mod 65536 ≠ 0; κ scanned to its first zero with a checked sum."""
        if len(parameters) != 2:
            return False
        if any(not 0 <= v <= ONE for v in row(parameters, 1)):
            return False
        kappa = row(parameters, 0)
        ok = len(kappa) % 65536 != 0
        total = 0
        for k in kappa:
            if k == 0:
                ok = False
                break
            total = add(total, k)
        return ok if total != 0 else False

    def _initialise_state(self, st, pool, init, n):
        if len(init) != n:
            raise Revert("Invalid initial values")
        st[SHORT_MOVING_AVERAGES][pool] = pack_array(init)

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        kappa = row(parameters, 0)
        lam_short = [low_int128(v) for v in row(parameters, 1)]
        prev_short = unpack(self._words(SHORT_MOVING_AVERAGES, pool, st), n)
        short = probe("short_ewma", moving_average(prev_short, data, lam_short, n))
        st[SHORT_MOVING_AVERAGES][pool] = pack_array(short)
        signals, total = [], 0
        for i in range(n):
            delta = sub(short[i], ma[i])
            signals.append(relative(ma[i], delta))
            total = accumulate(total, signals[i], kappa, i)
        return finish(prev_weights, signals, kappa, n, 1, total)
