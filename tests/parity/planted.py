"""Small simulator bugs planted in the JAX side only (the chain and the integer model stay correct).

Each plant is a context manager that monkeypatches one JAX function with a relative error and clears JAX's
trace caches on entry and exit, so jitted steps compiled before (or during) the plant are re-traced."""

from __future__ import annotations

from contextlib import contextmanager

import jax
import jax.numpy as jnp


@contextmanager
def _patched(module, name, replacement):
    original = getattr(module, name)
    jax.clear_caches()
    setattr(module, name, replacement(original))
    try:
        yield
    finally:
        setattr(module, name, original)
        jax.clear_caches()


def mul_factor(rel=1e-9):
    """The gradient's mulFactor c = (1−λ)³/λ times (1 + rel)."""
    from parity.estimators import gradient

    return _patched(gradient, "mul_factor", lambda f: lambda lamb: f(lamb) * (1.0 + rel))


def epsilon_scale(rel=-1e-9):
    """The ε limit's scale s = ε/D times (1 + rel) (only matters where the limit binds)."""
    from parity.weights import guardrails

    def make(_original):
        def limit_change(v, prev, epsilon_max):
            v, prev = jnp.asarray(v, dtype=jnp.float64), jnp.asarray(prev, dtype=jnp.float64)
            eps = guardrails._per_row(epsilon_max)
            delta = v - prev
            d = jnp.maximum(eps, jnp.max(jnp.abs(delta), axis=-1, keepdims=True))
            return jnp.where(d > eps, prev + delta * (eps / d * (1.0 + rel)), v)

        return limit_change

    return _patched(guardrails, "limit_change", make)


def epsilon_ge():
    """The ε limit's comparison written ``>=`` instead of ``>``: at |Δ| = ε it applies s = ε/D = 1, i.e. returns
    prev + (v − prev), which differs from v by an ulp where the subtraction rounded (tests/parity/
    test_epsilon_equality.py catches it; the runs of test_planted_bugs.py do not)."""
    from parity.weights import guardrails

    def make(_original):
        def limit_change(v, prev, epsilon_max):
            v, prev = jnp.asarray(v, dtype=jnp.float64), jnp.asarray(prev, dtype=jnp.float64)
            eps = guardrails._per_row(epsilon_max)
            delta = v - prev
            d = jnp.maximum(eps, jnp.max(jnp.abs(delta), axis=-1, keepdims=True))
            return jnp.where(d >= eps, prev + delta * (eps / d), v)

        return limit_change

    return _patched(guardrails, "limit_change", make)


def kappa(rel=1e-7):
    """κ times (1 + rel) in the delta rules' finish step (momentum and friends)."""
    from parity.pools import momentum

    return _patched(momentum, "finish", lambda f: lambda signal, k, sign=1.0: f(signal, k * (1.0 + rel), sign))


def min_variance_precision(rel=1e-8):
    """Asset 0's precision 1/σ² times (1 + rel) in the minimum-variance target (a common factor would cancel
    in the normalisation π/Σπ)."""
    from parity.pools import min_variance

    def make(_original):
        def inverse_variance_target(sigma2):
            precision = 1.0 / sigma2
            precision = precision.at[..., 0].multiply(1.0 + rel)
            return precision / jnp.sum(precision, axis=-1, keepdims=True)

        return inverse_variance_target

    return _patched(min_variance, "inverse_variance_target", make)
