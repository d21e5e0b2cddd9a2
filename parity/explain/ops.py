"""The named operations of one update, per rule, in the contract's order (docs/arithmetic.md §2–§5).

Each :class:`Op` names a value both sides record through :func:`parity.probes.probe` and builds, for one
asset, the expression that defines it from the op's inputs (earlier ops' recorded values, the block's
inputs and the parameters) with :mod:`parity.explain.bounds`. The same expression is evaluated on each
side's own inputs, so an op's error is judged against what rounding of *its* inputs explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from parity.explain import bounds as b
from parity.explain.bounds import Q

PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798")
PI_FIXED = Decimal("3.141592653589793238")  # the contracts' PI constant
ONE = b.const(1)


class Missing(Exception):
    """A value the op needs was not recorded on this side (e.g. a user's code without probes)."""


class SideEnv:
    """One side's values at the explained block as exact Decimals: ``inputs`` (price, price_prev,
    weights_prev and the state before the block, <key>_prev), ``params`` (per parameter, length 1 or n)
    and ``recorded`` (per op name). On the JAX side every recorded value is itself a rounded float, so
    it enters an expression with error u·|x|; the previous moving averages carry the deviation form's
    representation, u·(|p(t−1)| + |p̄(t−1)|) (parity.estimators.ewma)."""

    def __init__(self, side: str, inputs: dict, params: dict, recorded: dict, n: int, use_raw: bool):
        self.side, self.inputs, self.params, self.recorded = side, inputs, params, recorded
        self.n, self.use_raw = n, use_raw
        self.is_float = side == "jax"

    def value(self, name: str, i: int) -> Decimal:
        vals = self.recorded.get(name)
        if vals is None:
            raise Missing(name)
        return vals[i if len(vals) > 1 else 0]

    def val(self, name: str, i: int) -> Q:
        x = self.value(name, i)
        return b.leaf(x, b.U * abs(x) if self.is_float else 0)

    def inp(self, name: str, i: int) -> Q:
        x = self.inputs[name][i]
        f = 0
        if self.is_float and name in ("ewma_prev", "short_ewma_prev"):
            f = b.U * (abs(self.inputs["price_prev"][i]) + abs(x))
        return b.leaf(x, f)

    def par(self, name: str, i: int) -> Q:
        vals = self.params[name]
        return b.leaf(vals[0 if len(vals) == 1 else i], parameter=True)

    def scalar_param(self, name: str) -> bool:
        return len(self.params[name]) == 1


@dataclass(frozen=True)
class Op:
    """One named operation: where it sits (stage), its formula, and its expression for asset i."""

    name: str
    stage: str
    formula: str
    build: Callable[[SideEnv, int], Q]
    scalar: Callable[[SideEnv], bool] = lambda env: False


def _const(exact, fixed=None):
    return b.const(exact, fixed)


# ------------------------------------------------------------------------------------------- estimators


def ewma_op(key: str, lam: str, stage: str = "moving average") -> Op:
    def build(s: SideEnv, i: int) -> Q:
        lam_i = s.par(lam, i)
        return b.add(b.mul(s.inp(f"{key}_prev", i), lam_i), b.mul(s.inp("price", i), b.sub(ONE, lam_i)))

    sym, lam_sym = ("p̄", "λ") if key == "ewma" else ("s̄", "λ_s")
    return Op(key, stage, f"{sym} = {sym}(t−1)·{lam_sym} + p·(1 − {lam_sym})", build)


def _mul_factor(s: SideEnv, i: int) -> Q:
    lam = s.par("lamb", i)
    return b.div(b.power(b.sub(ONE, lam), _const(3)), lam)


def _running_a(s: SideEnv, i: int) -> Q:
    lam = s.par("lamb", i)
    return b.add(b.mul(lam, s.inp("running_a_prev", i)), b.div(b.sub(s.inp("price", i), s.val("ewma", i)), b.sub(ONE, lam)))


def _gradient(s: SideEnv, i: int) -> Q:
    return b.mul(s.val("mul_factor", i), s.val("running_a", i))


def _reciprocal(s: SideEnv, i: int) -> Q:
    d = s.inp("price", i) if s.use_raw else s.val("ewma", i)
    return b.div(ONE, d)


def _relative(s: SideEnv, i: int) -> Q:
    return b.mul(s.val("reciprocal", i), s.val("gradient", i))


GRADIENT = (
    ewma_op("ewma", "lamb"),
    Op("mul_factor", "gradient", "c = (1 − λ)³ / λ", _mul_factor, lambda s: s.scalar_param("lamb")),
    Op("running_a", "gradient", "a = λ·a(t−1) + (p − p̄)/(1 − λ)", _running_a),
    Op("gradient", "gradient", "g = c·a", _gradient),
    Op("reciprocal", "rule", "1/d (d = p̄, or p with useRawPrice)", _reciprocal),
    Op("relative", "rule", "r = (1/d)·g", _relative),
)


# ------------------------------------------------------------------------------------------------- rules


def _signed(q: Q, negative: bool) -> Q:
    return b.neg(q) if negative else q


def _power_signal(s: SideEnv, i: int) -> Q:
    r = s.val("relative", i)
    return _signed(b.power(b.absolute(r), s.par("exponents", i)), r.v < 0)


def _envelope(s: SideEnv, i: int) -> Q:
    r, w = s.val("relative", i), s.par("width", i)
    return b.exp(b.neg(b.div(b.mul(r, r), b.scale(b.mul(w, w), 2))))


def _scaled(s: SideEnv, i: int) -> Q:
    pi = b.const(PI, PI_FIXED) if not s.is_float else b.leaf(PI, b.U * PI, parameter=True)
    return b.div(b.mul(pi, s.val("relative", i)), b.scale(s.par("width", i), 3))


def _channel(s: SideEnv, i: int) -> Q:
    sc = s.val("scaled", i)
    cubic = b.div(b.mul(b.mul(sc, sc), sc), _const(6))
    body = b.mul(b.mul(s.par("amplitude", i), s.val("envelope", i)), b.sub(sc, cubic))
    return b.neg(b.div(body, s.par("inverse_scaling", i)))


def _trend(s: SideEnv, i: int) -> Q:
    r = s.val("relative", i)
    base = b.div(b.absolute(r), b.scale(s.par("pre_exp_scaling", i), 2))
    return b.mul(_signed(b.power(base, s.par("exponents", i)), r.v < 0), b.sub(ONE, s.val("envelope", i)))


def _channel_signal(s: SideEnv, i: int) -> Q:
    return b.add(s.val("channel", i), s.val("trend", i))


POWER_SIGNAL = (Op("signal", "rule", "s = sign(r)·|r|^q", _power_signal),)
CHANNEL_SIGNAL = (
    Op("envelope", "rule", "env = exp(−r²/(2W²))", _envelope),
    Op("scaled", "rule", "sc = π·r/(3W)", _scaled),
    Op("channel", "rule", "ch = −A·env·(sc − sc³/6)/h", _channel),
    Op("trend", "rule", "tr = sign(r)·(|r|/(2S))^E·(1 − env)", _trend),
    Op("signal", "rule", "s = ch + tr", _channel_signal),
)


def _difference(s: SideEnv, i: int) -> Q:
    return b.mul(s.val("reciprocal", i), b.sub(s.val("short_ewma", i), s.val("ewma", i)))


def _long_reciprocal(s: SideEnv, i: int) -> Q:
    return b.div(ONE, s.val("ewma", i))


DIFFERENCE = (
    ewma_op("ewma", "lamb"),
    ewma_op("short_ewma", "lamb_short"),
    Op("reciprocal", "rule", "1/p̄", _long_reciprocal),
    Op("relative", "rule", "s = (1/p̄)·(s̄ − p̄)", _difference),
)


def finish_ops(signal: str, sign: int) -> tuple[Op, ...]:
    """FINISH: the centre N' of the signals and the raw weights w̃ = w + κ·(s − N') (sign −1: κ·(N' − s))."""

    def centre(s: SideEnv, i: int) -> Q:
        if s.scalar_param("kappa"):
            return b.tdiv(b.total(s.val(signal, j) for j in range(s.n)), s.n)
        k = s.params["kappa"]
        num = b.total(b.mul(s.val(signal, j), s.par("kappa", j)) for j in range(s.n))
        return b.div(num, b.total(b.leaf(x, parameter=True) for x in k))

    def raw(s: SideEnv, i: int) -> Q:
        sig, mid = s.val(signal, i), s.val("centre", 0)
        delta = b.sub(sig, mid) if sign > 0 else b.sub(mid, sig)
        return b.add(s.inp("weights_prev", i), b.mul(s.par("kappa", i), delta))

    body = "κ·(s − N')" if sign > 0 else "κ·(N' − s)"
    return (
        Op("centre", "FINISH", "N' = Σs/n (scalar κ) or Σκs/Σκ", centre, lambda s: True),
        Op("raw_weights", "FINISH", f"w̃ = w + {body}", raw),
    )


def _variance(s: SideEnv, i: int) -> Q:
    p = s.inp("price", i)
    innovation = b.mul(b.sub(p, s.inp("ewma_prev", i)), b.sub(p, s.val("ewma", i)))
    return b.add(b.mul(s.par("lamb", i), s.inp("variance_prev", i)), innovation)


def _sigma2(s: SideEnv, i: int) -> Q:
    return b.mul(b.sub(ONE, s.par("lamb", i)), s.val("variance", i))


def _precision(s: SideEnv, i: int) -> Q:
    return b.div(ONE, s.val("sigma2", i))


def _precision_sum(s: SideEnv, i: int) -> Q:
    return b.total(s.val("precision", j) for j in range(s.n))


def _mix(s: SideEnv, i: int) -> Q:
    mix = s.par("mixing", i)
    part = b.div(b.mul(b.sub(ONE, mix), s.val("precision", i)), s.val("precision_sum", 0))
    return b.add(b.mul(mix, s.inp("weights_prev", i)), part)


MIN_VARIANCE = (
    ewma_op("ewma", "lamb"),
    Op("variance", "variance", "A = λ·A(t−1) + (p − p̄(t−1))·(p − p̄)", _variance),
    Op("sigma2", "variance", "σ² = (1 − λ)·A", _sigma2),
    Op("precision", "rule", "π = 1/σ²", _precision),
    Op("precision_sum", "rule", "D = Σπ", _precision_sum, lambda s: True),
    Op("raw_weights", "mix", "w̃ = Λ·w + (1 − Λ)·π/D", _mix),
)


# ------------------------------------------------------------------------------------------------- guard


def _clamped(s: SideEnv, i: int) -> Q:
    """``_clampWeights`` with the branches this side took: below MIN -> MIN, above MAX -> MAX, then every
    weight ≠ MIN times R/O."""
    n, g = s.n, s.par("guard_rail", 0)
    top = b.sub(ONE, b.scale(g, n - 1))
    raw = [s.value("raw_weights", j) for j in range(n)]
    below = [w < g.v for w in raw]

    def clamped(j):
        if below[j]:
            return g
        return top if raw[j] > top.v else s.val("raw_weights", j)

    v_i = clamped(i)
    others = [clamped(j) for j in range(n) if not below[j]]
    if n == 1 or not others or v_i.v == g.v:
        return v_i
    rest = b.sub(ONE, b.scale(g, sum(below))) if any(below) else ONE
    return b.mul(v_i, b.div(rest, b.total(others)))


def _limited(s: SideEnv, i: int) -> Q:
    """The ε limit: if D = max|v − w| > ε every Δ is scaled by ε/D."""
    n, eps = s.n, s.par("epsilon", 0)
    prev = [s.inp("weights_prev", j) for j in range(n)]
    moves = [abs(s.value("clamped", j) - prev[j].v) for j in range(n)]
    k = max(range(n), key=lambda j: moves[j])
    v_i = s.val("clamped", i)
    if moves[k] <= eps.v:
        return v_i
    d = b.absolute(b.sub(s.val("clamped", k), prev[k]))
    return b.add(prev[i], b.mul(b.sub(v_i, prev[i]), b.div(eps, d)))


def _residual(s: SideEnv, i: int) -> Q:
    """The residual fix: 1 − Σv onto the largest weight (Σv > 1) or the second largest (Σv < 1)."""
    vals = [s.value("limited", j) for j in range(s.n)]
    max_w = sec_w = b.ZERO
    max_i = sec_i = 0
    for j, x in enumerate(vals):
        if x > max_w:
            sec_w, sec_i, max_w, max_i = max_w, max_i, x, j
        elif x > sec_w:
            sec_w, sec_i = x, j
    tot = b.total(s.val("limited", j) for j in range(s.n))
    v_i = s.val("limited", i)
    if s.is_float and abs(tot.v - 1) <= tot.f:  # float64 may have decided either way: either fix is in the bound
        return b.add(v_i, b.sub(ONE, tot)) if i in (max_i, sec_i) else v_i
    if tot.v == 1 or i != (max_i if tot.v > 1 else sec_i):
        return v_i
    return b.add(v_i, b.sub(ONE, tot))


GUARD = (
    Op("clamped", "guard: clamp", "v = clamp(w̃, g, 1 − (n−1)g)·R/O", _clamped),
    Op("limited", "guard: ε limit", "v = w + (v − w)·ε/max|v − w|", _limited),
    Op("weights", "guard: residual", "w = v + (1 − Σv) on one weight", _residual),
)


OPS: dict[str, tuple[Op, ...]] = {
    "momentum": GRADIENT + finish_ops("relative", 1) + GUARD,
    "anti_momentum": GRADIENT + finish_ops("relative", -1) + GUARD,
    "power_channel": GRADIENT + POWER_SIGNAL + finish_ops("signal", 1) + GUARD,
    "mean_reversion_channel": GRADIENT + CHANNEL_SIGNAL + finish_ops("signal", 1) + GUARD,
    "difference_momentum": DIFFERENCE + finish_ops("relative", 1) + GUARD,
    "min_variance": MIN_VARIANCE + GUARD,
}

# The contract's parameter rows (parameters[k]) by name, per rule; λ is the lambdaStore.
PARAMETER_ROWS: dict[str, tuple[str, ...]] = {
    "momentum": ("kappa",),
    "anti_momentum": ("kappa",),
    "power_channel": ("kappa", "exponents"),
    "mean_reversion_channel": ("kappa", "width", "amplitude", "exponents", "inverse_scaling", "pre_exp_scaling"),
    "difference_momentum": ("kappa", "lamb_short"),
    "min_variance": ("mixing",),
}
