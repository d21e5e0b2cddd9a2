"""`parity drift` and parity.drift.drift_report: the idealised simulator vs the production loop."""

import json
from pathlib import Path

import numpy as np
import pytest

import parity  # noqa: F401
from parity.cli import main
from parity.drift import drift_report
from parity.prices import load_prices
from parity.runners import do_run_on_historic_data

PRICES = Path(__file__).resolve().parents[2] / "fixtures" / "prices"
DAILY = PRICES / "trending_daily_8.csv"


def test_drift_report_measures_the_two_runs():
    prices = load_prices(DAILY, assets=2).prices[:61]
    fp = {"rule": "momentum", "n_assets": 2, "chunk_period": 1440, "price_interval": 1440}
    params = {"lamb": 0.9, "kappa": 1.0}
    report = drift_report(fp, params, prices, assets=["BTC", "ETH"])
    ideal = do_run_on_historic_data(fp, params, prices)
    prod = do_run_on_historic_data({**fp, "weight_interpolation_method": "onchain"}, params, prices)
    diff = np.asarray(prod["weights"]) - np.asarray(ideal["weights"])
    rows = report.per_asset()
    assert [r["asset"] for r in rows] == ["BTC", "ETH"] and report.updates == 60 and report.rows == 61
    np.testing.assert_array_equal([r["max_abs"] for r in rows], np.abs(diff).max(axis=0))
    np.testing.assert_allclose([r["mean_abs"] for r in rows], np.abs(diff).mean(axis=0), rtol=1e-12)
    assert np.abs(diff).max() > 1e-5  # the truncation is visible at daily updates
    value = report.value_summary()
    expected_bp = (float(prod["final_value"]) / float(ideal["final_value"]) - 1) * 1e4
    assert value["final_bp"] == pytest.approx(expected_bp, rel=1e-12, abs=1e-12)
    # on-time daily updates away from the rails: the pool falls short of each target by less than Δ·1e-9
    assert 0 < np.abs(report.shortfall).max() <= 86400e-9 + 1e-15
    assert json.loads(json.dumps(report.to_dict()))["updates"] == 60


def test_cli_drift_prints_the_table_and_writes_report_and_plot(tmp_path, capsys):
    out_json, out_png = tmp_path / "drift.json", tmp_path / "drift.png"
    code = main(["drift", "--rule", "min_variance", "--prices", str(PRICES / "crash_hourly_8.csv"), "--assets", "3",
                 "--chunk-period", "240", "--blocks", "30", "--update-jitter", "1200", "--jitter-seed", "4",
                 "--report", str(out_json), "--plot", str(out_png)])
    text = capsys.readouterr().out
    assert code == 0
    assert "30 updates every 240 min" in text and "jitter 1200 s" in text
    for asset in ("BTC", "ETH", "SOL"):
        assert any(line.startswith(asset) for line in text.splitlines())
    data = json.loads(out_json.read_text())
    assert data["updates"] == 30 and data["settings"]["update_delay_seconds"] == 1200
    assert data["settings"]["update_delay_seed"] == 4 and len(data["per_asset"]) == 3
    assert f"{data['value']['final_bp']:+.3f} bp" in text
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv,needle", [
    (["--update-jitter", "3600"], "--update-jitter=3600: must be < price_interval·60 = 3600 s"),
    (["--blocks", "0"], "--blocks 0"),
    (["--assets", "NOPE,BTC"], "unknown column(s) NOPE"),
    (["--jitter-seed", "-1"], "--jitter-seed=-1"),
    (["--compiler-profile", "via-ir"], "--compiler-profile: parity drift runs no contract"),
])
def test_cli_drift_bad_input_exits_2_with_one_line(argv, needle, capsys):
    code = main(["drift", "--rule", "momentum", "--prices", str(PRICES / "pegged_hourly_8.csv"), *argv])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
