"""Float64 guard rails vs the worked examples of docs/arithmetic.md §5 and §6, properties, and the
exact integer model (parity.fixedpoint.guard)."""

from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parity.fixedpoint import guard as int_guard
from parity.fixedpoint.sd59x18 import ONE
from parity.weights.guardrails import clamp_weights, fix_residual, guard_weights, limit_change


def dec(ints):
    """18-decimal integers -> correctly rounded floats."""
    return np.array([float(Fraction(int(i), ONE)) for i in ints])


def enc(xs):
    """floats -> nearest 18-decimal integers (exact)."""
    return [round(Fraction(float(x)) * ONE) for x in xs]


PREV_THIRDS = dec([333333333333333333, 333333333333333333, 333333333333333334])


# ---- clamp (docs/arithmetic.md §5) ----

def test_clamp_source_examples():
    np.testing.assert_allclose(clamp_weights(np.array([0.05, 0.45, 0.5]), 0.1),
                               [0.1, 0.426315789473684210, 0.473684210526315789], rtol=1e-15)
    np.testing.assert_allclose(clamp_weights(np.array([-0.1, 0.5, 0.6]), 0.1),
                               [0.1, 0.409090909090909091, 0.490909090909090909], rtol=1e-15)


def test_clamp_renormalises_even_inside_bounds():
    w = np.array([0.2, 0.3, 0.4])  # sum 0.9, nothing out of bounds
    np.testing.assert_allclose(clamp_weights(w, 0.05), w / 0.9, rtol=1e-15)


def test_clamp_weight_exactly_min_is_not_rescaled():
    np.testing.assert_array_equal(clamp_weights(np.array([0.1, 0.1, 0.1]), 0.1), [0.1, 0.1, 0.1])
    # [0.1, 0.2, 0.3], g = 0.1: R = 1, O = 0.6, f = 5/3; the exact-MIN weight keeps 0.1 -> sum 0.9333…
    np.testing.assert_allclose(clamp_weights(np.array([0.1, 0.2, 0.3]), 0.1), [0.1, 1 / 3, 0.5], rtol=1e-15)


