"""The pool side of the production loop (parity.weights.onchain) in float64 against integer test vectors
measured on the EVM with the V1 runner and pool (docs/production-loop-jax.md), plus truncation semantics,
late updates, rails inside the interval, T < 0 and the τ wrap, and random updates against the exact integer
model of parity.fixedpoint.production."""

from fractions import Fraction

import jax.numpy as jnp
import numpy as np
import pytest

import parity  # noqa: F401
from parity.fixedpoint.production import field_value, multipliers_and_last_interp
from parity.weights import onchain

NOW = 1_700_000_000


def _wei(values):
    """Pool values (multiples of 1e-9 in float64) -> their exact integers in wei."""
    return [round(Fraction(v) * 10**9) * 10**9 for v in np.asarray(values, dtype=np.float64).tolist()]


def _update(w0, target, now, interval, g):
    carry = onchain.init_pool_carry(jnp.asarray(w0), now - interval)
    return onchain.set_weights_info(carry, jnp.asarray(w0), jnp.asarray(target), now, interval, g)


def test_vector_1_rail_inside_one_second_interval():
    # w⁰ = [.5, .5], target = [500400000500000000, 499599999500000000] wei, Δ = 1 s, g = 0.1
    carry, info = _update([0.5, 0.5], [0.5004000005, 0.4995999995], NOW, 1, 0.1)
    np.testing.assert_allclose(np.asarray(info["m"]) * 1e18, [400000500000000, -400000500000000], rtol=0, atol=500)  # d = w − w⁰ cancels: ~ulp(0.5) = 111 wei
    assert _wei(carry["M"]) == [400000000000000, -400000000000000]
    assert float(info["rail_time"]) == 999.0  # from the untruncated m; the stored M would give 1000
    assert int(carry["last_interp"]) == NOW + 999 and int(carry["last_update"]) == NOW
    assert _wei(onchain.weights_at(carry, NOW + 1)) == [500400000000000000, 499600000000000000]
    assert _wei(onchain.weights_at(carry, NOW + 998)) == [899200000000000000, 100800000000000000]
    for later in (999, 1000, 10**6):  # interpolation stops at the rail time
        assert _wei(onchain.weights_at(carry, NOW + later)) == [899600000000000000, 100400000000000000]


def test_vector_2_daily_step_loses_d_mod_delta_1e9():
    now = 1_700_086_400
    w0 = [0.4999136, 0.5000864]
    carry, info = _update(w0, [0.500321425297007280, 0.499678574702992720], now, 86400, 0.1)
    assert np.allclose(np.asarray(info["m"]) * 1e18, [4720200196, -4720200196], rtol=0, atol=1)
    assert _wei(carry["M"]) == [4000000000, -4000000000]
    assert int(carry["last_interp"]) == 1_784_846_872
    reached = onchain.weights_at(carry, now + 86400)
    assert _wei(reached) == [500259200000000000, 499740800000000000]
    target = [500321425297007280, 499678574702992720]
    assert [r - t for r, t in zip(_wei(reached), target)] == [-62225297007280, 62225297007280]


def test_vector_3_three_assets_one_zero_multiplier():
    carry, info = _update([0.3, 0.3, 0.4], [0.35, 0.3, 0.35], NOW, 100, 0.2)
    np.testing.assert_allclose(np.asarray(info["m"]) * 1e18, [500000000000000, 0, -500000000000000], rtol=0, atol=500)
    t = np.asarray(info["rail_times"])
    assert t[0] == 600 and np.isinf(t[1]) and t[2] == 400  # m = 0: never (int256 max on chain)
    assert int(carry["last_interp"]) == NOW + 400


def test_vector_4_negative_rail_time_wraps_tau():
    now = 1_700_000_010
    carry, info = _update([0.9000001, 0.5], [0.900000101, 0.5], now, 1, 0.1)
    assert float(info["rail_time"]) == -100.0
    assert int(carry["last_interp"]) == 1_699_999_910
    weights, status = onchain.weights_at_status(carry, now + 5)
    assert bool(status["tau_wrapped"]) and not bool(status["negative"])
    assert _wei(weights) == [1100411627776000000000, 500000000000000000]
    # the next update overflows the 32-bit storage: the chain reverts ("Overflow/Underflow")
    _, nxt = onchain.set_weights_info(carry, weights, weights, now + 5, 1, 0.1)
    assert bool(nxt["overflow"])


def test_vector_5_int40_wrap_of_last_interp():
    # T = −5e16 (a weight 0.05 past the upper rail, m = 1 wei/s: below float64 resolution of the weights, so
    # the wrap itself is checked on T)
    assert int(onchain.last_interpolation_time(jnp.float64(-5e16), 1_700_007_231)) == 292_973_120_831


def test_last_interp_saturates_at_uint40_max():
    assert int(onchain.last_interpolation_time(jnp.float64(np.inf), NOW)) == 2**40 - 1
    boundary = 2**39 - 1 - NOW
    assert int(onchain.last_interpolation_time(jnp.float64(boundary), NOW)) == 2**40 - 1
    assert int(onchain.last_interpolation_time(jnp.float64(boundary - 1), NOW)) == 2**39 - 2


