"""The reference contracts carry V1's ABI: every function selector, event topic and custom error of the runner,
the pool and the vault stand-in's vault views equals the keccak of a V1 signature written below (from the
design's interface reference), and nothing else is there. The expected values are hashed here from these
strings, never read from the compiled ABI."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from parity.chain import compile_rules
from parity.chain.errors import abi_signature

PS = "(address[],address,address[][],uint40,uint64[],uint64,uint64,uint64,int256[][],address)"  # PoolSettings
CREATION = ("(string,string,(address,uint8,address,bool)[],uint256[],(address,address,address),uint256,address,bool,"
            f"bool,bytes32,int256[],{PS},int256[],int256[],uint256,uint256,string[][])")

RUNNER_FUNCTIONS = [
    "performUpdate(address)", "getData(address)", "getPoolRuleSettings(address)", "poolRuleSettings(address)",
    "getPoolRule(address)", "rules(address)", "getOptimisedPoolOracle(address)", "getPoolOracleAndBackups(address)",
    "poolOracles(address,uint256)", "poolBackupOracles(address,uint256,uint256)", "getPoolApprovedActions(address)",
    "approvedPoolActions(address)", "approvedOracles(address)", "setApprovedActionsForPool(address,uint256)",
    "addOracle(address)", "removeOracle(address)", f"setRuleForPool({PS})", f"setRuleForPoolAdminInitialise({PS},address)",
    "InitialisePoolLastRunTime(address,uint40)", "setWeightsManually(int256[],address,uint40,uint256)",
    "setTargetWeightsManually(int256[],address,uint40,uint256)",
    "setIntermediateValuesManually(address,int256[],int256[],uint256)",
    "calculateMultiplierAndSetWeightsFromRule((int256[],int256[],int256,int256,address))",
    "quantammAdmin()", "getQuantAMMAdmin()", "ethOracle()", "setETHUSDOracle(address)", "quantAMMSwapFeeTake()",
    "setQuantAMMSwapFeeTake(uint256)", "setQuantAMMUpliftFeeTake(uint256)", "getQuantAMMSwapFeeTake()",
    "getQuantAMMUpliftFeeTake()", "ruleOracleStalenessThreshold(address)",
]
RUNNER_EVENTS = [
    "CalculateWeightsRequest(int256[],int256[],address,int256[][],uint64[],uint64,uint64)",
    "CalculateWeightsResponse(int256[])", "WeightsUpdated(address,address,int256[],uint40,uint40)",
    "SetWeightManual(address,address,int256[],uint40,uint40)",
    "SetIntermediateValuesManually(address,address,int256[],int256[],uint256)", "UpdatePerformed(address,address)",
    "UpdatePerformedQuantAMM(address,address)", "OracleAdded(address)", "OracleRemved(address)",
    "SetApprovedActionsForPool(address,address,uint256)", "PoolRuleSetAdminOverride(address,address,address)",
    "PoolLastRunSet(address,uint40)", "ETHUSDOracleSet(address)", "SwapFeeTakeSet(uint256,uint256)",
    "UpliftFeeTakeSet(uint256,uint256)",
]
POOL_FUNCTIONS = [
    f"initialize({CREATION})", "getNormalizedWeights()", "getQuantAMMWeightedPoolDynamicData()",
    "getQuantAMMWeightedPoolImmutableData()", "setWeights(int256[],address,uint40)", "lambda(uint256)", "epsilonMax()",
    "absoluteWeightGuardRail()", "updateInterval()", "ruleParameters(uint256,uint256)",
    "getOracleStalenessThreshold()", "updateWeightRunner()", "deploymentTime()", "poolRegistry()",
    "getWithinFixWindow()", "getRate()", "setUpdateWeightRunnerAddress(address)", "getPoolDetail(string,string)",
    "name()", "symbol()", "version()", "totalSupply()", "balanceOf(address)",
]
POOL_EVENTS = [
    "WeightsUpdated(address,int256[],uint40,uint40)",
    "PoolRuleSet(address,address[][],uint64[],int256[][],uint64,uint64,uint40,address,address)", "Initialized(uint64)",
    "UpdateWeightRunnerAddressUpdated(address,address)",
]
POOL_ERRORS = ["InvalidInitialization()", "WeightedPoolBptRateUnsupported()"]
VAULT_VIEWS = ["getCurrentLiveBalances(address)", "getPoolTokenRates(address)", "totalSupply(address)",
               "getPoolConfig(address)", "getPoolTokens(address)", "balanceOf(address,address)"]
CONSTRUCTORS = {"UpdateWeightRunner": ["address", "address"],
                "QuantAMMWeightedPool": ["(string,string,uint256,string,address,uint256,string[][])", "address"]}
# a few selectors the design lists next to the signatures: the strings above hash to them
KNOWN = {"initialize": "ce288eb5", "setRuleForPool": "aab9033c", "setRuleForPoolAdminInitialise": "ab352527",
         "calculateMultiplierAndSetWeightsFromRule": "8e0bf872", "getPoolConfig": "f29486a1"}


def selector(signature: str) -> str:
    return keccak(text=signature)[:4].hex()


def topic(signature: str) -> str:
    return keccak(text=signature).hex()


def compiled(abi: list, kind: str, width: int) -> set[str]:
    return {keccak(text=abi_signature(item)).hex()[: 2 * width] for item in abi if item.get("type") == kind}


@pytest.fixture(scope="module", params=["legacy", "v1"])
def build(request):
    return compile_rules(profile=request.param)


def test_the_written_signatures_hash_to_the_design_selectors():
    table = {s.split("(")[0]: selector(s) for s in RUNNER_FUNCTIONS + POOL_FUNCTIONS + VAULT_VIEWS}
    assert {name: table[name] for name in KNOWN} == KNOWN
    assert topic("OracleRemved(address)").startswith("caae23b6")


def test_runner_has_exactly_v1s_functions_and_events(build):
    abi = build["UpdateWeightRunner"].abi
    assert compiled(abi, "function", 4) == {selector(s) for s in RUNNER_FUNCTIONS}
    assert compiled(abi, "event", 32) == {topic(s) for s in RUNNER_EVENTS}
    assert topic("PoolRuleSet(address,address,uint40,address)") not in compiled(abi, "event", 32)


def test_pool_has_v1s_weight_side_functions_events_and_errors(build):
    abi = build["QuantAMMWeightedPool"].abi
    assert compiled(abi, "function", 4) == {selector(s) for s in POOL_FUNCTIONS}
    assert compiled(abi, "event", 32) == {topic(s) for s in POOL_EVENTS}
    assert compiled(abi, "error", 4) == {selector(s) for s in POOL_ERRORS}


def test_vault_stand_in_answers_the_views_the_pool_calls(build):
    abi = build["VaultStandIn"].abi
    have = compiled(abi, "function", 4)
    assert {selector(s) for s in VAULT_VIEWS} <= have
    extra = {item["name"] for item in abi if item.get("type") == "function"} - {s.split("(")[0] for s in VAULT_VIEWS}
    assert extra == {"setPoolAnswers", "defaultNumTokens"}  # the harness's own setter and its default n


@pytest.mark.parametrize("contract", sorted(CONSTRUCTORS))
def test_constructors_take_v1s_arguments(build, contract):
    ctor = next(item for item in build[contract].abi if item["type"] == "constructor")
    assert abi_signature({"name": "", "inputs": ctor["inputs"]})[1:-1] == ",".join(CONSTRUCTORS[contract])
