"""parity.params: memory days <-> λ, logistic / squareplus, exact 18-decimal encoding."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import parity  # noqa: F401
from parity.params import (
    decode_array,
    decode_fixed,
    encode_array,
    encode_fixed,
    inverse_squareplus,
    lamb_from_memory_days,
    logistic,
    logit,
    memory_days,
    squareplus,
)


def _exact_lamb(days, chunk_period):
    """λ = 1 − u for the root of S·u³ + u − 1 = 0, by exact rational bisection (200 halvings)."""
    m = Fraction(1440) * Fraction(days) / (2 * chunk_period)
    s = m**3 / 6
    lo, hi = Fraction(0), Fraction(1)
    for _ in range(200):
        mid = (lo + hi) / 2
        if s * mid**3 + mid - 1 > 0:
            hi = mid
        else:
            lo = mid
    return 1 - lo


@pytest.mark.parametrize(
    "days,chunk_period",
    [(10, 1440), (365, 1440), (10, 60), (365, 60), (365, 1), (0.001, 1440), (1e-6, 1440), (1e5, 1), (3.5, 5)],
)
def test_lamb_from_memory_days_is_correctly_rounded(days, chunk_period):
    got = float(lamb_from_memory_days(days, chunk_period))
    exact = _exact_lamb(days, chunk_period)
    assert abs(Fraction(got) - exact) / exact < 5e-16


def test_lamb_table_matches_quantammsim_where_its_closed_form_is_accurate():
    # docs/architecture.md, Parameters: quantammsim's closed form cancels for long memories (≈1e-9 off at 365 d
    # hourly), so only the well-conditioned rows are compared tightly.
    assert float(lamb_from_memory_days(10, 1440)) == pytest.approx(0.6803607118851567, abs=1e-14)
    assert float(lamb_from_memory_days(365, 1440)) == pytest.approx(0.990076220832141, abs=1e-11)
    assert float(lamb_from_memory_days(10, 60)) == pytest.approx(0.9849337612426768, abs=1e-11)
    assert float(lamb_from_memory_days(365, 60)) == pytest.approx(0.9995851913260512, abs=1e-8)
    assert float(memory_days(0.5, 1440)) == pytest.approx(5.768998281229633, rel=1e-15)


def test_memory_days_round_trip_and_zero():
    lambs = np.array([1e-6, 0.1, 0.5, 0.9, 0.99, 0.999])
    for c in (1, 60, 1440):
        back = np.asarray(lamb_from_memory_days(memory_days(lambs, c), c))
        np.testing.assert_allclose(back, lambs, rtol=1e-13)
    assert float(lamb_from_memory_days(0.0, 1440)) == 0.0


def test_long_memory_at_minute_chunks_is_finite():
    # quantammsim's closed form gives −inf here (docs/architecture.md, Parameters)
    lamb = float(lamb_from_memory_days(365, 1))
    assert 0.0 < lamb < 1.0
    assert float(memory_days(lamb, 1)) == pytest.approx(365.0, rel=1e-9)


def test_logistic_squareplus_and_inverses():
    x = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    np.testing.assert_allclose(np.asarray(logit(logistic(x))), x, atol=1e-14)
    np.testing.assert_allclose(np.asarray(inverse_squareplus(squareplus(x))), x, atol=1e-14)
    assert float(logistic(0.0)) == 0.5
    assert float(squareplus(0.0)) == 1.0
    assert float(squareplus(-1.5)) == 0.5


def test_encode_uses_the_shortest_decimal_and_rounds_to_nearest():
    # 0.1 is the binary 0.1000000000000000055511…, but a user who types 0.1 means 1e17 wei
    assert encode_fixed(0.1) == 10**17
    assert encode_fixed(0.9) == 9 * 10**17
    assert encode_fixed(0.95) == 95 * 10**16
    assert encode_fixed(1.0) == 10**18
    assert encode_fixed(-2.5) == -25 * 10**17
    assert encode_fixed(1e-19) == 0
    assert encode_fixed(6e-19) == 1
    # ties (exactly half a wei) go away from zero: 2^-19 · 1e18 = 1907348632812.5
    assert encode_fixed(2.0**-19) == 1907348632813
    assert encode_fixed(-(2.0**-19)) == -1907348632813


def test_encode_rejects_non_finite():
    with pytest.raises(ValueError, match="kappa"):
        encode_fixed(float("nan"), "kappa")
    with pytest.raises(ValueError, match="lamb"):
        encode_array([0.5, float("inf")], "lamb")


def test_decode_is_correctly_rounded_and_round_trips():
    assert decode_fixed(10**17) == 0.1
    assert decode_fixed(100000000000000006) == 0.1
    assert decode_fixed(333333333333333333) == float(Fraction(333333333333333333, 10**18))
    ints = [1, -7, 10**18, 999999999999999999, 123456789012345678901234]
    vals = decode_array(ints)
    for i, v in zip(ints, vals):
        assert abs(Fraction(float(v)) - Fraction(i, 10**18)) <= abs(Fraction(i, 10**18)) * Fraction(1, 2**53)
    # a decoded value encodes back to the same integer whenever the float resolves 1 wei (|x| < 2^-7)
    for i in [1, 5, -(10**15) - 3, 7 * 10**15 + 1, 7812499999999999]:
        assert encode_fixed(decode_fixed(i)) == i


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_encode_is_within_half_a_wei_and_decode_is_nearest(x):
    i = encode_fixed(x)
    # the shortest decimal lies within half an ulp of x, and rounding it to a wei adds at most half a wei
    half_ulp = Fraction(float(np.spacing(abs(x)))) / 2
    assert abs(Fraction(x) * 10**18 - i) <= Fraction(1, 2) + half_ulp * 10**18
    y = decode_fixed(i)
    exact = Fraction(i, 10**18)
    # no float is closer to i/1e18 than the decoded one
    for neighbour in (np.nextafter(y, -np.inf), np.nextafter(y, np.inf)):
        assert abs(Fraction(y) - exact) <= abs(Fraction(float(neighbour)) - exact)
