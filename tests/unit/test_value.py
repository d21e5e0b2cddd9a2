"""The runner's value on the pool's fine weights (parity.runners.value): the closed form of a linear ramp
against exact sums, coarse rows against the same prices held per minute (linear and onchain, late
updates too), a brute-force minute loop written here, and the arbitrage cadence key."""

from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np
import pytest

import parity  # noqa: F401
from parity.fingerprint import make_run_fingerprint
from parity.prices import load_prices
from parity.runners import do_run_on_historic_data
from parity.runners.value import ramp_loss

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prices"
MOMENTUM = {"log_k": np.array([3.0, 3.0]), "logit_lamb": np.array([0.0, 0.0]),
            "initial_weights_logits": np.array([0.0, 0.0])}


def _exact_ramp_loss(a, d, k):
    """Σ_{j=1..k} x_j·log(x_j/x_{j−1}), x_j = a + j·d, in 50-digit decimals."""
    getcontext().prec = 50
    a, d = Decimal(a), Decimal(d)
    total = Decimal(0)
    for j in range(1, k + 1):
        x, prev = a + j * d, a + (j - 1) * d
        total += x * (x / prev).ln()
    return float(total)


@pytest.mark.parametrize("a,d,k", [
    (0.5, 3e-4, 1439), (0.5, -3e-4, 1439), (0.05, 3e-4, 1439), (0.95, -3e-4, 1439), (0.5, 1e-7, 1439),
    (0.5, 1e-12, 1439), (0.3, 0.01, 23), (0.3, -0.012, 23), (0.5, 1e-15, 59), (0.5, 0.1, 3), (0.5, 0.0, 100),
])
def test_closed_form_of_a_linear_ramp_is_exact_to_float_precision(a, d, k):
    got = float(ramp_loss(np.array([[a]]), np.array([[d]]), k)[0])
    assert got == pytest.approx(_exact_ramp_loss(a, d, k), rel=0, abs=5e-15)  # S enters the value as exp(−S)


def _held_per_minute(prices, minutes):
    """Each row repeated for every minute up to the next row; the last row kept once."""
    return np.repeat(prices, minutes, axis=0)[: (prices.shape[0] - 1) * minutes + 1]


@pytest.mark.parametrize("method,extra", [
    ("linear", {}),
    ("onchain", {}),
    ("onchain", {"update_delay_seconds": 50, "update_delay_seed": 3}),
])
def test_daily_rows_give_the_values_of_the_same_prices_held_per_minute(method, extra):
    prices = load_prices(FIXTURES / "btc_eth_daily_2.csv").prices[:40]
    fp = {"rule": "momentum", "n_assets": 2, "weight_interpolation_method": method, **extra}
    daily = do_run_on_historic_data({**fp, "price_interval": 1440}, MOMENTUM, prices=prices)
    minute = do_run_on_historic_data({**fp, "price_interval": 1}, MOMENTUM, prices=_held_per_minute(prices, 1440))
    np.testing.assert_array_equal(np.asarray(daily["weights"]), np.asarray(minute["weights"])[::1440])
    np.testing.assert_allclose(np.asarray(daily["value"]), np.asarray(minute["value"])[::1440], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(daily["reserves"]), np.asarray(minute["reserves"])[::1440], rtol=1e-12)
    # a whole day's weight change in one jump costs far more than the same change spread over the day
    jump = do_run_on_historic_data({**fp, "price_interval": 1440, "arb_frequency": 1440}, MOMENTUM, prices=prices)
    assert float(jump["final_value"]) < 0.5 * float(daily["final_value"])


def _minute_loop(weights, prices, minutes, every, v0):
    """Brute force: weights interpolated linearly between rows, prices held, arbitrage every `every` minutes."""
    rows = weights.shape[0]
    t = np.arange(0, (rows - 1) * minutes + 1, every)
    r, f = t // minutes, (t % minutes) / minutes
    nxt = np.minimum(r + 1, rows - 1)
    w = weights[r] + f[:, None] * (weights[nxt] - weights[r])
    p = prices[r]
    reserves = w[0] * v0 / p[0]
    out = {0: reserves}
    for j in range(1, len(t)):
        price_step = np.exp(np.sum(w[j - 1] * np.log(p[j] / p[j - 1]))) / (p[j] / p[j - 1])
        weight_step = (w[j] / w[j - 1]) / np.exp(np.sum(w[j] * np.log(w[j] / w[j - 1])))
        reserves = reserves * price_step * weight_step
        out[int(t[j])] = reserves
    return np.array([out[row * minutes] for row in range(rows)])


@pytest.mark.parametrize("every", [1, 5, 60])
def test_hourly_rows_match_a_minute_loop_at_each_cadence(every):
    prices = load_prices(FIXTURES / "crash_hourly_8.csv").prices[600:760, :3]
    fp = {"rule": "momentum", "n_assets": 3, "chunk_period": 240, "price_interval": 60,
          "weight_interpolation_period": 120, "arb_frequency": every}
    params = {"lamb": 0.9, "kappa": 40.0, "initial_weights": [0.2, 0.3, 0.5]}
    run = do_run_on_historic_data(fp, params, prices=prices)
    expected = _minute_loop(np.asarray(run["weights"]), prices, 60, every, 1e6)
    np.testing.assert_allclose(np.asarray(run["reserves"]), expected, rtol=1e-11)


def test_arbitrage_every_few_rows_holds_the_reserves_between():
    prices = load_prices(FIXTURES / "crash_hourly_8.csv").prices[600:700, :2]
    fp = {"rule": "momentum", "n_assets": 2, "chunk_period": 60, "price_interval": 60}
    params = {"lamb": 0.9, "kappa": 20.0}
    every3 = do_run_on_historic_data({**fp, "arb_frequency": 180}, params, prices=prices)
    reserves = np.asarray(every3["reserves"])
    for offset in (1, 2):
        np.testing.assert_array_equal(reserves[offset::3], reserves[0::3][: reserves[offset::3].shape[0]])
    w = np.asarray(every3["weights"])[::3]
    # quantammsim's arb_frequency: weights and prices sub-sampled, one arbitrage per kept row
    from parity.runners import zero_fee_reserves

    np.testing.assert_allclose(reserves[::3], np.asarray(zero_fee_reserves(w, prices[::3], 1e6)), rtol=1e-13)
    value = np.asarray(every3["value"])
    np.testing.assert_allclose(value, np.sum(reserves * prices, axis=1), rtol=1e-15)


def test_arb_frequency_must_fit_the_price_rows():
    assert make_run_fingerprint(rule="momentum", n_assets=2, price_interval=60, arb_frequency=15).arb_frequency == 15
    assert make_run_fingerprint(rule="momentum", n_assets=2, price_interval=60, arb_frequency=120).arb_frequency == 120
    with pytest.raises(ValueError, match=r"arb_frequency=7: must divide price_interval=60 .* or be a multiple of it"):
        make_run_fingerprint(rule="momentum", n_assets=2, price_interval=60, arb_frequency=7)
    with pytest.raises(ValueError, match="arb_frequency=0: must be >= 1"):
        make_run_fingerprint(rule="momentum", n_assets=2, arb_frequency=0)
    # left out of the canonical dict at its default (records written before it existed keep their form)
    assert "arb_frequency" not in make_run_fingerprint(rule="momentum", n_assets=2).to_dict()
