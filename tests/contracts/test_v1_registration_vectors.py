"""V1 test vectors G1–G11 (registration, admin setters, views, permissions, the rule's direct route) on the
EVM in both V1 builds and on the ProductionModel, in lockstep (same outcome and state after every call)."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from parity.chain import ContractRevert
from parity.chain import production as prod

from production_io import E, outcome
from v1_vectors import PROFILES, T0, accounts, approve, built, c2, chain_settings, forwarder_artifact, initialize

ZERO = "0x" + "00" * 20


@pytest.fixture(params=PROFILES)
def build(request):
    return built(request.param)


def test_g1_initialize_by_anyone_emits_three_pool_events(build):
    ls = c2(build, t_init=T0, register=False, where="G1")
    a, m, k = accounts(ls)
    kind, events = initialize(ls, sender=k, t=T0)
    assert kind == "ok", events
    pool, rule = ls.stack.addresses.pool, ls.stack.addresses.rule
    oracles = [[o[0]] for o in ls.stack.addresses.oracles]
    assert events == [
        ("pool", "WeightsUpdated", {"poolAddress": pool, "calculatedWeightsAndMultipliers": [E // 2, E // 2, 0, 0],
                                    "lastInterpolationTimePossible": T0, "lastUpdateTime": T0}),
        ("pool", "PoolRuleSet", {"rule": rule, "poolOracles": oracles, "lambda": [E // 2],
                                 "ruleParameters": [[20 * E], [0]], "epsilonMax": E // 10,
                                 "absoluteWeightGuardRail": E // 10, "updateInterval": 600, "poolManager": m,
                                 "creatorAddress": k}),
        ("pool", "Initialized", {"version": 1}),
    ]  # the runner emits nothing during registration


def test_g2_second_initialize_is_invalid_initialization(build):
    ls = c2(build, where="G2")
    assert initialize(ls, sender=accounts(ls)[2]) == ("revert", "InvalidInitialization")
    creation = prod.creation_params(ls.stack.config, ls.stack.addresses)
    with pytest.raises(ContractRevert) as info:
        ls.chain.transact(ls.stack.pool, "initialize", [creation], sender=accounts(ls)[2])
    assert info.value.data == bytes.fromhex("f92ee8a9")


def g3_case(build, change: str):
    """One fresh pool per change; returns (outcome of initialize, the lockstep)."""
    ls = c2(build, register=False, where=f"G3 {change}")
    m, x = ls.model, ls.chain.accounts[8]  # x: an address no one approved
    o0 = ls.stack.addresses.oracles[0][0]
    cases = {
        "interval 0": lambda: initialize(ls, settings=m.settings(interval=0)),
        "interval 0, short MAs": lambda: initialize(ls, settings=m.settings(interval=0), moving_averages=[E]),
        "interval 0, unapproved oracle": lambda: initialize(ls, settings=m.settings(interval=0, oracles=[[o0], [x]])),
        "unapproved second": lambda: initialize(ls, settings=m.settings(oracles=[[o0], [x]])),
        "empty second": lambda: initialize(ls, settings=m.settings(oracles=[[o0], []])),
        "no oracles": lambda: initialize(ls, settings=m.settings(oracles=[])),
        "unapproved first, empty second": lambda: initialize(ls, settings=m.settings(oracles=[[x], []])),
        "weight 2.2": lambda: initialize(ls, initial_weights=[22 * E // 10, E // 2]),
        "rule without code": lambda: initialize(ls, settings=m.settings(rule=x)),
        "negative weight": lambda: initialize(ls, initial_weights=[-E // 2, 2 * E // 10]),
    }
    return cases[change](), ls


@pytest.mark.parametrize("change, expected", [
    ("interval 0", "Update interval must be greater than 0"),
    ("interval 0, short MAs", "Invalid set moving avg"),
    ("interval 0, unapproved oracle", "Update interval must be greater than 0"),
    ("unapproved second", "Not approved oracled used"),
    ("empty second", "Empty oracles array"),
    ("no oracles", "Empty oracles array"),
    ("unapproved first, empty second", "Not approved oracled used"),
    ("weight 2.2", "Overflow/Underflow"),
    ("rule without code", ""),
])
def test_g3_initialize_refusals(build, change, expected):
    result, _ = g3_case(build, change)
    assert result == ("revert", expected)


def test_g3_negative_initial_weight_reads_back_wrapped(build):
    result, ls = g3_case(build, "negative weight")
    assert result[0] == "ok"
    assert ls.call("getNormalizedWeights", ls.stack.pool, "getNormalizedWeights", [],
                   ls.model.sample_weights) == ("ok", [2**256 - E // 2, 2 * E // 10])


def test_g3_initialize_after_admin_registration_and_after_manual_weights(build):
    ls = c2(build, register=False, where="G3 admin first")
    s, m = ls.stack, ls.model
    args = [chain_settings(ls, m.settings()), s.pool.address]
    assert ls.tx("setRuleForPoolAdminInitialise", s.runner, "setRuleForPoolAdminInitialise", args,
                 lambda who, t: m.set_rule_for_pool_admin_initialise(m.settings(), s.pool.address, sender=who, now=t))[0] == "ok"
    assert initialize(ls) == ("revert", "Rule already set")
    ls = c2(build, register=False, where="G3 manual weights first")
    s, m = ls.stack, ls.model
    assert approve(ls, s.pool.address, 16)[0] == "ok"
    assert ls.tx("setWeightsManually", s.runner, "setWeightsManually", [[E // 2, E // 2, 0, 0], s.pool.address, 0, 2],
                 lambda who, t: m.set_weights_manually([E // 2, E // 2, 0, 0], 0, 2, now=t, sender=who))[0] == "ok"
    assert initialize(ls) == ("revert", "init")


def test_g4_admin_registration(build):
    ls = c2(build, register=False, where="G4")
    s, m = ls.stack, ls.model
    a, _, k = accounts(ls)

    def admin_init(pool, settings, sender=None, t=None):
        return ls.tx("setRuleForPoolAdminInitialise", s.runner, "setRuleForPoolAdminInitialise",
                     [chain_settings(ls, settings), pool],
                     lambda who, when: m.set_rule_for_pool_admin_initialise(settings, pool, sender=who, now=when),
                     sender=sender, t=t)

    pool = s.pool.address
    assert admin_init(pool, m.settings(), sender=k) == ("revert", "ONLYADMIN")
    assert admin_init(ZERO, m.settings()) == ("revert", "Invalid pool address")
    assert admin_init(ls.chain.accounts[7], m.settings()) == ("revert", "")
    assert admin_init(pool, m.settings(interval=0)) == ("revert", "Update interval must be greater than 0")
    assert admin_init(pool, m.settings(oracles=[])) == ("revert", "Empty oracles array")
    assert admin_init(pool, m.settings()) == ("ok", [
        ("runner", "PoolRuleSetAdminOverride", {"admin": a, "poolAddress": pool, "ruleAddress": s.addresses.rule})])
    assert admin_init(pool, m.settings()) == ("revert", "Rule already set")
    late = c2(build, register=False, where="G4 old pool")
    deployed = dict(late.stack.setup_timestamps)["deploy pool"]
    assert late.call("deploymentTime", late.stack.pool, "deploymentTime", [], lambda t: deployed) == ("ok", deployed)
    lm = late.model
    result = late.tx("setRuleForPoolAdminInitialise", late.stack.runner, "setRuleForPoolAdminInitialise",
                     [chain_settings(late, lm.settings()), late.stack.pool.address],
                     lambda who, when: lm.set_rule_for_pool_admin_initialise(lm.settings(), late.stack.pool.address,
                                                                            sender=who, now=when),
                     t=deployed + 94_608_000)
    assert result == ("revert", "Pool now immutable")


def test_g5_oracle_approval(build):
    ls = c2(build, where="G5")
    s, m = ls.stack, ls.model
    a, _, k = accounts(ls)
    x = ls.chain.accounts[8]

    def add(oracle, sender=None):
        return ls.tx("addOracle", s.runner, "addOracle", [oracle], lambda who, t: m.add_oracle(oracle, sender=who), sender=sender)

    def remove(oracle):
        return ls.tx("removeOracle", s.runner, "removeOracle", [oracle], lambda who, t: m.remove_oracle(oracle, sender=who))

    assert add(ZERO, sender=k) == ("revert", "Invalid oracle address")  # before the caller check
    assert add(x, sender=k) == ("revert", "ONLYADMIN")
    assert add(x)[0] == "ok"
    assert add(x) == ("revert", "Oracle already added")
    for never in (ls.chain.accounts[9], ZERO):
        assert remove(never) == ("ok", [("runner", "OracleRemved", {"oracleAddress": never})])
    o0 = s.addresses.oracles[0][0]
    tx = ls.chain.transact(s.runner, "removeOracle", [o0], timestamp=ls.chain.timestamp() + 1)
    m.remove_oracle(o0, sender=a)
    assert tx.logs[0].topics[0] == "0x" + keccak(text="OracleRemved(address)").hex()
    assert tx.logs[0].topics[0].startswith("0xcaae23b6")
    assert ls.call("getData", s.runner, "getData", [s.pool.address],
                   lambda t: m.get_data(s.pool.address, now=t)) == ("revert", "Oracle not approved")
    assert ls.update(ls.chain.timestamp() + 1, prices=[E, E]) == ("revert", "Oracle not approved")


def test_g6_and_g7_actions_and_fee_takes(build):
    ls = c2(build, where="G6/G7")
    s, m = ls.stack, ls.model
    assert approve(ls, ls.chain.accounts[6], 0) == ("revert", "DUPEACTION")
    x = ls.chain.accounts[6]
    assert ls.call("getData", s.runner, "getData", [x], lambda t: m.get_data(x, now=t)) == ("revert", "Not allowed to get data")
    assert approve(ls, x, 2)[0] == "ok"  # the mask is independent of registration
    assert ls.call("getData", s.runner, "getData", [x], lambda t: m.get_data(x, now=t)) == ("revert", "")  # no pool there

    def fee(fn, value, uplift):
        return ls.tx(fn, s.runner, fn, [value], lambda who, t: m.set_fee_take(value, sender=who, uplift=uplift))

    assert fee("setQuantAMMSwapFeeTake", 2 * E // 10, False) == (
        "ok", [("runner", "SwapFeeTakeSet", {"oldSwapFee": 5 * E // 10, "newSwapFee": 2 * E // 10})])
    assert fee("setQuantAMMUpliftFeeTake", 7 * E // 10, True) == (
        "ok", [("runner", "UpliftFeeTakeSet", {"oldSwapFee": 2 * E // 10, "newSwapFee": 7 * E // 10})])
    for getter in ("getQuantAMMUpliftFeeTake", "getQuantAMMSwapFeeTake", "quantAMMSwapFeeTake"):
        assert ls.call(getter, s.runner, getter, [], lambda t: m.runner.swap_fee_take) == ("ok", 7 * E // 10)
    assert fee("setQuantAMMSwapFeeTake", E + 1, False) == ("revert", "Swap fee must be less than 100%")
    assert fee("setQuantAMMUpliftFeeTake", E + 1, True) == ("revert", "Uplift fee must be less than 100%")
    eth = ls.chain.accounts[9]
    for oracle, expected in ((ZERO, ("revert", "INVETHUSDORACLE")),
                             (eth, ("ok", [("runner", "ETHUSDOracleSet", {"ethUsdOracle": eth})]))):
        assert ls.tx("setETHUSDOracle", s.runner, "setETHUSDOracle", [oracle],
                     lambda who, t, o=oracle: m.set_eth_oracle(o, sender=who)) == expected
    assert ls.call("ethOracle", s.runner, "ethOracle", [], lambda t: m.runner.eth_oracle) == ("ok", eth)


def test_g8_pool_views(build):
    ls = c2(build, t_init=T0, where="G8")
    s, m = ls.stack, ls.model
    for i in (1, 5):
        assert ls.call("lambda", s.pool, "lambda", [i], lambda t, i=i: m.pool_lambda(i)) == ("revert", "")
    for i, j in ((0, 1), (1, 1), (2, 0)):
        assert ls.call("ruleParameters", s.pool, "ruleParameters", [i, j],
                       lambda t, i=i, j=j: m.pool_rule_parameters(i, j)) == ("revert", "")
    assert ls.call("ruleParameters", s.pool, "ruleParameters", [0, 0], lambda t: m.pool_rule_parameters(0, 0)) == ("ok", 20 * E)
    assert ls.call("getRate", s.pool, "getRate", [], lambda t: m.get_rate()) == ("revert", "WeightedPoolBptRateUnsupported")
    with pytest.raises(ContractRevert) as info:
        ls.chain.call(s.pool, "getRate")
    assert info.value.data == bytes.fromhex("18e79a20")
    dyn = ([E, E], [E, E], E, True, False, False, [E // 2, E // 2, 0, 0, 0, 0, 0, 0], [0] * 8, T0, T0)
    assert ls.call("dynamic data", s.pool, "getQuantAMMWeightedPoolDynamicData", [], lambda t: m.read_dynamic_data()) == ("ok", list(dyn))
    immutable = ([ZERO, ZERO], 3_600, 19, [[20 * E], [0]], [E // 2], E // 10, E // 10, 600, 3 * E // 10)
    assert ls.call("immutable data", s.pool, "getQuantAMMWeightedPoolImmutableData", [],
                   lambda t: m.read_immutable_data()) == ("ok", list(immutable))
    deployed = dict(s.setup_timestamps)["deploy pool"]
    for offset, inside in ((94_607_999, True), (94_608_000, False)):
        ls.chain.transact(s.driver, "sample", [s.pool.address], timestamp=deployed + offset)
        assert ls.call("getWithinFixWindow", s.pool, "getWithinFixWindow", [], m.within_fix_window) == ("ok", inside)


def test_g9_permission_ladder(build):
    ls = c2(build, where="G9")
    s, m = ls.stack, ls.model
    a, mgr, _ = accounts(ls)
    t = ls.chain.timestamp() + 1
    assert approve(ls, s.pool.address, 3, t=t)[0] == "ok"
    t += 1
    assert ls.set_weights_manually([E // 2, E // 2, 0, 0], t, t) == ("revert", "No permission to set weight values")
    assert ls.set_target_weights_manually([E // 2, E // 2], 100, t) == ("revert", "No permission to set weight values")
    assert ls.set_last_run(10, t) == ("revert", "No permission to set last run time")
    assert ls.set_intermediate_values([E, E], [0, 0], t) == ("revert", "No permission to set intermediate values")
    assert approve(ls, s.pool.address, 25, t=t)[0] == "ok"
    assert ls.set_last_run(10, t + 1, sender=a) == ("revert", "ONLYMANAGER")
    assert ls.set_last_run(10, t + 1, sender=mgr)[0] == "ok"
    assert approve(ls, s.pool.address, 17, t=t + 2)[0] == "ok"
    assert ls.set_last_run(10, t + 3, sender=mgr) == ("revert", "ONLYADMIN")
    x = ls.chain.accounts[7]
    assert approve(ls, x, 16, t=t + 3)[0] == "ok"
    for fn, args, model_fn in (
        ("setWeightsManually", [[E // 2, E // 2, 0, 0], x, t, 2],
         lambda who, when: m.set_weights_manually([E // 2, E // 2, 0, 0], t, 2, now=when, sender=who, pool=x)),
        ("setTargetWeightsManually", [[E // 2, E // 2], x, 100, 2],
         lambda who, when: m.set_target_weights_manually([E // 2, E // 2], 100, 2, now=when, sender=who, pool=x)),
        ("setIntermediateValuesManually", [x, [E, E], [0, 0], 2],
         lambda who, when: m.set_intermediate_values_manually([E, E], [0, 0], 2, sender=who, pool=x)),
    ):
        assert ls.tx(fn, s.runner, fn, args, model_fn) == ("revert", "")


def test_g10_last_run_and_intermediate_values_events(build):
    ls = c2(build, where="G10")
    s, m = ls.stack, ls.model
    a, mgr, _ = accounts(ls)
    pool = s.pool.address
    assert ls.set_last_run(123, ls.chain.timestamp() + 1) == ("ok", [("runner", "PoolLastRunSet", {"poolAddress": pool, "time": 123})])
    assert ls.call("getPoolRuleSettings", s.runner, "getPoolRuleSettings", [pool], lambda t: m.pool_rule_settings())[1][1] == (123, 600)
    assert ls.set_intermediate_values([E, 2 * E], [0, 0], ls.chain.timestamp() + 1, n=2) == ("ok", [
        ("runner", "SetIntermediateValuesManually", {"caller": a, "pool": pool, "newMovingAverages": [E, 2 * E],
                                                     "newParameters": [0, 0], "numberOfAssets": 2})])


def test_g11_rule_sets_weights_directly(build):
    ls = c2(build, register=False, where="G11", actions=19 | 32)
    s, m = ls.stack, ls.model
    _, _, k = accounts(ls)
    fwd = ls.chain.deploy(forwarder_artifact())
    m.passive_rules.add(fwd.address)
    assert initialize(ls, settings=m.settings(rule=fwd.address))[0] == "ok"
    assert approve(ls, s.pool.address, 19 | 32)[0] == "ok"
    codec = ls.chain.codec(s.runner, "calculateMultiplierAndSetWeightsFromRule")
    pool = s.pool.address

    def direct(current, updated, interval, g=E // 10, via_rule=True):
        data = codec.encode([(current, updated, interval, g, pool)])
        if via_rule:
            return ls.tx("fromRule", fwd, "forward", [s.runner.address, data],
                         lambda who, t: m.calculate_multiplier_and_set_weights_from_rule(
                             current, updated, interval, g, pool, sender=fwd.address, now=t), sender=k)
        return ls.tx("fromRule", s.runner, "calculateMultiplierAndSetWeightsFromRule", [(current, updated, interval, g, pool)],
                     lambda who, t: m.calculate_multiplier_and_set_weights_from_rule(
                         current, updated, interval, g, pool, sender=who, now=t), sender=k)

    t = ls.chain.timestamp() + 1
    kind, events = direct([E // 2, E // 2], [6 * E // 10, 4 * E // 10], 100)
    assert kind == "ok", events
    assert events[0] == ("pool", "WeightsUpdated", {"poolAddress": pool, "calculatedWeightsAndMultipliers": [
        E // 2, E // 2, 10**15, -(10**15)], "lastInterpolationTimePossible": t + 400, "lastUpdateTime": t})
    assert events[1][:2] == ("runner", "WeightsUpdated") and events[1][2]["updateOwner"] == fwd.address
    assert direct([E // 2, E // 2], [6 * E // 10, 4 * E // 10], 100, via_rule=False) == ("revert", "ONLYRULECANSETWEIGHTS")
    assert direct([E // 2, E // 2], [E], 100) == ("revert", "Panic(0x32)")
    assert direct([E // 3] * 3, [E // 3] * 3, 100) == ("revert", "WD")
    assert direct([E // 2, E // 2], [6 * E // 10, 4 * E // 10], 0) == ("revert", "Panic(0x12)")
    assert approve(ls, pool, 19)[0] == "ok"
    assert direct([E // 2, E // 2], [6 * E // 10, 4 * E // 10], 100) == ("revert", "FUNCTIONNOTAPPROVEDFORPOOL")


def test_runner_constructor_checks(build):
    ls = c2(build, where="constructor")
    runner = build["UpdateWeightRunner"]
    for args, reason in (((ZERO, prod.ETH_ORACLE), "Admin cannot be default address"),
                         ((ls.chain.accounts[0], ZERO), "eth oracle cannot be default address")):
        assert outcome(lambda: ls.chain.deploy(runner, *args)) == ("revert", reason)
