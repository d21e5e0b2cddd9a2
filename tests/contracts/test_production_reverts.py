"""Checks, reverts and permissions of the production runner, pool and oracle reads, each on the EVM and the
ProductionModel in lockstep (same reason, same state afterwards); expected reasons come from the design."""

from __future__ import annotations

import pytest

from parity.chain import production as prod

from production_io import E, Lockstep, outcome

T0 = 1_700_001_000
PRICES = [100 * E, 200 * E, 300 * E]


@pytest.fixture
def ls(revm_chain, artifacts):
    """A momentum stack, n = 3, one backup oracle per asset, daily interval, staleness threshold 1 h."""
    t0 = revm_chain.timestamp() + 100
    return Lockstep(
        revm_chain, artifacts, "momentum", where="reverts", n=3, lambda_store=[9 * E // 10], epsilon_max=E // 10,
        guard_rail=E // 20, parameters=[[E]], update_interval_s=86_400, initial_weights_wei=[E // 3] * 3,
        moving_averages_wei=PRICES, initial_values_wei=[0] * 3, oracle_prices_wei=PRICES, timestamp=t0,
        staleness_threshold=3_600, backups=1,
    )


def admin_tx(ls, what, fn, args, model_fn, sender=None):
    sender = sender or ls.stack.addresses.admin
    return ls.both(what, lambda: ls.chain.transact(ls.stack.runner, fn, args, sender=sender,
                                                   timestamp=ls.chain.timestamp() + 1),
                   lambda: model_fn(sender))


def request_data(events) -> list[int]:
    return next(a for role, name, a in events if name == "CalculateWeightsRequest")["data"]


def test_registration_reverts(ls):
    primary = ls.stack.oracle(0).address
    assert admin_tx(ls, "addOracle", "addOracle", [primary], lambda s: ls.model.add_oracle(primary, sender=s)) == (
        "revert", "Oracle already added")
    other = ls.chain.accounts[3]
    assert admin_tx(ls, "addOracle", "addOracle", [other], lambda s: ls.model.add_oracle(other, sender=s),
                    sender=other) == ("revert", "ONLYADMIN")
    pool = ls.stack.pool.address
    mask = prod.DEFAULT_ACTIONS
    assert admin_tx(ls, "setApprovedActionsForPool", "setApprovedActionsForPool", [pool, mask],
                    lambda s: ls.model.set_approved_actions(pool, mask, sender=s)) == ("revert", "DUPEACTION")
    creation = prod.creation_params(ls.stack.config, ls.stack.addresses)
    assert ls.tx("initialize", ls.stack.pool, "initialize", [creation], lambda s, t: ls.model.initialize(now=t, sender=s),
                 sender=other) == ("revert", "InvalidInitialization")
    with pytest.raises(Exception, match="XUR"):
        ls.chain.transact(ls.stack.pool, "setWeights", [[E // 3] * 3 + [0] * 3, ls.stack.pool.address, T0])


def test_update_checks_in_order(ls):
    t = ls.chain.timestamp()
    assert ls.both("performUpdate", lambda: ls.chain.transact(ls.stack.runner, "performUpdate", [ls.chain.accounts[5]],
                                                              timestamp=t + 1),
                   lambda: ls.model.perform_update(t + 1, pool=ls.chain.accounts[5])) == ("revert", "Pool not registered")
    assert ls.update(t + 2, prices=PRICES)[0] == "ok"  # lastPoolUpdateRun starts at 0
    assert ls.update(t + 2 + 86_399, prices=PRICES) == ("revert", "Update not allowed")  # Δ − 1
    assert ls.update(t + 2 + 86_400, prices=PRICES)[0] == "ok"  # exactly Δ
    pool = ls.stack.pool.address
    assert admin_tx(ls, "setApprovedActionsForPool", "setApprovedActionsForPool", [pool, 2 | 16],
                    lambda s: ls.model.set_approved_actions(pool, 2 | 16, sender=s))[0] == "ok"
    later = ls.chain.timestamp() + 2 * 86_400
    assert ls.update(later, prices=PRICES) == ("revert", "Pool not approved to perform update")


def test_last_run_in_the_future_panics(ls):
    t = ls.chain.timestamp()
    assert ls.set_last_run(t + 1_000, t + 1)[0] == "ok"
    assert ls.update(t + 500, prices=PRICES) == ("revert", "Panic(0x11)")
    assert ls.update(t + 1_000 + 86_400, prices=PRICES)[0] == "ok"


def threshold_stack(chain, artifacts, threshold: int, t0: int) -> Lockstep:
    return Lockstep(chain, artifacts, "momentum", where=f"threshold {threshold}", n=3, lambda_store=[9 * E // 10],
                    epsilon_max=E // 10, guard_rail=E // 20, parameters=[[E]], update_interval_s=86_400,
                    initial_weights_wei=[E // 3] * 3, moving_averages_wei=PRICES, initial_values_wei=[0] * 3,
                    oracle_prices_wei=PRICES, timestamp=t0, staleness_threshold=threshold)


def test_staleness_threshold_edges(revm_chain, artifacts):
    """The threshold S is fixed at initialize (V1 has no setter): one fresh stack per edge."""
    t = revm_chain.timestamp() + 100
    ls = threshold_stack(revm_chain, artifacts, t + 10, t)
    assert ls.update(t + 9, prices=PRICES) == ("revert", "Panic(0x11)")  # S = now + 1: now − S underflows
    assert ls.update(t + 10, oracle_timestamp=0, prices=PRICES) == ("revert", "No fresh oracle values available")
    assert ls.update(t + 10, oracle_timestamp=1, prices=PRICES)[0] == "ok"  # S = now: any timestamp >= 1
    t = revm_chain.timestamp() + 100
    ls = threshold_stack(revm_chain, artifacts, 3_600, t)
    kind, events = ls.update(t + 2, oracle_timestamp=t + 10 * 86_400, prices=PRICES)  # a future stamp is fresh
    assert kind == "ok", events
    assert request_data(events) == PRICES
    assert ls.update(t + 2 + 86_400, oracle_timestamp=t + 2 + 86_400 - 3_600, prices=PRICES) == (
        "revert", "No fresh oracle values available")  # exactly S old: stale (strict comparison)


def test_backups_and_oracle_failure_modes(ls):
    t = ls.chain.timestamp() + 10
    fresh = {(i, 1): (PRICES[i] + 7, t) for i in range(3)}
    ls.set_oracles({**fresh, **{(i, 0): (PRICES[i], t - 3_600) for i in range(3)}}, t - 2)
    kind, events = ls.update(t)  # every primary exactly S old: stale; the backups are used
    assert kind == "ok" and request_data(events) == [p + 7 for p in PRICES]
    t += 86_400
    ls.set_oracles({(i, 0): (PRICES[i], t) for i in range(3)}, t - 3)
    ls.set_mode(1, 0, "revert", t - 2)  # a reverting primary counts as (0, 0): its backup is tried
    ls.set_oracles({(1, 1): (222 * E, t)}, t - 1)
    kind, events = ls.update(t)
    assert kind == "ok" and request_data(events) == [PRICES[0], 222 * E, PRICES[2]]
    for mode in ("short", "bad_word"):  # malformed data reverts the whole update with empty data
        ls.set_mode(1, 0, mode, ls.chain.timestamp() + 1)
        assert ls.update(t + 86_400, prices=PRICES) == ("revert", "")  # its fresh backup is never tried
    ls.set_mode(1, 0, "revert", ls.chain.timestamp() + 1)
    ls.set_oracles({(1, 1): (222 * E, 5)}, ls.chain.timestamp() + 1)
    assert ls.update(t + 86_400, prices=PRICES) == ("revert", "No fresh oracle values available")


def test_invalid_opcode_oracle_is_a_failed_read(ls):
    t = ls.chain.timestamp() + 10
    ls.set_oracles({(i, k): (PRICES[i] + k, t) for i in range(3) for k in range(2)}, t - 2)
    ls.set_mode(0, 0, "invalid", t - 1)
    kind, events = ls.update(t)
    assert kind == "ok", events
    assert request_data(events) == [PRICES[0] + 1, PRICES[1], PRICES[2]]


def test_removed_oracle_is_refused(ls):
    t = ls.chain.timestamp() + 10
    primary = ls.stack.oracle(2).address
    assert admin_tx(ls, "removeOracle", "removeOracle", [primary],
                    lambda s: ls.model.remove_oracle(primary, sender=s))[0] == "ok"
    assert ls.update(t, prices=PRICES) == ("revert", "Oracle not approved")


def test_get_data_needs_mask_2(ls):
    pool = ls.stack.pool.address
    got = outcome(lambda: ls.chain.call(ls.stack.runner, "getData", [pool]))
    assert got == outcome(lambda: ls.model.get_data(pool, now=ls.chain.timestamp())) == ("ok", PRICES)
    assert admin_tx(ls, "setApprovedActionsForPool", "setApprovedActionsForPool", [pool, 1 | 16],
                    lambda s: ls.model.set_approved_actions(pool, 1 | 16, sender=s))[0] == "ok"
    got = outcome(lambda: ls.chain.call(ls.stack.runner, "getData", [pool]))
    assert got == outcome(lambda: ls.model.get_data(pool, now=ls.chain.timestamp())) == (
        "revert", "Not allowed to get data")


def test_override_permissions(ls):
    admin, manager, other = ls.stack.addresses.admin, ls.stack.addresses.pool_manager, ls.chain.accounts[4]
    values = [E // 3] * 3 + [0] * 3
    t = ls.chain.timestamp() + 1
    assert ls.set_weights_manually(values, t, t, sender=manager) == ("revert", "ONLYADMIN")  # mask 16
    assert ls.set_last_run(t, t, sender=other) == ("revert", "ONLYADMIN")
    pool = ls.stack.pool.address
    for mask, reason in ((1 | 8, "ONLYMANAGER"), (1, "No permission to set weight values")):
        assert admin_tx(ls, "setApprovedActionsForPool", "setApprovedActionsForPool", [pool, mask],
                        lambda s, mask=mask: ls.model.set_approved_actions(pool, mask, sender=s))[0] == "ok"
        t = ls.chain.timestamp() + 1
        assert ls.set_weights_manually(values, t, t, sender=admin) == ("revert", reason)
        assert ls.set_target_weights_manually([E // 3] * 3, 100, t, sender=admin) == ("revert", reason)
        own = {"No permission to set weight values": "No permission to set intermediate values"}.get(reason, reason)
        assert ls.set_intermediate_values(PRICES, [0] * 3, t, sender=admin) == ("revert", own)
        own = {"No permission to set weight values": "No permission to set last run time"}.get(reason, reason)
        assert ls.set_last_run(t, t, sender=admin) == ("revert", own)
        expected = "ok" if mask & 8 else "revert"  # mask 8: the manager may, and only the manager
        assert ls.set_weights_manually(values, t, t, sender=manager)[0] == expected


def test_manual_setter_bounds_and_storage_range(ls):
    t = ls.chain.timestamp() + 1
    lo, hi = E // 100, 99 * E // 100
    assert ls.set_weights_manually([lo - 1, E // 3, E // 3, 0, 0, 0], t, t) == ("revert", "Below min allowed weight")
    assert ls.set_weights_manually([hi + 1, E // 3, E // 3, 0, 0, 0], t, t) == ("revert", "Above max allowed weight")
    assert ls.set_weights_manually([lo, hi, E // 3, 0, 0, 0], t, t)[0] == "ok"
    assert ls.set_weights_manually([E // 3] * 3 + [0] * 2, t + 1, t + 1) == ("revert", "WD")
    top, bottom = 2**31 - 1, -(2**31)
    edge = [E // 3] * 3 + [top * 10**9 + 999_999_999, bottom * 10**9 - 999_999_999, 0]
    assert ls.set_weights_manually(edge, t + 2, t + 2)[0] == "ok"  # tdiv brings both back into int32
    assert ls.model.read_pool()["multipliers"][:2] == [top * 10**9, bottom * 10**9]
    for bad in ((top + 1) * 10**9, (bottom - 1) * 10**9):
        values = [E // 3] * 3 + [bad, 0, 0]
        assert ls.set_weights_manually(values, t + 3, t + 3) == ("revert", "Overflow/Underflow")


def test_negative_stored_weight_reads_back_wrapped(ls):
    t = ls.chain.timestamp() + 1
    values = [E // 2, -(10**17), E // 2, 0, 0, 0]
    assert ls.set_weights_manually(values, t, t, n=1)[0] == "ok"  # only index 0 is bounds-checked
    assert ls.sample(t + 5) == ("ok", [E // 2, 2**256 - 10**17, E // 2])


def test_target_setter_length_and_interval(ls):
    t = ls.chain.timestamp() + 1
    assert ls.set_target_weights_manually([E // 2, E // 2], 100, t, n=2) == ("revert", "Weights length mismatch")
    assert ls.set_target_weights_manually([E // 3] * 3, 0, t) == ("revert", "Panic(0x12)")


def test_wrapped_tau_with_negative_multiplier_panics(ls):
    t = ls.chain.timestamp() + 1
    values = [E // 3] * 3 + [10**9, -(10**9), 0]
    assert ls.set_weights_manually(values, t - 10, t)[0] == "ok"  # lastInterp < lastUpdate
    assert ls.sample(t + 1) == ("revert", "Panic(0x11)")
    assert ls.update(t + 2, prices=PRICES) == ("revert", "Panic(0x11)")


def test_getters_match_the_registration(ls):
    c, s, cfg = ls.chain, ls.stack, ls.stack.config
    lam, timing, eps, g, params, manager = c.call(s.runner, "getPoolRuleSettings", [s.pool.address])
    assert (lam, timing, eps, g, params, manager) == (
        list(cfg.lambda_store), (0, cfg.update_interval_s), cfg.epsilon_max, cfg.guard_rail,
        [list(r) for r in cfg.parameters], s.addresses.pool_manager)
    assert c.call(s.runner, "getOptimisedPoolOracle", [s.pool.address]) == [o[0] for o in s.addresses.oracles]
    assert c.call(s.runner, "getPoolOracleAndBackups", [s.pool.address]) == [list(o) for o in s.addresses.oracles]
    assert c.call(s.runner, "getPoolRule", [s.pool.address]) == s.addresses.rule
    assert c.call(s.runner, "getPoolApprovedActions", [s.pool.address]) == cfg.actions
    assert c.call(s.pool, "getOracleStalenessThreshold") == cfg.staleness_threshold
    assert c.call(s.pool, "lambda", [0]) == cfg.lambda_store[0]
    assert c.call(s.pool, "ruleParameters", [0, 0]) == cfg.parameters[0][0]
    data = c.call(s.pool, "getQuantAMMWeightedPoolDynamicData")
    first, second = ls.model.pool.dynamic_data_words()
    assert (data[6], data[7], data[8], data[9]) == (first, second, cfg.timestamp, cfg.timestamp)


def test_oracle_without_code_reverts_the_update(revm_chain, artifacts):
    """An approved oracle address with no code: the runner's decoding fails, empty revert data."""
    chain, eoa = revm_chain, revm_chain.accounts[7]
    t0 = chain.timestamp() + 100
    ls = Lockstep(chain, artifacts, "momentum", where="no-code oracle", register=False, n=2,
                  lambda_store=[9 * E // 10], epsilon_max=E // 10, guard_rail=E // 20, parameters=[[E]],
                  update_interval_s=60, initial_weights_wei=[E // 2] * 2, moving_averages_wei=[E] * 2,
                  initial_values_wei=[0] * 2, oracle_prices_wei=[E] * 2, timestamp=t0)
    s, m = ls.stack, ls.model
    assert ls.tx("addOracle", s.runner, "addOracle", [eoa], lambda who, t: m.add_oracle(eoa, sender=who))[0] == "ok"
    settings = m.settings(oracles=[[s.addresses.oracles[0][0]], [eoa]])
    chain_settings = prod.pool_settings(s.config, prod.StackAddresses(**{**vars(s.addresses),
                                                                        "oracles": ((s.addresses.oracles[0][0],), (eoa,))}))
    creation = prod.creation_params(s.config, s.addresses, settings=chain_settings)
    assert ls.tx("initialize", s.pool, "initialize", [creation],
                 lambda who, t: m.initialize(now=t, sender=who, settings=settings), t=t0)[0] == "ok"
    assert ls.tx("approve", s.runner, "setApprovedActionsForPool", [s.pool.address, prod.DEFAULT_ACTIONS],
                 lambda who, t: m.set_approved_actions(s.pool.address, prod.DEFAULT_ACTIONS, sender=who))[0] == "ok"
    assert ls.update(t0 + 5) == ("revert", "")
