"""Scan vs vectorized paths for every pool on the bundled price fixtures, plus path selection.

One jitted function per (pool, configuration) computes both paths' coarse weights (with a traced
start_index, so the scan warm-up runs with a traced bound) and both paths' rule outputs and estimator
states; configurations with the same shapes share the compiled function. The CI matrix gives every pool
every fixture, n = 2, 3, 5, 8 and scalar and per-asset parameters; ``--long`` runs every fixture at every
n with both parameter kinds.
"""

import dataclasses
import functools
from pathlib import Path
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import parity  # noqa: F401
from parity.fingerprint import make_run_fingerprint
from parity.pools import POOLS, UnsupportedPathError, create_pool
from parity.prices import load_prices

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prices"
DAILY = {"chunk_period": 1440, "price_interval": 1440}
HOURLY = {"chunk_period": 240, "price_interval": 60, "weight_interpolation_period": 120}


@functools.lru_cache(maxsize=None)
def _prices(name, n):
    return np.asarray(load_prices(FIXTURES / name).prices, dtype=np.float64)[:, :n]


def _vec(values, n):
    return np.asarray(values, dtype=np.float64)[:n]


def _params(rule, n, kind):
    """Realistic parameters: seed style when scalar, on-chain style per asset when vector."""
    lambs = _vec([0.8, 0.9, 0.95, 0.85, 0.7, 0.9, 0.93, 0.88], n)
    kappas = _vec([1.0, 3.0, 5.0, 2.0, 4.0, 1.5, 2.5, 3.5], n)
    if rule in ("momentum", "anti_momentum"):
        if kind == "scalar":
            return {"logit_lamb": 2.0, "log_k": 3.0}
        return {"lamb": lambs, "kappa": kappas * 10, "use_raw_price": True}
    if rule == "power_channel":
        if kind == "scalar":
            return {"logit_lamb": 2.0, "sp_k": 5.0, "sp_exponents": 1.0}
        return {"lamb": lambs, "kappa": kappas * 100, "exponents": _vec([1.5, 2.0, 1.2, 3.0, 1.1, 2.5, 1.7, 1.3], n)}
    if rule == "mean_reversion_channel":
        if kind == "scalar":
            return {"logit_lamb": 2.0, "log_k": 3.0, "raw_width": -3.0, "log_amplitude": -4.0, "sp_exponents": 0.5,
                    "logit_pre_exp_scaling": 0.0}
        return {"lamb": lambs, "kappa": kappas * 5, "width": _vec([0.05, 0.1, 0.2, 0.03, 0.08, 0.15, 0.1, 0.06], n),
                "amplitude": _vec([0.5, 0.2, 0.1, 1.0, 0.3, 0.4, 0.6, 0.7], n), "exponents": _vec([1.5] * 8, n),
                "inverse_scaling": _vec([0.541519] * 8, n), "pre_exp_scaling": _vec([0.1, 0.5, 0.3, 0.2, 0.4, 0.1, 0.2, 0.3], n),
                "use_raw_price": True}
    if rule == "difference_momentum":
        if kind == "scalar":
            return {"memory_days_1": 3.0, "memory_days_2": 15.0, "k": 2.0}
        return {"lamb": lambs, "lamb_short": lambs * 0.5, "kappa": kappas * np.where(np.arange(n) == 1, -1.0, 1.0) * 10}
    if rule == "min_variance":
        small = np.full(n, 1e-6)  # a pegged series starts unmoved: σ² = 0 would give π = inf (a revert on chain)
        if kind == "scalar":
            return {"memory_days_1": 10.0, "memory_days_2": 3.0, "initial_variance": small}
        return {"lamb": lambs, "mixing": _vec([0.5, 0.9, 0.1, 0.7, 0.3, 0.6, 0.8, 0.2], n), "initial_variance": small}
    if rule == "index_market_cap":
        if kind == "scalar":
            return {"logit_lamb": 1.0}
        return {"mixing": _vec([0.5, 0.9, 0.1, 0.7, 0.3, 0.6, 0.8, 0.2], n)}
    raise AssertionError(rule)


def _market_caps(prices):
    supplies = np.random.default_rng(7).uniform(1e6, 1e9, prices.shape[1])
    drift = np.linspace(1.0, 1.3, prices.shape[0])[:, None] ** np.arange(1, prices.shape[1] + 1)[None, :]
    return prices * supplies * drift


