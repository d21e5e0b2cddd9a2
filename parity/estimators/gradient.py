"""Gradient estimator with the on-chain state a (docs/arithmetic.md §3).

a(t) = λ·a(t−1) + (p(t) − p̄(t))/(1−λ), where p̄(t) is the NEW moving average, and the returned
gradient is g = c·a(t) with c = (1−λ)³/λ ("mulFactor"). No flush of tiny states.
The input is the deviation p(t) − p̄(t): ``step_deviation`` / ``series_deviation`` take it directly (the
pools pass the accurate deviation form of ``ewma``); ``step`` / ``series`` compute it from p and p̄.
``lamb`` is a scalar (shape ()) or one λ per asset (shape (n,)).
"""

from typing import NamedTuple

import jax.numpy as jnp

from parity.estimators.recurrence import linear_recurrence
from parity.probes import probe


class GradientState(NamedTuple):
    """Running gradient state a after the last consumed price, shape (n,)."""

    running_a: jnp.ndarray


def mul_factor(lamb):
    """c = (1−λ)³/λ, the factor turning the running state a into a gradient."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    return (1.0 - lamb) ** 3 / lamb


def init(a0) -> GradientState:
    """State holding the initial running gradient state a (the chain's initial intermediate values)."""
    return GradientState(running_a=jnp.asarray(a0, dtype=jnp.float64))


def step(state: GradientState, price, mean, lamb):
    """Consume one price row and its new moving average p̄(t); return (new state, gradient c·a(t))."""
    price = jnp.asarray(price, dtype=jnp.float64)
    return step_deviation(state, price - mean, lamb)


def step_deviation(state: GradientState, deviation, lamb):
    """Consume one deviation row p(t) − p̄(t) (n,); return (new state, gradient c·a(t))."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    a = probe("running_a", lamb * state.running_a + jnp.asarray(deviation, dtype=jnp.float64) / (1.0 - lamb))
    return GradientState(running_a=a), probe("gradient", probe("mul_factor", mul_factor(lamb)) * a)


def series(a0, prices, means, lamb):
    """Whole series: returns (a, grad), each (T, n); row t = after consuming prices[t].

    ``means`` must be the moving averages aligned with ``prices`` (``ewma.series`` output).
    """
    prices = jnp.asarray(prices, dtype=jnp.float64)
    return series_deviation(a0, prices - means, lamb)


def series_deviation(a0, deviations, lamb):
    """Whole series from the deviations p(t) − p̄(t) (T, n): returns (a, grad), each (T, n)."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    a = linear_recurrence(a0, lamb, jnp.asarray(deviations, dtype=jnp.float64) / (1.0 - lamb))
    return a, mul_factor(lamb) * a
