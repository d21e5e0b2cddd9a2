"""Single-step pool updates against the EVM rule vectors of docs/arithmetic.md §6, in float64.

Every case is one CalculateNewWeights from the common set-up: moving averages [1000, 2, 50],
previous weights [1/3, 1/3, 1/3 (+1 wei)], ε = 0.1, g = 0.05, λ = 0.9 unless stated.
"""

import jax.numpy as jnp
import numpy as np
import pytest

import parity  # noqa: F401
from parity.fingerprint import make_run_fingerprint
from parity.pools import POOLS, create_pool

WAD = 10**18
PREV = np.array([333333333333333333, 333333333333333333, 333333333333333334]) / WAD
MA0 = np.array([1000.0, 2.0, 50.0])
DATA_B1 = np.array([1010.0, 1.9, 51.0])
DATA_B4 = np.array([1100.0, 1.7, 55.0])


def _fp(rule):
    return make_run_fingerprint(rule=rule, n_assets=3, epsilon_max=0.1, absolute_weight_guard_rail=0.05)


def _step(rule, params, data, overrides=None):
    pool = create_pool(rule)
    fp = _fp(rule)
    est = pool.get_initial_rule_state(jnp.asarray(MA0), {**params, **(overrides or {})}, fp)
    wt = pool.get_initial_guardrail_state(jnp.asarray(PREV))
    est, wt, w = pool.calculate_coarse_weight_step(est, wt, jnp.asarray(data), params, fp)
    assert np.array_equal(np.asarray(wt["prev_actual_weight"]), np.asarray(w))
    return np.asarray(w), {k: np.asarray(v) for k, v in est.items()}


def _ints(*xs):
    return np.array(xs, dtype=np.float64) / WAD


