"""Variance estimator with the on-chain state A (docs/arithmetic.md §3).

A(t) = λ·A(t−1) + (p(t) − p̄(t−1))·(p(t) − p̄(t)) and σ²(t) = (1−λ)·A(t): it uses both the previous
and the new moving average. ``step_deviation`` / ``series_deviation`` take the two deviations
p(t) − p̄(t−1) and p(t) − p̄(t) directly (the pools pass the accurate deviation form of ``ewma``);
``step`` / ``series`` compute them from p and the moving averages. ``lamb`` is a scalar (shape ()) or one λ per asset (shape (n,)).
"""

from typing import NamedTuple

import jax.numpy as jnp

from parity.estimators.recurrence import linear_recurrence
from parity.probes import probe


class VarianceState(NamedTuple):
    """Running (intermediate) variance state A after the last consumed price, shape (n,); not σ²."""

    running_var: jnp.ndarray


def init(A0) -> VarianceState:
    """State holding the initial intermediate variance A (the chain's initial intermediate values)."""
    return VarianceState(running_var=jnp.asarray(A0, dtype=jnp.float64))


def step(state: VarianceState, price, prev_mean, mean, lamb):
    """Consume one price row with p̄(t−1) and p̄(t); return (new state, σ²(t) = (1−λ)·A(t))."""
    price = jnp.asarray(price, dtype=jnp.float64)
    return step_deviation(state, price - prev_mean, price - mean, lamb)


def step_deviation(state: VarianceState, deviation_prev, deviation_new, lamb):
    """Consume one row of deviations p(t) − p̄(t−1) and p(t) − p̄(t); return (new state, σ²(t))."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    A = lamb * state.running_var + jnp.asarray(deviation_prev, dtype=jnp.float64) * jnp.asarray(deviation_new, dtype=jnp.float64)
    return VarianceState(running_var=probe("variance", A)), probe("sigma2", (1.0 - lamb) * A)


def series(A0, prices, prev_means, means, lamb):
    """Whole series: returns (A, sigma2), each (T, n); row t = after consuming prices[t].

    ``prev_means[t]`` = p̄ before prices[t] (``ewma.previous_series``), ``means[t]`` = p̄ after it.
    """
    prices = jnp.asarray(prices, dtype=jnp.float64)
    return series_deviation(A0, prices - prev_means, prices - means, lamb)


def series_deviation(A0, deviations_prev, deviations_new, lamb):
    """Whole series from the deviations p(t) − p̄(t−1) and p(t) − p̄(t) (T, n): returns (A, sigma2)."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    u = jnp.asarray(deviations_prev, dtype=jnp.float64) * jnp.asarray(deviations_new, dtype=jnp.float64)
    A = linear_recurrence(A0, lamb, u)
    return A, (1.0 - lamb) * A
