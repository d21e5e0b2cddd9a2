"""Pool parameters: seed-style -> on-chain conversion, validation errors, 18-decimal layouts."""

import math

import numpy as np
import pytest

import parity  # noqa: F401
from parity.fingerprint import make_run_fingerprint
from parity.params import lamb_from_memory_days, memory_days
from parity.pools import create_pool

WAD = 10**18
MD_HALF = 5.768998281229633  # memory_days(0.5, 1440), docs/architecture.md, Parameters


def _fp(rule, n=3, **kw):
    return make_run_fingerprint(rule=rule, n_assets=n, **kw)


def _cp(rule, params, n=3, **kw):
    return create_pool(rule).chain_params(params, _fp(rule, n, **kw))


def sp(x):
    return (x + math.sqrt(x * x + 4.0)) / 2.0


# ------------------------------------------------------------------------------------------ conversion


def test_momentum_seed_params_to_chain():
    cp = _cp("momentum", {"logit_lamb": 0.0, "log_k": 0.0})
    assert cp["lamb"].tolist() == [0.5]
    np.testing.assert_allclose(cp["kappa"], [MD_HALF], rtol=1e-15)
    assert cp["use_raw_price"] is False
    cp = _cp("momentum", {"logit_lamb": [0.0, 0.0, 0.0], "log_k": [1.0, 2.0, 3.0], "use_raw_price": True})
    np.testing.assert_allclose(cp["kappa"], [2 * MD_HALF, 4 * MD_HALF, 8 * MD_HALF], rtol=1e-15)
    assert cp["use_raw_price"] is True
    cp = _cp("anti_momentum", {"memory_days": 10.0, "k": 3.0})
    np.testing.assert_allclose(cp["lamb"], [0.6803607118851567], rtol=1e-14)
    np.testing.assert_allclose(cp["kappa"], [30.0], rtol=1e-12)


def test_seed_lambda_is_capped_at_max_memory_days_but_chain_lambda_is_not():
    cap = float(lamb_from_memory_days(365.0, 1440))
    cp = _cp("momentum", {"logit_lamb": 10.0, "log_k": 0.0})
    assert cp["lamb"].tolist() == [cap]
    np.testing.assert_allclose(cp["kappa"], [365.0], rtol=1e-12)
    cp = _cp("momentum", {"lamb": 0.9999, "kappa": 1.0})
    assert cp["lamb"].tolist() == [0.9999]
    cp = _cp("momentum", {"logit_lamb": 10.0, "log_k": 0.0}, max_memory_days=30.0)
    np.testing.assert_allclose(cp["lamb"], [float(lamb_from_memory_days(30.0, 1440))], rtol=0)


def test_power_channel_seed_params():
    cp = _cp("power_channel", {"logit_lamb": 0.0, "sp_k": 1.0, "sp_exponents": 2.0, "sp_pre_exp_scaling": -1.5})
    np.testing.assert_allclose(cp["kappa"], [sp(1.0) * MD_HALF], rtol=1e-15)
    np.testing.assert_allclose(cp["exponents"], [sp(2.0)], rtol=1e-15)
    cp = _cp("power_channel", {"lamb": 0.9, "kappa": [1.0, 2.0, 3.0], "raw_exponents": 1.0})
    np.testing.assert_allclose(cp["exponents"], [sp(1.0)] * 3, rtol=1e-15)  # broadcast to κ's length


@pytest.mark.parametrize("key,value", [("pre_exp_scaling", 0.3), ("sp_pre_exp_scaling", 0.0),
                                       ("logit_pre_exp_scaling", 1.0), ("raw_pre_exp_scaling", 0.0)])
def test_power_channel_rejects_non_neutral_pre_exp_scaling(key, value):
    with pytest.raises(ValueError, match=f"{key}.*no pre-exponent scaling"):
        _cp("power_channel", {"lamb": 0.9, "kappa": 1.0, "exponents": 2.0, key: value})


def test_power_channel_accepts_neutral_pre_exp_scaling():
    for key, value in [("pre_exp_scaling", 0.5), ("logit_pre_exp_scaling", 0.0), ("raw_pre_exp_scaling", -1.0)]:
        _cp("power_channel", {"lamb": 0.9, "kappa": 1.0, "exponents": 2.0, key: value})


