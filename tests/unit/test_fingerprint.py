"""RunFingerprint: defaults, aliases, validation messages, hashing and dict round trip."""

import json

import jax
import jax.numpy as jnp
import pytest

from parity.fingerprint import RULES, RunFingerprint, make_run_fingerprint


def test_defaults():
    fp = make_run_fingerprint(rule="momentum", n_assets=4)
    assert (fp.chunk_period, fp.weight_interpolation_period, fp.price_interval) == (1440, 1440, 1)
    assert fp.bout_length is None
    assert (fp.max_memory_days, fp.initial_pool_value) == (365.0, 1e6)
    assert (fp.weight_calculation_method, fp.weight_interpolation_method) == ("auto", "linear")
    assert fp.epsilon_max == 3e-4 * 1440
    assert fp.absolute_weight_guard_rail == 0.1 / 4
    assert fp.minimum_weight == fp.absolute_weight_guard_rail
    assert fp.maximum_change == pytest.approx(3e-4, rel=1e-15)


def test_interpolation_period_defaults_to_chunk_and_drives_epsilon():
    fp = make_run_fingerprint(rule="min_variance", n_assets=2, chunk_period=60)
    assert fp.weight_interpolation_period == 60
    assert fp.epsilon_max == 3e-4 * 60
    fp = make_run_fingerprint(rule="min_variance", n_assets=2, chunk_period=60, weight_interpolation_period=30,
                              price_interval=5)
    assert fp.epsilon_max == 3e-4 * 30
    assert (fp.chunk_steps, fp.interpolation_steps) == (12, 6)


def test_default_epsilon_is_capped_at_one():
    fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=10080)  # 3e-4 * 10080 = 3.024
    assert fp.epsilon_max == 1.0


def test_aliases():
    fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=60, maximum_change=1e-3, minimum_weight=0.2)
    assert fp.epsilon_max == 1e-3 * 60
    assert fp.absolute_weight_guard_rail == 0.2
    same = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=60, maximum_change=1e-3, epsilon_max=0.06,
                                minimum_weight=0.2, absolute_weight_guard_rail=0.2)
    assert same == fp
    with pytest.raises(ValueError, match="maximum_change=0.002.*epsilon_max=0.06"):
        make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=60, maximum_change=2e-3, epsilon_max=0.06)
    with pytest.raises(ValueError, match="minimum_weight=0.2.*absolute_weight_guard_rail=0.1"):
        make_run_fingerprint(rule="momentum", n_assets=2, minimum_weight=0.2, absolute_weight_guard_rail=0.1)


def test_unknown_keys_are_named():
    with pytest.raises(ValueError, match="unknown run fingerprint key.*chunk_perod.*feez"):
        make_run_fingerprint(rule="momentum", n_assets=2, chunk_perod=60, feez=0.0)
    # quantammsim's own keys are not unknown (parity.quantammsim_inputs; tests/unit/test_quantammsim_inputs.py)
    from parity.quantammsim_inputs import QuantammsimKeyWarning

    with pytest.warns(QuantammsimKeyWarning, match="fees"):
        assert make_run_fingerprint(rule="momentum", n_assets=2, fees=0.0).n_assets == 2


@pytest.mark.parametrize("kwargs, field, rule", [
    (dict(rule="momentum_v2"), "rule", "must be one of momentum"),
    (dict(n_assets=1), "n_assets", ">= 2"),
    (dict(n_assets=9), "n_assets", "between 2 and 8"),
    (dict(n_assets=2.5), "n_assets", "integer"),
    (dict(chunk_period=0), "chunk_period", ">= 1"),
    (dict(chunk_period=-60), "chunk_period", ">= 1"),
    (dict(chunk_period=60, price_interval=7), "chunk_period", "multiple of price_interval=7"),
    (dict(chunk_period=60, weight_interpolation_period=24, price_interval=5), "weight_interpolation_period=24",
     "multiple of price_interval=5"),
    (dict(chunk_period=60, weight_interpolation_period=120), "weight_interpolation_period", "<= chunk_period=60"),
    (dict(epsilon_max=0.0), "epsilon_max", "0 < epsilon_max <= 1"),
    (dict(epsilon_max=1.5), "epsilon_max", "0 < epsilon_max <= 1"),
    (dict(maximum_change=-1e-4), "maximum_change", "> 0"),
    (dict(absolute_weight_guard_rail=0.0), "absolute_weight_guard_rail", "< 1/n_assets"),
    (dict(absolute_weight_guard_rail=1 / 3), "absolute_weight_guard_rail", "< 1/n_assets"),
    (dict(initial_pool_value=0.0), "initial_pool_value", "> 0"),
    (dict(initial_pool_value=float("nan")), "initial_pool_value", "finite"),
    (dict(max_memory_days=-1.0), "max_memory_days", "> 0"),
    (dict(weight_calculation_method="hybrid"), "weight_calculation_method", "auto, vectorized, scan"),
    (dict(weight_interpolation_method="optimal"), "weight_interpolation_method", "linear, approx_optimal"),
    (dict(bout_length=0), "bout_length", ">= 1"),
])
def test_validation_names_field_value_and_rule(kwargs, field, rule):
    args = dict(rule="momentum", n_assets=3) | kwargs
    with pytest.raises(ValueError) as err:
        make_run_fingerprint(**args)
    message = str(err.value)
    assert field in message and rule in message


def test_missing_required():
    with pytest.raises(ValueError, match="n_assets=None: is required"):
        make_run_fingerprint(rule="momentum")


def test_direct_construction_is_validated_too():
    assert RunFingerprint("momentum", 3).epsilon_max == 3e-4 * 1440
    with pytest.raises(ValueError, match="n_assets"):
        RunFingerprint("momentum", 12)


def test_all_rule_names_accepted():
    assert len(RULES) == 7
    for rule in RULES:
        assert make_run_fingerprint(rule=rule, n_assets=2).rule == rule


def test_hashable_and_frozen_and_jit_static():
    a = make_run_fingerprint(rule="momentum", n_assets=3, chunk_period=60)
    b = make_run_fingerprint(rule="momentum", n_assets=3, chunk_period=60, weight_interpolation_period=60)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.n_assets = 4
    f = jax.jit(lambda x, fp: x * fp.chunk_period, static_argnums=1)
    assert float(f(jnp.float64(2.0), a)) == 120.0


def test_dict_round_trip_through_json():
    fp = make_run_fingerprint(rule="power_channel", n_assets=5, chunk_period=240, weight_interpolation_period=120,
                              price_interval=60, bout_length=10_000, maximum_change=1e-4, minimum_weight=0.01)
    data = json.loads(json.dumps(fp.to_dict()))
    assert data["epsilon_max"] == fp.epsilon_max and "maximum_change" not in data
    assert RunFingerprint.from_dict(data) == fp
    with pytest.raises(ValueError, match="unknown.*colour"):
        RunFingerprint.from_dict(data | {"colour": "red"})