@functools.lru_cache(maxsize=None)
def _compiled(rule, fp):
    pool = create_pool(rule)

    def both(params, prices, oracle, start):
        # the vectorized coarse weights are calculate_coarse_weights(path="vectorized") spelled out on the
        # rule outputs that are compared anyway, so the associative scans are compiled once
        outs_v, states_v = pool.calculate_rule_outputs(params, fp, prices, oracle, return_states=True)
        rows = fp.bout_length - 1
        m = -(-rows // (fp.chunk_period // fp.price_interval)) - 1
        s_c = start // (fp.chunk_period // fp.price_interval)
        bout = jax.lax.dynamic_slice(outs_v, (s_c, 0), (m, outs_v.shape[1]))
        cp = pool.resolve_params(params, fp)
        coarse = {
            "scan": pool.calculate_coarse_weights(params, fp, prices, start, oracle, path="scan"),
            "vectorized": pool._coarse_scan(bout, pool.initial_weights(params, fp), cp, fp),
        }
        outs_s, states_s = pool.calculate_rule_outputs_scan(params, fp, prices, oracle, return_states=True)
        return coarse, (outs_s, states_s), (outs_v, states_v)

    return jax.jit(both)


EPS = np.finfo(np.float64).eps
# Coarse weights / rule outputs agree to 1e-12 absolute on every fixture (the issue requirement), the pegged
# series included: the estimators work on the deviations e = p − p̄ in the deviation form of
# parity.estimators.ewma, so they carry ulp(e), not ulp(p), and nothing cancels when p̄ ≈ p.
WEIGHT_TOL = 1e-12

# deviation-form states: (exponent m of the price-change scale, exponent k of 1/(1−λ), λ parameter)
_DEVIATION_FLOORS = {
    "ewma_deviation": (1, 1, "lamb"),
    "short_ewma_deviation": (1, 1, "lamb_short"),
    "running_a": (1, 3, "lamb"),
    "variance": (2, 3, "lamb"),
}


def _state_tolerance(key, a, b, prices, cp):
    """Allowed |scan − vectorized| per asset for state ``key``: 1e-12 of the column's magnitude, plus a
    conditioning floor in the scale of the deviations (no longer of the prices).

    Both paths carry the deviation e = p − p̄ through e(t) = λ·(e(t−1) + Δp(t)) (sequentially, resp. as an
    associative scan), so their e differ by a few ulp of the deviations, which are bounded by
    D/(1−λ) with D = max|Δp|: floor 16·EPS·D/(1−λ). The gradient state a = Σλ^k e/(1−λ) sums ~1/(1−λ)
    terms of size ≤ D/(1−λ)²: 16·EPS·D/(1−λ)³; the variance terms (p − p̄prev)(p − p̄) are products of two
    deviations: 16·EPS·D²/(1−λ)³ (λ_short for the short average). Measured (CI and --long matrices): at most 0.45
    of these floors, and at most 1e-15 of the column magnitude. The price is the input itself (exactly
    equal); ewma = p − e differs by ~ulp(p), within the relative part. Before the deviation form the
    floors had to be 16·EPS·p/(1−λ)² (running_a) and 16·EPS·p·D/(1−λ)² (variance): ulp(p) amplified,
    which dominated on pegged series where D ~ 1e-5·p."""
    scale = np.maximum(np.abs(a).max(axis=0), np.abs(b).max(axis=0))
    if key == "price":
        return np.zeros_like(scale)
    floor = 0.0
    if key in _DEVIATION_FLOORS:
        m, k, lamb_key = _DEVIATION_FLOORS[key]
        spread = np.abs(prices[1:] - prices[:-1]).max(axis=0)
        one_minus = 1.0 - np.broadcast_to(np.asarray(cp[lamb_key], dtype=np.float64), spread.shape)
        floor = 16 * EPS * spread**m / one_minus**k
    return 1e-12 * scale + floor + 1e-300


def _check_paths(rule, fixture, prices, kind, timing, starts):
    n = prices.shape[1]
    rows = prices.shape[0]
    bout = rows - max(starts)  # bout_length − 1 fine rows fit after every start
    fp = make_run_fingerprint(rule=rule, n_assets=n, bout_length=bout + 1, **timing)
    params = {k: jnp.asarray(v) for k, v in _params(rule, n, kind).items()}
    oracle = jnp.asarray(_market_caps(prices)) if rule == "index_market_cap" else None
    pool = create_pool(rule)
    fn = _compiled(rule, fp)
    for start in starts:
        coarse, (outs_s, states_s), (outs_v, states_v) = fn(params, jnp.asarray(prices), oracle, start)
        scan, vec = np.asarray(coarse["scan"]), np.asarray(coarse["vectorized"])
        assert scan.shape == vec.shape and scan.shape[0] > 10
        assert np.isfinite(scan).all()
        np.testing.assert_allclose(scan.sum(axis=1), 1.0, atol=1e-12)
        assert np.abs(scan - vec).max() <= WEIGHT_TOL, (rule, fixture, n, kind, start, np.abs(scan - vec).max())
    assert set(states_s) == set(states_v) == set(pool.carry_keys)
    cp = pool.resolve_params(params, fp)
    stride = fp.chunk_period // fp.price_interval
    for key in pool.carry_keys:
        a, b = np.asarray(states_s[key]), np.asarray(states_v[key])
        assert a.shape == b.shape == (outs_s.shape[0], n)
        tol = _state_tolerance(key, a, b, prices[::stride], cp)
        assert (np.abs(a - b) <= tol).all(), (rule, fixture, key, np.abs(a - b).max(), tol)
    # rule outputs are weight deltas or target weights: absolute, like the coarse weights
    assert np.abs(np.asarray(outs_s) - np.asarray(outs_v)).max() <= WEIGHT_TOL


# CI matrix: every fixture through a 400-row window (the crash window holds the crash), one timing
# (updates every 4 rows, 2-row ramp) so that all fixtures with the same n share one compiled function;
# every pool sees n = 2, 3, 5, 8 and scalar and per-asset parameters. --long: whole series at their own
# interval, every n with both parameter kinds.
WINDOWS = {
    "btc_eth_daily_2.csv": slice(330, 730),
    "trending_daily_8.csv": slice(0, 400),
    "mean_reverting_daily_8.csv": slice(0, 400),
    "crash_hourly_8.csv": slice(460, 860),
    "pegged_hourly_8.csv": slice(0, 400),
}
CI_TIMING = {"chunk_period": 240, "price_interval": 60, "weight_interpolation_period": 120}
CI_CONFIGS = [(2, "scalar"), (3, "vector"), (5, "scalar"), (8, "vector")]
OWN_TIMING = {"btc_eth_daily_2.csv": DAILY, "trending_daily_8.csv": DAILY, "mean_reverting_daily_8.csv": DAILY,
              "crash_hourly_8.csv": HOURLY, "pegged_hourly_8.csv": HOURLY}


def _n_columns(fixture):
    return _prices(fixture, 8).shape[1]


@pytest.mark.parametrize("rule", sorted(POOLS))
def test_scan_and_vectorized_agree_on_fixtures(rule, request):
    if request.config.getoption("--long"):
        for fixture, timing in OWN_TIMING.items():
            for n in (2, 3, 5, 8):
                for kind in ("scalar", "vector"):
                    if n <= _n_columns(fixture):
                        stride = timing["chunk_period"] // timing["price_interval"]
                        _check_paths(rule, fixture, _prices(fixture, n), kind, timing, starts=(0, 5, 40 * stride + 1))
        return
    for n, kind in CI_CONFIGS:
        for fixture, window in WINDOWS.items():
            if n <= _n_columns(fixture):
                _check_paths(rule, fixture, _prices(fixture, n)[window], kind, CI_TIMING, starts=(0, 7 * 4 + 3))


# ------------------------------------------------------------------------------------ seed example


def test_seed_example_momentum_btc_eth_final_value_equal_on_both_paths():
    from parity.runners import do_run_on_historic_data

    params = {"logit_lamb": 2.0, "log_k": 2.0, "initial_weights_logits": [0.0, 0.0]}
    results = {}
    for method in ("scan", "vectorized"):
        fp = dict(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1440, weight_calculation_method=method)
        results[method] = do_run_on_historic_data(fp, params, prices=FIXTURES / "btc_eth_daily_2.csv")
    scan, vec = float(results["scan"]["final_value"]), float(results["vectorized"]["final_value"])
    assert scan == pytest.approx(vec, rel=1e-9)
    assert results["scan"]["path"] == "scan" and results["vectorized"]["path"] == "vectorized"
    np.testing.assert_allclose(np.asarray(results["scan"]["weights"]), np.asarray(results["vectorized"]["weights"]),
                               rtol=0, atol=1e-12)


def test_quantammsim_worked_example_fine_weights():
    """docs/architecture.md (Reserves and results, worked example): momentum, λ = 0.5, k = memory_days(0.5), chunk prices repeated 1440×.

    With ε = 1 (no limit binds) and g = 0.05 (no rail binds) the on-chain guard leaves w̃ unchanged, so
    the coarse weights are quantammsim's targets and the fine rows its ramp.
    """
    chunk = np.array([(100.0, 200.0), (110.0, 190.0), (121.0, 180.0), (115.0, 185.0)])
    prices = jnp.asarray(np.repeat(chunk, 1440, axis=0))
    params = {"logit_lamb": 0.0, "log_k": 0.0, "initial_weights_logits": jnp.zeros(2)}
    targets = np.array([[0.6056593091800299, 0.3943406908199701], [0.8165936268668774, 0.1834063731331226],
                        [0.944061963580877, 0.05593803641912304]])
    pool = create_pool("momentum")
    for method in ("scan", "vectorized"):
        fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1, epsilon_max=1.0,
                                  absolute_weight_guard_rail=0.05, weight_calculation_method=method)
        coarse = pool.calculate_coarse_weights(params, fp, prices, 0)
        np.testing.assert_allclose(np.asarray(coarse), targets, rtol=0, atol=1e-15)
        fine = np.asarray(pool.calculate_weights(params, dataclasses.replace(fp, bout_length=2881), prices, 0))
        assert fine.shape == (2880, 2)
        np.testing.assert_array_equal(fine[:1441], 0.5)
        assert fine[1441, 0] == pytest.approx(0.5000733745202639, abs=1e-16)
        assert fine[2879, 0] == pytest.approx(0.605585934659766, abs=2e-16)