def test_channel_seed_params_and_broadcast():
    params = {"logit_lamb": 0.0, "log_k": 1.0, "raw_width": -2.0, "log_amplitude": -1.0, "sp_exponents": 0.0,
              "logit_pre_exp_scaling": [0.0, 1.0, -1.0]}
    cp = _cp("mean_reversion_channel", params)
    for key in ("kappa", "width", "amplitude", "exponents", "inverse_scaling", "pre_exp_scaling"):
        assert cp[key].shape == (3,), key
    np.testing.assert_allclose(cp["kappa"], [2 * MD_HALF] * 3, rtol=1e-15)
    np.testing.assert_allclose(cp["width"], [0.25] * 3)
    np.testing.assert_allclose(cp["amplitude"], [0.5 * MD_HALF] * 3, rtol=1e-15)
    np.testing.assert_allclose(cp["exponents"], [1.0] * 3)
    np.testing.assert_allclose(cp["inverse_scaling"], [0.5415] * 3)
    np.testing.assert_allclose(cp["pre_exp_scaling"], [0.5, 1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))], rtol=1e-15)
    cp = _cp("mean_reversion_channel", {"lamb": 0.9, "kappa": 1.0, "width": 0.1, "sp_amplitude": 0.0,
                                         "exponents": 1.5, "inverse_scaling": 0.6, "pre_exp_scaling": 0.2})
    assert all(cp[k].shape == (1,) for k in ("kappa", "width", "amplitude"))
    np.testing.assert_allclose(cp["amplitude"], [float(memory_days(0.9, 1440))], rtol=1e-15)


def test_difference_momentum_memory_days_params():
    cp = _cp("difference_momentum", {"memory_days_1": 5.0, "memory_days_2": 20.0, "k": 2.0})
    np.testing.assert_allclose(cp["lamb_short"], [float(lamb_from_memory_days(5.0, 1440))], rtol=0)
    np.testing.assert_allclose(cp["lamb"], [float(lamb_from_memory_days(20.0, 1440))], rtol=0)
    np.testing.assert_allclose(cp["kappa"], [40.0], rtol=1e-12)
    cp = _cp("difference_momentum", {"logit_lamb": 0.0, "logit_delta_lamb": 1.0, "log_k": 0.0})
    assert cp["lamb_short"].tolist() == [0.5]
    np.testing.assert_allclose(cp["lamb"], [1 / (1 + math.exp(-1.0))], rtol=1e-15)
    np.testing.assert_allclose(cp["kappa"], [MD_HALF], rtol=1e-15)
    cp = _cp("difference_momentum", {"lamb": 0.9, "lamb_short": 0.5, "kappa": [2.0, -1.0, 3.0]})
    assert cp["kappa"].tolist() == [2.0, -1.0, 3.0]


def test_min_variance_and_index_params():
    cp = _cp("min_variance", {"memory_days_1": 10.0, "memory_days_2": 5.0})
    np.testing.assert_allclose(cp["lamb"], [0.6803607118851567], rtol=1e-14)
    np.testing.assert_allclose(cp["mixing"], [float(lamb_from_memory_days(5.0, 1440))], rtol=0)
    cp = _cp("min_variance", {"logit_lamb": 0.0})
    assert cp["lamb"].tolist() == [0.5] and cp["mixing"].tolist() == [0.5]
    cp = _cp("index_market_cap", {"logit_lamb": 0.0})
    assert list(cp) == ["mixing"] and cp["mixing"].tolist() == [0.5]


# ------------------------------------------------------------------------------------------ validation


