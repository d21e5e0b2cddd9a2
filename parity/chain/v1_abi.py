"""V1's ABI as a reader of a deployed stack needs it: the views of the runner, the pool, the rules and the
oracles (signature and output types), and the runner's and the pool's events (docs/production-loop.md).

Written out from V1's interface, not read from a compiled artifact, so reading a pool on a node needs no
compiler. tests/chain/test_v1_abi.py checks every selector, topic, argument name and output type here against
parity's reference build, whose ABI tests/contracts/test_v1_signatures.py checks against V1's signatures.
"""

from __future__ import annotations

import re
from functools import lru_cache

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

_DYNAMIC = "(uint256[],uint256[],uint256,bool,bool,bool,int256[],int256[],uint40,uint40)"
_IMMUTABLE = "(address[],uint256,uint256,int256[][],uint64[],uint64,uint64,uint64,uint256)"
_RULE_SETTINGS = "(uint64[],(uint40,uint40),uint64,uint64,int256[][],address)"

# view name -> (signature, output types)
VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    # runner
    "getPoolRule": ("getPoolRule(address)", ("address",)),
    "getPoolRuleSettings": ("getPoolRuleSettings(address)", (_RULE_SETTINGS,)),
    "poolRuleSettings": ("poolRuleSettings(address)", ("(uint40,uint40)", "uint64", "uint64", "address")),
    "getPoolOracleAndBackups": ("getPoolOracleAndBackups(address)", ("address[][]",)),
    "getPoolApprovedActions": ("getPoolApprovedActions(address)", ("uint256",)),
    "quantammAdmin": ("quantammAdmin()", ("address",)),
    # pool
    "updateWeightRunner": ("updateWeightRunner()", ("address",)),
    "getNormalizedWeights": ("getNormalizedWeights()", ("uint256[]",)),
    "getQuantAMMWeightedPoolDynamicData": ("getQuantAMMWeightedPoolDynamicData()", (_DYNAMIC,)),
    "getQuantAMMWeightedPoolImmutableData": ("getQuantAMMWeightedPoolImmutableData()", (_IMMUTABLE,)),
    "getOracleStalenessThreshold": ("getOracleStalenessThreshold()", ("uint256",)),
    # rules
    "name": ("name()", ("string",)),
    "getMovingAverages": ("getMovingAverages(address,uint256)", ("int256[]",)),
    "getIntermediateGradientState": ("getIntermediateGradientState(address,uint256)", ("int256[]",)),
    "getIntermediateVarianceState": ("getIntermediateVarianceState(address,uint256)", ("int256[]",)),
    "shortMovingAverages": ("shortMovingAverages(address,uint256)", ("int256",)),
    # oracles
    "getData": ("getData()", ("int216", "uint40")),
}

RUNNER_EVENTS = (
    "CalculateWeightsRequest(int256[] currentWeights, int256[] data, address pool, int256[][] ruleParameters, "
    "uint64[] lambda, uint64 epsilonMax, uint64 absoluteWeightGuardRail)",
    "CalculateWeightsResponse(int256[] updatedWeights)",
    "WeightsUpdated(address indexed poolAddress, address updateOwner, int256[] weights, "
    "uint40 lastInterpolationTimePossible, uint40 lastUpdateTime)",
    "SetWeightManual(address indexed caller, address indexed pool, int256[] weights, "
    "uint40 lastInterpolationTimePossible, uint40 lastUpdateTime)",
    "SetIntermediateValuesManually(address indexed caller, address indexed pool, int256[] newMovingAverages, "
    "int256[] newParameters, uint256 numberOfAssets)",
    "UpdatePerformed(address indexed caller, address indexed pool)",
    "OracleAdded(address indexed oracleAddress)",
    "OracleRemved(address indexed oracleAddress)",
    "SetApprovedActionsForPool(address indexed caller, address indexed pool, uint256 actions)",
    "PoolRuleSetAdminOverride(address admin, address poolAddress, address ruleAddress)",
    "PoolLastRunSet(address poolAddress, uint40 time)",
)
POOL_EVENTS = (
    "WeightsUpdated(address indexed poolAddress, int256[] calculatedWeightsAndMultipliers, "
    "uint40 lastInterpolationTimePossible, uint40 lastUpdateTime)",
    "PoolRuleSet(address rule, address[][] poolOracles, uint64[] lambda, int256[][] ruleParameters, uint64 epsilonMax, "
    "uint64 absoluteWeightGuardRail, uint40 updateInterval, address poolManager, address creatorAddress)",
    "Initialized(uint64 version)",
    "UpdateWeightRunnerAddressUpdated(address indexed oldAddress, address indexed newAddress)",
)