# ------------------------------------------------------------------------------------ fine weights


def test_fine_weights_timing_and_bout_slicing():
    prices = _prices("crash_hourly_8.csv", 3)
    pool = create_pool("momentum")
    params = {"lamb": 0.9, "kappa": 20.0}
    fp = make_run_fingerprint(rule="momentum", n_assets=3, bout_length=101, weight_calculation_method="scan",
                              **HOURLY)  # stride 4, ramp 2 rows
    start = 10
    fine, coarse = pool.calculate_weights_and_coarse(params, fp, prices, start)
    fine, coarse = np.asarray(fine), np.asarray(coarse)
    assert fine.shape == (100, 3)
    assert coarse.shape == (24, 3)  # ceil(100 / 4) − 1 updates after the w₀ block
    np.testing.assert_array_equal(fine[:4], 1 / 3)
    for k in range(24):
        prev = coarse[k - 1] if k else np.full(3, 1 / 3)
        np.testing.assert_allclose(fine[4 * (k + 1)], prev, atol=1e-16)
        np.testing.assert_allclose(fine[4 * (k + 1) + 1], (prev + coarse[k]) / 2, atol=1e-16)
        np.testing.assert_allclose(fine[4 * (k + 1) + 2], coarse[k], atol=1e-16)
    # start 10 and start 8 share s_c = 2: the first update of both bouts uses chunk 3 (price row 12)
    other = np.asarray(pool.calculate_coarse_weights(params, dataclasses.replace(fp, bout_length=9), prices, 8))
    assert other.shape == (1, 3)
    np.testing.assert_array_equal(other[0], coarse[0])


