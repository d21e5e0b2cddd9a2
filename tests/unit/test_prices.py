"""Price loading/validation, CSV round trip, scenario generators and the bundled fixtures."""

import numpy as np
import pytest

from parity.prices import (FIXTURE_DIR, FIXTURES, LEVELS, SCENARIOS, PriceSeries, bundled_files, generate_prices,
                           load_prices, regenerate_fixtures, save_prices_csv)

DAY = 86400


def write(path, text):
    path.write_text(text)
    return path


def test_load_csv_and_select_assets(tmp_path):
    path = write(tmp_path / "p.csv", "timestamp,AAA,BBB,CCC\n0,1.5,2.0,3.0\n3600,1.25,2.5,3.5\n7200,1.0,3.0,4.0\n")
    s = load_prices(path)
    assert s.tokens == ("AAA", "BBB", "CCC") and s.interval_minutes == 60
    assert s.timestamps.dtype == np.int64 and s.prices.dtype == np.float64
    np.testing.assert_array_equal(s.prices[:, 1], [2.0, 2.5, 3.0])
    two = load_prices(path, assets=2)
    assert two.tokens == ("AAA", "BBB") and two.prices.shape == (3, 2)
    picked = load_prices(path, assets=["CCC", "AAA"])
    np.testing.assert_array_equal(picked.prices, s.prices[:, [2, 0]])
    with pytest.raises(ValueError, match="unknown token.*DDD"):
        load_prices(path, assets=["AAA", "DDD"])
    with pytest.raises(ValueError, match="assets=4: must be between 1 and the number of columns \\(3\\)"):
        load_prices(path, assets=4)


def test_csv_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(0)
    prices = np.exp(rng.normal(0, 30, size=(50, 4)))  # awkward magnitudes and digits
    s = load_prices(prices, interval_minutes=5, tokens=["w", "x", "y", "z"])
    back = load_prices(save_prices_csv(s, tmp_path / "r.csv"))
    np.testing.assert_array_equal(back.prices, prices)
    np.testing.assert_array_equal(back.timestamps, s.timestamps)
    assert back.tokens == s.tokens and back.interval_minutes == 5


def test_array_source_defaults():
    s = load_prices([[1.0, 2.0], [1.1, 2.1], [1.2, 2.2]])
    assert s.tokens == ("A0", "A1") and s.interval_minutes == 1
    assert np.all(np.diff(s.timestamps) == 60)


@pytest.mark.parametrize("prices, message", [
    ([[1.0, np.nan], [1.0, 1.0]], "row 0, column A1: value nan: prices must be finite and > 0"),
    ([[1.0, 1.0], [np.inf, 1.0]], "row 1, column A0: value inf"),
    ([[1.0, 1.0], [1.0, 0.0]], "row 1, column A1: value 0.0"),
    ([[1.0, 1.0], [-2.0, 1.0]], "row 1, column A0: value -2.0"),
    ([[1.0, 1.0]], "1 row\\(s\\): need at least 2 rows"),
    ([1.0, 2.0, 3.0], "must be 2-D"),
])
def test_bad_prices_are_rejected(prices, message):
    with pytest.raises(ValueError, match=message):
        load_prices(np.array(prices))


def test_irregular_timestamps_name_the_row(tmp_path):
    path = write(tmp_path / "gap.csv", "timestamp,A\n0,1.0\n60,1.0\n120,1.0\n240,1.0\n300,1.0\n")
    with pytest.raises(ValueError, match="row 3 \\(timestamp 240\\) is 120 s after row 2"):
        load_prices(path)
    with pytest.raises(ValueError, match="row 2 .* is -60 s after row 1"):
        load_prices(np.ones((3, 1)), timestamps=np.array([0, 60, 0]))
    with pytest.raises(ValueError, match="whole number of minutes"):
        load_prices(np.ones((3, 1)), timestamps=np.array([0, 30, 60]))
    with pytest.raises(ValueError, match="whole number of minutes"):
        load_prices(np.ones((2, 1)), timestamps=np.array([60, 0]))