BAD = [
    ("momentum", {"lamb": 1.0, "kappa": 1.0}, r"lamb=\[1\.0\].*0 < lamb < 1"),
    ("momentum", {"lamb": 0.0, "kappa": 1.0}, r"lamb=\[0\.0\]"),
    ("anti_momentum", {"lamb": 0.9, "kappa": [1.0, -1.0, 2.0]}, r"kappa=\[1\.0, -1\.0, 2\.0\].*kappa > 0"),
    ("momentum", {"lamb": 0.9, "kappa": 0.0}, "kappa > 0"),
    ("momentum", {"lamb": 0.9, "kappa": float("nan")}, "kappa.*NaN"),
    ("momentum", {"lamb": 0.9, "kappa": [1.0, 2.0]}, "kappa has length 2.*n_assets=3"),
    ("momentum", {"lamb": [0.9, 0.8, 0.7, 0.6], "kappa": 1.0}, "lamb has length 4"),
    ("momentum", {"lamb": 0.9, "kappa": 1.0, "use_raw_price": 0.5}, "use_raw_price"),
    ("momentum", {"kappa": 1.0}, r"missing parameter.*lamb"),
    ("momentum", {"lamb": 0.9}, r"missing parameter.*kappa"),
    ("power_channel", {"lamb": 0.9, "kappa": 1.0, "exponents": 1.0}, r"exponents=\[1\.0\].*> 1"),
    ("power_channel", {"lamb": 0.9, "kappa": 1.0, "exponents": [2.0, 0.5, 3.0]}, "exponents"),
    ("mean_reversion_channel", {"lamb": 0.9, "kappa": 1.0, "width": -0.1, "amplitude": 1.0, "exponents": 1.5},
     r"width=\[-0\.1\].*width > 0"),
    ("mean_reversion_channel", {"lamb": 0.9, "kappa": 1.0, "width": 0.1, "amplitude": 0.0, "exponents": 1.5},
     "amplitude > 0"),
    ("mean_reversion_channel", {"lamb": 0.9, "kappa": 1.0, "width": 0.1, "amplitude": 1.0, "exponents": 1.5,
                                "inverse_scaling": 0.0}, "inverse_scaling > 0"),
    ("difference_momentum", {"lamb": 0.9, "lamb_short": 1.5, "kappa": 1.0}, r"lamb_short=\[1\.5\]"),
    ("difference_momentum", {"lamb": 0.9, "lamb_short": -0.1, "kappa": 1.0}, "lamb_short"),
    ("difference_momentum", {"lamb": 0.9, "lamb_short": 0.5, "kappa": [1.0, 0.0, 1.0]}, "kappa != 0"),
    ("difference_momentum", {"lamb": 0.9, "lamb_short": 0.5, "kappa": [1.0, -2.0, 1.0]}, r"sum\(kappa\) != 0"),
    ("min_variance", {"lamb": 0.9, "mixing": 1.2}, r"mixing=\[1\.2\].*0 <= mixing <= 1"),
    ("min_variance", {"lamb": 0.9, "mixing": -0.2}, "mixing"),
    ("index_market_cap", {"mixing": 2.0}, "mixing"),
]


@pytest.mark.parametrize("rule,params,match", BAD)
def test_validation_errors_name_field_value_and_rule(rule, params, match):
    with pytest.raises(ValueError, match=match):
        _cp(rule, params)


def test_initial_weight_validation():
    pool = create_pool("momentum")
    fp = _fp("momentum", absolute_weight_guard_rail=0.05)
    np.testing.assert_allclose(np.asarray(pool.initial_weights({}, fp)), [1 / 3] * 3)
    np.testing.assert_allclose(np.asarray(pool.initial_weights({"initial_weights_logits": [0.0, 0.0, math.log(2)]}, fp)),
                               [0.25, 0.25, 0.5], rtol=1e-15)
    with pytest.raises(ValueError, match="sum to.*must sum to 1"):
        pool.initial_weights({"initial_weights": [0.3, 0.3, 0.3]}, fp)
    with pytest.raises(ValueError, match="absolute_weight_guard_rail=0.05"):
        pool.initial_weights({"initial_weights": [0.01, 0.49, 0.5]}, fp)
    with pytest.raises(ValueError, match="initial_weights has length 2"):
        pool.initial_weights({"initial_weights": [0.5, 0.5]}, fp)
    with pytest.raises(ValueError, match="NaN"):
        pool.initial_weights({"initial_weights": [0.5, float("nan"), 0.5]}, fp)
    w = pool.initial_weights({"initial_weights": [0.2, 0.3, 0.5 + 5e-13]}, fp)  # within 1e-12
    assert w.shape == (3,)


def test_unknown_rule():
    with pytest.raises(ValueError, match="rule='momentun'"):
        create_pool("momentun")


# ------------------------------------------------------------------------------------------ encoding