def test_traced_start_index_under_jit_matches_eager():
    prices = jnp.asarray(_prices("trending_daily_8.csv", 3))
    pool = create_pool("power_channel")
    params = {"lamb": 0.9, "kappa": 50.0, "exponents": 1.5}
    fp = make_run_fingerprint(rule="power_channel", n_assets=3, bout_length=201, weight_calculation_method="scan", **DAILY)
    jitted = jax.jit(lambda s: pool.calculate_weights(params, fp, prices, s))
    for start in (0, 150):
        np.testing.assert_array_equal(np.asarray(jitted(start)), np.asarray(pool.calculate_weights(params, fp, prices, start)))


# ------------------------------------------------------------------------------------ path selection


def _fake_fp(method, rule="momentum"):
    return SimpleNamespace(weight_calculation_method=method, rule=rule)


def test_auto_prefers_vectorized_and_forced_paths_are_used():
    pool = create_pool("anti_momentum")
    assert pool.select_path(_fake_fp("auto")) == "vectorized"
    assert pool.select_path(_fake_fp("scan")) == "scan"
    assert pool.select_path(_fake_fp("vectorized")) == "vectorized"


def test_unknown_method_raises():
    with pytest.raises(ValueError, match="weight_calculation_method='hybrid'"):
        create_pool("momentum").select_path(_fake_fp("hybrid"))


