"""parity.catalogue: one row per rule, and the tables core keeps for itself agree with it."""

from __future__ import annotations

import pytest

import parity  # noqa: F401  (float64 before any array)
from parity import catalogue as C
from parity.chain.compile import RULE_CONTRACTS
from parity.fingerprint import RULES as FINGERPRINT_RULES
from parity.fingerprint import make_run_fingerprint
from parity.fixedpoint.rules import MODELS, make_model
from parity.harness.mapping import STATE_MAPS, map_parameters
from parity.pools import POOLS
from parity.pools.base import TFMMBasePool


def test_core_tables_name_the_same_rules_in_the_same_order():
    assert tuple(POOLS) == tuple(C.RULES) == FINGERPRINT_RULES
    assert {name: row.pool for name, row in C.RULES.items()} == POOLS
    assert list(RULE_CONTRACTS.items()) == list(C.CONTRACTS.items())
    assert {name: C.RULES[name].model for name in C.ON_CHAIN_RULES} == MODELS


@pytest.mark.parametrize("name", list(C.RULES))
def test_row_matches_its_pool_class(name):
    row = C.RULES[name]
    assert issubclass(row.pool, TFMMBasePool)
    assert (row.pool.rule, row.pool.chain_rule) == (name, row.contract)
    on_chain = row.contract is not None
    assert (row.state_map is not None, row.model is not None, row.valid_parameters is not None) == (on_chain,) * 3
    if on_chain:
        assert STATE_MAPS[row.contract] is row.state_map
        assert set(row.state_map.keys) <= set(row.pool.carry_keys)  # the JAX carry keeps what the contract stores


def test_simulator_only_rule_is_not_on_chain():
    assert C.ON_CHAIN_RULES == ("momentum", "anti_momentum", "power_channel", "mean_reversion_channel",
                                "difference_momentum", "min_variance")
    assert "index_market_cap" in C.RULES and "index_market_cap" not in C.DEFAULT_PARAMS


@pytest.mark.parametrize("name", C.ON_CHAIN_RULES)
def test_default_parameters_pass_the_contracts_valid_parameters(name):
    row = C.RULES[name]
    fp = make_run_fingerprint(rule=name, n_assets=3)
    mapped = map_parameters(row.pool(), dict(row.default_params), fp)
    model = make_model(name, "0x" + "00" * 19 + "01")
    assert isinstance(model, row.model)
    assert model.valid_parameters(mapped.parameters)


def test_rule_of_contract_inverts_the_contract_column():
    for name in C.ON_CHAIN_RULES:
        assert C.rule_of_contract(C.RULES[name].contract) == name
    assert C.rule_of_contract("NoSuchRule") is None
    assert C.rule_of_contract(None) is None


def test_with_defaults_replaces_a_default_given_in_another_parameterisation():
    assert C.with_defaults("momentum", {}) == {"lamb": 0.9, "kappa": 1.0}
    assert C.with_defaults("momentum", {"memory_days": 3.0}) == {"kappa": 1.0, "memory_days": 3.0}
    assert C.with_defaults("momentum", {"log_k": 1.0}) == {"lamb": 0.9, "log_k": 1.0}
    assert C.with_defaults("min_variance", {"mixing": 0.2}) == {"lamb": 0.9, "mixing": 0.2}
    assert C.DEFAULT_PARAMS["momentum"] == {"lamb": 0.9, "kappa": 1.0}  # not changed by the merges
