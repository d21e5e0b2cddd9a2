"""V1 test vectors W1–W8 (setWeightsManually) and S1–S9 (setTargetWeightsManually), by the admin from setup
C2, on the EVM in both V1 builds and on the ProductionModel in lockstep."""

from __future__ import annotations

import pytest

from production_io import E
from v1_vectors import PROFILES, T0, accounts, built, c2, f16

H = E // 2


@pytest.fixture(params=PROFILES)
def build(request):
    return built(request.param)


def manual(ls, values, last_interp=T0 + 100, n=2, t=T0):
    return ls.set_weights_manually(values, last_interp, t, n=n)


def target(ls, targets, interval=100, n=2, t=T0):
    return ls.set_target_weights_manually(targets, interval, t, n=n)


def test_w1_stores_as_given_and_emits_set_weight_manual_only(build):
    ls = c2(build, where="W1")
    a, _, _ = accounts(ls)
    pool = ls.stack.addresses.pool
    values = [6 * E // 10, 4 * E // 10, 10**15, -(10**15)]
    assert manual(ls, values) == ("ok", [
        ("pool", "WeightsUpdated", {"poolAddress": pool, "calculatedWeightsAndMultipliers": values,
                                    "lastInterpolationTimePossible": T0 + 100, "lastUpdateTime": T0}),
        ("runner", "SetWeightManual", {"caller": a, "pool": pool, "weights": f16(*values),
                                       "lastInterpolationTimePossible": T0 + 100, "lastUpdateTime": T0}),
    ])


@pytest.mark.parametrize("values, n, expected", [
    ([6 * E // 10, 4 * E // 10, 10**15, -(10**15)], 4, "Below min allowed weight"),  # W2: index 2 checked
    ([995 * E // 1000, -E, 0, 0], 2, "Above max allowed weight"),  # W5
    ([-E, 995 * E // 1000, 0, 0], 2, "Below min allowed weight"),
    ([10**16 - 1, 99 * E // 100, 0, 0], 2, "Below min allowed weight"),  # W6
    ([10**16, 99 * E // 100 + 1, 0, 0], 2, "Above max allowed weight"),
    ([H, H, 0], 2, "WD"),  # W7
    ([H, H, 3 * E, 0], 2, "Overflow/Underflow"),
    ([H, H, H], 5, "WD"),  # W8: every entry passes the bounds check first
])
def test_w_refusals(build, values, n, expected):
    ls = c2(build, where="W refusals")
    assert manual(ls, values, n=n) == ("revert", expected)


@pytest.mark.parametrize("values, n, read", [
    ([0, -4 * E // 10, 10**15, -(10**15)], 0, [0, 2**256 - 4 * E // 10]),  # W3: n = 0 checks nothing
    ([H, 15 * E // 10, 0, 0], 1, [H, 15 * E // 10]),  # W4: index 1 unchecked
    ([10**16, 99 * E // 100, 0, 0], 2, [10**16, 99 * E // 100]),  # W6: both bounds inclusive
])
def test_w_accepted(build, values, n, read):
    ls = c2(build, where="W accepted")
    assert manual(ls, values, n=n)[0] == "ok"
    assert ls.call("getNormalizedWeights", ls.stack.pool, "getNormalizedWeights", [], ls.model.sample_weights) == ("ok", read)


def test_s1_and_s6_interpolate_from_the_current_weights(build):
    for n in (2, 5):  # S6: n above the length is fine, the loop runs over the array
        ls = c2(build, where=f"S1 n={n}")
        a, _, _ = accounts(ls)
        pool = ls.stack.addresses.pool
        stored = f16(H, H, 10**15, -(10**15))
        assert target(ls, [6 * E // 10, 4 * E // 10], n=n) == ("ok", [
            ("pool", "WeightsUpdated", {"poolAddress": pool, "calculatedWeightsAndMultipliers": [H, H, 10**15, -(10**15)],
                                        "lastInterpolationTimePossible": T0 + 400, "lastUpdateTime": T0}),
            ("runner", "WeightsUpdated", {"poolAddress": pool, "updateOwner": a, "weights": stored,
                                          "lastInterpolationTimePossible": T0 + 400, "lastUpdateTime": T0}),
            ("runner", "SetWeightManual", {"caller": a, "pool": pool, "weights": stored,
                                           "lastInterpolationTimePossible": T0 + 400, "lastUpdateTime": T0}),
        ])


@pytest.mark.parametrize("targets, interval, n, expected", [
    ([6 * E // 10], 100, 2, "Weights length mismatch"),  # S2
    ([0, 0, 0], 100, 0, "Weights length mismatch"),
    ([3 * E // 10, 3 * E // 10, 4 * E // 10], 100, 5, "Weights length mismatch"),
    ([5 * E // 1000], 100, 2, "Below min allowed weight"),  # S3: bounds before length
    ([6 * E // 10, -(2**255)], 100, 1, "Panic(0x11)"),  # S4: w − w⁰ is checked
    ([6 * E // 10, 4 * E // 10], 0, 2, "Panic(0x12)"),  # S8
])
def test_s_refusals(build, targets, interval, n, expected):
    ls = c2(build, where="S refusals")
    assert target(ls, targets, interval=interval, n=n) == ("revert", expected)


def pool_event(events) -> dict:
    return next(args for role, name, args in events if role == "pool" and name == "WeightsUpdated")


def test_s5_unchecked_entry_moves_fast(build):
    ls = c2(build, where="S5")
    kind, events = target(ls, [6 * E // 10, 5 * E], n=1)
    assert kind == "ok"
    pool = ls.model.read_pool()
    assert pool["multipliers"] == [10**15, 45 * 10**15] and pool["last_interp"] == T0 + 8


def test_s7_intervals_read_as_int40(build):
    ls = c2(build, where="S7 2^39")
    kind, events = target(ls, [6 * E // 10, 4 * E // 10], interval=2**39)
    assert kind == "ok"
    assert pool_event(events)["calculatedWeightsAndMultipliers"][2:] == [-181898, 181898]
    assert ls.model.read_pool()["multipliers"] == [0, 0] and pool_event(events)["lastInterpolationTimePossible"] == 2**40 - 1
    ls = c2(build, where="S7 2^40-1")
    kind, events = target(ls, [6 * E // 10, 4 * E // 10], interval=2**40 - 1)
    assert kind == "ok"
    assert ls.model.read_pool()["multipliers"] == [-(10**17), 10**17] and ls.model.read_pool()["last_interp"] == T0 + 4


def test_s9_stuck_pool_panics_before_the_length_check(build):
    ls = c2(build, where="S9")
    assert manual(ls, [H, H, 0, -(10**15)], last_interp=2**40 - 1)[0] == "ok"
    t = T0 + 1_000
    assert ls.sample(t) == ("revert", "Panic(0x11)")
    assert target(ls, [6 * E // 10, 4 * E // 10], n=5, t=t) == ("revert", "Panic(0x11)")
    assert target(ls, [6 * E // 10], n=5, t=t) == ("revert", "Panic(0x11)")
    assert ls.update(t, prices=[E, E]) == ("revert", "Panic(0x11)")