CASES = {
    "B1": ("momentum", {"lamb": 0.9, "kappa": 2.0}, DATA_B1, None,
           _ints(333668474642807384, 332463649317379044, 333867876039813572),
           {"ewma": [1001.0, 1.99, 50.1], "running_a": [90.0, -0.9, 9.0]}),
    "B2": ("momentum", {"lamb": [0.9, 0.8, 0.95], "kappa": [1.0, 3.0, 5.0]}, DATA_B1,
           {"initial_running_a": [1.0, -0.01, 0.1]},
           _ints(334082001332001332, 329094821844821844, 336823176823176824),
           {"ewma": [1001.0, 1.98, 50.05], "running_a": [90.9, -0.408, 19.095]}),
    "B3": ("anti_momentum", {"lamb": 0.9, "kappa": 2.0, "use_raw_price": True}, DATA_B1, None,
           _ints(332981161893279111, 334231813274206677, 332787024832514212),
           {"ewma": [1001.0, 1.99, 50.1], "running_a": [90.0, -0.9, 9.0]}),
    "B4": ("power_channel", {"lamb": 0.9, "kappa": 5.0, "exponents": 2.0}, DATA_B4, None,
           _ints(333338832242923952, 333322335514152096, 333338832242923952),
           {"ewma": [1010.0, 1.97, 50.5], "running_a": [900.0, -2.7, 45.0]}),
    "B5": ("mean_reversion_channel",
           {"lamb": 0.9, "kappa": 10.0, "width": 0.1, "amplitude": 0.5, "exponents": 1.5,
            "inverse_scaling": 0.541519, "pre_exp_scaling": 0.1, "use_raw_price": False}, DATA_B4, None,
           _ints(283333333333333333, 433333333333333333, 283333333333333334),
           {"ewma": [1010.0, 1.97, 50.5], "running_a": [900.0, -2.7, 45.0]}),
    "B6": ("difference_momentum", {"lamb": 0.9, "kappa": 10.0, "lamb_short": 0.5}, DATA_B4, None,
           _ints(383333333333333331, 233333333333333333, 383333333333333336),
           {"ewma": [1010.0, 1.97, 50.5], "short_ewma": [1050.0, 1.85, 52.5]}),
    "B7": ("min_variance", {"lamb": 0.9, "mixing": 0.5}, DATA_B4, {"initial_variance": [100.0, 0.01, 1.0]},
           _ints(283045058567476695, 433333333333333333, 283621608099189972),
           {"ewma": [1010.0, 1.97, 50.5], "variance": [9090.0, 0.09, 23.4]}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_appendix_b_single_step(case):
    rule, params, data, overrides, expected, states = CASES[case]
    w, est = _step(rule, params, data, overrides)
    np.testing.assert_allclose(w, expected, rtol=0, atol=2e-15)
    assert set(est) == set(create_pool(rule).carry_keys)
    for key, value in states.items():
        np.testing.assert_allclose(est[key], value, rtol=1e-14)


def test_b5_channel_signal_of_asset_0():
    # docs/arithmetic.md §6, B5: for asset 0, r = 990099009900990e-18 and s = −9572683645622979e-18
    from parity.pools.mean_reversion_channel import channel_signal

    cp = {k: jnp.asarray([v]) for k, v in
          {"width": 0.1, "amplitude": 0.5, "exponents": 1.5, "inverse_scaling": 0.541519, "pre_exp_scaling": 0.1}.items()}
    s = float(channel_signal(jnp.asarray([990099009900990e-18]), cp)[0])
    assert s == pytest.approx(-9572683645622979e-18, rel=1e-12)


def test_b1_rule_output_is_the_finish_delta():
    # w̃ − w from B1: [333668474642807383, 332463649317379043, 333867876039813572] − prev
    pool = create_pool("momentum")
    fp = _fp("momentum")
    carry = pool.get_initial_rule_state(jnp.asarray(MA0), {"lamb": 0.9, "kappa": 2.0}, fp)
    _, delta = pool.calculate_rule_output_step(carry, jnp.asarray(DATA_B1), {"lamb": 0.9, "kappa": 2.0}, fp)
    raw = [333668474642807383, 332463649317379043, 333867876039813572]
    prev = [333333333333333333, 333333333333333333, 333333333333333334]
    expected = _ints(*[r - p for r, p in zip(raw, prev)])
    np.testing.assert_allclose(np.asarray(delta), expected, rtol=0, atol=3e-18)
    assert abs(float(jnp.sum(delta))) < 1e-18


def test_anti_momentum_scan_step_is_the_negated_rule():
    params = {"lamb": 0.9, "kappa": [1.0, 2.0, 3.0], "use_raw_price": True}
    fp = _fp("momentum")
    outs = {}
    for rule in ("momentum", "anti_momentum"):
        pool = create_pool(rule)
        carry = pool.get_initial_rule_state(jnp.asarray(MA0), params, fp)
        _, outs[rule] = pool.calculate_rule_output_step(carry, jnp.asarray(DATA_B1), params, fp)
    assert np.abs(np.asarray(outs["momentum"])).max() > 1e-4
    np.testing.assert_array_equal(np.asarray(outs["anti_momentum"]), -np.asarray(outs["momentum"]))


def test_every_pool_implements_both_paths_itself():
    from parity.pools.base import TFMMBasePool

    for rule, cls in POOLS.items():
        pool = cls()
        assert pool.rule == rule
        assert pool.supports_scan_path() and pool.supports_vectorized_path()
        assert "_rule_step" in cls.__dict__ and "_rule_series" in cls.__dict__
    assert not TFMMBasePool().supports_scan_path()

    class Inherited(POOLS["momentum"]):
        rule = "inherited"

    assert not Inherited().supports_scan_path()
    assert not Inherited().supports_vectorized_path()


def test_min_variance_unmoved_price_with_zero_state_gives_no_finite_weights():
    # docs/arithmetic.md §6, B8: the chain reverts (σ² = 0); float gives π = inf and non-finite targets
    pool = create_pool("min_variance")
    fp = _fp("min_variance")
    prices = jnp.asarray([1.0, 3.0, 5.0])
    carry = pool.get_initial_rule_state(prices, {"lamb": 0.5, "mixing": 0.5}, fp)
    _, target = pool.calculate_rule_output_step(carry, prices, {"lamb": 0.5, "mixing": 0.5}, fp)
    assert not np.isfinite(np.asarray(target)).all()


def test_min_variance_equal_moves_b8():
    # docs/arithmetic.md §6, B8: MA [1,3,5], A(0) = 0, data [2,4,6], Λ = λ = 0.5: σ² = 0.25 each → equal weights
    pool = create_pool("min_variance")
    fp = _fp("min_variance")
    params = {"lamb": 0.5, "mixing": 0.5, "initial_ewma": [1.0, 3.0, 5.0]}
    carry = pool.get_initial_rule_state(jnp.asarray([1.0, 3.0, 5.0]), params, fp)
    wt = pool.get_initial_guardrail_state(jnp.asarray(PREV))
    est, _, w = pool.calculate_coarse_weight_step(carry, wt, jnp.asarray([2.0, 4.0, 6.0]), params, fp)
    np.testing.assert_allclose(np.asarray(est["variance"]), [0.5, 0.5, 0.5], rtol=1e-15)
    np.testing.assert_allclose(np.asarray(w), [1 / 3] * 3, atol=1e-16)


def test_initial_carry_holds_the_deviation_form_of_the_overridden_averages():
    pool = create_pool("difference_momentum")
    params = {"lamb": 0.9, "kappa": 1.0, "lamb_short": 0.5, "initial_ewma": [990.0, 2.5, 50.0],
              "initial_short_ewma": [1000.0, 2.0, 49.0]}
    carry = pool.get_initial_rule_state(jnp.asarray(MA0), params, _fp("difference_momentum"))
    assert set(carry) == set(pool.carry_keys)
    np.testing.assert_array_equal(carry["price"], MA0)
    np.testing.assert_array_equal(carry["ewma"], [990.0, 2.5, 50.0])
    np.testing.assert_array_equal(carry["ewma_deviation"], [10.0, -0.5, 0.0])
    np.testing.assert_array_equal(carry["short_ewma_deviation"], [0.0, 0.0, 1.0])


@pytest.mark.parametrize("rule", ["momentum", "min_variance", "difference_momentum"])
def test_carry_without_the_deviation_form_keeps_its_keys_and_values(rule):
    # a carry holding only the moving averages (built by hand / an older caller) runs the plain form
    params = {"momentum": {"lamb": 0.9, "kappa": 2.0}, "min_variance": {"lamb": 0.9, "mixing": 0.5},
              "difference_momentum": {"lamb": 0.9, "kappa": 10.0, "lamb_short": 0.5}}[rule]
    pool = create_pool(rule)
    fp = _fp(rule)
    full = pool.get_initial_rule_state(jnp.asarray(MA0), {**params, "initial_variance": [100.0, 0.01, 1.0]}, fp)
    plain = {k: v for k, v in full.items() if k != "price" and not k.endswith("_deviation")}
    wt = pool.get_initial_guardrail_state(jnp.asarray(PREV))
    est_full, _, w_full = pool.calculate_coarse_weight_step(full, wt, jnp.asarray(DATA_B4), params, fp)
    est_plain, _, w_plain = pool.calculate_coarse_weight_step(plain, wt, jnp.asarray(DATA_B4), params, fp)
    assert set(est_plain) == set(plain) and set(est_full) == set(full)
    np.testing.assert_allclose(np.asarray(w_plain), np.asarray(w_full), rtol=0, atol=1e-15)
    for key in plain:
        np.testing.assert_allclose(np.asarray(est_plain[key]), np.asarray(est_full[key]), rtol=1e-14)
