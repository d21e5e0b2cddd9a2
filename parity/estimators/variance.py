"""Variance estimator with the on-chain state A (onchain-math §5.2).

A(t) = λ·A(t−1) + (p(t) − p̄(t−1))·(p(t) − p̄(t)) and σ²(t) = (1−λ)·A(t): it uses both the previous
and the new moving average. ``lamb`` is a scalar (shape ()) or one λ per asset (shape (n,)).
"""

from typing import NamedTuple

import jax.numpy as jnp

from parity.estimators.recurrence import linear_recurrence


class VarianceState(NamedTuple):
    """Running (intermediate) variance state A after the last consumed price, shape (n,); not σ²."""

    running_var: jnp.ndarray


def init(A0) -> VarianceState:
    """State holding the initial intermediate variance A (the chain's initial intermediate values)."""
    return VarianceState(running_var=jnp.asarray(A0, dtype=jnp.float64))


def step(state: VarianceState, price, prev_mean, mean, lamb):
    """Consume one price row with p̄(t−1) and p̄(t); return (new state, σ²(t) = (1−λ)·A(t))."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    price = jnp.asarray(price, dtype=jnp.float64)
    A = lamb * state.running_var + (price - prev_mean) * (price - mean)
    return VarianceState(running_var=A), (1.0 - lamb) * A


def series(A0, prices, prev_means, means, lamb):
    """Whole series: returns (A, sigma2), each (T, n); row t = after consuming prices[t].

    ``prev_means[t]`` = p̄ before prices[t] (``ewma.previous_series``), ``means[t]`` = p̄ after it.
    """
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    prices = jnp.asarray(prices, dtype=jnp.float64)
    A = linear_recurrence(A0, lamb, (prices - prev_means) * (prices - means))
    return A, (1.0 - lamb) * A
