"""The production loop (weight_interpolation_method="onchain") on both weight paths: scan ≡ vectorized on
the bundled series for all seven pools, the step API rebuilding a run, a value right on a 1e-9 boundary,
late updates, determinism with jitter, and do_run_on_historic_data."""

import dataclasses
import functools
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import parity  # noqa: F401
from parity.fingerprint import make_run_fingerprint
from parity.pools import create_pool
from parity.prices import load_prices
from parity.runners import do_run_on_historic_data
from parity.weights import onchain

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prices"
DAILY = {"chunk_period": 1440, "price_interval": 1440}
HOURLY = {"chunk_period": 240, "price_interval": 60}
PARAMS = {
    "momentum": {"lamb": 0.9, "kappa": 2.0},
    "anti_momentum": {"lamb": 0.9, "kappa": 1.0},
    "power_channel": {"lamb": 0.9, "kappa": 20.0, "exponents": 2.0},
    "mean_reversion_channel": {"lamb": 0.9, "kappa": 1.0, "width": 0.1, "amplitude": 0.1, "exponents": 1.5,
                               "inverse_scaling": 0.5415, "pre_exp_scaling": 0.5},
    "difference_momentum": {"lamb": 0.9, "lamb_short": 0.5, "kappa": 1.0},
    "min_variance": {"lamb": 0.9, "mixing": 0.5},
    "index_market_cap": {"mixing": 0.5},
}
# every pool on a daily and an hourly series; n = 2, 3, 5, 8 each appear at least three times
CASES = [
    ("momentum", "trending_daily_8.csv", 2), ("momentum", "crash_hourly_8.csv", 8),
    ("anti_momentum", "mean_reverting_daily_8.csv", 3), ("anti_momentum", "pegged_hourly_8.csv", 5),
    ("power_channel", "trending_daily_8.csv", 5), ("power_channel", "crash_hourly_8.csv", 2),
    ("mean_reversion_channel", "mean_reverting_daily_8.csv", 8), ("mean_reversion_channel", "crash_hourly_8.csv", 3),
    ("difference_momentum", "trending_daily_8.csv", 3), ("difference_momentum", "pegged_hourly_8.csv", 8),
    ("min_variance", "mean_reverting_daily_8.csv", 2), ("min_variance", "crash_hourly_8.csv", 5),
    ("index_market_cap", "trending_daily_8.csv", 8), ("index_market_cap", "crash_hourly_8.csv", 2),
    ("momentum", "btc_eth_daily_2.csv", 2), ("min_variance", "pegged_hourly_8.csv", 3),
]


@functools.lru_cache(maxsize=None)
def _prices(name, n, rows=None):
    return np.asarray(load_prices(FIXTURES / name).prices, dtype=np.float64)[:rows, :n]


def _market_caps(prices):
    supplies = np.linspace(1e6, 1e9, prices.shape[1])
    drift = np.linspace(1.0, 1.3, prices.shape[0])[:, None] ** np.arange(1, prices.shape[1] + 1)[None, :]
    return prices * supplies * drift


def _fp(rule, n, timing, **extra):
    return make_run_fingerprint(rule=rule, n_assets=n, weight_interpolation_method="onchain", **timing, **extra)


@functools.lru_cache(maxsize=None)
def _both_paths(rule, fp):
    pool = create_pool(rule)

    def run(params, prices, oracle):
        return {path: pool.calculate_onchain_run(params, dataclasses.replace(fp, weight_calculation_method=path),
                                                 prices, 0, oracle) for path in ("scan", "vectorized")}

    return jax.jit(run)


def _inputs(rule, name, n, rows=None):
    prices = _prices(name, n, rows)
    oracle = jnp.asarray(_market_caps(prices)) if rule == "index_market_cap" else None
    params = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in PARAMS[rule].items()}
    if rule == "min_variance":  # a pegged series starts unmoved: σ² = 0 would give π = inf (a revert on chain)
        params["initial_variance"] = jnp.full(n, 1e-6)
    return params, jnp.asarray(prices), oracle


def _explained(scan, vec):
    """Rows where the paths' fine weights differ, and whether a near-boundary flag explains every one."""
    differ = np.flatnonzero(np.any(np.asarray(scan["weights"]) != np.asarray(vec["weights"]), axis=1))
    near = np.zeros(len(np.asarray(scan["coarse_weights"])), dtype=bool)
    for run in (scan, vec):
        for key in ("near_W", "near_M", "near_T"):
            near |= np.asarray(run["info"][key]).any(axis=1)
    return differ, near


