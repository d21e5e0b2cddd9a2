"""Discovery, from the chain alone: that the address is a QuantAMM pool, its runner(s) over the range, and every
event of the pool and of its runners that concerns it (docs/audit.md).

V1 events and what they carry (docs/production-loop.md):

* the runner's `UpdatePerformed(caller, pool)` (pool indexed) marks an update; the update's other events,
  `CalculateWeightsRequest` (the interpolated weights w⁰ the update started from and the oracle values `data`
  the rule received), `CalculateWeightsResponse` (the rule's guarded output), the pool's `WeightsUpdated` (the
  untruncated [w⁰, m] and lastInterp) and the runner's `WeightsUpdated`, are read from its transaction receipt,
  because the first two do not index the pool;
* state changes that are not updates: `SetWeightManual`, the runner's `WeightsUpdated` without an update,
  `SetIntermediateValuesManually`, `SetApprovedActionsForPool` (pool indexed); `PoolLastRunSet` and
  `PoolRuleSetAdminOverride` (nothing indexed: found by topic and filtered by their pool argument); the pool's
  own `WeightsUpdated`, `PoolRuleSet`, `Initialized` and `UpdateWeightRunnerAddressUpdated` (the pool moved to
  another runner: the only way V1 changes a pool's rule); `OracleAdded` / `OracleRemved` of the pool's oracles.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from eth_utils import to_checksum_address

from parity.audit.node import Node, NodeError, RpcFailure
from parity.chain.base import EventDecoder
from parity.chain.v1_abi import POOL_EVENT_ABI, RUNNER_EVENT_ABI, RUNNER_TOPICS, calldata, decode_output
from parity.errors import UsageError


class NotAPool(UsageError):
    """The address is not a QuantAMM pool the audit can read."""


class NoUpdates(UsageError):
    """The range holds no update of the pool."""


# the kinds of state change that are not updates, by the events that mark them
KINDS = {
    "setWeightsManually": "manual weights",
    "setTargetWeightsManually": "manual target weights",
    "calculateMultiplierAndSetWeightsFromRule": "weights set by the rule",
    "setIntermediateValuesManually": "manual rule state",
    "InitialisePoolLastRunTime": "last-run change",
    "setUpdateWeightRunnerAddress": "rule change (the pool moved to another runner)",
    "setRuleForPoolAdminInitialise": "rule change (a rule registered by the admin)",
    "initialize": "registration",
    "setApprovedActionsForPool": "permissions",
    "addOracle": "oracle approval",
    "removeOracle": "oracle approval",
    "setWeights": "weights stored by an unknown caller",
}


@dataclass
class Discovery:
    """What discovery found: the range, the pool's shape, its runners in order and its events."""

    pool: str
    chain_id: int
    from_block: int
    to_block: int
    n: int  # the number of assets: from the runner's oracles (read.py), 0 until then
    staleness: int
    runners: list
    update_logs: list = field(default_factory=list)  # raw UpdatePerformed logs of the pool, in chain order
    events: list = field(default_factory=list)  # (block, log_index, tx, role, name, args, emitter) of the rest
    codes: dict = field(default_factory=dict)  # address -> SHA-256 of its runtime code (pool, runners, rules)


def decoder() -> EventDecoder:
    d = EventDecoder()
    d.register(RUNNER_EVENT_ABI)
    d.register(POOL_EVENT_ABI)
    return d


def connect(node: Node) -> tuple[int, int]:
    """(chain id, latest block) of the node; NodeError when nothing answers."""
    chain_id, latest = node.many([("eth_chainId", []), ("eth_blockNumber", [])])
    for name, r in (("eth_chainId", chain_id), ("eth_blockNumber", latest)):
        if isinstance(r, RpcFailure) or not isinstance(r, str):
            raise NodeError(f"--rpc-url {node.url}: {name} failed ({getattr(r, 'message', r)}): not an Ethereum JSON-RPC node?")
    return int(chain_id, 16), int(latest, 16)


def resolve_range(from_block, to_block, latest: int) -> tuple[int, int]:
    """[from, to] with the defaults (0, latest) and the bounds the node has."""
    lo = 0 if from_block is None else int(from_block)
    hi = latest if to_block is None else int(to_block)
    if hi > latest:
        raise UsageError(f"--to-block {hi}: the node's latest block is {latest}")
    if lo > hi:
        raise UsageError(f"--from-block {lo}: after --to-block {hi} (an empty range)")
    return lo, hi


def code_sha256(code: str | None) -> str:
    return hashlib.sha256(bytes.fromhex((code or "0x")[2:])).hexdigest()


def pool_shape(node: Node, pool: str, block: int) -> tuple[str, int, str]:
    """(runner, staleness threshold, code hash) from the pool's views at `block` (plain storage reads, which
    answer even for a pool whose weights are stuck); NotAPool when they do not answer."""
    code = node.one("eth_getCode", [pool, hex(block)], block)
    if not code or code in ("0x", "0x0"):
        raise NotAPool(f"--pool {pool}: no contract at this address at block {block} on {node.url}")
    views = ("updateWeightRunner", "getOracleStalenessThreshold")
    answers = node.calls([(pool, calldata(v), block) for v in views])
    values = []
    for view, answer in zip(views, answers):
        try:
            if isinstance(answer, RpcFailure):
                raise ValueError(f"reverted ({answer.message})")
            values.append(decode_output(view, answer))
        except ValueError as e:
            raise NotAPool(f"--pool {pool}: not a QuantAMM pool: its {view}() at block {block}: {e}") from None
    runner, staleness = values
    if int(runner, 16) == 0:
        raise NotAPool(f"--pool {pool}: not a QuantAMM pool: its updateWeightRunner() at block {block} is the zero address")
    return runner, staleness, code_sha256(code)