def test_zero_change_never_reaches_a_rail():
    carry, info = _update([0.25, 0.75], [0.25, 0.75], NOW, 3600, 0.1)
    assert int(carry["last_interp"]) == 2**40 - 1
    assert _wei(carry["M"]) == [0, 0]


def test_trunc9_truncates_toward_zero_and_keeps_grid_values():
    values = jnp.asarray([0.1234567899, -0.1234567899, 0.5004, 1e-10, -1e-10, 0.3])
    got, near = onchain.trunc9(values)
    assert _wei(got) == [123456789000000000, -123456789000000000, 500400000000000000, 0, 0, 300000000000000000]
    # 0.5004 and 0.3 are not exact in binary: without the window floor(0.5004·1e9) could drop a quantum
    assert np.asarray(near).tolist() == [False, False, True, False, False, True]


def test_quantize_window_and_flags():
    q, near = onchain.quantize(jnp.asarray([2.0 - 1e-14, 2.0 + 1e-14, 2.5, -2.0 + 1e-14, 1.9, 1e-14]), 1e-12)
    assert np.asarray(q).tolist() == [2.0, 2.0, 2.0, -2.0, 1.0, 0.0]
    assert np.asarray(near).tolist() == [True, True, False, True, False, False]  # 0 is no boundary for trunc


def test_multiplier_exactly_on_a_quantum_boundary():
    # d = 7·Δ·1e-9 exactly: M = 7e-9 on chain, although d is not exact in binary
    w0 = np.array([0.3, 0.7])
    d = 7 * 86400 * 1e-9
    carry, info = _update(w0, w0 + np.array([d, -d]), NOW, 86400, 0.05)
    assert _wei(carry["M"]) == [7000000000, -7000000000]
    assert np.asarray(info["near_M"]).all()
    # one part in 1e6 of a quantum less: truncated down
    carry, info = _update(w0, w0 + np.array([d * (1 - 1e-3), -d * (1 - 1e-3)]), NOW, 86400, 0.05)
    assert _wei(carry["M"]) == [6000000000, -6000000000]
    assert not np.asarray(info["near_M"]).any()


def test_small_moves_are_lost():
    # a change below Δ·1e-9 truncates to M = 0: the pool does not move at all
    carry, _ = _update([0.5, 0.5], [0.5 + 8e-5, 0.5 - 8e-5], NOW, 86400, 0.1)
    assert _wei(carry["M"]) == [0, 0]
    assert _wei(onchain.weights_at(carry, NOW + 86400)) == [500000000000000000] * 2


def test_late_update_overshoots_up_to_last_interp():
    carry, _ = _update([0.5, 0.5], [0.6, 0.4], NOW, 1000, 0.1)  # m = 1e-4/s, rail at 0.9 after 4000 s
    assert int(carry["last_interp"]) == NOW + 4000
    on_time = onchain.weights_at(carry, NOW + 1000)
    late = onchain.weights_at(carry, NOW + 1500)
    np.testing.assert_allclose(on_time, [0.6, 0.4], atol=1e-15)
    np.testing.assert_allclose(late, [0.65, 0.35], atol=1e-15)  # past the target
    assert _wei(onchain.weights_at(carry, NOW + 9999)) == _wei(onchain.weights_at(carry, NOW + 4000))


def test_weights_at_before_update_time_and_vector_times():
    carry, _ = _update([0.5, 0.5], [0.6, 0.4], NOW, 1000, 0.1)
    rows = onchain.weights_at(carry, jnp.asarray([NOW, NOW + 10, NOW + 4000]))
    assert rows.shape == (3, 2)
    np.testing.assert_array_equal(rows[1], onchain.weights_at(carry, NOW + 10))


def test_negative_weight_is_flagged():
    carry = {"W": jnp.asarray([1e-9, 0.5]), "M": jnp.asarray([-1e-9, 0.0]), "last_update": jnp.int64(NOW),
             "last_interp": jnp.int64(NOW - 10)}  # wrapped τ with a negative multiplier: Panic on chain
    _, status = onchain.weights_at_status(carry, NOW + 1)
    assert bool(status["tau_wrapped"]) and bool(status["negative"])


def test_init_truncates_weights_and_starts_flat():
    carry = onchain.init_pool_carry(jnp.asarray([1 / 3, 1 / 3, 1 / 3]), NOW)
    assert _wei(carry["W"]) == [333333333000000000] * 3
    assert _wei(onchain.weights_at(carry, NOW + 10**6)) == [333333333000000000] * 3
    assert int(carry["last_interp"]) == int(carry["last_update"]) == NOW


def test_update_delays_are_seeded_uniform_and_bounded():
    a = onchain.update_delays(600, 42, 5000)
    assert a.dtype == np.int64 and a.min() >= 0 and a.max() <= 600
    np.testing.assert_array_equal(a, onchain.update_delays(600, 42, 5000))
    np.testing.assert_array_equal(a[:10], onchain.update_delays(600, 42, 10))  # prefix-stable
    assert not np.array_equal(a, onchain.update_delays(600, 43, 5000))
    assert abs(a.mean() - 300) < 10 and len(np.unique(a)) >= 590
    assert not onchain.update_delays(0, 42, 7).any()


