"""Exponentially weighted moving average with the on-chain update p̄ ← λ·p̄ + (1−λ)·p (docs/arithmetic.md §2 step 3).

Two forms:

* the plain form (``init`` / ``step`` / ``series``): p̄ itself in float64, evaluated as the sum of two
  products in the on-chain order (not p̄ + (1−λ)(p − p̄)). It is exact to ~1 ulp of p.
* the deviation form (``deviation_init`` / ``deviation_step`` / ``deviation_series``) used by the pools:
  it carries the last price p(t) and the deviation e(t) = p(t) − p̄(t). In real arithmetic the update
  above is equivalent to

      e(t) = λ·(e(t−1) + Δp(t)),   Δp(t) = p(t) − p(t−1),

  and p(t) − p̄(t−1) = e(t−1) + Δp(t). The difference of two nearby prices is (nearly) exact, so the
  deviations — which the estimators and rules actually use — are accurate to a few ulp *of e*, instead
  of the ulp of p that p − p̄ computed from a float64 p̄ carries (catastrophic cancellation when p̄ ≈ p:
  pegged assets, large prices with small moves). The moving average is reported as p̄(t) = p(t) − e(t).

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
    """p̄(t−1) aligned with ``means``: row 0 is mean0, row t is means[t−1] (input of the variance).

    Any series works: the rows before each row of ``means`` (T, n), with ``mean0`` the one before row 0.
    """
    mean0 = jnp.broadcast_to(jnp.asarray(mean0, dtype=jnp.float64), means.shape[1:])
    return jnp.concatenate([mean0[None], means[:-1]], axis=0)


# ------------------------------------------------------------------------------------ deviation form


class DeviationState(NamedTuple):
    """Last consumed price p(t) and its deviation e(t) = p(t) − p̄(t) from the moving average, each (n,)."""

    price: jnp.ndarray
    deviation: jnp.ndarray


class Deviations(NamedTuple):
    """The two deviations of one update: ``prev`` = p(t) − p̄(t−1), ``new`` = p(t) − p̄(t)."""

    prev: jnp.ndarray
    new: jnp.ndarray


def deviation_init(price0, mean0) -> DeviationState:
    """State after the initial price p(0) with moving average p̄(0): e(0) = p(0) − p̄(0)."""
    price0 = jnp.asarray(price0, dtype=jnp.float64)
    return DeviationState(price=price0, deviation=price0 - jnp.asarray(mean0, dtype=jnp.float64))


def mean(state: DeviationState):
    """The moving average p̄ = p − e of a deviation state (or of rows of prices and deviations)."""
    return state.price - state.deviation


def deviation_step(state: DeviationState, price, lamb):
    """Consume one price row (n,); return (new state, Deviations(prev = e(t−1) + Δp, new = λ·prev))."""
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    price = jnp.asarray(price, dtype=jnp.float64)
    change = price - state.price
    # λ·e + λ·Δp: the same arithmetic as the first element of linear_recurrence in deviation_series
    new = lamb * state.deviation + lamb * change
    return DeviationState(price=price, deviation=new), Deviations(prev=state.deviation + change, new=new)


def deviation_series(state0: DeviationState, prices, lamb) -> Deviations:
    """Deviations of every row of prices (T, n): ``new[t]`` = p(t) − p̄(t), ``prev[t]`` = p(t) − p̄(t−1).

    e is the affine recurrence e(t) = λ·e(t−1) + λ·Δp(t) (``linear_recurrence``), with Δp(0) taken
    against ``state0.price``; the moving averages are ``prices − new``.
    """
    lamb = jnp.asarray(lamb, dtype=jnp.float64)
    prices = jnp.asarray(prices, dtype=jnp.float64)
    change = prices - previous_series(state0.price, prices)
    new = linear_recurrence(state0.deviation, lamb, lamb * change)
    prev = previous_series(state0.deviation, new) + change
    return Deviations(prev=prev, new=new)
