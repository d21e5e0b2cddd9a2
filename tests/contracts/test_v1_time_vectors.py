"""V1 test vectors T1–T6: the full block time against the stored 40-bit times, at and beyond 2^39 and 2^40
(docs/production-loop.md), on the EVM in both V1 builds and on the ProductionModel in lockstep."""

from __future__ import annotations

import pytest

from production_io import E
from v1_vectors import PROFILES, T0, built, c2

H = E // 2
T1_PRICES = [11 * E // 10, 9 * E // 10]
RAIL = [899998400000000000, 100001600000000000]


@pytest.fixture(params=PROFILES)
def build(request):
    return built(request.param)


def events_of(result, role, name) -> dict:
    kind, events = result
    assert kind == "ok", events
    return next(args for r, n, args in events if r == role and n == name)


def now_weights(ls):
    return ls.call("getNormalizedWeights", ls.stack.pool, "getNormalizedWeights", [], ls.model.sample_weights)


def test_t1_interpolation_stops_at_last_interp_beyond_2_40(build):
    ls = c2(build, where="T1")
    up = ls.update(T0 + 1_000, prices=T1_PRICES)
    assert events_of(up, "runner", "CalculateWeightsResponse")["updatedWeights"] == [6 * E // 10, 4 * E // 10]
    pool = ls.model.read_pool()
    assert (pool["multipliers"], pool["last_update"], pool["last_interp"]) == (
        [166666 * 10**9, -166666 * 10**9], T0 + 1_000, T0 + 3_400)
    assert ls.sample(T0 + 1_001) == ("ok", [500166666000000000, 499833334000000000])
    assert ls.sample(T0 + 3_399) == ("ok", [899831734000000000, 100168266000000000])
    for t in (T0 + 3_400, 2**40 - 1, 2**40, 2**40 + 5):
        assert ls.sample(t) == ("ok", RAIL), t


def test_t2_frozen_at_last_interp_not_now_minus_last_update(build):
    ls = c2(build, where="T2")
    assert ls.set_weights_manually([H, H, 10**9, 0], 2**40 - 1, T0, n=2)[0] == "ok"
    assert ls.sample(2**40 - 2) == ("ok", [1098311627774000000000, H])
    for t in (2**40 - 1, 2**40, 2**40 + 5, 2**41):
        assert ls.sample(t) == ("ok", [1098311627775000000000, H]), t


def test_t3_wrapped_tau(build):
    ls = c2(build, where="T3")
    assert ls.set_weights_manually([H, H, 10**9, -(10**9)], T0 - 10, T0, n=2)[0] == "ok"
    assert ls.sample(T0 + 5) == ("revert", "Panic(0x11)")
    assert ls.set_weights_manually([H, H, 10**9, 0], T0 - 10, T0 + 5, n=2)[0] == "ok"
    assert ls.sample(T0 + 6) == ("ok", [1100011627761000000000, H])  # τ = 2^40 − 15


def test_t4_updates_after_2_40_store_small_times(build):
    ls = c2(build, where="T4")
    now = 2**40 + 100
    up = ls.update(now, prices=T1_PRICES, oracle_timestamp=2**40 - 1)
    pool_ev = events_of(up, "pool", "WeightsUpdated")
    assert (pool_ev["lastUpdateTime"], pool_ev["lastInterpolationTimePossible"]) == (100, 2_500)
    runner_ev = events_of(up, "runner", "WeightsUpdated")
    assert (runner_ev["lastUpdateTime"], runner_ev["lastInterpolationTimePossible"]) == (100, 2_500)
    assert ls.model.read_runner()["last_pool_update_run"] == 100
    assert now_weights(ls) == ("ok", RAIL)
    up = ls.update(2**40 + 401, prices=[12 * E // 10, 8 * E // 10], oracle_timestamp=2**40 - 1)
    assert events_of(up, "runner", "CalculateWeightsResponse")["updatedWeights"] == [9 * E // 10, E // 10]
    pool = ls.model.read_pool()
    assert (pool["multipliers"], pool["last_update"], pool["last_interp"]) == ([2 * 10**9, -2 * 10**9], 401, 1_001)
    assert ls.update(2**40 + 3_599, prices=[12 * E // 10, 8 * E // 10], oracle_timestamp=2**40 - 1) == (
        "revert", "No fresh oracle values available")


def test_t5_update_just_before_2_40(build):
    ls = c2(build, where="T5")
    now = 2**40 - 50
    ls.update(now, prices=T1_PRICES)
    pool = ls.model.read_pool()
    assert (pool["last_update"], pool["last_interp"]) == (1_099_511_627_726, 2_350)
    assert ls.sample(now + 1) == ("ok", RAIL)


def test_t6_update_after_2_39(build):
    ls = c2(build, where="T6")
    ls.update(2**39 + 1_000, prices=T1_PRICES)
    pool = ls.model.read_pool()
    assert (pool["last_update"], pool["last_interp"]) == (549_755_814_888, 549_755_817_288)