@pytest.mark.parametrize("rule,name,n", CASES)
def test_scan_equals_vectorized_on_bundled_series(rule, name, n):
    timing = DAILY if "daily" in name else HOURLY
    fp = _fp(rule, n, timing)
    params, prices, oracle = _inputs(rule, name, n, rows=None if "daily" in name else 600)
    runs = _both_paths(rule, fp)(params, prices, oracle)
    scan, vec = runs["scan"], runs["vectorized"]
    weights = np.asarray(scan["weights"])
    assert weights.shape == (prices.shape[0], n) and np.isfinite(weights).all()
    assert not np.asarray(scan["info"]["reverted"]).any()
    np.testing.assert_allclose(scan["coarse_weights"], vec["coarse_weights"], rtol=0, atol=1e-12)
    differ, near = _explained(scan, vec)
    assert differ.size == 0 or near.any(), f"fine weights differ at rows {differ[:5]} with no near-boundary flag"
    if differ.size == 0:
        np.testing.assert_array_equal(weights, vec["weights"])  # bit-identical: both read the same stored integers
    # every fine weight is a multiple of 1e-9 (to float rounding) and the pool moves (not stuck on w₀)
    assert np.abs(weights * 1e9 - np.round(weights * 1e9)).max() < 1e-6
    assert np.abs(weights[-1] - weights[0]).max() > 1e-6


def test_step_api_rebuilds_the_run():
    rule, n = "momentum", 3
    fp = _fp(rule, n, HOURLY, weight_calculation_method="scan", update_delay_seconds=1800, update_delay_seed=5)
    params, prices, _ = _inputs(rule, "crash_hourly_8.csv", n, rows=200)
    pool = create_pool(rule)
    run = pool.calculate_onchain_run(PARAMS[rule], fp, prices)
    stride, row_s = fp.chunk_steps, fp.price_interval * 60
    w0 = pool.initial_weights(PARAMS[rule], fp)
    est = pool.get_initial_rule_state(prices[0], PARAMS[rule], fp)
    carry = pool.get_initial_pool_carry(w0)
    t0 = onchain.START_TIME
    blocks = [onchain.weights_at(carry, t0 + row_s * jnp.arange(stride))]
    times = onchain.update_times(fp, len(run["coarse_weights"]))
    coarse = []
    step = jax.jit(lambda e, c, p, now: pool.calculate_onchain_step(e, c, p, now, PARAMS[rule], fp))
    block = jax.jit(lambda c, new, start, now: pool.calculate_fine_weights_step(c, new, fp, start, now))
    for k, now in enumerate(times):
        est, new, w = step(est, carry, prices[(k + 1) * stride], now)
        blocks.append(block(carry, new, t0 + (k + 1) * fp.chunk_period * 60, now))
        coarse.append(w)
        carry = new
    stepped = np.concatenate(blocks)[:prices.shape[0]]
    np.testing.assert_array_equal(stepped, run["weights"])
    np.testing.assert_allclose(np.stack(coarse), run["coarse_weights"], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(np.asarray(run["update_times"]), times)
    assert (times - (t0 + 14400 * np.arange(1, len(times) + 1))).max() > 0  # some updates are late


def test_calculate_fine_weights_from_rule_outputs_matches_the_run():
    rule, n = "power_channel", 3
    fp = _fp(rule, n, DAILY, weight_calculation_method="vectorized")
    params, prices, _ = _inputs(rule, "trending_daily_8.csv", n)
    pool = create_pool(rule)
    run = jax.jit(lambda p: pool.calculate_onchain_run(PARAMS[rule], fp, p))(prices)
    outputs = pool.calculate_rule_outputs(PARAMS[rule], fp, prices)
    m = len(run["coarse_weights"])
    w0 = pool.initial_weights(PARAMS[rule], fp)
    fine = jax.jit(lambda out: pool.calculate_fine_weights(out, w0, fp, PARAMS[rule]))(outputs[:m])
    np.testing.assert_array_equal(np.asarray(fine)[:prices.shape[0]], run["weights"])


def test_rule_outputs_on_a_quantum_boundary_give_the_chain_multiplier():
    # deltas of exactly k·Δ·1e-9 (k = 3, 5, 2 quanta per second) perturbed by ±2 ulp, as two paths might give
    # them: the stored multipliers are exactly k·1e-9 on both, and the weights follow W + k·1e-9·τ.
    rule, n = "momentum", 2
    fp = _fp(rule, n, HOURLY, epsilon_max=0.5, absolute_weight_guard_rail=0.05)
    pool = create_pool(rule)
    interval = fp.chunk_period * 60
    steps = np.array([3, 5, -2])
    exact = np.stack([steps * interval * 1e-9, -steps * interval * 1e-9], axis=1)
    w0 = jnp.asarray([0.5, 0.5])
    fines = []
    for ulps in (-2, 2):
        outputs = jnp.asarray(exact + ulps * np.spacing(exact))
        fines.append(np.asarray(pool.calculate_fine_weights(outputs, w0, fp, PARAMS[rule])))
    np.testing.assert_array_equal(fines[0], fines[1])
    quanta = np.round(fines[0][:, 0] * 1e9).astype(np.int64)
    row_s = fp.price_interval * 60
    expected = [500_000_000] * fp.chunk_steps
    level = 500_000_000
    for k in steps:
        expected += [level + k * j * row_s for j in range(fp.chunk_steps)]
        level += k * interval
    np.testing.assert_array_equal(quanta, expected)


def test_late_update_row_reads_the_pool_before_the_update():
    rule, n = "momentum", 2
    fp = _fp(rule, n, HOURLY, update_delay_seconds=3599, update_delay_seed=11)
    params, prices, _ = _inputs(rule, "crash_hourly_8.csv", n, rows=120)
    pool = create_pool(rule)
    run = pool.calculate_onchain_run(PARAMS[rule], fp, prices)
    carries = run["pool_carries"]
    delays = np.asarray(run["update_times"]) - (onchain.START_TIME + 14400 * np.arange(1, 30))
    late = np.flatnonzero(delays[1:] > 0) + 1
    assert late.size > 20
    for k in late:
        before = jax.tree_util.tree_map(lambda x: x[k - 1], carries)
        t_nominal = onchain.START_TIME + (k + 1) * 14400
        row = (k + 1) * fp.chunk_steps
        np.testing.assert_array_equal(run["weights"][row], onchain.weights_at(before, t_nominal))
        # the update itself read the pool at its late time, past the previous target when it came later
        after = jax.tree_util.tree_map(lambda x: x[k], carries)
        np.testing.assert_array_equal(after["W"], onchain.weights_at(before, int(run["update_times"][k])))


def test_jitter_is_deterministic_given_the_seed():
    kwargs = {"rule": "momentum", "n_assets": 2, "weight_interpolation_method": "onchain",
              "update_delay_seconds": 3000, **HOURLY}
    prices = _prices("crash_hourly_8.csv", 2, 300)
    runs = [do_run_on_historic_data({**kwargs, "update_delay_seed": seed}, PARAMS["momentum"], prices)
            for seed in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0]["weights"], runs[1]["weights"])
    np.testing.assert_array_equal(runs[0]["update_times"], runs[1]["update_times"])
    assert not np.array_equal(runs[0]["weights"], runs[2]["weights"])
    no_delay = do_run_on_historic_data({**kwargs, "update_delay_seconds": 0}, PARAMS["momentum"], prices)
    assert not np.array_equal(runs[0]["weights"], no_delay["weights"])


