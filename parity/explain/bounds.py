"""Exact values and rounding bounds of one operation's expression (docs/explain.md, "The bounds").

An operation is written as an expression over its inputs with the combinators below, in the contract's
expression tree (docs/arithmetic.md). Evaluated on one side's inputs, each node carries:

* ``v``: the exact real value (Decimal, 90 significant digits) of the expression on those inputs;
* ``f``: a bound on how far a float64 evaluation can be from ``v``: every operation adds u·|result|
  (u = 2⁻⁵³, the unit roundoff) and passes on its inputs' errors through its exact sensitivity;
* ``lo``, ``hi``: the interval the 18-decimal evaluation can be off from ``v``: ⊗ rounds half away from
  zero (±½ wei), ⊘ truncates toward zero (up to 1 wei, toward zero only), library exp/pow add
  ``LIB_REL``·|result| + 2 wei; inputs' intervals propagate exactly through each node (monotone corners);
* ``m``: the largest magnitude the expression touches (the scale of the op's scaled error).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

CONTEXT = decimal.Context(prec=90, Emax=10**6, Emin=-(10**6))  # evaluate inside precise()
U = Decimal(2) ** -53  # float64 unit roundoff
WEI = Decimal(10) ** -18
HALF_WEI = WEI / 2
LIB_REL = Decimal("1e-16")  # PRBMath exp2/log2-based results (exp, pow): relative allowance, see docs/explain.md
ZERO = Decimal(0)


@dataclass(frozen=True)
class Q:
    """One evaluated node: exact value, float64 error bound, fixed-point error interval, magnitude."""

    v: Decimal
    f: Decimal = ZERO
    lo: Decimal = ZERO
    hi: Decimal = ZERO
    m: Decimal = ZERO


def precise():
    """The Decimal context every evaluation runs in (90 digits: exact for int256 values at 18 decimals)."""
    return decimal.localcontext(CONTEXT)


def dec(x) -> Decimal:
    """An int, float or Decimal as an exact Decimal (floats are converted exactly)."""
    return x if isinstance(x, Decimal) else Decimal(x)


def leaf(x, f=ZERO, *, parameter: bool = False) -> Q:
    """An input of the operation: exact value x (float error bound f, no fixed-point error). A parameter
    does not count towards the op's magnitude (κ = 1 would otherwise set the scale of a weight change)."""
    x = dec(x)
    return Q(x, dec(f), ZERO, ZERO, ZERO if parameter else abs(x))


def const(exact, fixed=None) -> Q:
    """A constant: exact real value; ``fixed`` is the contract's 18-decimal representation (default exact)."""
    exact = dec(exact)
    off = ZERO if fixed is None else dec(fixed) - exact
    return Q(exact, U * abs(exact) if off else ZERO, off, off, ZERO)


def _node(v: Decimal, f: Decimal, lo: Decimal, hi: Decimal, *parts: Q) -> Q:
    return Q(v, f, lo, hi, max([abs(v), *(p.m for p in parts)]))


def _rounded(v: Decimal) -> Decimal:
    return U * abs(v)


def _span(v: Decimal, corners) -> tuple[Decimal, Decimal]:
    ds = [c - v for c in corners]
    return min(ds), max(ds)


def _ends(q: Q) -> tuple[Decimal, Decimal]:
    return q.v + q.lo, q.v + q.hi


def add(a: Q, b: Q) -> Q:
    """a + b: exact in fixed point (checked integer addition)."""
    v = a.v + b.v
    return _node(v, a.f + b.f + _rounded(v), a.lo + b.lo, a.hi + b.hi, a, b)


def sub(a: Q, b: Q) -> Q:
    """a − b: exact in fixed point."""
    v = a.v - b.v
    return _node(v, a.f + b.f + _rounded(v), a.lo - b.hi, a.hi - b.lo, a, b)


def neg(a: Q) -> Q:
    """−a: exact on both sides."""
    return Q(-a.v, a.f, -a.hi, -a.lo, a.m)


def absolute(a: Q) -> Q:
    """|a| (the branch this side's value takes)."""
    return a if a.v >= 0 else neg(a)


def total(items) -> Q:
    """Σ items, added left to right."""
    items = list(items)
    out = items[0]
    for q in items[1:]:
        out = add(out, q)
    return out


def scale(a: Q, k: int) -> Q:
    """k·a for an integer k: exact in fixed point (``fromInt(k) ⊗ a`` and ``a ⊗ TWO`` are exact)."""
    v = a.v * k
    return _node(v, a.f * abs(k) + _rounded(v), min(a.lo * k, a.hi * k), max(a.lo * k, a.hi * k), a)


def mul(a: Q, b: Q) -> Q:
    """a ⊗ b: the product rounded half away from zero to 18 decimals."""
    v = a.v * b.v
    f = abs(a.v) * b.f + abs(b.v) * a.f + a.f * b.f + _rounded(v)
    lo, hi = _span(v, [x * y for x in _ends(a) for y in _ends(b)])
    return _node(v, f, lo - HALF_WEI, hi + HALF_WEI, a, b)


def _truncation(v: Decimal) -> tuple[Decimal, Decimal]:
    if v > 0:
        return -WEI, ZERO
    if v < 0:
        return ZERO, WEI
    return -WEI, WEI


def div(a: Q, b: Q) -> Q:
    """a ⊘ b: the quotient truncated toward zero to 18 decimals (b ≠ 0)."""
    v = a.v / b.v
    room = abs(b.v) - b.f
    f = (a.f + abs(v) * b.f) / room + _rounded(v) if room > 0 else Decimal("Infinity")
    b_lo, b_hi = _ends(b)
    if b_lo * b_hi <= 0:  # the fixed-point divisor's interval reaches zero: no finite interval
        return _node(v, f, Decimal("-Infinity"), Decimal("Infinity"), a, b)
    lo, hi = _span(v, [x / y for x in _ends(a) for y in (b_lo, b_hi)])
    t_lo, t_hi = _truncation(v)
    return _node(v, f, lo + t_lo, hi + t_hi, a, b)


def tdiv(a: Q, n: int) -> Q:
    """a / n with the integer n: plain integer division of the 18-decimal value, truncated toward zero."""
    v = a.v / n
    t_lo, t_hi = _truncation(v)
    return _node(v, a.f / n + _rounded(v), a.lo / n + t_lo, a.hi / n + t_hi, a)


def _library(v: Decimal) -> Decimal:
    return LIB_REL * abs(v) + 2 * WEI


def exp(a: Q) -> Q:
    """PRBMath ``exp`` (through exp2 and log2(e))."""
    v = a.v.exp()
    f = abs(v) * (a.f.exp() - 1) + 2 * _rounded(v)
    lo, hi = _span(v, [x.exp() for x in _ends(a)])
    return _node(v, f, lo - _library(v), hi + _library(v), a)


def _power(x: Decimal, q: Decimal) -> Decimal:
    return ZERO if x <= 0 else x**q


def power(a: Q, q: Q) -> Q:
    """a^q for a ≥ 0 (PRBMath ``pow`` or the rules' ``_pow``: exp2(q·log2 a); 0 at a = 0)."""
    v = _power(a.v, q.v)
    f_corners = [_power(a.v + s * a.f, q.v + t * q.f) for s in (-1, 1) for t in (-1, 1)]
    f = max(abs(c - v) for c in f_corners) + 4 * _rounded(v)
    lo, hi = _span(v, [_power(x, y) for x in _ends(a) for y in _ends(q)])
    return _node(v, f, lo - _library(v), hi + _library(v), a, q)
