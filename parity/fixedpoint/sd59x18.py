"""Exact model of PRBMath v2.5.0 SD59x18 (docs/arithmetic.md §1): every result and every revert, bit for bit.

All values are Python ints holding real numbers scaled by 10^18. Reverts raise
:class:`~parity.fixedpoint.errors.Revert` with the name of the outermost error the EVM reports.
"""

from __future__ import annotations

from math import isqrt

from .errors import PANIC_DIV_ZERO, Revert
from .int256 import INT256_MAX, INT256_MIN, UINT256_MAX

ONE = 10**18
HALF = 5 * 10**17
TWO = 2 * ONE
THREE = 3 * ONE
SIX = 6 * ONE
MAXSD = INT256_MAX
MINSD = INT256_MIN
LOG2_E = 1442695040888963407
PI = 3141592653589793238
E = 2718281828459045235

EXP2_MAX_INPUT = 192 * ONE  # exclusive
EXP2_MIN_INPUT = -59794705707972522261  # below this exp2 returns 0
EXP_MAX_INPUT = 133084258667509499441  # exclusive
EXP_MIN_INPUT = -41446531673892822322  # below this exp returns 0


def _exp2_constants(extra_bits: int = 96) -> tuple[int, ...]:
    """C_k = round(2^(2^−k) · 2^64), k = 1..64, by repeated integer square roots at 64+extra_bits bits."""
    scale = 1 << (64 + extra_bits)
    r = 2 * scale
    out = []
    for _ in range(64):
        r = isqrt(r * scale)  # floor; error stays far below the extra bits
        out.append((r + (1 << (extra_bits - 1))) >> extra_bits)
    return tuple(out)


EXP2_CONSTANTS = _exp2_constants()
# The 192.64 bit that selects C_k, paired with it, most significant bit first.
_EXP2_STEPS = tuple((1 << (64 - k), c) for k, c in enumerate(EXP2_CONSTANTS, start=1))


def _signed(magnitude: int, x: int, y: int) -> int:
    return -magnitude if (x < 0) != (y < 0) else magnitude


def mul(x: int, y: int) -> int:
    """``x ⊗ y``: |x|·|y|/1e18 rounded half away from zero (docs/arithmetic.md §1)."""
    if x == MINSD or y == MINSD:
        raise Revert("PRBMathSD59x18__MulInputTooSmall")
    p = abs(x) * abs(y)
    if (p >> 256) >= ONE:
        raise Revert("PRBMath__MulDivFixedPointOverflow")
    q, rem = divmod(p, ONE)
    r = (q + (1 if rem >= HALF else 0)) & UINT256_MAX  # the library adds the rounding unit unchecked
    if r > MAXSD:
        raise Revert("PRBMathSD59x18__MulOverflow")
    return _signed(r, x, y)


def div(x: int, y: int) -> int:
    """``x ⊘ y``: |x|·1e18/|y| floored on the magnitude, i.e. truncated toward zero (docs/arithmetic.md §1)."""
    if x == MINSD or y == MINSD:
        raise Revert("PRBMathSD59x18__DivInputTooSmall")
    num, ay = abs(x) * ONE, abs(y)
    if (num >> 256) == 0:
        if ay == 0:
            raise Revert(PANIC_DIV_ZERO)
    elif (num >> 256) >= ay:
        raise Revert("PRBMath__MulDivOverflow")
    r = num // ay
    if r > MAXSD:
        raise Revert("PRBMathSD59x18__DivOverflow")
    return _signed(r, x, y)


def abs_(x: int) -> int:
    """``abs(x)``; reverts for MINSD."""
    if x == MINSD:
        raise Revert("PRBMathSD59x18__AbsInputTooSmall")
    return abs(x)


def from_int(k: int) -> int:
    """``fromInt(k) = k·1e18``; reverts outside ±MAXSD/1e18 (bounds truncated toward zero)."""
    if k < -(-MINSD // ONE):
        raise Revert("PRBMathSD59x18__FromIntUnderflow")
    if k > MAXSD // ONE:
        raise Revert("PRBMathSD59x18__FromIntOverflow")
    return k * ONE


def log2(x: int) -> int:
    """Binary logarithm by the library's iterative squaring (docs/arithmetic.md §1); reverts for x ≤ 0."""
    if x <= 0:
        raise Revert("PRBMathSD59x18__LogInputTooSmall")
    sign = 1
    if x < ONE:
        sign = -1
        x = 10**36 // x
    m = (x // ONE).bit_length() - 1
    res = m * ONE
    y = x >> m
    if y == ONE:
        return sign * res
    delta = HALF
    two = 2 * ONE
    while delta > 0:
        y = y * y // ONE
        if y >= two:
            res += delta
            y >>= 1
        delta >>= 1
    return sign * res


def exp2(x: int) -> int:
    """Binary exponential by the binary-fraction method (docs/arithmetic.md §1); reverts for x ≥ 192e18."""
    if x < 0:
        if x < EXP2_MIN_INPUT:
            return 0
        return 10**36 // exp2(-x)
    if x >= EXP2_MAX_INPUT:
        raise Revert("PRBMathSD59x18__Exp2InputTooBig")
    f = (x << 64) // ONE
    r = 1 << 191
    for bit, c in _EXP2_STEPS:
        if f & bit:
            r = (r * c) >> 64
    return (r * ONE) >> (191 - (f >> 64))


def exp(x: int) -> int:
    """Natural exponential ``exp2(tdiv(x·LOG2_E + 5e17, 1e18))`` (docs/arithmetic.md §1)."""
    if x < EXP_MIN_INPUT:
        return 0
    if x >= EXP_MAX_INPUT:
        raise Revert("PRBMathSD59x18__ExpInputTooBig")
    t = x * LOG2_E + HALF
    e = abs(t) // ONE
    return exp2(-e if t < 0 else e)


def pow(x: int, y: int) -> int:  # noqa: A001 - the library's name
    """Library ``pow(x, y) = exp2(log2(x) ⊗ y)``; pow(0, 0) = ONE, pow(0, y≠0) = 0 (docs/arithmetic.md §1)."""
    if x == 0:
        return ONE if y == 0 else 0
    return exp2(mul(log2(x), y))


def qpow(x: int, y: int) -> int:
    """The rules' ``_pow`` helper: ONE when y = 0 (any x), 0 when x = 0, else ``exp2(y ⊗ log2(x))`` (docs/arithmetic.md §1)."""
    if y == 0:
        return ONE
    if x == 0:
        return 0
    return exp2(mul(y, log2(x)))


def sqrt(x: int) -> int:
    """``⌊√(x·1e18)⌋``; reverts for x < 0 or x > MAXSD/1e18 (docs/arithmetic.md §1)."""
    if x < 0:
        raise Revert("PRBMathSD59x18__SqrtNegativeInput")
    if x > MAXSD // ONE:
        raise Revert("PRBMathSD59x18__SqrtOverflow")
    return isqrt(x * ONE)
