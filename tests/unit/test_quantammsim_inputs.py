"""quantammsim inputs as they are: its run fingerprint (every key), tokens by name, dates, (1, n) parameters,
PowerChannel exponents ≤ 1, and the seed's example verbatim."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.pools import create_pool
from parity.prices import load_prices
from parity.quantammsim_inputs import QuantammsimKeyWarning, split_run_fingerprint
from parity.runners import do_run_on_historic_data

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prices"
PARAMS = {"logit_lamb": np.array([2.0, 2.0]), "log_k": np.array([-2.0, -2.0]),
          "initial_weights_logits": np.array([0.0, 0.0])}

# quantammsim's default run fingerprint, key for key (its defaults file at the reference commit), with the
# tokens of the bundled data and the dates of the bundled series
QUANTAMMSIM_DEFAULTS = {
    "freq": "minute", "startDateString": "2024-01-01 00:00:00", "endDateString": "2024-06-01 00:00:00",
    "endTestDateString": None, "tokens": ["BTC", "ETH"], "rule": "momentum", "optimisation_settings": {
        "base_lr": 0.01, "optimiser": "sgd", "n_iterations": 1000, "training_data_kind": "historic",
        "force_scalar": False},
    "initial_memory_length": 10.0, "initial_memory_length_delta": 0.0, "initial_k_per_day": 20,
    "bout_offset": 10080, "initial_weights_logits": 1.0, "initial_log_amplitude": 0.0, "initial_raw_width": 0.0,
    "initial_raw_exponents": 0.0, "initial_pre_exp_scaling": 0.5, "subsidary_pools": [], "maximum_change": 3e-4,
    "chunk_period": 1440, "weight_interpolation_period": 1440, "return_val": "sharpe", "initial_pool_value": 1e6,
    "fees": 0.0, "arb_fees": 0.0, "gas_cost": 0.0, "use_alt_lamb": False, "use_pre_exp_scaling": True,
    "weight_interpolation_method": "linear", "arb_frequency": 1, "arb_quality": 1.0, "numeraire": None,
    "do_arb": True, "max_memory_days": 365.0, "noise_trader_ratio": 0.0, "minimum_weight": None,
    "ste_max_change": False, "ste_min_max_weight": False, "weight_calculation_method": "auto",
    "learnable_bounds_settings": {"freeze_bounds": False, "min_weights_per_asset": None, "max_weights_per_asset": None},
    "n_ensemble_members": 1, "ensemble_init_method": "lhs", "ensemble_init_scale": 1.0, "ensemble_init_seed": 0,
    "checkpoint_fused": False, "do_trades": False, "use_fused_reserves": True, "turnover_penalty": 0.0,
    "price_noise_sigma": 0.0, "protocol_fee_split": 0.0, "initial_arc_length_speed": 1.0,
    "initial_shift_exponent": 1.0, "initial_price_ratio": 4.0, "initial_centeredness_margin": 0.2,
    "initial_daily_price_shift_base": 1.0, "reclamm_use_shift_exponent": False, "reclamm_interpolation_method": "linear",
}


def test_seed_example_runs_verbatim():
    import numpy as np

    from parity.runners import do_run_on_historic_data

    params = {"logit_lamb": np.array([2.0, 2.0]), "log_k": np.array([-2.0, -2.0]),
              "initial_weights_logits": np.array([0.0, 0.0])}
    fingerprint = {"rule": "momentum", "tokens": ["BTC", "ETH"], "weight_calculation_method": "vectorized"}
    result_vec = do_run_on_historic_data(fingerprint, params)
    fingerprint["weight_calculation_method"] = "scan"
    result_scan = do_run_on_historic_data(fingerprint, params)
    np.testing.assert_allclose(result_vec["final_value"], result_scan["final_value"], rtol=1e-10)

    # the run used the bundled BTC/ETH daily series, its 1440-minute rows, every row
    assert result_vec["tokens"] == ("BTC", "ETH") and result_vec["path"] == "vectorized"
    assert result_scan["run_fingerprint"].price_interval == 1440 and result_scan["prices"].shape == (730, 2)
    same = do_run_on_historic_data({"rule": "momentum", "n_assets": 2, "price_interval": 1440}, params,
                                   prices=FIXTURES / "btc_eth_daily_2.csv")
    assert float(same["final_value"]) == float(result_vec["final_value"])


def test_quantammsim_default_fingerprint_is_accepted_and_its_noop_keys_listed_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = do_run_on_historic_data(dict(QUANTAMMSIM_DEFAULTS), PARAMS)
    ours = [w for w in caught if issubclass(w.category, QuantammsimKeyWarning)]
    assert len(ours) == 1
    message = str(ours[0].message)
    for key in ("freq", "bout_offset", "optimisation_settings", "use_alt_lamb", "fees", "ste_max_change",
                "reclamm_use_shift_exponent", "initial_k_per_day", "n_ensemble_members"):
        assert key in message
    for key in ("chunk_period", "tokens", "startDateString", "maximum_change"):  # honoured, not no-ops
        assert key not in message.split(":", 1)[1]
    # the dates select the bout: 2024-01-01 is row 0, 2024-06-01 is row 152 -> 153 rows inclusive, 152 weight rows
    assert out["start_index"] == 0 and out["weights"].shape == (152, 2)
    assert out["run_fingerprint"].epsilon_max == pytest.approx(0.432)  # 3e-4 per minute over 1440 minutes


@pytest.mark.parametrize("key,value,reason", [
    ("use_alt_lamb", True, "no on-chain counterpart"),
    ("fees", 0.003, "zero-fee"),
    ("gas_cost", 2.5, "zero-gas"),
    ("numeraire", "ETH", "numeraire"),
    ("n_ensemble_members", 4, "one member"),
])
def test_keys_parity_cannot_honour_are_rejected_with_the_reason(key, value, reason):
    with pytest.raises(ValueError, match=f"{key}={value!r}: parity cannot honour it: .*{reason}"):
        do_run_on_historic_data({"rule": "momentum", "tokens": ["BTC", "ETH"], key: value}, PARAMS)


def test_unknown_keys_are_still_rejected():
    kwargs, run, noop = split_run_fingerprint({"rule": "momentum", "tokens": ["A", "B"], "chunk_perod": 60})
    assert kwargs == {"rule": "momentum", "n_assets": 2, "chunk_perod": 60} and noop == []
    with pytest.raises(ValueError, match="unknown run fingerprint key.*chunk_perod"):
        do_run_on_historic_data({"rule": "momentum", "tokens": ["BTC", "ETH"], "chunk_perod": 60}, PARAMS)


def test_tokens_select_columns_by_name_in_sorted_order():
    csv = FIXTURES / "trending_daily_8.csv"
    series = load_prices(csv)
    params = {"lamb": 0.9, "kappa": 1.0}
    by_name = do_run_on_historic_data({"rule": "momentum", "tokens": ["SOL", "BTC"]}, params, prices=csv)
    by_array = do_run_on_historic_data({"rule": "momentum", "n_assets": 2, "price_interval": 1440}, params,
                                       prices=series.prices[:, [0, 2]])
    assert by_name["tokens"] == ("BTC", "SOL")
    np.testing.assert_array_equal(np.asarray(by_name["weights"]), np.asarray(by_array["weights"]))
    with pytest.raises(ValueError, match=r"unknown token\(s\) \['XRP'\]"):
        do_run_on_historic_data({"rule": "momentum", "tokens": ["XRP", "BTC"]}, params, prices=csv)
    with pytest.raises(ValueError, match="no bundled price file has all of them"):
        do_run_on_historic_data({"rule": "momentum", "tokens": ["XRP", "BTC"]}, params)
    with pytest.raises(ValueError, match="n_assets=3: conflicts with tokens"):
        do_run_on_historic_data({"rule": "momentum", "tokens": ["ETH", "BTC"], "n_assets": 3}, params)
    with pytest.raises(ValueError, match="price_interval=60: the prices are 1440 minutes apart"):
        do_run_on_historic_data({"rule": "momentum", "tokens": ["ETH", "BTC"], "price_interval": 60}, params)


def test_start_date_selects_the_bout_and_a_missing_date_is_named():
    params = {"lamb": 0.9, "kappa": 1.0}
    fp = {"rule": "momentum", "tokens": ["BTC", "ETH"], "startDateString": "2024-02-01 00:00:00"}
    dated = do_run_on_historic_data(fp, params)
    indexed = do_run_on_historic_data({"rule": "momentum", "tokens": ["BTC", "ETH"]}, params, start_index=31)
    assert dated["start_index"] == 31
    np.testing.assert_array_equal(np.asarray(dated["weights"]), np.asarray(indexed["weights"]))
    with pytest.raises(ValueError, match="startDateString='2020-01-01 00:00:00': no price row at that time"):
        do_run_on_historic_data({**fp, "startDateString": "2020-01-01 00:00:00"}, params)


def test_parameters_of_shape_1_by_n_equal_shape_n():
    flat = do_run_on_historic_data({"rule": "momentum", "tokens": ["BTC", "ETH"]}, PARAMS)
    stored = {k: v[None, :] for k, v in PARAMS.items()}
    assert stored["log_k"].shape == (1, 2)
    sets = do_run_on_historic_data({"rule": "momentum", "tokens": ["BTC", "ETH"]}, stored)
    np.testing.assert_array_equal(np.asarray(flat["weights"]), np.asarray(sets["weights"]))
    with pytest.raises(ValueError, match=r"log_k has shape \(2, 2\).*\(1, n\)"):
        do_run_on_historic_data({"rule": "momentum", "tokens": ["BTC", "ETH"]}, {**PARAMS, "log_k": np.zeros((2, 2))})


def test_power_channel_exponents_at_most_one_are_clipped_in_the_simulator_and_rejected_for_the_chain():
    fp = {"rule": "power_channel", "tokens": ["BTC", "ETH"]}
    base = {"lamb": 0.9, "kappa": 5.0}
    with pytest.warns(UserWarning, match=r"exponents=\[0\.7\]: q <= 1 is clipped to 1.*`parity verify` rejects"):
        low = do_run_on_historic_data(fp, {**base, "exponents": 0.7})
    with pytest.warns(UserWarning, match="clipped"):
        one = do_run_on_historic_data(fp, {**base, "exponents": 1.0})
    np.testing.assert_array_equal(np.asarray(low["weights"]), np.asarray(one["weights"]))
    pool = create_pool("power_channel")
    chain_fp = make_run_fingerprint(rule="power_channel", n_assets=2)
    with pytest.raises(ValueError, match=r"exponents=\[0\.7\].*q\) > 1 \(the on-chain PowerChannel requires it\)"):
        pool.chain_params({**base, "exponents": 0.7}, chain_fp)
    with pytest.raises(ValueError, match="exponents"):
        pool.encode_chain_params({"lamb": [0.9], "kappa": [5.0], "exponents": [1.0]}, 2)


def test_use_pre_exp_scaling_false_fixes_psi_and_do_arb_false_freezes_reserves():
    fp = {"rule": "power_channel", "tokens": ["BTC", "ETH"]}
    params = {"lamb": 0.9, "kappa": 5.0, "exponents": 2.0}
    with pytest.raises(ValueError, match="pre-exponent scaling"):
        do_run_on_historic_data(fp, {**params, "sp_pre_exp_scaling": 3.0})
    fixed = do_run_on_historic_data({**fp, "use_pre_exp_scaling": False}, {**params, "sp_pre_exp_scaling": 3.0})
    plain = do_run_on_historic_data(fp, params)
    np.testing.assert_array_equal(np.asarray(fixed["weights"]), np.asarray(plain["weights"]))
    frozen = do_run_on_historic_data({**fp, "do_arb": False}, params)
    reserves = np.asarray(frozen["reserves"])
    np.testing.assert_array_equal(reserves, np.broadcast_to(reserves[0], reserves.shape))
    np.testing.assert_array_equal(reserves[0], np.asarray(plain["reserves"])[0])


def test_make_run_fingerprint_takes_a_quantammsim_dict_too():
    with pytest.warns(QuantammsimKeyWarning, match="bout_offset, freq"):
        fp = make_run_fingerprint(rule="momentum", tokens=["BTC", "ETH"], freq="minute", bout_offset=10080,
                                  use_alt_lamb=False, chunk_period=60, maximum_change=1e-4)
    assert fp.n_assets == 2 and fp.epsilon_max == pytest.approx(6e-3)
    with pytest.raises(ValueError, match="startDateString='2024-01-01': do_run_on_historic_data honours it"):
        make_run_fingerprint(rule="momentum", n_assets=2, startDateString="2024-01-01")
    with pytest.raises(ValueError, match="use_alt_lamb=True: parity cannot honour it"):
        make_run_fingerprint(rule="momentum", n_assets=2, use_alt_lamb=True)
    with pytest.raises(ValueError, match="unknown run fingerprint key"):
        make_run_fingerprint(rule="momentum", n_assets=2, tokenz=["A", "B"])


def test_quantammsim_default_tokens_btc_eth_usdc_run_from_bundled_data():
    """quantammsim's defaults ask for BTC, ETH and USDC (and its default rule, mean_reversion_channel)."""
    fp = {**QUANTAMMSIM_DEFAULTS, "tokens": ["BTC", "ETH", "USDC"], "rule": "mean_reversion_channel"}
    params = {"logit_lamb": np.full(3, 2.0), "log_k": np.full(3, 1.0), "raw_width": np.full(3, -3.0),
              "log_amplitude": np.full(3, -4.0), "sp_exponents": np.full(3, 0.5), "initial_weights_logits": np.zeros(3)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QuantammsimKeyWarning)
        out = do_run_on_historic_data(fp, params)
    assert out["tokens"] == ("BTC", "ETH", "USDC") and out["weights"].shape == (152, 3)
    prices = np.asarray(out["prices"])
    np.testing.assert_array_equal(prices[:, :2], load_prices(FIXTURES / "btc_eth_daily_2.csv").prices[:152])
    assert (prices[:, 2] == 1.0).all()
    assert np.isfinite(np.asarray(out["value"])).all() and np.abs(np.diff(np.asarray(out["weights"]), axis=0)).max() > 0
