"""parity.explain.bounds: exact values, float64 error bounds and fixed-point intervals of the combinators,
checked against the integer model's own operations and against float64 arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parity.explain import bounds as b
from parity.fixedpoint.sd59x18 import ONE, div, exp, mul

WEI = Decimal(10) ** -18


def _fixed(i: int) -> Decimal:
    return Decimal(i) / ONE


@pytest.mark.parametrize("x, y", [(ONE, 3 * ONE), (-ONE, 7 * ONE), (10**36, 12_345_678_901), (5, 2 * ONE)])
def test_division_interval_holds_the_truncated_quotient_and_excludes_rounding_up(x, y):
    with b.precise():
        q = b.div(b.leaf(_fixed(x)), b.leaf(_fixed(y)))
        err = (_fixed(div(x, y)) - q.v) / WEI
        assert q.lo / WEI <= err <= q.hi / WEI
        toward_zero = (q.lo, q.hi) == ((-WEI, 0) if q.v > 0 else (0, WEI))
        assert toward_zero
        rounded = (abs(x) * ONE * 2 + abs(y)) // (2 * abs(y)) * (1 if (x < 0) == (y < 0) else -1)
        if abs(rounded) != abs(div(x, y)):  # rounding went away from zero: outside the interval
            assert not q.lo / WEI <= (_fixed(rounded) - q.v) / WEI <= q.hi / WEI


@pytest.mark.parametrize("x, y", [(ONE // 3, ONE // 7), (-(10**20) - 1, 333), (12_345 * ONE, -(ONE // 9))])
def test_product_interval_is_half_a_wei(x, y):
    with b.precise():
        q = b.mul(b.leaf(_fixed(x)), b.leaf(_fixed(y)))
        err = (_fixed(mul(x, y)) - q.v) / WEI
        assert (q.lo / WEI, q.hi / WEI) == (Decimal("-0.5"), Decimal("0.5"))
        assert -0.5 <= err <= 0.5


def test_float_bound_covers_float64_evaluation():
    a, c = 0.1, 3.0
    with b.precise():
        expr = b.add(b.mul(b.leaf(a), b.leaf(c)), b.div(b.leaf(1.0), b.leaf(c)))
        got = Decimal(a * c + 1.0 / c)
        assert abs(got - expr.v) <= expr.f
        assert expr.f < Decimal("1e-15")
        assert expr.v == Decimal(a) * 3 + Decimal(1) / 3


def test_intervals_propagate_through_inputs():
    """(x ⊘ 3) ⊗ 3: the quotient's truncation (up to −1 wei) reaches the product times 3, plus ½ wei."""
    with b.precise():
        third = b.div(b.leaf(1), b.const(3))
        q = b.mul(third, b.const(3))
        assert abs(q.v - 1) < Decimal("1e-80")
        assert abs(q.lo / WEI + Decimal("3.5")) < Decimal("1e-60") and abs(q.hi / WEI - Decimal("0.5")) < Decimal("1e-60")
        assert q.lo / WEI <= (_fixed(mul(div(ONE, 3 * ONE), 3 * ONE)) - 1) / WEI <= q.hi / WEI


def test_exp_interval_holds_the_library_result():
    for x in (-(ONE // 2), ONE // 1000, 3 * ONE):
        with b.precise():
            q = b.exp(b.leaf(_fixed(x)))
            assert q.lo <= _fixed(exp(x)) - q.v <= q.hi


def test_contract_constant_offset():
    with b.precise():
        pi = b.const(Decimal("3.14159265358979323846264338"), Decimal("3.141592653589793238"))
        assert pi.lo == pi.hi == Decimal("3.141592653589793238") - Decimal("3.14159265358979323846264338")
        assert pi.m == 0  # constants do not set an op's scale