def test_do_run_values_follow_the_normalised_pool_weights():
    fp = {"rule": "min_variance", "n_assets": 3, "weight_interpolation_method": "onchain", **DAILY}
    prices = _prices("mean_reverting_daily_8.csv", 3)
    out = do_run_on_historic_data(fp, PARAMS["min_variance"], prices)
    w = np.asarray(out["weights"])
    shares = np.asarray(out["reserves"]) * np.asarray(out["prices"]) / np.asarray(out["value"])[:, None]
    np.testing.assert_allclose(shares, w / w.sum(axis=1, keepdims=True), rtol=1e-12)
    assert np.abs(w.sum(axis=1) - 1).max() > 1e-9  # the pool's own weights do not sum to 1
    linear = do_run_on_historic_data({**fp, "weight_interpolation_method": "linear"}, PARAMS["min_variance"], prices)
    assert float(out["final_value"]) != float(linear["final_value"])
    assert out["pool_carries"]["W"].shape == (prices.shape[0] - 1, 3) and linear["pool_carries"] is None


@pytest.mark.parametrize("extra,field", [
    ({"weight_interpolation_period": 720}, "weight_interpolation_period"),
    ({"update_delay_seconds": 86400}, "update_delay_seconds"),
    ({"update_delay_seconds": -1}, "update_delay_seconds"),
    ({"update_delay_seed": -3}, "update_delay_seed"),
])
def test_fingerprint_rejects_bad_onchain_settings(extra, field):
    with pytest.raises(ValueError, match=field):
        make_run_fingerprint(rule="momentum", n_assets=2, weight_interpolation_method="onchain", **DAILY, **extra)


def test_delay_needs_the_onchain_method_and_defaults_stay_out_of_to_dict():
    with pytest.raises(ValueError, match='update_delay_seconds=5: needs weight_interpolation_method="onchain"'):
        make_run_fingerprint(rule="momentum", n_assets=2, update_delay_seconds=5)
    plain = make_run_fingerprint(rule="momentum", n_assets=2)
    assert "update_delay_seconds" not in plain.to_dict()
    fp = _fp("momentum", 2, DAILY, update_delay_seconds=60, update_delay_seed=9)
    assert make_run_fingerprint(**fp.to_dict()) == fp and fp.to_dict()["update_delay_seed"] == 9