_PARAM = re.compile(r"\s*(\S+?)(\s+indexed)?\s+(\w+)\s*")


def event_abi(text: str) -> dict:
    """The ABI item of an event written as `Name(type [indexed] name, ...)`."""
    name, _, rest = text.partition("(")
    params = []
    for part in rest.rstrip(")").split(","):
        m = _PARAM.fullmatch(part)
        if m is None:
            raise ValueError(f"event {name}: cannot read parameter {part!r}")
        params.append({"name": m.group(3), "type": m.group(1), "indexed": bool(m.group(2))})
    return {"type": "event", "name": name, "anonymous": False, "inputs": params}


RUNNER_EVENT_ABI = [event_abi(t) for t in RUNNER_EVENTS]
POOL_EVENT_ABI = [event_abi(t) for t in POOL_EVENTS]


def event_signature(item: dict) -> str:
    return f"{item['name']}({','.join(p['type'] for p in item['inputs'])})"


def topic(item: dict) -> str:
    """topic0 of an event ABI item, 0x-hex."""
    return "0x" + keccak(text=event_signature(item)).hex()


RUNNER_TOPICS = {item["name"]: topic(item) for item in RUNNER_EVENT_ABI}
POOL_TOPICS = {item["name"]: topic(item) for item in POOL_EVENT_ABI}


@lru_cache(maxsize=None)
def selector(view: str) -> bytes:
    return keccak(text=VIEWS[view][0])[:4]


def input_types(view: str) -> list[str]:
    inner = VIEWS[view][0].partition("(")[2][:-1]
    return [t for t in inner.split(",") if t]


def calldata(view: str, *args) -> str:
    """0x-hex calldata of `view(args)`."""
    types = input_types(view)
    if len(args) != len(types):
        raise ValueError(f"{VIEWS[view][0]} takes {len(types)} arguments, got {len(args)}")
    return "0x" + (selector(view) + (encode(types, list(args)) if types else b"")).hex()


def decode_output(view: str, data: bytes):
    """The decoded return value of `view` (one value, or a tuple for several): arrays as lists, structs as
    tuples, addresses checksummed. ValueError for data that does not decode (empty, short, out of range),
    e.g. the answer of an address that is not the contract the caller thinks."""
    types = VIEWS[view][1]
    try:
        values = decode(list(types), bytes(data), strict=False)
    except Exception as e:  # eth_abi's DecodingError, InsufficientDataBytes, NonEmptyPaddingBytes, ...
        raise ValueError(f"{VIEWS[view][0]} returned {len(data)} bytes that are not {', '.join(types)} ({e})") from None
    values = tuple(normalize(t, v) for t, v in zip(types, values))
    return values[0] if len(values) == 1 else values


def split_tuple(abi_type: str) -> list[str]:
    """The component types of a tuple type `(a,b,(c,d)[],...)`."""
    inner, parts, depth, start = abi_type[1:-1], [], 0, 0
    for i, ch in enumerate(inner):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    return parts + [inner[start:]] if inner else parts


def normalize(abi_type: str, value):
    """A decoded value by its type: arrays as lists, tuples as tuples, addresses checksummed."""
    if abi_type.endswith("]"):
        inner = abi_type[: abi_type.rindex("[")]
        return [normalize(inner, v) for v in value]
    if abi_type.startswith("("):
        return tuple(normalize(t, v) for t, v in zip(split_tuple(abi_type), value))
    if abi_type == "address":
        return to_checksum_address(value)
    return value
