"""ChannelFollowingRule (docs/arithmetic.md): Gaussian-enveloped cubic channel plus a power trend term, then FINISH."""

from __future__ import annotations

from ...probes import probe
from ..int256 import add, at, neg, sub
from ..sd59x18 import ONE, PI, SIX, THREE, TWO, div, exp, mul, qpow
from ..calldata import row
from .base import GradientRuleModel, accumulate, finish, relative, use_raw_flag


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


def lazy_channel_signal(x: int, parameters, j: int, via_ir: bool = False) -> int:
    """The per-asset signal with the parameters read from calldata when the contract reads them.

    Legacy order: W; env; sc; h; the cubic term; A; A ⊗ env; the product; ⊘ h; S; the trend base; E; _pow.
    ``via_ir`` gives the via-IR order of the channel term: A and A ⊗ env first, the cubic term, then h."""
    width = at(row(parameters, 1), j)
    env = probe("envelope", exp(neg(div(mul(x, x), mul(mul(width, width), TWO)))))
    sc = probe("scaled", div(mul(PI, x), mul(width, THREE)))
    if via_ir:
        y = mul(at(row(parameters, 2), j), env)
        z = sub(sc, div(mul(mul(sc, sc), sc), SIX))
        channel = div(mul(y, z), at(row(parameters, 4), j))
    else:
        h = at(row(parameters, 4), j)
        z = sub(sc, div(mul(mul(sc, sc), sc), SIX))
        y = mul(at(row(parameters, 2), j), env)
        channel = div(mul(y, z), h)
    ag = neg(x) if x < 0 else x
    base = div(ag, mul(at(row(parameters, 5), j), TWO))
    trend = qpow(base, at(row(parameters, 3), j))
    channel = probe("channel", neg(channel))
    if x < 0:
        trend = neg(trend)
    trend = probe("trend", mul(trend, sub(ONE, env)))
    return probe("signal", add(channel, trend))


class ChannelFollowingModel(GradientRuleModel):
    """Exact model of ``ChannelFollowingRule`` (user rule name ``mean_reversion_channel``).

    Reads κ, W, A, E, h, S and the flag before the estimator; computes every r_i (loop 1), then every
    signal with ACC (loop 2). ``via_ir`` selects the via-IR build's order inside the channel term."""

    name = "ChannelFollowing"
    via_ir = False

    def _valid(self, parameters):
        if len(parameters) != 7:
            return False
        k = len(row(parameters, 0))
        if k == 0 or any(len(row(parameters, a)) != k for a in range(1, 6)):
            return False
        if any(parameters[a][i] <= 0 for i in range(k) for a in range(6)):
            return False
        flag = row(parameters, 6)
        return len(flag) == 1 and flag[0] in (0, ONE)

    def _get_weights(self, st, pool, prev_weights, data, parameters, lambdas, ma, prev_ma, n):
        kappa = row(parameters, 0)
        for a in range(1, 6):
            row(parameters, a)
        use_raw = use_raw_flag(parameters, 6)
        g = self._gradients(st, pool, data, ma, lambdas, n)
        r = [relative(data[i] if use_raw else ma[i], g[i]) for i in range(n)]
        signals, total = [], 0
        for i in range(n):
            j = 0 if len(kappa) == 1 else i
            signals.append(lazy_channel_signal(r[i], parameters, j, self.via_ir))
            total = accumulate(total, signals[i], kappa, i)
        return finish(prev_weights, signals, kappa, n, 1, total)