def test_binding_epsilon_limit_lands_on_a_boundary_and_is_flagged():
    # the default ε = 3e-4 per minute of the interval makes ε/Δ = 5e-6 per second = 5000 quanta: a change
    # capped at ε is exactly on a boundary (the chain may store 4999 or 5000, depending on its last wei)
    rule, n = "min_variance", 3
    fp = _fp(rule, n, HOURLY)
    pool = create_pool(rule)
    prices = jnp.asarray(_prices("crash_hourly_8.csv", n, 9))
    est = pool.get_initial_rule_state(prices[0], PARAMS[rule], fp)
    carry = pool.get_initial_pool_carry(jnp.full(n, 1 / 3))
    _, new, coarse, info = pool.calculate_onchain_step(est, carry, prices[4], onchain.START_TIME + 14400,
                                                       PARAMS[rule], fp, return_info=True)
    d = np.asarray(coarse) - np.asarray(info["prev_weights"])
    capped = int(np.argmax(np.abs(d)))
    assert abs(abs(d[capped]) - fp.epsilon_max) < 1e-15 and fp.epsilon_max * 1e9 / 14400 == pytest.approx(5000, abs=1e-9)
    assert round(float(new["M"][capped]) * 1e9) == 5000 * int(np.sign(d[capped]))
    assert bool(info["near_M"][capped]) and not bool(info["reverted"])


def test_bout_from_a_later_start_index_on_both_paths():
    rule, n = "difference_momentum", 2
    fp = _fp(rule, n, HOURLY, update_delay_seconds=900, update_delay_seed=2)
    params, prices, _ = _inputs(rule, "crash_hourly_8.csv", n, rows=160)
    pool = create_pool(rule)
    runs = {path: pool.calculate_onchain_run(params, dataclasses.replace(fp, weight_calculation_method=path), prices, 37)
            for path in ("scan", "vectorized")}
    assert runs["scan"]["weights"].shape == (160 - 37, n)
    np.testing.assert_array_equal(runs["scan"]["weights"], runs["vectorized"]["weights"])
    # the first update of the bout reads chunk s_c + 1 = 10 (price row 40), the warm-up ran chunks 1..9
    est = pool.get_initial_rule_state(prices[0], params, fp)
    for k in range(1, 10):
        est, _ = pool.calculate_rule_output_step(est, prices[4 * k], params, fp)
    carry = pool.get_initial_pool_carry(pool.initial_weights(params, fp))
    _, _, coarse = pool.calculate_onchain_step(est, carry, prices[40], int(runs["scan"]["update_times"][0]), params, fp)
    np.testing.assert_allclose(coarse, runs["scan"]["coarse_weights"][0], rtol=0, atol=1e-15)


def test_run_replays_on_the_integer_pool_model():
    # the float run's own rule targets, fed to the exact integer pool (parity.fixedpoint.production) at the
    # run's update times: every prevWeights and every fine row agree to the wei (no value near a boundary here)
    from fractions import Fraction

    from parity.fixedpoint.production import PoolModel, multipliers_and_last_interp

    rule, n = "momentum", 3
    fp = _fp(rule, n, HOURLY, epsilon_max=0.5, absolute_weight_guard_rail=0.05, update_delay_seconds=3000,
             update_delay_seed=8)
    params, prices, _ = _inputs(rule, "crash_hourly_8.csv", n, rows=240)
    run = create_pool(rule).calculate_onchain_run(params, fp, prices)
    info = {k: np.asarray(v) for k, v in run["info"].items()}
    assert not info["near_M"].any() and not info["near_W"].any()

    def wei(x):
        return [round(Fraction(float(v)) * 10**18) for v in np.asarray(x)]

    t0, g, row_s = onchain.START_TIME, 5 * 10**16, fp.price_interval * 60
    pool = PoolModel(n=n, threshold=0)
    pool.store(wei(np.full(n, 1 / 3)) + [0] * n, t0, t0)
    times = [int(t) for t in np.asarray(run["update_times"])]
    fine = np.asarray(run["weights"])
    k = 0
    for r in range(fine.shape[0]):
        t = t0 + r * row_s
        while k < len(times) and times[k] <= t:
            w0 = pool.normalized_weights(times[k])
            assert w0 == [round(q) * 10**9 for q in info["prev_weights"][k] * 1e9], k
            values, last_interp = multipliers_and_last_interp(w0, wei(run["coarse_weights"][k]), 14400, g, times[k])
            pool.store(values, times[k], last_interp)
            assert last_interp == int(run["pool_carries"]["last_interp"][k]) or info["near_T"][k].any()
            k += 1
        assert pool.normalized_weights(t) == [round(q) * 10**9 for q in fine[r] * 1e9], r
    assert k == len(times) == 59
