"""Exponentially weighted moving average with the on-chain update p̄ ← λ·p̄ + (1−λ)·p (onchain-math §3 step 3).

The on-chain form is the sum of two products, not p̄ + (1−λ)(p − p̄); float64 follows that order.
``lamb`` is a scalar (shape ()) or one λ per asset (shape (n,)).
"""

from typing import NamedTuple

import jax.numpy as jnp

from parity.estimators.recurrence import linear_recurrence


class EwmaState(NamedTuple):
    """Moving average p̄ after the last consumed price, shape (n,)."""

    mean: jnp.ndarray


def init(mean0) -> EwmaState:
    """State holding the initial moving average (the chain's initialised movingAverages)."""
    return EwmaState(mean=jnp.asarray(mean0, dtype=jnp.float64))


def step(state: EwmaState, price, lamb):
    """Consume one price row (n,); return (new state, new mean p̄(t))."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    mean = lamb * state.mean + (1.0 - lamb) * jnp.asarray(price, dtype=jnp.float64)
    return EwmaState(mean=mean), mean


def series(mean0, prices, lamb):
    """All moving averages for prices (T, n): row t = p̄ after consuming prices[t]."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    prices = jnp.asarray(prices, dtype=jnp.float64)
    return linear_recurrence(mean0, lamb, (1.0 - lamb) * prices)


def previous_series(mean0, means):
    """p̄(t−1) aligned with ``means``: row 0 is mean0, row t is means[t−1] (input of the variance)."""
    mean0 = jnp.broadcast_to(jnp.asarray(mean0, dtype=jnp.float64), means.shape[1:])
    return jnp.concatenate([mean0[None], means[:-1]], axis=0)