def test_forcing_an_unsupported_path_names_pool_and_path():
    class ScanOnly(POOLS["momentum"]):
        rule = "scan_only"
        _rule_step = POOLS["momentum"]._rule_step

    class VectorOnly(POOLS["momentum"]):
        rule = "vector_only"
        _rule_series = POOLS["momentum"]._rule_series

    assert ScanOnly().select_path(_fake_fp("auto")) == "scan"
    assert VectorOnly().select_path(_fake_fp("auto")) == "vectorized"
    with pytest.raises(UnsupportedPathError, match="pool 'scan_only' does not support the vectorized path"):
        ScanOnly().select_path(_fake_fp("vectorized"))
    with pytest.raises(UnsupportedPathError, match="pool 'vector_only' does not support the scan path"):
        VectorOnly().select_path(_fake_fp("scan"))
    fp = make_run_fingerprint(rule="momentum", n_assets=2, **DAILY)
    with pytest.raises(UnsupportedPathError, match="'vector_only' does not support the scan path"):
        VectorOnly().calculate_coarse_weight_step({}, {}, jnp.ones(2), {"lamb": 0.5, "kappa": 1.0}, fp)
    with pytest.raises(UnsupportedPathError, match="'scan_only' does not support the vectorized path"):
        ScanOnly().calculate_rule_outputs({"lamb": 0.5, "kappa": 1.0}, fp, jnp.ones((3, 2)))


def test_anti_momentum_scan_path_runs_its_own_rule():
    prices = jnp.asarray(_prices("btc_eth_daily_2.csv", 2)[:120])
    params = {"lamb": 0.8, "kappa": 5.0}
    fp = make_run_fingerprint(rule="anti_momentum", n_assets=2, epsilon_max=1.0, absolute_weight_guard_rail=0.01, **DAILY)
    anti = create_pool("anti_momentum")
    mom = create_pool("momentum")
    a_scan = np.asarray(anti.calculate_rule_outputs_scan(params, fp, prices))
    m_scan = np.asarray(mom.calculate_rule_outputs_scan(params, fp, prices))
    np.testing.assert_array_equal(a_scan, -m_scan)
    anti_w = np.asarray(anti.calculate_coarse_weights(params, fp, prices, 0, path="scan"))
    mom_w = np.asarray(mom.calculate_coarse_weights(params, fp, prices, 0, path="scan"))
    assert np.abs(anti_w - mom_w).max() > 0.01
    # small κ: no rail or ε binds, so anti-momentum moves every weight opposite to momentum
    np.testing.assert_allclose(anti_w[0] - 0.5, -(mom_w[0] - 0.5), atol=1e-15)


def test_bad_prices_shape_and_bout():
    pool = create_pool("momentum")
    fp = make_run_fingerprint(rule="momentum", n_assets=2, bout_length=50, **DAILY)
    with pytest.raises(ValueError, match=r"prices has shape \(10, 3\)"):
        pool.calculate_weights({"lamb": 0.5, "kappa": 1.0}, fp, jnp.ones((10, 3)), 0)
    with pytest.raises(ValueError, match="runs past the end of the prices"):
        pool.calculate_weights({"lamb": 0.5, "kappa": 1.0}, fp, jnp.ones((30, 2)), 0)
    with pytest.raises(ValueError, match="needs additional_oracle_input"):
        create_pool("index_market_cap").calculate_weights(
            {"mixing": 0.5}, dataclasses.replace(fp, rule="index_market_cap"), jnp.ones((60, 2)), 0)
