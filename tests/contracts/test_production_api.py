"""parity.chain.production's own checks: argument validation, the set-up block schedule, and the JSON round
trip that lets a recorded stack be rebuilt as a ProductionModel without a chain."""

from __future__ import annotations

import json

import pytest

from parity.chain import production as prod
from parity.fixedpoint.production import ProductionModel

E = 10**18


def kwargs(**over):
    kw = dict(n=3, lambda_store=[9 * E // 10], epsilon_max=E // 10, guard_rail=E // 20, parameters=[[E], [0]],
              update_interval_s=3_600, initial_weights_wei=[E // 3] * 3, moving_averages_wei=[E] * 3,
              initial_values_wei=[0] * 3, oracle_prices_wei=[E] * 3, timestamp=1_700_001_000)
    kw.update(over)
    return kw


@pytest.mark.parametrize("rule, over, message", [
    ("momentum", dict(n=9), "n=9: the pool holds 2 to 8 assets"),
    ("momentum", dict(oracle_prices_wei=[E] * 2), "oracle_prices_wei: got 2 entries, need n=3"),
    ("momentum", dict(backups=[1, 1]), "backups=[1, 1]: must be an int >= 0 or 3 ints"),
    ("index_market_cap", {}, "rule='index_market_cap': expected one of"),
])
def test_make_config_rejects_bad_arguments(rule, over, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        prod.make_config(rule, **kwargs(**over))


def test_deploy_needs_room_for_the_set_up_blocks(revm_chain, artifacts):
    with pytest.raises(ValueError, match="set-up blocks"):
        prod.deploy_pool_stack(revm_chain, "momentum", artifacts=artifacts, **kwargs(timestamp=revm_chain.timestamp() + 5))


def test_set_up_schedule_and_json_round_trip(revm_chain, artifacts):
    t0 = revm_chain.timestamp() + 100
    stack = prod.deploy_pool_stack(revm_chain, "momentum", artifacts=artifacts, **kwargs(timestamp=t0, backups=[0, 1, 2]))
    assert stack.setup_timestamps[-2:] == [("initialize", t0), ("setApprovedActionsForPool", t0 + 1)]
    assert all(ts < t0 for _, ts in stack.setup_timestamps[:-2])
    assert [len(o) for o in stack.oracles] == [1, 2, 3]
    record = json.loads(json.dumps({"config": prod.config_to_dict(stack.config),
                                    "addresses": prod.config_to_dict(stack.addresses)}))
    config = prod.config_from_dict(prod.StackConfig, record["config"])
    addresses = prod.config_from_dict(prod.StackAddresses, record["addresses"])
    assert (config, addresses) == (stack.config, stack.addresses)
    model = ProductionModel.deployed(config, addresses)
    update = prod.perform_update(revm_chain, stack, t0 + 2, prices=[2 * E, E, E])
    assert update.events == model.perform_update(t0 + 2, prices=[2 * E, E, E]).events
    assert prod.read_pool(revm_chain, stack) == model.read_pool()
