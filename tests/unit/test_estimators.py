"""Estimators: hand-derived on-chain values (docs/arithmetic.md §6), step vs whole-series agreement."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parity.estimators import ewma, gradient, linear_recurrence, variance

MEAN0 = np.array([1000.0, 2.0, 50.0])
DATA_B1 = np.array([1010.0, 1.9, 51.0])
DATA_B4 = np.array([1100.0, 1.7, 55.0])


def run_steps(mean0, a0, A0, prices, lamb):
    """Sequential reference: lax.scan over the three step functions."""

    def body(carry, price):
        s_ewma, s_grad, s_var = carry
        prev_mean = s_ewma.mean
        s_ewma, mean = ewma.step(s_ewma, price, lamb)
        s_grad, grad = gradient.step(s_grad, price, mean, lamb)
        s_var, sigma2 = variance.step(s_var, price, prev_mean, mean, lamb)
        return (s_ewma, s_grad, s_var), (mean, s_grad.running_a, grad, s_var.running_var, sigma2)

    init = (ewma.init(mean0), gradient.init(a0), variance.init(A0))
    return jax.jit(lambda p: jax.lax.scan(body, init, p)[1])(jnp.asarray(prices))


@jax.jit
def run_series(mean0, a0, A0, prices, lamb):
    means = ewma.series(mean0, prices, lamb)
    a, grad = gradient.series(a0, prices, means, lamb)
    A, sigma2 = variance.series(A0, prices, ewma.previous_series(mean0, means), means, lamb)
    return means, a, grad, A, sigma2


def condition_scale(x0, lamb, u):
    """Σ_k λ^k |u_{t−k}| + λ^(t+1)|x0| for the given magnitudes |u|."""
    return np.asarray(jax.jit(linear_recurrence)(jnp.abs(x0), lamb, jnp.abs(u)))


# ---- hand-derived single steps (docs/arithmetic.md §6, real arithmetic) ----

def test_b1_momentum_state_scalar_lambda():
    s, mean = ewma.step(ewma.init(MEAN0), DATA_B1, 0.9)
    np.testing.assert_allclose(mean, [1001.0, 1.99, 50.1], rtol=1e-15)
    g_state, grad = gradient.step(gradient.init(np.zeros(3)), DATA_B1, mean, 0.9)
    np.testing.assert_allclose(g_state.running_a, [90.0, -0.9, 9.0], rtol=1e-13)
    assert float(gradient.mul_factor(0.9)) == pytest.approx(0.001 / 0.9, rel=1e-14)  # 0.00111…
    np.testing.assert_allclose(grad, [0.1, -0.001, 0.01], rtol=1e-13)


def test_b2_per_asset_lambda():
    lamb = np.array([0.9, 0.8, 0.95])
    _, mean = ewma.step(ewma.init(MEAN0), DATA_B1, lamb)
    np.testing.assert_allclose(mean, [1001.0, 1.98, 50.05], rtol=1e-15)
    g_state, grad = gradient.step(gradient.init(np.array([1.0, -0.01, 0.1])), DATA_B1, mean, lamb)
    np.testing.assert_allclose(g_state.running_a, [90.9, -0.408, 19.095], rtol=1e-13)
    c = (1 - lamb) ** 3 / lamb
    np.testing.assert_allclose(grad, c * np.array([90.9, -0.408, 19.095]), rtol=1e-13)


def test_b4_gradient_state():
    _, mean = ewma.step(ewma.init(MEAN0), DATA_B4, 0.9)
    np.testing.assert_allclose(mean, [1010.0, 1.97, 50.5], rtol=1e-15)
    g_state, _ = gradient.step(gradient.init(np.zeros(3)), DATA_B4, mean, 0.9)
    np.testing.assert_allclose(g_state.running_a, [900.0, -2.7, 45.0], rtol=1e-13)


def test_b7_variance_uses_previous_and_new_mean():
    _, mean = ewma.step(ewma.init(MEAN0), DATA_B4, 0.9)
    v_state, sigma2 = variance.step(variance.init(np.array([100.0, 0.01, 1.0])), DATA_B4, MEAN0, mean, 0.9)
    np.testing.assert_allclose(v_state.running_var, [9090.0, 0.09, 23.4], rtol=1e-13)
    np.testing.assert_allclose(sigma2, [909.0, 0.009, 2.34], rtol=1e-13)


def test_series_rows_are_states_after_each_price():
    prices = np.array([DATA_B4, DATA_B4])
    means = ewma.series(MEAN0, prices, 0.9)
    np.testing.assert_allclose(means[0], [1010.0, 1.97, 50.5], rtol=1e-15)
    np.testing.assert_allclose(means[1], 0.9 * np.array([1010.0, 1.97, 50.5]) + 0.1 * DATA_B4, rtol=1e-15)
    prev = ewma.previous_series(MEAN0, means)
    np.testing.assert_array_equal(prev[0], MEAN0)
    np.testing.assert_array_equal(prev[1], means[0])
    A, sigma2 = variance.series(np.array([100.0, 0.01, 1.0]), prices, prev, means, 0.9)
    np.testing.assert_allclose(A[0], [9090.0, 0.09, 23.4], rtol=1e-13)
    a, grad = gradient.series(np.zeros(3), prices, means, 0.9)
    np.testing.assert_allclose(a[0], [900.0, -2.7, 45.0], rtol=1e-13)
    np.testing.assert_allclose(a[1], 0.9 * a[0] + (DATA_B4 - means[1]) / 0.1, rtol=1e-13)


def test_initial_state_decays_as_lambda_power():
    # constant price equal to the mean: the running states only decay, x_t = λ^(t+1)·x0
    lamb = np.array([0.5, 0.99])
    prices = np.full((40, 2), 3.0)
    a, _ = jax.jit(gradient.series)(np.array([1.0, -2.0]), prices, prices, lamb)
    expected = lamb[None, :] ** np.arange(1, 41)[:, None] * np.array([1.0, -2.0])
    np.testing.assert_allclose(a, expected, rtol=1e-14)


def test_no_flush_of_tiny_gradient_state():
    prices = np.full((3, 1), 5.0)
    a, grad = gradient.series(np.array([1e-14]), prices, prices, 0.5)
    np.testing.assert_allclose(a[:, 0], [5e-15, 2.5e-15, 1.25e-15], rtol=1e-15)
    assert np.all(np.asarray(grad) != 0.0)


# ---- whole series vs sequential steps ----

def random_prices(rng, T, n):
    levels = 10.0 ** rng.uniform(-4, 5, size=n)
    return levels * np.exp(np.cumsum(rng.normal(0.0, 0.02, size=(T, n)), axis=0))


def assert_series_matches_steps(prices, mean0, a0, A0, lamb, rtol):
    steps = [np.asarray(x) for x in run_steps(mean0, a0, A0, prices, lamb)]
    series = [np.asarray(x) for x in run_series(mean0, a0, A0, prices, lamb)]
    means, a, _, A, _ = steps
    # moving average of positive prices: plain relative error
    np.testing.assert_allclose(series[0], means, rtol=rtol, atol=0)
    # running states can cross zero, and p − p̄ cancels: compare relative to the size rounding is
    # proportional to (the operands of every subtraction, carried through the recurrence)
    lam = jnp.asarray(lamb)
    prev = np.vstack([mean0[None], means[:-1]])
    scale_a = condition_scale(a0, lam, (np.abs(prices) + np.abs(means)) / (1 - np.asarray(lamb)))
    scale_A = condition_scale(A0, lam, (np.abs(prices) + np.abs(prev)) * (np.abs(prices) + np.abs(means)))
    c = (1 - np.asarray(lamb)) ** 3 / np.asarray(lamb)
    for got, ref, scale in ((series[1], a, scale_a), (series[2], steps[2], c * scale_a),
                            (series[3], A, scale_A), (series[4], steps[4], (1 - np.asarray(lamb)) * scale_A)):
        assert np.all(np.abs(got - ref) <= rtol * scale), np.max(np.abs(got - ref) / scale)


def test_series_matches_steps(request):
    """Random λ (scalar or per asset, 0.1 … 0.9999), n and T; examples: 15, or --runs N."""

    @settings(max_examples=request.config.getoption("runs") or 15, deadline=None)
    @given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([1, 3, 8]), T=st.sampled_from([1, 3, 1000]),
           per_asset=st.booleans(), lamb_exp=st.floats(0.05, 4.0))
    def check(seed, n, T, per_asset, lamb_exp):
        rng = np.random.default_rng(seed)
        prices = random_prices(rng, T, n)
        # λ = 1 − 10^(−e): from about 0.1 up to 0.9999
        if per_asset:
            lamb = 1.0 - 10.0 ** (-rng.uniform(0.05, lamb_exp + 1e-9, size=n))
        else:
            lamb = np.float64(1.0 - 10.0 ** (-lamb_exp))
        mean0 = prices[0] * rng.uniform(0.5, 1.5, size=n)
        a0 = rng.normal(0.0, 1.0, size=n) * prices[0]
        A0 = rng.uniform(0.0, 0.1, size=n) * prices[0] ** 2
        assert_series_matches_steps(prices, mean0, a0, A0, lamb, rtol=1e-13)

    check()


@pytest.mark.parametrize("lamb", [0.9999, np.array([0.9, 0.99, 0.999, 0.9999])])
def test_series_matches_steps_10000(lamb):
    rng = np.random.default_rng(7)
    prices = random_prices(rng, 10_000, 4)
    mean0 = prices[0] * 1.01
    assert_series_matches_steps(prices, mean0, np.full(4, 0.3), np.full(4, 2.0), lamb, rtol=1e-13)


def test_series_is_jittable_with_traced_lambda():
    prices = random_prices(np.random.default_rng(3), 50, 3)
    f = jax.jit(lambda lam: ewma.series(prices[0], prices, lam))
    lamb = np.array([0.9, 0.95, 0.99])
    reference = run_steps(prices[0], np.zeros(3), np.zeros(3), prices, lamb)[0]
    np.testing.assert_allclose(f(jnp.asarray(lamb)), reference, rtol=1e-14)


# ---- deviation form (what the pools use) ----

def _exact_deviations(price0, mean0, prices, lamb):
    """e(t) = p(t) − p̄(t) in exact rational arithmetic of the float inputs (p̄ ← λp̄ + (1−λ)p)."""
    from fractions import Fraction

    lam = Fraction(float(lamb))
    out = []
    for j in range(prices.shape[1]):
        m = Fraction(float(mean0[j]))
        col = []
        for p in prices[:, j]:
            m = lam * m + (1 - lam) * Fraction(float(p))
            col.append(float(Fraction(float(p)) - m))
        out.append(col)
    return np.array(out).T


def test_deviation_form_b4_values_and_reported_mean():
    state = ewma.deviation_init(MEAN0, MEAN0)
    np.testing.assert_array_equal(state.deviation, 0.0)
    state, dev = ewma.deviation_step(state, DATA_B4, 0.9)
    # p̄(1) = [1010, 1.97, 50.5]: p − p̄(0) = [100, −0.3, 5], p − p̄(1) = [90, −0.27, 4.5]
    np.testing.assert_allclose(dev.prev, [100.0, -0.3, 5.0], rtol=1e-15)
    np.testing.assert_allclose(dev.new, [90.0, -0.27, 4.5], rtol=1e-14)
    np.testing.assert_allclose(ewma.mean(state), [1010.0, 1.97, 50.5], rtol=1e-15)
    np.testing.assert_array_equal(state.price, DATA_B4)
    v_state, sigma2 = variance.step_deviation(variance.init(np.array([100.0, 0.01, 1.0])), dev.prev, dev.new, 0.9)
    np.testing.assert_allclose(v_state.running_var, [9090.0, 0.09, 23.4], rtol=1e-14)
    g_state, _ = gradient.step_deviation(gradient.init(np.zeros(3)), dev.new, 0.9)
    np.testing.assert_allclose(g_state.running_a, [900.0, -2.7, 45.0], rtol=1e-13)


def test_deviation_form_is_accurate_where_the_plain_form_cancels():
    # a large price with small moves: p − p̄ ~ 1e-3 against p ~ 1e4, so ulp(p̄) is ~1e-9 of the deviation
    rng = np.random.default_rng(3)
    prices = 1e4 + np.cumsum(rng.normal(0.0, 1e-3, (300, 2)), axis=0)
    mean0 = prices[0] + np.array([2e-3, -1e-3])
    lamb = 0.95
    exact = _exact_deviations(prices[0], mean0, prices[1:], lamb)
    size = np.abs(exact).max()
    state0 = ewma.deviation_init(prices[0], mean0)
    series = np.asarray(jax.jit(ewma.deviation_series)(state0, prices[1:], lamb).new)

    def body(s, p):
        s, d = ewma.deviation_step(s, p, lamb)
        return s, d.new

    steps = np.asarray(jax.jit(lambda p: jax.lax.scan(body, state0, p)[1])(jnp.asarray(prices[1:])))
    assert np.abs(series - exact).max() <= 1e-13 * size
    assert np.abs(steps - exact).max() <= 1e-13 * size
    plain = prices[1:] - np.asarray(ewma.series(mean0, prices[1:], lamb))
    assert np.abs(plain - exact).max() > 1e-11 * size  # what the deviation form avoids


@settings(max_examples=25, deadline=None)
@given(
    lamb=st.floats(0.05, 0.99),
    scale=st.sampled_from([1e-6, 1.0, 1e5]),
    seed=st.integers(0, 2**16),
)
def test_deviation_step_and_series_agree_to_ulps_of_the_deviations(lamb, scale, seed):
    rng = np.random.default_rng(seed)
    prices = scale * (1.0 + np.cumsum(rng.normal(0.0, 1e-4, (64, 3)), axis=0))
    state0 = ewma.deviation_init(prices[0], prices[0] * (1 + 1e-5))
    dev_v = jax.jit(ewma.deviation_series)(state0, prices[1:], lamb)

    def body(s, p):
        s, d = ewma.deviation_step(s, p, lamb)
        return s, (d.prev, d.new)

    prev_s, new_s = jax.jit(lambda p: jax.lax.scan(body, state0, p)[1])(jnp.asarray(prices[1:]))
    bound = 64 * np.finfo(float).eps * (np.abs(np.diff(prices, axis=0)).max(axis=0) / (1 - lamb) + np.abs(state0.deviation))
    assert (np.abs(np.asarray(new_s) - np.asarray(dev_v.new)) <= bound).all()
    assert (np.abs(np.asarray(prev_s) - np.asarray(dev_v.prev)) <= bound).all()
