"""Shared parameter helpers: memory days <-> λ, logistic, squareplus, 18-decimal encoding.

All maps are written with ``jax.numpy`` so they work on concrete arrays and inside ``jit``.

memory days (docs/architecture.md, Parameters), for λ in (0, 1) and chunk period ``c`` in minutes::

    memory_days(λ, c) = (2c/1440) · cbrt(6λ / (1−λ)^3)

The inverse solves ``S·u^3 + u − 1 = 0`` for ``u = 1 − λ`` with ``S = m^3/6``, ``m = 1440·days/(2c)``.
Instead of the closed form (which cancels catastrophically for long memories, giving −inf for c = 1,
365 days), we use the hyperbolic form of the single real root of a depressed cubic with positive
linear coefficient, which has no cancellation, followed by one Newton step, then λ = S·u^3 (= 1 − u, without cancellation)::

    u = 2/sqrt(3S) · sinh( asinh( (3/2)·sqrt(3S) ) / 3 )
"""

from decimal import Decimal
from fractions import Fraction

import jax.numpy as jnp
import numpy as np

WAD = 10**18


def memory_days(lamb, chunk_period):
    """Memory length in days of an EWMA with decay ``lamb`` updated every ``chunk_period`` minutes."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    return (2.0 * chunk_period / 1440.0) * jnp.cbrt(6.0 * lamb / (1.0 - lamb) ** 3)


def lamb_from_memory_days(days, chunk_period):
    """Inverse of :func:`memory_days` (numerically stable); ``days == 0`` gives λ = 0."""
    days = jnp.asarray(days, dtype=jnp.float64)
    m = 1440.0 * days / (2.0 * chunk_period)
    s = m**3 / 6.0
    safe_s = jnp.where(s > 0, s, 1.0)
    root = jnp.sqrt(3.0 * safe_s)
    u = 2.0 / root * jnp.sinh(jnp.arcsinh(1.5 * root) / 3.0)
    u = u - (safe_s * u**3 + u - 1.0) / (3.0 * safe_s * u**2 + 1.0)
    # 1 − u == S·u³ exactly for the root; the product form avoids cancellation for short memories
    return jnp.where(s > 0, safe_s * u**3, 0.0)


def logistic(x):
    """σ(x) = 1 / (1 + e^−x)."""
    return 1.0 / (1.0 + jnp.exp(-jnp.asarray(x, dtype=jnp.float64)))


def logit(p):
    """Inverse of :func:`logistic`."""
    p = jnp.asarray(p, dtype=jnp.float64)
    return jnp.log(p) - jnp.log1p(-p)


def squareplus(x):
    """sp(x) = (x + sqrt(x^2 + 4)) / 2, a smooth positive map."""
    x = jnp.asarray(x, dtype=jnp.float64)
    return 0.5 * (x + jnp.sqrt(x * x + 4.0))


def inverse_squareplus(y):
    """sp⁻¹(y) = (y^2 − 1)/y for y > 0."""
    y = jnp.asarray(y, dtype=jnp.float64)
    return (y * y - 1.0) / y


def encode_fixed(x, field="value"):
    """Encode one float as an 18-decimal integer, as a person would write it on chain.

    The float's shortest round-tripping decimal (``repr``) is scaled by 1e18 and rounded to the nearest
    wei, ties away from zero: ``0.9`` becomes ``900000000000000000`` (not the binary value's
    ``…022``). Whenever a float resolves one wei, ``encode_fixed(decode_fixed(i)) == i``.
    """
    xf = float(x)
    if not np.isfinite(xf):
        raise ValueError(f"{field}={x!r}: cannot encode a non-finite value as an 18-decimal integer")
    scaled = Fraction(Decimal(repr(xf))) * WAD
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and scaled > 0):
        return floor + 1
    return floor


def decode_fixed(i):
    """Decode an 18-decimal integer to the nearest float (correctly rounded Fraction(i, 1e18))."""
    return float(Fraction(int(i), WAD))


def encode_array(values, field="value"):
    """Encode a 1-D array of floats as a list of 18-decimal ints."""
    return [encode_fixed(v, f"{field}[{k}]") for k, v in enumerate(np.asarray(values, dtype=np.float64).reshape(-1))]


def decode_array(ints):
    """Decode a list of 18-decimal ints to a float64 numpy array."""
    return np.array([decode_fixed(i) for i in ints], dtype=np.float64)