LAYOUTS = [
    ("momentum", {"lamb": 0.75, "kappa": 2.0}, [[2 * WAD]], [75 * 10**16]),
    ("momentum", {"lamb": [0.75, 0.5, 0.25], "kappa": [1.0, 3.0, 5.0], "use_raw_price": True},
     [[WAD, 3 * WAD, 5 * WAD], [WAD]], [75 * 10**16, 5 * 10**17, 25 * 10**16]),
    ("anti_momentum", {"lamb": 0.5, "kappa": 0.125, "use_raw_price": True}, [[125 * 10**15], [WAD]], [5 * 10**17]),
    ("power_channel", {"lamb": 0.5, "kappa": 5.0, "exponents": 2.0}, [[5 * WAD], [2 * WAD]], [5 * 10**17]),
    ("power_channel", {"lamb": 0.5, "kappa": 5.0, "exponents": 1.5, "use_raw_price": True},
     [[5 * WAD], [15 * 10**17], [WAD]], [5 * 10**17]),
    ("mean_reversion_channel", {"lamb": 0.5, "kappa": 10.0, "width": 0.125, "amplitude": 0.5, "exponents": 1.5,
                                "inverse_scaling": 0.5, "pre_exp_scaling": 0.25},
     [[10 * WAD], [125 * 10**15], [5 * 10**17], [15 * 10**17], [5 * 10**17], [25 * 10**16], [0]], [5 * 10**17]),
    ("difference_momentum", {"lamb": 0.75, "kappa": [1.0, -0.5, 2.0], "lamb_short": 0.5},
     [[WAD, -5 * 10**17, 2 * WAD], [5 * 10**17]], [75 * 10**16]),
    ("min_variance", {"lamb": 0.75, "mixing": [0.5, 0.25, 0.0]}, [[5 * 10**17, 25 * 10**16, 0]], [75 * 10**16]),
]


@pytest.mark.parametrize("rule,params,parameters,lambda_store", LAYOUTS)
def test_encode_layout_and_decode(rule, params, parameters, lambda_store):
    pool = create_pool(rule)
    cp = pool.chain_params(params, _fp(rule))
    got_parameters, got_lambda = pool.encode_chain_params(cp, 3)
    assert got_parameters == parameters
    assert got_lambda == lambda_store
    decoded = pool.decode_chain_params(got_parameters, got_lambda, 3)
    assert set(decoded) == set(cp)
    for key, value in cp.items():
        if key == "use_raw_price":
            assert decoded[key] is value
        else:
            np.testing.assert_array_equal(decoded[key], value)


def test_decode_gives_the_float_nearest_each_int():
    pool = create_pool("momentum")
    decoded = pool.decode_chain_params([[2 * WAD + 1, 3]], [900000000000000001], 2)
    assert decoded["lamb"].tolist() == [0.9000000000000000010]
    assert decoded["kappa"].tolist() == [2.000000000000000001, 3e-18]
    assert decoded["use_raw_price"] is False


def test_encode_decode_close_for_inexact_values():
    pool = create_pool("mean_reversion_channel")
    cp = pool.chain_params({"logit_lamb": 0.3, "sp_k": 0.7, "sp_width": -1.0, "sp_amplitude": 0.2,
                            "sp_exponents": 0.4, "sp_pre_exp_scaling": 0.1, "use_raw_price": True}, _fp("mean_reversion_channel"))
    decoded = pool.decode_chain_params(*pool.encode_chain_params(cp, 3), 3)
    for key in cp:
        if key != "use_raw_price":
            np.testing.assert_allclose(decoded[key], cp[key], rtol=1e-16, atol=5e-19)
    assert decoded["use_raw_price"] is True


def test_bad_layouts_raise():
    with pytest.raises(ValueError, match="useRawPrice"):
        create_pool("momentum").decode_chain_params([[WAD], [5]], [WAD // 2], 3)
    with pytest.raises(ValueError, match="exactly 7"):
        create_pool("mean_reversion_channel").decode_chain_params([[WAD]] * 6, [WAD // 2], 3)
    with pytest.raises(ValueError, match="no on-chain rule"):
        create_pool("index_market_cap").encode_chain_params({"mixing": np.array([0.5])}, 3)
    with pytest.raises(ValueError, match="kappa > 0"):
        create_pool("momentum").encode_chain_params({"lamb": [0.5], "kappa": [-1.0], "use_raw_price": False}, 3)


def test_encode_needs_every_chain_key_and_defaults_the_flag():
    pool = create_pool("power_channel")
    with pytest.raises(ValueError, match=r"miss \['exponents'\]"):
        pool.encode_chain_params({"lamb": [0.5], "kappa": [1.0]}, 3)
    parameters, lambda_store = pool.encode_chain_params({"lamb": [0.5], "kappa": [1.0], "exponents": [2.0]}, 3)
    assert parameters == [[WAD], [2 * WAD]] and lambda_store == [WAD // 2]