def _topic_address(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def event_tuple(dec: EventDecoder, log: dict, roles: dict):
    """(block, log_index, tx, role, name, canonical args, emitter) of a raw log, or None for one no V1 event
    matches."""
    from parity.harness.lockstep.pool_sides import canonical_events

    entry = dec.decode(log["address"], [bytes.fromhex(t[2:]) for t in log["topics"]], bytes.fromhex(log["data"][2:]))
    if entry.event is None:
        return None
    role = roles.get(entry.address, entry.address)
    return (int(log["blockNumber"], 16), int(log["logIndex"], 16), log["transactionHash"], role, entry.event,
            canonical_events(entry.args), entry.address)


def runners_over(pool_events: list, runner_at_end: str) -> list[str]:
    """The pool's runners over the range, in order: from its UpdateWeightRunnerAddressUpdated events."""
    moves = [e for e in pool_events if e[4] == "UpdateWeightRunnerAddressUpdated"]
    if not moves:
        return [runner_at_end]
    runners = [moves[0][5]["oldAddress"]] + [m[5]["newAddress"] for m in moves]
    return list(dict.fromkeys(runners))


def runner_filters(runners: list, pool: str) -> list[dict]:
    """eth_getLogs filters of the runner events that concern the pool (indexed by it, or found by topic)."""
    t = RUNNER_TOPICS
    by_pool_2 = [t["UpdatePerformed"], t["SetWeightManual"], t["SetIntermediateValuesManually"],
                 t["SetApprovedActionsForPool"]]
    return [
        {"address": runners, "topics": [by_pool_2, None, _topic_address(pool)]},
        {"address": runners, "topics": [[t["WeightsUpdated"]], _topic_address(pool)]},
        {"address": runners, "topics": [[t["PoolLastRunSet"], t["PoolRuleSetAdminOverride"]]]},
    ]


def _mentions(pool: str, event) -> bool:
    args = event[5]
    return any(isinstance(v, str) and v.lower() == pool.lower() for v in args.values())


def discover(node: Node, pool: str, from_block=None, to_block=None) -> Discovery:
    """The pool's shape, runners and events over the range (the audit's first stage)."""
    chain_id, latest = connect(node)
    lo, hi = resolve_range(from_block, to_block, latest)
    pool = to_checksum_address(pool)
    runner, staleness, code = pool_shape(node, pool, hi)
    dec = decoder()
    pool_events = [e for log in node.logs([{"address": pool}], lo, hi) if (e := event_tuple(dec, log, {pool: "pool"}))]
    runners = runners_over(pool_events, runner)
    roles = {pool: "pool", **{r: "runner" for r in runners}}
    raw = node.logs(runner_filters(runners, pool), lo, hi)
    events, updates = list(pool_events), []
    for log in raw:
        e = event_tuple(dec, log, roles)
        if e is None or not _mentions(pool, e):
            continue
        if e[4] == "UpdatePerformed":
            updates.append(log)
        else:
            events.append(e)
    events.sort(key=lambda e: (e[0], e[1]))
    if not updates:
        raise NoUpdates(f"--pool {pool}: no update in blocks {lo}..{hi} (no UpdatePerformed from its runner"
                        f"{'s' if len(runners) > 1 else ''} {', '.join(runners)}); widen the range with --from-block/--to-block")
    return Discovery(pool, chain_id, lo, hi, 0, staleness, runners, updates, events, {pool: code})


def add_oracle_events(node: Node, disc: Discovery, oracles: set) -> None:
    """Add the runners' OracleAdded / OracleRemved events of the pool's `oracles` to disc.events."""
    if not oracles:
        return
    t = RUNNER_TOPICS
    f = {"address": disc.runners, "topics": [[t["OracleAdded"], t["OracleRemved"]], [_topic_address(o) for o in sorted(oracles)]]}
    dec = decoder()
    roles = {disc.pool: "pool", **{r: "runner" for r in disc.runners}}
    found = [e for log in node.logs([f], disc.from_block, disc.to_block) if (e := event_tuple(dec, log, roles))]
    disc.events = sorted(disc.events + found, key=lambda e: (e[0], e[1]))


def kind_of(names: set) -> str:
    """The setter (or other call) a transaction's events of the pool mark."""
    kinds = []
    if ("runner", "SetWeightManual") in names:
        kinds.append("setTargetWeightsManually" if ("runner", "WeightsUpdated") in names else "setWeightsManually")
    elif ("runner", "WeightsUpdated") in names:
        kinds.append("calculateMultiplierAndSetWeightsFromRule")
    for event, kind in (("SetIntermediateValuesManually", "setIntermediateValuesManually"),
                        ("PoolLastRunSet", "InitialisePoolLastRunTime"),
                        ("PoolRuleSetAdminOverride", "setRuleForPoolAdminInitialise"),
                        ("SetApprovedActionsForPool", "setApprovedActionsForPool"),
                        ("OracleAdded", "addOracle"), ("OracleRemved", "removeOracle")):
        if ("runner", event) in names:
            kinds.append(kind)
    for event, kind in (("UpdateWeightRunnerAddressUpdated", "setUpdateWeightRunnerAddress"), ("PoolRuleSet", "initialize")):
        if ("pool", event) in names:
            kinds.append(kind)
    if not kinds and ("pool", "WeightsUpdated") in names:
        kinds.append("setWeights")
    return " + ".join(kinds) or "other"