def test_update_delays_reference_values():
    # SplitMix64 from state 0: first output 0xE220A8397B1DCDAF (the published reference sequence)
    assert int(onchain._splitmix64(0, 1)[0]) == 0xE220A8397B1DCDAF
    assert onchain.update_delays(86399, 0, 1)[0] == 0xE220A8397B1DCDAF % 86400


@pytest.mark.parametrize("interval", [1, 3600, 86400])
def test_reached_weight_shortfall_is_d_mod_delta_1e9(interval):
    rng = np.random.default_rng(interval)
    for _ in range(20):
        q0 = int(rng.integers(200_000_000, 800_000_000))
        w0 = np.array([q0, 10**9 - q0]) / 1e9
        d_wei = int(rng.integers(-10**16, 10**16))
        target = w0 + np.array([d_wei, -d_wei]) / 1e18
        carry, info = _update(w0, target, NOW, interval, 0.01)
        if float(info["rail_time"]) < interval:
            continue
        reached = _wei(onchain.weights_at(carry, NOW + interval))[0]
        # the target is d_wei away from the grid value q0: the pool falls short by d mod (Δ·1e9), back toward w⁰
        assert q0 * 10**9 + d_wei - reached == int(np.sign(d_wei)) * (abs(d_wei) % (interval * 10**9)), d_wei


def test_carry_round_trips_through_the_chain_integers():
    carry, _ = _update([0.4999136, 0.5000864], [0.500321425297007280, 0.499678574702992720], 1_700_086_400, 86400, 0.1)
    ints = onchain.carry_to_ints(carry)
    assert ints == {"W": [499913600000000000, 500086400000000000], "M": [4000000000, -4000000000],
                    "last_update": 1_700_086_400, "last_interp": 1_784_846_872}
    back = onchain.carry_from_ints(ints["W"], ints["M"], ints["last_update"], ints["last_interp"])
    for key in onchain.CARRY_KEYS:
        np.testing.assert_array_equal(back[key], carry[key])
    with pytest.raises(ValueError, match="stored pool value 1000000001: must be a multiple of 1e9"):
        onchain.carry_from_ints([1000000001, 0], [0, 0], 0, 0)


# ------------------------------------------------------------- against the exact integer model


def _exact_update(w0, w, now, interval, g):
    """The runner's multiplier step and the pool's storage in integers (parity.fixedpoint.production)."""
    values, last_interp = multipliers_and_last_interp(w0, w, interval, g, now)
    stored = [field_value(v) * 10**9 for v in values]
    return {"W": stored[:len(w0)], "M": stored[len(w0):], "last_update": now, "last_interp": last_interp}


@pytest.mark.parametrize("interval", [1, 60, 3600, 86400])
def test_float_model_equals_the_exact_integers_unless_flagged(interval):
    rng = np.random.default_rng(1000 + interval)
    flagged = 0
    for case in range(150):
        n = int(rng.integers(2, 9))
        g = int(rng.integers(1, 10**17 // n)) // 10**9 * 10**9  # a guard rail on the 1e-9 grid, as deployed
        quanta = rng.dirichlet(np.ones(n)) * 10**9
        w0 = [int(q) * 10**9 for q in quanta]
        spread = float(rng.choice([1e-9, 1e-6, 1e-3, 3e-2]))  # typical |w − w⁰|
        w = [a + int(x * 1e18) for a, x in zip(w0, rng.normal(0, spread, n))]
        if case % 10 == 0:  # on a multiplier boundary: d = k·Δ·1e9 wei exactly
            w = [a + int(k) * interval * 10**9 for a, k in zip(w0, rng.integers(-500, 500, n))]
        now = 1_700_000_000 + int(rng.integers(0, 10**6))
        expected = _exact_update(w0, w, now, interval, g)
        to_f = np.asarray([float(v) / 1e18 for v in w0]), np.asarray([float(v) / 1e18 for v in w])
        carry, info = onchain.set_weights_info(onchain.init_pool_carry(to_f[0], now), *to_f, now, interval, g / 1e18)
        got = onchain.carry_to_ints(carry)
        assert got["W"] == expected["W"] and got["last_update"] == now
        near_m, near_t = np.asarray(info["near_M"]).any(), np.asarray(info["near_T"]).any()
        flagged += bool(near_m or near_t)
        if not near_m:
            assert got["M"] == expected["M"], (case, w0, w)
        if not near_t:
            assert got["last_interp"] == expected["last_interp"], (case, float(info["rail_time"]))
    # flagged: the boundary cases (every tenth) and rail times float64 cannot resolve to the second (tiny
    # moves: T ≫ Δ, so they never change a weight before the next update); the rest are checked exactly
    assert flagged >= 15 and 150 - flagged >= 50
