"""ChannelFollowingRule (§6.4): Gaussian-enveloped cubic channel plus a power trend term, then FINISH."""

from __future__ import annotations

from ..int256 import add, at, neg, sub
from ..sd59x18 import ONE, PI, SIX, THREE, TWO, div, exp, mul, qpow
from .base import GradientRuleModel, finish, use_raw_flag


def channel_terms(
    x: int, width: int, amplitude: int, exponent: int, inv_scaling: int, pre_exp_scaling: int
) -> tuple[int, int, int, int]:
    """``(env, sc, channel, trend)`` for relative gradient ``x``, in the contract's exact expression tree;
    channel is already negated and trend already signed and multiplied by ``ONE − env``."""
    g2 = mul(x, x)
    env = exp(neg(div(g2, mul(mul(width, width), TWO))))
    sc = div(mul(PI, x), mul(width, THREE))
    channel = div(mul(mul(amplitude, env), sub(sc, div(mul(mul(sc, sc), sc), SIX))), inv_scaling)
    ag = neg(x) if x < 0 else x
    trend = qpow(div(ag, mul(pre_exp_scaling, TWO)), exponent)
    channel = neg(channel)
    if x < 0:
        trend = neg(trend)
    trend = mul(trend, sub(ONE, env))
    return env, sc, channel, trend


def channel_signal(x: int, width: int, amplitude: int, exponent: int, inv_scaling: int, pre_exp_scaling: int) -> int:
    """The per-asset signal ``channel + trend`` (checked sum)."""
    _, _, channel, trend = channel_terms(x, width, amplitude, exponent, inv_scaling, pre_exp_scaling)
    return add(channel, trend)


class ChannelFollowingModel(GradientRuleModel):
    """Exact model of ``ChannelFollowingRule`` (user rule name ``mean_reversion_channel``)."""

    name = "ChannelFollowing"

    def _valid(self, parameters):
        if len(parameters) != 7 or not parameters[0]:
            return False
        m = len(parameters[0])
        if any(len(parameters[k]) != m for k in range(1, 6)):
            return False
        if any(v <= 0 for k in range(6) for v in parameters[k]):
            return False
        return len(parameters[6]) == 1 and parameters[6][0] in (0, ONE)

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        kappa, width, amp, expo, inv, pre = (at(parameters, k) for k in range(6))
        use_raw = use_raw_flag(parameters, 6)
        r = self._relative_gradients(st, pool, data, ma, lambdas, n, use_raw)
        scalar = len(kappa) == 1
        signals = []
        for i, x in enumerate(r):
            j = 0 if scalar else i
            signals.append(channel_signal(x, at(width, j), at(amp, j), at(expo, j), at(inv, j), at(pre, j)))
        return finish(prev_weights, signals, kappa, n)