def test_clamp_single_pass_can_leave_weight_below_min():
    # n = 4, g = 0.1, MAX = 0.7: R = 0.9, O = 0.101 + 0.7 + 0.7 = 1.501
    got = clamp_weights(np.array([0.101, 0.95, 0.95, 0.0]), 0.1)
    np.testing.assert_allclose(got, dec([60559626915389740, 419720186542305130, 419720186542305130, ONE // 10]),
                               rtol=1e-15)
    assert got[0] < 0.1


def test_clamp_max_clamped_weights_are_rescaled():
    # g = 0.2, n = 2: MAX = 0.8; [0.9, 0.5] -> [0.8, 0.5], O = 1.3, f = 1/1.3
    np.testing.assert_allclose(clamp_weights(np.array([0.9, 0.5]), 0.2), [0.8 / 1.3, 0.5 / 1.3], rtol=1e-15)


def test_clamp_all_min_no_rescale_and_n1_unchanged():
    np.testing.assert_array_equal(clamp_weights(np.zeros(3), 0.1), [0.1, 0.1, 0.1])
    np.testing.assert_array_equal(clamp_weights(np.array([0.37]), 0.1), [0.37])


# ---- ε limit and residual fix (docs/arithmetic.md §5) ----

def test_limit_scales_every_delta_by_eps_over_max():
    prev = np.array([0.5, 0.3, 0.2])
    v = np.array([0.9, 0.1, 0.0])  # Δ = (0.4, −0.2, −0.2), D = 0.4, s = 0.25
    np.testing.assert_allclose(limit_change(v, prev, 0.1), [0.6, 0.25, 0.15], rtol=1e-15)
    np.testing.assert_array_equal(limit_change(v, prev, 0.4), v)  # D = ε: no scaling


def test_residual_goes_to_second_largest_or_off_largest():
    np.testing.assert_allclose(fix_residual(np.array([0.2, 0.5, 0.2])), [0.3, 0.5, 0.2], rtol=1e-15)
    np.testing.assert_allclose(fix_residual(np.array([0.2, 0.6, 0.4])), [0.2, 0.4, 0.4], rtol=1e-15)
    # [a, a, a]: maxIdx 0, secIdx 1
    np.testing.assert_allclose(fix_residual(np.array([0.3, 0.3, 0.3])), [0.3, 0.4, 0.3], rtol=1e-15)
    np.testing.assert_allclose(fix_residual(np.array([0.4, 0.4, 0.4])), [0.2, 0.4, 0.4], rtol=1e-15)
    # [5, 3, 5]-shaped: the later equal value becomes second-max (strictly above the current second)
    np.testing.assert_allclose(fix_residual(np.array([0.3, 0.1, 0.3])), [0.3, 0.1, 0.6], rtol=1e-15)
    # nothing > 0: both indices stay 0
    np.testing.assert_allclose(fix_residual(np.array([-0.5, -0.5])), [1.5, -0.5], rtol=1e-15)


def test_min_equality_case_moves_one_weight_far():
    # On chain prev = [⅓, ⅓, ⅓ + 1 wei]; 1 wei is below float resolution at ⅓, so the float prev must make
    # the last weight strictly largest itself (1 − 2/3 is one ulp above 1/3) for the same max/second-max.
    prev = np.array([1 / 3, 1 / 3, 1 - 2 / 3])
    assert prev[2] > prev[0]
    got = guard_weights(np.array([0.1, 0.1, 0.1]), prev, 0.1, 0.1)
    np.testing.assert_allclose(got, dec([533333333333333333, 233333333333333333, 233333333333333334]), atol=1e-15)
    # with an exact float tie the in-order scan gives maxIdx 0, secIdx 1: the +0.3 lands on index 1
    tied = guard_weights(np.array([0.1, 0.1, 0.1]), np.full(3, 1 / 3), 0.1, 0.1)
    np.testing.assert_allclose(tied, [0.7 / 3, 0.3 + 0.7 / 3, 0.7 / 3], atol=1e-15)


# ---- rule vectors B1–B8 guard steps (docs/arithmetic.md §6) (w̃ from the EVM vectors; prev = thirds; ε = 0.1, g = 0.05) ----

APPENDIX_B = {
    "B1": ([333668474642807383, 332463649317379043, 333867876039813572],
           [333668474642807384, 332463649317379044, 333867876039813572]),
    "B5": ([252350817199484763, 495298365601030463, 252350817199484764],
           [283333333333333333, 433333333333333333, 283333333333333334]),
    "B6": ([668392219932653143, -336784439865306307, 668392219932653164],
           [383333333333333331, 233333333333333333, 383333333333333336]),
    "B7": ([166671598145662739, 664746045269965598, 168582356584371662],
           [283045058567476695, 433333333333333333, 283621608099189972]),
}


@pytest.mark.parametrize("name", sorted(APPENDIX_B))
def test_appendix_b_guard_steps(name):
    raw, expected = APPENDIX_B[name]
    got = guard_weights(dec(raw), PREV_THIRDS, 0.1, 0.05)
    np.testing.assert_allclose(got, dec(expected), rtol=0, atol=2e-16)


def test_b6_clamp_intermediate():
    got = clamp_weights(dec(APPENDIX_B["B6"][0]), 0.05)
    np.testing.assert_allclose(got, dec([474999999999999992, 50000000000000000, 475000000000000007]), atol=2e-16)


# ---- transformations ----

def test_vmap_and_batch_axes_match_rows():
    rng = np.random.default_rng(1)
    raw = rng.uniform(-0.1, 0.8, size=(6, 5))
    prev = rng.dirichlet(np.ones(5), size=6)
    rows = np.array([guard_weights(r, p, 0.05, 0.04) for r, p in zip(raw, prev)])
    vm = jax.jit(jax.vmap(guard_weights, in_axes=(0, 0, None, None)))(raw, prev, 0.05, 0.04)
    # XLA may fuse/reorder the sums under jit: agreement to a few ulps, not bit for bit
    np.testing.assert_allclose(vm, rows, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(guard_weights(raw, prev, 0.05, 0.04), rows)


# ---- properties and agreement with the exact integer model ----

@st.composite
def guard_inputs(draw):
    n = draw(st.integers(2, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    g = draw(st.floats(0.001, 0.999)) / n
    eps = draw(st.floats(1e-4, 0.5))
    spread = draw(st.sampled_from([1e-3, 0.05, 0.5]))
    prev_ints = enc(rng.dirichlet(np.ones(n)))
    prev_ints[-1] = ONE - sum(prev_ints[:-1])
    raw = dec(prev_ints) + rng.normal(0.0, spread, size=n)
    return dec(enc(raw)), dec(prev_ints), eps, g


def test_guard_properties(request):
    """Examples: 60, or --runs N."""
    given(guard_inputs())(settings(max_examples=request.config.getoption("runs") or 60, deadline=None)(
        check_guard_properties))()


def check_guard_properties(inputs):
    raw, prev, eps, g = inputs
    clamped = np.asarray(clamp_weights(raw, g))
    limited = np.asarray(limit_change(clamped, prev, eps))
    assert np.max(np.abs(limited - prev)) <= eps * (1 + 1e-12)
    if not np.any(raw == g) and np.any(raw >= g):
        # no MIN-equality and not all clamped to MIN: the clamp sums to 1, so the residual is rounding only
        assert abs(np.sum(limited) - 1.0) < 1e-14
    assert abs(np.sum(np.asarray(guard_weights(raw, prev, eps, g))) - 1.0) < 4e-16


def test_guard_matches_integer_model(request):
    """Examples: 60, or --runs N."""
    given(guard_inputs())(settings(max_examples=request.config.getoption("runs") or 60, deadline=None)(
        check_guard_matches_integer_model))()


def check_guard_matches_integer_model(inputs):
    raw, prev, eps, g = inputs
    eps_i, g_i = enc([eps, g])
    eps, g = dec([eps_i, g_i])
    expected = dec(int_guard.guard_weights(enc(raw), enc(prev), eps_i, g_i))
    got = np.asarray(guard_weights(raw, prev, eps, g))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(clamp_weights(raw, g), dec(int_guard.clamp_weights(enc(raw), g_i)), rtol=0, atol=1e-15)