def test_malformed_csv(tmp_path):
    with pytest.raises(ValueError, match="header"):
        load_prices(write(tmp_path / "a.csv", "time,A\n0,1\n60,1\n"))
    with pytest.raises(ValueError, match="row 1: timestamp '2024-01-01'"):
        load_prices(write(tmp_path / "b.csv", "timestamp,A\n0,1\n2024-01-01,1\n"))
    with pytest.raises(ValueError, match="row 0 has 2 fields: expected 3"):
        load_prices(write(tmp_path / "c.csv", "timestamp,A,B\n0,1\n60,1,1\n"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_generators_are_deterministic_and_valid(scenario):
    a = generate_prices(scenario, 5, 300, 60, seed=11)
    b = generate_prices(scenario, 5, 300, 60, seed=11)
    c = generate_prices(scenario, 5, 300, 60, seed=12)
    np.testing.assert_array_equal(a.prices, b.prices)
    assert not np.array_equal(a.prices, c.prices)
    assert a.prices.shape == (300, 5) and a.interval_minutes == 60
    assert np.all(np.isfinite(a.prices)) and np.all(a.prices > 0)


def test_non_pegged_assets_start_at_their_levels():
    s = generate_prices("trending", 8, 10, 1440, seed=1)
    np.testing.assert_array_equal(s.prices[0], LEVELS)
    assert s.prices[0].max() / s.prices[0].min() >= 1e8


def test_crash_drops_sharply_then_partially_recovers():
    p = generate_prices("crash", 4, 1000, 60, seed=3).prices
    worst = np.min(p[8:] / p[:-8], axis=0)  # largest 8-step fall per asset
    # a >= 30 % drop over <= 6 steps; hourly noise over 8 steps is ~2 %, so GBM alone never gets near this
    assert np.all(worst < 0.76)
    trough = np.argmin(p, axis=0)
    assert np.all((trough > 400) & (trough < 700))
    assert np.all(p[-1] > p[trough, range(4)] * 1.1)


def test_pegged_is_mostly_exactly_one():
    p = generate_prices("pegged", 8, 1440, 60, seed=5).prices
    assert np.mean(p == 1.0) > 0.8
    assert np.all(np.abs(p - 1.0) <= 2e-3)
    assert np.any(p != 1.0, axis=0).all()  # every coin deviates somewhere


def test_mean_reverting_stays_near_level():
    p = generate_prices("mean_reverting", 3, 2000, 1440, seed=4).prices
    log_dev = np.log(p / np.asarray(LEVELS[:3]))
    assert np.all(np.abs(log_dev.mean(axis=0)) < 0.3)  # a trending walk over 5.5 years drifts much further


def test_generator_rejects_bad_arguments():
    with pytest.raises(ValueError, match="scenario='bull'"):
        generate_prices("bull", 2, 10, 60, seed=0)
    with pytest.raises(ValueError, match="n_steps=1"):
        generate_prices("trending", 2, 1, 60, seed=0)


def test_bundled_fixtures_load_with_expected_shapes():
    expected = {"btc_eth_daily_2.csv": (730, 2, 1440), "trending_daily_8.csv": (400, 8, 1440),
                "mean_reverting_daily_8.csv": (400, 8, 1440), "crash_hourly_8.csv": (1440, 8, 60),
                "pegged_hourly_8.csv": (1440, 8, 60), "btc_eth_usdc_daily_3.csv": (730, 3, 1440)}
    for name, (T, n, interval) in expected.items():
        s = load_prices(FIXTURE_DIR / name)
        assert (s.n_steps, s.n_assets, s.interval_minutes) == (T, n, interval)
    assert sum(p.stat().st_size for p in FIXTURE_DIR.iterdir()) < 3_000_000


def test_regenerating_fixtures_is_byte_identical(tmp_path):
    paths = regenerate_fixtures(tmp_path)
    assert [p.name for p in paths] == [f[0] for f in FIXTURES] + ["btc_eth_usdc_daily_3.csv"] == bundled_files()
    for p in paths:
        assert p.read_bytes() == (FIXTURE_DIR / p.name).read_bytes(), p.name


def test_price_series_select_is_a_new_series():
    s = generate_prices("trending", 3, 5, 1440, seed=0)
    sub = s.select(["ETH"])
    assert isinstance(sub, PriceSeries) and sub.tokens == ("ETH",)
    np.testing.assert_array_equal(sub.prices[:, 0], s.prices[:, 1])


def test_the_stablecoin_series_is_the_btc_eth_series_plus_usdc_at_one():
    base, stable = load_prices(FIXTURE_DIR / "btc_eth_daily_2.csv"), load_prices(FIXTURE_DIR / "btc_eth_usdc_daily_3.csv")
    assert stable.tokens == ("BTC", "ETH", "USDC")
    np.testing.assert_array_equal(stable.timestamps, base.timestamps)
    np.testing.assert_array_equal(stable.prices[:, :2], base.prices)
    assert (stable.prices[:, 2] == 1.0).all()
