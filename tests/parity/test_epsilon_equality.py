"""The ε limit at exact equality: when the largest |Δ| equals ε in float64 the simulator must not scale (the
contract's test is `max|Δ| > ε`), on both weight paths. A planted `>=` (planted.epsilon_ge) returns
prev + (v − prev) instead of v, an ulp off where the subtraction rounded: invisible to every tolerance, so
only these bit-for-bit cases catch it. The chain and the integer model at the same equality:
tests/contracts/test_evm_storage_quirks.py::test_guard_epsilon_equality_is_not_scaled."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import planted
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.pools.momentum import MomentumPool
from parity.weights import guardrails

PREV = np.array([0.52906848, 0.29326432, 0.1776672])
OUT = np.array([-0.28498928, -0.19992898, 0.48491826])  # a delta rule's output (sums to 0)
G = 0.01


def _case():
    """(ε, what the guard must return): ε is exactly the largest |Δ| the ε limit sees (Δ = clamp(prev + out) −
    prev, in float64); the limit is then the identity, so the guard is the residual fix of the clamp."""
    raw = jnp.asarray(PREV) + jnp.asarray(OUT)
    v = guardrails.clamp_weights(raw, G)
    eps = float(jnp.max(jnp.abs(v - jnp.asarray(PREV))))
    assert np.any(np.asarray(jnp.asarray(PREV) + (v - jnp.asarray(PREV))) != np.asarray(v)), \
        "the case must be one where prev + (v − prev) rounds away from v"
    return eps, np.asarray(guardrails.fix_residual(v))


class FixedOutput(MomentumPool):
    """Momentum whose rule output is OUT at every update (the guard is what is under test)."""

    def _rule_step(self, carry, price, cp, oracle_row):
        return carry, jnp.asarray(OUT)


def scan_path(eps):
    pool = FixedOutput()
    fp = make_run_fingerprint(rule="momentum", n_assets=3, chunk_period=1440, price_interval=1440, epsilon_max=eps,
                              absolute_weight_guard_rail=G)
    params = {"lamb": 0.9, "kappa": 1.0}
    price = jnp.ones(3)
    est = pool.get_initial_rule_state(price, params, fp)
    _, _, w = pool.calculate_coarse_weight_step(est, {"prev_actual_weight": jnp.asarray(PREV)}, price, params, fp)
    return np.asarray(w)


def vectorized_path(eps):
    pool = MomentumPool()
    fp = make_run_fingerprint(rule="momentum", n_assets=3, chunk_period=1440, price_interval=1440, epsilon_max=eps,
                              absolute_weight_guard_rail=G)
    cp = pool.resolve_params({"lamb": 0.9, "kappa": 1.0}, fp, validate=False)
    return np.asarray(pool._coarse_scan(jnp.asarray([OUT]), jnp.asarray(PREV), cp, fp))[0]


def check_equality_is_not_scaled() -> None:
    eps, expected = _case()
    for path in (scan_path, vectorized_path):
        got = path(eps)
        assert got.tobytes() == expected.tobytes(), (path.__name__, got - expected)


def test_epsilon_equality_leaves_the_weights_unscaled_on_both_paths():
    check_equality_is_not_scaled()


def test_limit_change_at_equality_is_the_identity_bit_for_bit():
    prev = np.array([0.242, 0.415, 0.343])
    v = np.array([0.592, 0.076, 0.332])  # |Δ| = (0.35, 0.339, 0.011): the largest is exactly ε = 0.35
    assert np.max(np.abs(v - prev)) == 0.35 and np.any(prev + (v - prev) != v)
    assert np.asarray(guardrails.limit_change(v, prev, 0.35)).tobytes() == v.tobytes()
    assert np.asarray(guardrails.guard_weights(v, prev, 0.35, G)).tobytes() == v.tobytes()


def test_a_planted_greater_or_equal_is_caught():
    with planted.epsilon_ge():
        with pytest.raises(AssertionError):
            check_equality_is_not_scaled()
        with pytest.raises(AssertionError):
            test_limit_change_at_equality_is_the_identity_bit_for_bit()
    check_equality_is_not_scaled()  # the plant is gone again
