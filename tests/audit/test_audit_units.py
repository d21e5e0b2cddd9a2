"""The audit's parts that need no node: V1's ABI as the audit reads it, the production model seeded from a
chain's views, V1's oracle choice, the classification of state changes, the input checks and the fixture's
`audit` key."""

from __future__ import annotations

import json
import random

import pytest

from parity.audit.discover import kind_of
from parity.audit.history import path_label, select_oracle
from parity.chain.production import StackAddresses, make_config
from parity.errors import InputError
from parity.fixedpoint.production import ProductionModel
from parity.fixedpoint.production_seed import ObservedPool, apply_event, observed_state, seeded_model
from parity.inputs.node import check_address, check_block, check_rpc_url

ONE = 10**18
GETTERS = {"momentum": ["getMovingAverages", "getIntermediateGradientState"],
           "min_variance": ["getMovingAverages", "getIntermediateVarianceState"],
           "difference_momentum": ["getMovingAverages", "shortMovingAverages"]}
PARAMS = {"momentum": [[ONE]], "min_variance": [[ONE // 2]], "difference_momentum": [[ONE], [ONE // 2]]}


# ------------------------------------------------------------------------------------------ V1's ABI


def test_the_written_abi_is_what_the_reference_build_compiles():
    from parity.chain import compile_rules
    from parity.chain.errors import abi_signature, canonical_type
    from parity.chain.v1_abi import POOL_EVENT_ABI, RUNNER_EVENT_ABI, VIEWS

    art = compile_rules()
    contracts = ["UpdateWeightRunner", "QuantAMMWeightedPool", "MomentumRule", "MinimumVarianceRule",
                 "DifferenceMomentumRule", "MockOracle"]
    compiled = {}
    for name in contracts:
        for item in art[name].abi:
            if item["type"] == "function":
                compiled.setdefault(abi_signature(item), tuple(canonical_type(p) for p in item["outputs"]))
    for view, (signature, outputs) in VIEWS.items():
        assert compiled.get(signature) == outputs, view

    def events(abi):
        return {i["name"]: [(p["name"], p["type"], p["indexed"]) for p in i["inputs"]] for i in abi if i["type"] == "event"}

    runner, pool = events(art["UpdateWeightRunner"].abi), events(art["QuantAMMWeightedPool"].abi)
    for item in RUNNER_EVENT_ABI:
        assert runner[item["name"]] == [(p["name"], p["type"], p["indexed"]) for p in item["inputs"]], item["name"]
    for item in POOL_EVENT_ABI:
        assert pool[item["name"]] == [(p["name"], p["type"], p["indexed"]) for p in item["inputs"]], item["name"]


# ------------------------------------------------------------------------------------------ the seeded model


def _addresses():
    a = [f"0x{0x1000 + i:040x}" for i in range(16)]
    return StackAddresses(runner=a[1], pool=a[2], rule=a[3], driver=a[4], oracles=tuple((a[5 + 2 * i], a[6 + 2 * i]) for i in range(5)),
                          admin=a[15], deployer=a[14], pool_manager=a[13])


def _model(rule: str, n: int):
    addresses = _addresses()
    addresses = StackAddresses(**{**vars(addresses), "oracles": addresses.oracles[:n]})
    config = make_config(rule, n=n, lambda_store=[9 * 10**17], epsilon_max=10**17, guard_rail=ONE // 20,
                         parameters=PARAMS[rule], update_interval_s=3600, initial_weights_wei=[ONE // n] * (n - 1) + [ONE - (n - 1) * (ONE // n)],
                         moving_averages_wei=[ONE] * n, initial_values_wei=[ONE if rule == "difference_momentum" else 0] * n,
                         oracle_prices_wei=[ONE] * n, timestamp=2_000_000_000, backups=1)
    return ProductionModel.deployed(config, addresses), config


def _observed_pool(m, config) -> ObservedPool:
    return ObservedPool(rule=config.rule, n=config.n, runner=m.runner_address, pool=m.pool_address,
                        rule_address=m.rule_address, oracles=tuple(tuple(p) for p in m.oracle_addresses),
                        lambda_store=config.lambda_store, parameters=config.parameters, epsilon_max=config.epsilon_max,
                        guard_rail=config.guard_rail, interval=config.update_interval_s,
                        pool_manager=m.a.pool_manager, staleness=config.staleness_threshold, admin=m.admin)


@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("rule", sorted(GETTERS))
def test_a_model_seeded_from_the_views_continues_exactly_as_the_model_it_was_read_from(rule, n):
    m, config = _model(rule, n)
    rng = random.Random(n)
    t = config.timestamp + 2
    for _ in range(6):
        t += 3600 + rng.randint(0, 900)
        m.perform_update(t, prices=[rng.randint(8 * 10**17, 12 * 10**17) for _ in range(n)], sender=m.driver_address)
    seen = observed_state(m, GETTERS[rule])
    seeded = seeded_model(_observed_pool(m, config), seen)
    assert observed_state(seeded, GETTERS[rule]) == seen
    for _ in range(3):
        t += 3600 + rng.randint(0, 900)
        prices = [rng.randint(8 * 10**17, 12 * 10**17) for _ in range(n)]
        seeded.set_prices(prices, t)
        assert m.perform_update(t, prices=prices, sender=m.driver_address).events == \
            seeded.perform_update(t, sender=m.driver_address).events
        assert observed_state(seeded, GETTERS[rule]) == observed_state(m, GETTERS[rule])


def test_the_setters_seen_through_their_events_move_a_seeded_model_as_the_setters_do():
    m, config = _model("momentum", 3)
    t = config.timestamp + 3700
    m.perform_update(t, prices=[ONE, 11 * 10**17, 9 * 10**17], sender=m.driver_address)
    seeded = seeded_model(_observed_pool(m, config), observed_state(m, GETTERS["momentum"]))
    calls = [
        lambda now: m.set_weights_manually([4 * 10**17, 3 * 10**17, 3 * 10**17, 10**9, 0, -(10**9)], now + 900, now=now),
        lambda now: m.set_target_weights_manually([5 * 10**17, 25 * 10**16, 25 * 10**16], 3600, now=now),
        lambda now: m.set_intermediate_values_manually([2 * ONE, ONE, ONE], [7, -7, 0]),
        lambda now: m.initialise_pool_last_run_time(now - 5),
    ]
    for i, call in enumerate(calls):
        now = t + 100 * (i + 1)
        for role, name, args in call(now).events:
            apply_event(seeded, role, name, args, now)
        assert observed_state(seeded, GETTERS["momentum"]) == observed_state(m, GETTERS["momentum"]), i


# ------------------------------------------------------------------------------------------ oracles, kinds


def test_v1s_oracle_choice_and_its_labels():
    oracles = ("P", "B1", "B2")
    now, staleness = 10_000, 3_600
    fresh, stale = now - staleness + 1, now - staleness  # freshness is strict: ts > now − S
    assert select_oracle(oracles, {"P": (5, fresh)}, now, staleness) == (0, 5, [])
    assert select_oracle(oracles, {"P": (5, stale), "B1": (6, fresh)}, now, staleness) == (1, 6, ["stale"])
    assert select_oracle(oracles, {"P": None, "B1": (6, stale), "B2": (7, now)}, now, staleness) == (2, 7, ["failed", "stale"])
    assert select_oracle(oracles, {"P": (5, stale), "B1": None}, now, staleness) is None
    assert path_label((0, 5, [])) == "primary"
    assert path_label((1, 6, ["stale"])) == "backup 1 (primary stale)"
    assert path_label((2, 7, ["failed", "stale"])) == "backup 2 (primary failed, backup 1 stale)"
    assert path_label(None) == "undetermined"


@pytest.mark.parametrize("events, kind", [
    ({("runner", "SetWeightManual"), ("pool", "WeightsUpdated")}, "setWeightsManually"),
    ({("runner", "SetWeightManual"), ("runner", "WeightsUpdated"), ("pool", "WeightsUpdated")}, "setTargetWeightsManually"),
    ({("runner", "WeightsUpdated"), ("pool", "WeightsUpdated")}, "calculateMultiplierAndSetWeightsFromRule"),
    ({("runner", "PoolLastRunSet")}, "InitialisePoolLastRunTime"),
    ({("pool", "UpdateWeightRunnerAddressUpdated")}, "setUpdateWeightRunnerAddress"),
    ({("pool", "WeightsUpdated"), ("pool", "PoolRuleSet"), ("pool", "Initialized")}, "initialize"),
    ({("pool", "WeightsUpdated")}, "setWeights"),
    ({("runner", "SetIntermediateValuesManually"), ("runner", "PoolLastRunSet")},
     "setIntermediateValuesManually + InitialisePoolLastRunTime"),
])
def test_state_changes_are_named_by_their_events(events, kind):
    assert kind_of(events) == kind


# ------------------------------------------------------------------------------------------ inputs


def test_node_inputs_are_checked_with_one_line_naming_the_flag():
    eip55 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # a test vector of EIP-55
    assert check_address(eip55.lower(), "--pool") == eip55 == check_address(eip55, "--pool")
    for bad in ("0x123", "ab" * 20, 5, "0x" + "zz" * 20):
        with pytest.raises(InputError, match="--pool .*not an address"):
            check_address(bad, "--pool")
    with pytest.raises(InputError, match=f"wrong EIP-55 checksum .*{eip55}"):
        check_address("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "--pool")
    assert check_block(None, "--to-block") is None and check_block("120", "--to-block") == 120
    for bad in ("-1", "0x10", "1.5", ""):
        with pytest.raises(InputError, match="--to-block .*not a block number"):
            check_block(bad, "--to-block")
    assert check_rpc_url("https://node.example:8545/key") == "https://node.example:8545/key"
    for bad in ("127.0.0.1:8545", "ws://127.0.0.1:8546", "http://", "http://host:99999"):
        with pytest.raises(InputError, match="--rpc-url"):
            check_rpc_url(bad)


def test_a_pool_fixture_may_carry_an_audit_section_but_only_a_whole_one(tmp_path):
    from parity.fixtures import REPO_ROOT
    from parity.fixtures.format import FixtureError, content_hash
    from parity.fixtures.pool import validate_pool

    data = json.loads((REPO_ROOT / "fixtures/golden/pool/pool_momentum_btc_eth_2_jitter.json").read_text())
    validate_pool(data)  # without one: as before
    data["audit"] = {"version": 1, "pool": "0x" + "00" * 20}
    data["content_sha256"] = content_hash(data)
    with pytest.raises(FixtureError, match="audit: missing key"):
        validate_pool(data)
