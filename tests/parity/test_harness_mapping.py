"""Parameter/state mapping and the comparison arithmetic of the harness (no chain)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parity.fingerprint import make_run_fingerprint
from parity.harness import compare as cmp
from parity.harness.mapping import (
    STATE_MAPS,
    StateField,
    StateMap,
    derived_carry,
    encode_weights,
    from_wei,
    map_parameters,
    pack_words,
    to_wei,
    unpack_words,
    wei_error,
)
from parity.pools import create_pool

WAD = 10**18


def test_unpack_appendix_b6_short_moving_average_words():
    # docs/arithmetic.md §6, vector B6: word 0 holds (1050e18, 1.85e18), word 1 the odd tail 52.5e18.
    words = [357296485266985386636543337803356622028801850000000000000000, 52500000000000000000]
    assert unpack_words(words, 3) == [1050 * WAD, 1850000000000000000, 52500000000000000000]


def test_unpack_negative_halves_and_sign_extended_tail():
    # high half -1 (all ones), low half -2 (two's complement in 128 bits); tail stored sign-extended.
    word = ((-1 << 128) | ((1 << 128) - 2))
    word = word - (1 << 256) if word >= 1 << 255 else word
    assert unpack_words([word, -5], 3) == [-1, -2, -5]


@given(st.lists(st.integers(min_value=-(2**127), max_value=2**127 - 1), min_size=1, max_size=9))
@settings(max_examples=60, deadline=None)
def test_pack_unpack_round_trip(values):
    assert unpack_words(pack_words(values), len(values)) == values


def test_unpack_rejects_wrong_word_count():
    with pytest.raises(ValueError, match="need 2 words for n=3"):
        unpack_words([1], 3)


@given(st.floats(min_value=-1e20, max_value=1e20, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_to_wei_is_the_nearest_integer_to_the_shortest_decimal(x):
    exact = Fraction(x) * WAD
    i = to_wei(x)
    # the shortest decimal of x lies within half an ulp of x; rounding it to a wei adds at most half a wei
    assert abs(Fraction(i) - exact) <= Fraction(1, 2) + Fraction(math.ulp(x)) / 2 * WAD
    assert to_wei(float(repr(x))) == i
    # and from_wei is correctly rounded: no float is closer to i/1e18
    f = from_wei(i)
    target = Fraction(i, WAD)
    for g in (math.nextafter(f, math.inf), math.nextafter(f, -math.inf)):
        assert abs(Fraction(f) - target) <= abs(Fraction(g) - target)


def test_to_wei_ties_go_away_from_zero_and_nonfinite_is_rejected():
    # 2^-19 · 1e18 = 1907348632812.5 exactly: a tie, rounded away from zero (as PRBMath's mul rounds).
    assert to_wei(2.0**-19) == 1907348632813
    assert to_wei(-(2.0**-19)) == -1907348632813
    assert to_wei(3 * 2.0**-19) == 5722045898438
    with pytest.raises(ValueError, match="non-finite"):
        to_wei(float("nan"))


def test_encode_weights_sums_to_one_with_residual_on_last():
    third = to_wei(1 / 3)  # the float 1/3 prints as 0.3333333333333333
    assert third == 333333333333333300
    assert encode_weights([1 / 3] * 3) == [third, third, WAD - 2 * third]
    w = encode_weights(np.full(7, 1 / 7))
    assert w[:-1] == [to_wei(1 / 7)] * 6 and sum(w) == WAD


def test_wei_error_is_exact():
    assert wei_error(0.1, 10**17) == abs(float(Fraction(0.1) * WAD - 10**17))
    assert wei_error(1.0, WAD) == 0.0
    assert wei_error(1e-18, 0) == 1.0


def test_map_parameters_round_trips_through_integers():
    pool = create_pool("momentum")
    fp = make_run_fingerprint(rule="momentum", n_assets=3, epsilon_max=0.1, absolute_weight_guard_rail=0.05)
    m = map_parameters(pool, {"lamb": 0.9, "kappa": [1.0, 2.0, 0.3]}, fp)
    # the decimals a user types, not the binary values (0.9 is 0.90000000000000002220446... as a float)
    assert m.lambda_store == [9 * 10**17]
    assert m.parameters == [[WAD, 2 * WAD, 3 * 10**17]]
    assert (m.epsilon_max, m.guard_rail) == (10**17, 5 * 10**16)
    assert m.fingerprint.epsilon_max == from_wei(m.epsilon_max) == 0.1  # the round trip of a float is exact
    assert m.fingerprint.absolute_weight_guard_rail == 0.05
    # the JAX side receives exactly the decoded values
    assert [to_wei(x) for x in np.ravel(m.jax_params["kappa"])] == m.parameters[0]
    assert [to_wei(x) for x in np.ravel(m.jax_params["lamb"])] == m.lambda_store


def test_map_parameters_rejects_invalid_with_the_pools_reason():
    pool = create_pool("momentum")
    fp = make_run_fingerprint(rule="momentum", n_assets=3)
    with pytest.raises(ValueError, match="kappa"):
        map_parameters(pool, {"lamb": 0.9, "kappa": -1.0}, fp)


def test_state_maps_cover_every_rule_contract():
    from parity.chain import RULE_CONTRACTS

    assert set(STATE_MAPS) == set(RULE_CONTRACTS.values())
    for contract, smap in STATE_MAPS.items():
        assert smap.keys[0] == "ewma" and smap.init_key in smap.keys
        pool_keys = set(create_pool(next(r for r, c in RULE_CONTRACTS.items() if c == contract)).carry_keys)
        assert set(smap.keys) <= pool_keys


# ---------------------------------------------------------------------------------------- comparison


def test_field_errors_measures():
    e = cmp.field_errors("ewma", [[1.5, 2.0]], [[15 * 10**17, 2 * WAD + 10]], scale=[2.0, 4.0], tolerance=1e-18)
    assert e.abs[0, 0] == 0 and e.wei[0, 0] == 0
    assert e.wei[0, 1] == 10.0
    assert e.rel[0, 1] == pytest.approx(10 / (2 * WAD + 10), rel=1e-6)
    assert e.scaled[0, 1] == pytest.approx(e.abs[0, 1] / 4.0)
    assert e.failing.tolist() == [[False, True]]


def test_first_divergence_is_earliest_block_then_largest_ratio():
    a = cmp.field_errors("ewma", [[1.0, 1.0], [1.0, 1.0]], [[WAD, WAD], [WAD + 5000, WAD + 90000]], [1.0, 1.0], 1e-15)
    w = cmp.field_errors("weights", [[0.5, 0.5], [0.5, 0.5]], [[5 * 10**17, 5 * 10**17 + 2000], [5 * 10**17] * 2], [1.0, 1.0], 1e-15)
    d = cmp.first_divergence({"ewma": a, "weights": w}, blocks=[7, 8])
    assert (d.block, d.field, d.asset) == (7, "weights", 1)
    assert d.chain_value == 5 * 10**17 + 2000
    d2 = cmp.first_divergence({"ewma": a}, blocks=[7, 8])
    assert (d2.block, d2.asset) == (8, 1)  # 90000 wei beats 5000 wei at the same block
    # burn-in rows are not counted
    assert cmp.first_divergence({"weights": w}, blocks=[7, 8], counted=[False, True]) is None
    worst = cmp.worst_per_field({"ewma": a, "weights": w}, blocks=[7, 8])
    assert (worst["ewma"].block, worst["ewma"].asset) == (8, 1)


def test_nan_always_diverges():
    e = cmp.field_errors("weights", [[float("nan"), 0.5]], [[5 * 10**17, 5 * 10**17]], [1.0, 1.0], 1.0)
    assert e.failing.tolist() == [[True, False]]


def test_default_tolerances_grow_with_memory_and_horizon():
    prices = np.array([[100.0, 2.0], [101.0, 2.1]])
    t = lambda lamb, h: cmp.default_tolerances(lamb=lamb, prices=prices, horizon=h, kappa=1.0)  # noqa: E731
    short, longer = t(0.9, 1000), t(0.99, 1000)
    assert all(longer[f] >= short[f] for f in ("ewma", "running_a", "variance"))
    assert longer["ewma"] > short["ewma"]
    assert t(0.9, 1000)["weights"] > t(0.9, 10)["weights"] > 0


def test_chain_mulfactor_error_is_the_contracts_truncation():
    # λ = 0.5: c = 0.125/0.5 = 0.25 exactly on both sides; λ = 0.9999: c = 1e-12/0.9999 = 1000100.0100… wei,
    # which the contract truncates to 1000100 wei: relative error −0.0100…/1000100.01 ≈ −1.0e-8
    err = cmp.chain_mulfactor_error([0.5, 0.9999])
    assert err[0] == 0.0
    assert err[1] == pytest.approx(-0.010001 / 1000100.010001, rel=1e-3)



def test_finish_centring_cancels_a_common_signal_error():
    kappa = np.array([1.0, 1.0, 2.0])
    # the same relative error on every asset's equal signal: FINISH subtracts it again
    assert cmp._finish_exact(kappa, np.array([[3e-12, 3e-12, 3e-12]])).tolist() == [0.0]
    # signed errors: |κ_i·(δ_i − Σκ_jδ_j/Σκ)| with centre (1 − 1 + 0)/4 = 0 -> max κ·|δ| = 1
    assert cmp._finish_exact(kappa, np.array([[1.0, -1.0, 0.0]])).tolist() == [1.0]
    # unknown signs, |δ| ≤ err: κ_i·(err_i + Σκ_j·err_j/Σκ) = 2·(1 + 1) for the κ = 2 asset
    assert cmp._finish_bound(kappa, np.array([[1.0, 1.0, 1.0]])).tolist() == [4.0]


def test_asset_state_bounds_use_each_assets_own_memory():
    prices = np.array([[1.0, 1.0], [1.1, 1.1], [0.9, 0.9], [1.2, 1.2]])
    stats = cmp.run_statistics(prices, [0.5, 0.99])
    per_step = cmp.asset_state_bounds(stats, [0.5, 0.99], horizon=1000)
    assert per_step["running_a"].shape == (3, 2)
    # same prices; after three updates λ = 0.5 has filled 1 + 0.5 + 0.25 = 1.75 steps of memory and
    # λ = 0.99 1 + 0.99 + 0.9801, and the bound grows as the memory fills
    assert per_step["running_a"][2, 0] < per_step["running_a"][2, 1]
    assert np.all(np.diff(per_step["running_a"][:, 1]) > 0)
    memory = cmp._filled_memory(np.array([0.5, 0.99]), np.array([[3.0]]), horizon=1000)
    assert memory[0] == pytest.approx([1.75, 2.9701], rel=1e-12)
    assert cmp.state_tolerances(stats, [0.5, 0.99], 1000, 0.9)["running_a"] >= per_step["running_a"].max()

@pytest.mark.parametrize(
    "spec,msg",
    [("ewma", "FIELD=VALUE"), ("foo=1", "unknown"), ("ewma=abc", "must be a number"), ("ewma=-1", "≥ 0")],
)
def test_parse_tolerance_errors(spec, msg):
    with pytest.raises(ValueError, match=msg):
        cmp.parse_tolerance(spec)


def test_parse_tolerance_ok():
    assert cmp.parse_tolerance("weights=1e-9") == ("weights", 1e-9)


def test_derived_carry_deviations_are_exact_integer_differences():
    smap = STATE_MAPS["DifferenceMomentumRule"]
    price = [10**18 + 1, 3 * 10**22 + 7]
    state = {"ewma": [10**18, 3 * 10**22], "short_ewma": [10**18 + 2, 3 * 10**22 + 5]}
    keys = ("price", "ewma", "ewma_deviation", "short_ewma", "short_ewma_deviation")
    out = derived_carry(keys, smap, price, state)
    assert set(out) == {"price", "ewma_deviation", "short_ewma_deviation"}  # the chain values are set elsewhere
    assert out["price"].tolist() == [from_wei(p) for p in price]
    assert out["ewma_deviation"].tolist() == [from_wei(1), from_wei(7)]
    assert out["short_ewma_deviation"].tolist() == [from_wei(-1), from_wei(2)]
    # the difference of the decoded floats loses the 7 wei under ulp(3e4) ≈ 3.6e-12
    assert from_wei(price[1]) - from_wei(state["ewma"][1]) == 0.0


def test_derived_carry_sets_only_keys_the_carry_has():
    price, state = [2 * 10**18], {"ewma": [10**18], "running_a": [5]}
    gradient = STATE_MAPS["MomentumRule"]
    assert set(derived_carry(("price", "ewma", "ewma_deviation", "running_a"), gradient, price, state)) == {
        "price", "ewma_deviation"}  # running_a is not a moving average
    assert derived_carry(("ewma", "running_a"), gradient, price, state) == {}  # a carry without the deviation form
    renamed = StateMap((StateField("level", "getMovingAverages"), StateField("trend", "getIntermediateGradientState")),
                       init_key="trend")
    assert derived_carry(("level", "trend"), renamed, price, {"level": [10**18], "trend": [5]}) == {}
