"""The published test vectors of the production loop (runner multipliers, last interpolation time,
9-decimal storage, getNormalizedWeights and its τ wrap), each run on the EVM and the ProductionModel in
lockstep; the expected integers come from the design vectors, not from either implementation."""

from __future__ import annotations

from parity.chain import make_chain
from parity.chain import production as prod

from production_io import E, Lockstep

INT256_MAX = 2**255 - 1


def vector_stack(artifacts, now: int, *, n: int = 2, g: int = E // 10) -> Lockstep:
    """A momentum stack whose pool can be driven at `now` (genesis well before)."""
    chain = make_chain("revm", genesis_timestamp=now - 10_000)
    return Lockstep(
        chain, artifacts, "momentum", where=f"vector@{now}", n=n, lambda_store=[9 * E // 10],
        epsilon_max=E // 10, guard_rail=g, parameters=[[E]], update_interval_s=86_400,
        initial_weights_wei=[E // n] * n, moving_averages_wei=[E] * n, initial_values_wei=[0] * n,
        oracle_prices_wei=[E] * n, timestamp=now - 5_000,
    )


def interpolate(ls: Lockstep, w0: list[int], target: list[int], interval: int, now: int) -> dict:
    """Store w⁰ (M = 0) one second before `now`, then setTargetWeightsManually(target, interval) at `now`.
    Returns the pool's WeightsUpdated args (the untruncated submitted array)."""
    assert ls.set_weights_manually(w0 + [0] * ls.n, now - 1, now - 1)[0] == "ok"
    kind, events = ls.set_target_weights_manually(target, interval, now)
    assert kind == "ok", events
    return next(args for role, name, args in events if role == "pool" and name == "WeightsUpdated")


def both_pools(ls: Lockstep) -> list[dict]:
    return [prod.read_pool(ls.chain, ls.stack), ls.model.read_pool()]


def test_vector_1_multiplier_truncated_and_rail_time_from_untruncated_m(artifacts):
    now = 1_700_000_000
    ls = vector_stack(artifacts, now)
    event = interpolate(ls, [5 * E // 10] * 2, [500400000500000000, 499599999500000000], 1, now)
    assert event["calculatedWeightsAndMultipliers"][2:] == [400000500000000, -400000500000000]
    for pool in both_pools(ls):
        assert pool["multipliers"] == [4 * 10**14, -4 * 10**14]
        assert pool["last_interp"] == 1_700_000_999  # T = 999 from m; the stored M would give 1000
    assert ls.sample(now + 1) == ("ok", [500400000000000000, 499600000000000000])
    assert ls.sample(now + 998) == ("ok", [899200000000000000, 100800000000000000])
    assert ls.sample(now + 999) == ("ok", [899600000000000000, 100400000000000000])
    assert ls.sample(now + 5_000) == ("ok", [899600000000000000, 100400000000000000])


def test_vector_2_daily_step_loses_d_mod_delta_1e9(artifacts):
    now = 1_700_086_400
    ls = vector_stack(artifacts, now)
    target = [500321425297007280, 499678574702992720]
    event = interpolate(ls, [499913600000000000, 500086400000000000], target, 86_400, now)
    assert event["calculatedWeightsAndMultipliers"][2:] == [4720200196, -4720200196]
    for pool in both_pools(ls):
        assert pool["multipliers"] == [4 * 10**9, -4 * 10**9]
        assert pool["last_interp"] == 1_784_846_872
    reached = [500259200000000000, 499740800000000000]
    assert ls.sample(now + 86_400) == ("ok", reached)
    assert [t - r for t, r in zip(target, reached)] == [62225297007280, -62225297007280]


def test_vector_3_three_assets_one_still(artifacts):
    now = 1_700_000_000
    ls = vector_stack(artifacts, now, n=3, g=E // 5)
    event = interpolate(ls, [3 * E // 10, 3 * E // 10, 4 * E // 10], [35 * E // 100, 3 * E // 10, 35 * E // 100], 100, now)
    assert event["calculatedWeightsAndMultipliers"][3:] == [5 * 10**14, 0, -5 * 10**14]
    for pool in both_pools(ls):
        assert pool["last_interp"] == now + 400  # T_i = [600, int256 max, 400]


def test_vector_4_negative_rail_time_wraps_tau_and_sticks_the_pool(artifacts):
    now = 1_700_000_010
    ls = vector_stack(artifacts, now)
    interpolate(ls, [900000100000000000, 5 * E // 10], [900000101000000000, 5 * E // 10], 1, now)
    for pool in both_pools(ls):
        assert pool["last_interp"] == 1_699_999_910
    assert ls.sample(now + 5) == ("ok", [1100411627776000000000, 5 * E // 10])
    kind, reason = ls.update(now + 6, prices=[E, E])
    assert kind == "revert", reason
    kind, reason = ls.update(now + 7, prices=[E, E])
    assert kind == "revert", "the pool stays stuck"
    assert ls.set_weights_manually([E // 2, E // 2, 0, 0], now + 8, now + 8)[0] == "ok"
    assert ls.update(now + 9, prices=[E, E])[0] == "ok", "a manual reset unsticks it"


def test_vector_5_int40_wrap_of_last_interp(artifacts):
    now = 1_700_007_231
    ls = vector_stack(artifacts, now)
    interpolate(ls, [95 * E // 100, E // 2], [95 * E // 100 + 1, E // 2], 1, now)
    for pool in both_pools(ls):
        assert pool["last_interp"] == 292_973_120_831  # (now − 5e16) mod 2^40
        assert pool["multipliers"] == [0, 0]


def test_runner_event_weights_are_in_storage_order(artifacts):
    """The runner's WeightsUpdated array is [A0..A3, B0..B3, A4..A7, B4..B7] of the two packed words; only
    n = 4 and n = 8 match the padded [w0..w7, m0..m7] layout."""
    layouts = {
        2: lambda w, m: w + m + [0] * 12,
        3: lambda w, m: w + [m[0], 0, 0, 0, 0] + m[1:] + [0] * 6,
        4: lambda w, m: w + [0] * 4 + m + [0] * 4,
        5: lambda w, m: w + [m[4], 0, 0] + m[:4] + [0] * 4,
        8: lambda w, m: w + m,
    }
    for n, layout in layouts.items():
        now = 1_700_000_000
        ls = vector_stack(artifacts, now, n=n, g=E // (4 * n))
        w0 = [E // n] * n
        targets = [E // n + (i - n // 2) * 10**15 for i in range(n)]
        assert ls.set_weights_manually(w0 + [0] * n, now - 1, now - 1)[0] == "ok"
        kind, events = ls.set_target_weights_manually(targets, 1, now)
        assert kind == "ok"
        stored = next(a for role, name, a in events if role == "runner" and name == "WeightsUpdated")["weights"]
        pool = prod.read_pool(ls.chain, ls.stack)
        assert stored == layout(pool["weights"], pool["multipliers"]), f"n={n}"
        assert any(pool["multipliers"]), f"n={n}: the layout check needs non-zero multipliers"


def test_initial_weights_truncated_with_zero_multipliers(artifacts):
    now = 1_700_000_000
    ls = vector_stack(artifacts, now, n=3)
    for pool in both_pools(ls):
        assert pool["weights"] == [333333333000000000] * 3  # 1e18 // 3 truncated to 9 decimals
        assert pool["multipliers"] == [0, 0, 0]
        assert pool["last_update"] == pool["last_interp"] == now - 5_000
    words = prod.read_words(ls.chain, ls.stack)
    assert words == ls.model.read_words()
    assert words["times"] == (now - 5_000) | ((now - 5_000) << 40)  # bits 0–39 and 40–79 of one slot
    assert words["word_a"] >> 224 == 333333333 and words["word_b"] == 0
