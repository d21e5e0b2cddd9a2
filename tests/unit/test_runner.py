"""parity.runners.do_run_on_historic_data: reserves, values, shapes, input validation, determinism."""

from pathlib import Path

import numpy as np
import pytest

import parity  # noqa: F401
from parity.fingerprint import make_run_fingerprint
from parity.prices import load_prices
from parity.runners import do_run_on_historic_data, zero_fee_reserves

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prices"
FP = dict(rule="momentum", n_assets=3, chunk_period=240, price_interval=60, weight_interpolation_period=120)
PARAMS = {"lamb": 0.9, "kappa": 40.0, "initial_weights": [0.2, 0.3, 0.5]}


@pytest.fixture(scope="module")
def prices():
    return np.asarray(load_prices(FIXTURES / "crash_hourly_8.csv").prices)[500:800, :3]


@pytest.fixture(scope="module")
def run(prices):
    return do_run_on_historic_data(FP, PARAMS, prices=prices, start_index=20)


def test_shapes_and_bookkeeping(run, prices):
    rows = prices.shape[0] - 20
    assert run["weights"].shape == run["reserves"].shape == run["prices"].shape == (rows, 3)
    assert run["value"].shape == (rows,)
    assert run["coarse_weights"].shape == (-(-rows // 4) - 1, 3)
    np.testing.assert_array_equal(np.asarray(run["prices"]), prices[20:])
    assert float(run["final_value"]) == float(run["value"][-1])
    np.testing.assert_array_equal(np.asarray(run["final_reserves"]), np.asarray(run["reserves"][-1]))
    np.testing.assert_array_equal(np.asarray(run["weights"][:4]), np.broadcast_to([0.2, 0.3, 0.5], (4, 3)))
    assert run["path"] == "vectorized" and run["start_index"] == 20
    assert run["chain_params"]["kappa"].tolist() == [40.0]
    assert float(run["value"][0]) == pytest.approx(1e6, rel=1e-15)


def test_value_shares_equal_weights_after_every_row(run):
    reserves, p, w = (np.asarray(run[k]) for k in ("reserves", "prices", "weights"))
    held = reserves * p
    shares = held / held.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(shares, w / w.sum(axis=1, keepdims=True), rtol=1e-12, atol=0)
    assert np.abs(w - np.asarray(run["weights"])).max() == 0  # sanity: weights untouched
    assert (np.abs(np.diff(w, axis=0)).max(axis=1) > 0).sum() > 20  # the weights really move


def test_value_follows_the_g3m_arbitrage_formula_with_one_arbitrage_per_row(prices, run):
    """arb_frequency = price_interval: V_t / V_{t−1} = Π(p/p⁻)^{w⁻} (price move at the old weights) ·
    Π(w/w⁻)^{−w} (weight change), one jump per row."""
    per_row = do_run_on_historic_data({**FP, "arb_frequency": 60}, PARAMS, prices=prices, start_index=20)
    np.testing.assert_array_equal(np.asarray(per_row["weights"]), np.asarray(run["weights"]))
    v, p, w = (np.asarray(per_row[k]) for k in ("value", "prices", "weights"))
    price_factor = np.exp(np.sum(w[:-1] * np.log(p[1:] / p[:-1]), axis=1))
    weight_factor = np.exp(-np.sum(w[1:] * np.log(w[1:] / w[:-1]), axis=1))
    np.testing.assert_allclose(v[1:] / v[:-1], price_factor * weight_factor, rtol=1e-12)
    assert (weight_factor <= 1.0 + 1e-15).all()  # a weight change never earns in a zero-fee pool


def test_constant_weights_value_is_geometric_mean_of_price_ratios():
    """Market-cap index with caps ∝ w₀ and no blending keeps w₀: V_t = V₀·Π(p_t/p₀)^{w₀}."""
    rng = np.random.default_rng(3)
    p = np.exp(np.cumsum(rng.normal(0, 0.02, (80, 2)), axis=0)) * [30000.0, 2000.0]
    w0 = np.array([0.25, 0.75])
    caps = np.broadcast_to(w0 * 1e9, p.shape)
    fp = dict(rule="index_market_cap", n_assets=2, chunk_period=1440, price_interval=1440, initial_pool_value=500.0)
    res = do_run_on_historic_data(fp, {"mixing": 0.0, "initial_weights": w0}, prices=p, additional_oracle_input=caps)
    np.testing.assert_allclose(np.asarray(res["weights"]), np.broadcast_to(w0, p.shape), atol=1e-16)
    expected = 500.0 * np.exp(np.sum(w0 * np.log(p / p[0]), axis=1))
    np.testing.assert_allclose(np.asarray(res["value"]), expected, rtol=1e-12)


def test_zero_fee_reserves_single_weight_change():
    w = np.array([[0.5, 0.5], [0.6, 0.4]])
    p = np.array([[2.0, 1.0], [2.0, 1.0]])
    r = np.asarray(zero_fee_reserves(w, p, 100.0))
    np.testing.assert_allclose(r[0], [25.0, 50.0])
    # V = 100·(0.6/0.5)^−0.6·(0.4/0.5)^−0.4, split 60/40 at unchanged prices
    v = 100.0 * (1.2**-0.6) * (0.8**-0.4)
    np.testing.assert_allclose(r[1], [0.6 * v / 2.0, 0.4 * v / 1.0], rtol=1e-15)


def test_csv_path_dict_and_fingerprint_give_identical_results():
    fp = dict(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1440, bout_length=300)
    params = {"logit_lamb": 2.0, "log_k": 2.0}
    a = do_run_on_historic_data(fp, params, prices=FIXTURES / "btc_eth_daily_2.csv", start_index=100)
    b = do_run_on_historic_data(make_run_fingerprint(**fp), params,
                                prices=load_prices(FIXTURES / "btc_eth_daily_2.csv").prices, start_index=100)
    c = do_run_on_historic_data(fp, params, prices=str(FIXTURES / "btc_eth_daily_2.csv"), start_index=100)
    for key in ("weights", "coarse_weights", "reserves", "value", "prices"):
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]))
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(c[key]))
    assert a["weights"].shape == (299, 2)


@pytest.mark.parametrize(
    "bad,match",
    [
        (lambda p: np.where(np.arange(p.size).reshape(p.shape) == 7, np.nan, p), r"prices\[2, 1\]=nan"),
        (lambda p: np.where(np.arange(p.size).reshape(p.shape) == 4, 0.0, p), r"prices\[1, 1\]=0\.0.*> 0"),
        (lambda p: -p, "every value must be finite and > 0"),
        (lambda p: np.where(np.arange(p.size).reshape(p.shape) == 0, np.inf, p), r"prices\[0, 0\]=inf"),
        (lambda p: p[:, 0], "must be 2-D"),
        (lambda p: p[:, :2], "2 columns: run_fingerprint.n_assets is 3"),
    ],
)
def test_bad_prices_raise(prices, bad, match):
    with pytest.raises(ValueError, match=match):
        do_run_on_historic_data(FP, PARAMS, prices=bad(prices[:10]))


def test_bad_inputs_raise(prices):
    with pytest.raises(ValueError, match="prices=None"):
        do_run_on_historic_data(FP, PARAMS)
    with pytest.raises(ValueError, match=r"start_index=300: must be in \[0, 300\)"):
        do_run_on_historic_data(FP, PARAMS, prices=prices, start_index=300)
    with pytest.raises(ValueError, match="start_index=True"):
        do_run_on_historic_data(FP, PARAMS, prices=prices, start_index=True)
    with pytest.raises(ValueError, match="run_fingerprint=list"):
        do_run_on_historic_data([FP], PARAMS, prices=prices)
    with pytest.raises(ValueError, match=r"kappa=\[-1\.0\]"):
        do_run_on_historic_data(FP, {"lamb": 0.9, "kappa": -1.0}, prices=prices)
    with pytest.raises(ValueError, match="runs past the end"):
        do_run_on_historic_data({**FP, "bout_length": 400}, PARAMS, prices=prices)
    fp = dict(rule="index_market_cap", n_assets=3, chunk_period=60, price_interval=60)
    with pytest.raises(ValueError, match="needs additional_oracle_input"):
        do_run_on_historic_data(fp, {"mixing": 0.5}, prices=prices)
    with pytest.raises(ValueError, match="additional_oracle_input has shape"):
        do_run_on_historic_data(fp, {"mixing": 0.5}, prices=prices, additional_oracle_input=prices[:10])
    with pytest.raises(FileNotFoundError):
        do_run_on_historic_data(FP, PARAMS, prices=FIXTURES / "missing.csv")


def test_deterministic(run, prices):
    again = do_run_on_historic_data(FP, PARAMS, prices=prices, start_index=20)
    for key in ("weights", "coarse_weights", "reserves", "value"):
        np.testing.assert_array_equal(np.asarray(run[key]), np.asarray(again[key]))
