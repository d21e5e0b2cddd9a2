"""Reading: everything the checks need about every update, in a few batched rounds (docs/audit.md).

Per update at block b: its transaction receipt (the update's events and gas), the header of b (its time), the
views at b − 1 and at b (the rule's state getters, the pool's dynamic data for W, M and the two times, the
runner's poolRuleSettings for the last run), every oracle's getData() and two samples of getNormalizedWeights
in the quiet span after the update (its middle block and its last block). Per runner: its registration for
the pool at the block before its first update, the rule's name() and runtime code.

Oracles: CalculateWeightsRequest carries the values the rule received, exactly; it does not say which oracle
gave them. The oracles are read at b: the state after block b, which is what the update saw when an oracle was
last written in b before (or in the same transaction as) the update, e.g. a keeper that sets a mock oracle and
updates in one transaction. V1's choice (first fresh oracle in order) is applied to those reads; where it does
not give the recorded value, the oracle was written after the update within block b, and the reads at b − 1
are tried. Where neither gives it, the path is "undetermined" (the values are still exact: they come from the
event).
"""

from __future__ import annotations

import bisect
import sys

from parity.audit.discover import Discovery, add_oracle_events, code_sha256, decoder, event_tuple, kind_of
from parity.audit.history import AuditHistory, ChainEvent, Epoch, Intervention, Update, path_label, select_oracle
from parity.audit.node import Node, NodeError, RpcFailure
from parity.catalogue import RULES
from parity.chain.v1_abi import calldata, decode_output
from parity.errors import UsageError
from parity.fixedpoint.production_seed import ObservedState

CHUNK = 25  # updates per batched round (one progress step each)
RULE_BY_V1_NAME = {row.model.name: name for name, row in RULES.items() if row.model is not None}


def _fail(node: Node, what: str, block, answer) -> NodeError:
    return NodeError(f"--rpc-url {node.url}: {what} at block {block} failed: {getattr(answer, 'message', answer)}")


def decoded(node: Node, view: str, what: str, block, answer):
    if isinstance(answer, RpcFailure):
        raise _fail(node, what, block, answer)
    try:
        return decode_output(view, answer)
    except ValueError as e:
        raise _fail(node, what, block, e) from None


# ---------------------------------------------------------------------------------------------------------
# updates: receipts and the update's own events
# ---------------------------------------------------------------------------------------------------------


def locate_updates(node: Node, disc: Discovery) -> list[dict]:
    """Per UpdatePerformed: block, tx, runner, caller, gas and the update's events (from its receipt)."""
    receipts = node.many([("eth_getTransactionReceipt", [log["transactionHash"]]) for log in disc.update_logs])
    dec = decoder()
    out = []
    for log, receipt in zip(disc.update_logs, receipts):
        if isinstance(receipt, RpcFailure) or not receipt:
            raise _fail(node, f"eth_getTransactionReceipt({log['transactionHash']})", int(log["blockNumber"], 16), receipt)
        runner = log["address"]
        roles = {disc.pool: "pool", runner: "runner"}
        window = _window(receipt["logs"], int(log["logIndex"], 16), runner, disc.pool, dec, roles)
        out.append({"block": int(log["blockNumber"], 16), "tx": log["transactionHash"], "runner": _cs(runner),
                    "gas": int(receipt["gasUsed"], 16), "first": window[0][1], "last": window[-1][1],
                    "events": [(e[3], e[4], e[5]) for e in window],
                    "caller": window[-1][5]["caller"]})
    return out


def _cs(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


def _window(logs: list, last: int, runner: str, pool: str, dec, roles: dict) -> list:
    """The update's events: from the runner's CalculateWeightsRequest for the pool to its UpdatePerformed."""
    mine = [e for log in logs if _cs(log["address"]) in (_cs(runner), pool)
            and int(log["logIndex"], 16) <= last and (e := event_tuple(dec, log, {_cs(k): v for k, v in roles.items()}))]
    start = max((i for i, e in enumerate(mine) if e[4] == "CalculateWeightsRequest" and e[3] == "runner"
                 and e[5]["pool"].lower() == pool.lower()), default=None)
    if start is None:
        raise NodeError(f"update in tx {logs[0]['transactionHash'] if logs else '?'}: no CalculateWeightsRequest before "
                        "its UpdatePerformed (the runner does not emit V1's events)")
    return mine[start:]


# ---------------------------------------------------------------------------------------------------------
# epochs: the registration with each runner
# ---------------------------------------------------------------------------------------------------------


def read_epochs(node: Node, disc: Discovery, located: list) -> list[Epoch]:
    """One Epoch per runner that updated the pool, read at the block before its first update."""
    firsts = {}
    for u in located:
        firsts.setdefault(u["runner"], u["block"])
    views = ("getPoolRule", "getPoolRuleSettings", "getPoolOracleAndBackups", "getPoolApprovedActions")
    answers = node.calls([(r, calldata(v, disc.pool), b - 1) for r, b in firsts.items() for v in views]
                         + [(r, calldata("quantammAdmin"), b - 1) for r, b in firsts.items()])
    per = len(views)
    rules = {}
    for i, (runner, block) in enumerate(firsts.items()):
        values = [decoded(node, v, f"{runner}.{v}({disc.pool})", block - 1, a)
                  for v, a in zip(views, answers[i * per:(i + 1) * per])]
        admin = decoded(node, "quantammAdmin", f"{runner}.quantammAdmin()", block - 1, answers[len(firsts) * per + i])
        rules[runner] = (block, values, admin)
    return _epochs(node, disc, rules)


def _epochs(node: Node, disc: Discovery, rules: dict) -> list[Epoch]:
    names = node.calls([(values[0], calldata("name"), block - 1) for block, values, _ in rules.values()])
    codes = node.many([("eth_getCode", [values[0], hex(block - 1)]) for block, values, _ in rules.values()])
    runner_codes = node.many([("eth_getCode", [runner, hex(block - 1)]) for runner, (block, _, _) in rules.items()])
    epochs = []
    for (runner, (block, values, admin)), name, code, runner_code in zip(rules.items(), names, codes, runner_codes):
        disc.codes[runner] = code_sha256(runner_code)
        disc.codes[values[0]] = code_sha256(code)
        rule_address, settings, oracles, actions = values
        v1_name = decoded(node, "name", f"rule {rule_address}.name()", block - 1, name)
        if v1_name not in RULE_BY_V1_NAME:
            raise UsageError(f"--pool {disc.pool}: its rule {rule_address} (runner {runner}) answers name() = {v1_name!r}; "
                             f"parity models {', '.join(sorted(RULE_BY_V1_NAME))}")
        disc.n = disc.n or len(oracles)
        if len(oracles) != disc.n or not 2 <= disc.n <= 8:
            raise UsageError(f"--pool {disc.pool}: runner {runner} holds oracles for {len(oracles)} assets "
                             f"({'the pool had ' + str(disc.n) + ' before' if len(oracles) != disc.n else 'a QuantAMM pool has 2 to 8'})")
        lam, timing, eps, guard, params, manager = settings
        epochs.append(Epoch(
            runner=runner, rule_address=rule_address, rule_name=v1_name, rule=RULE_BY_V1_NAME[v1_name],
            oracles=tuple(tuple(per) for per in oracles), lambda_store=tuple(lam), parameters=tuple(tuple(r) for r in params),
            epsilon_max=eps, guard_rail=guard, interval=timing[1], pool_manager=manager, actions=actions, admin=admin,
            rule_code_sha256=code_sha256(code), first_block=block))
    return epochs


# ---------------------------------------------------------------------------------------------------------
# state at b − 1 and b, oracles, samples
# ---------------------------------------------------------------------------------------------------------


def state_calls(epoch: Epoch, pool: str, n: int, block: int) -> list:
    """The eth_calls of one ObservedState at `block` (see observed_from)."""
    calls = []
    for f in RULES[epoch.rule].state_map.fields:
        if f.packed:
            calls += [(epoch.rule_address, calldata(f.getter, pool, i), block) for i in range((n + 1) // 2)]
        else:
            calls.append((epoch.rule_address, calldata(f.getter, pool, n), block))
    return calls + [(pool, calldata("getQuantAMMWeightedPoolDynamicData"), block),
                    (epoch.runner, calldata("poolRuleSettings", pool), block)]


def observed_from(node: Node, epoch: Epoch, n: int, block: int, answers: list) -> ObservedState:
    rule_state, i = {}, 0
    for f in RULES[epoch.rule].state_map.fields:
        if f.packed:
            count = (n + 1) // 2
            rule_state[f.getter] = [decoded(node, f.getter, f"rule {f.getter}", block, a) for a in answers[i:i + count]]
            i += count
        else:
            rule_state[f.getter] = decoded(node, f.getter, f"rule {f.getter}", block, answers[i])
            i += 1
    dyn = decoded(node, "getQuantAMMWeightedPoolDynamicData", "pool getQuantAMMWeightedPoolDynamicData()", block, answers[i])
    timing = decoded(node, "poolRuleSettings", "runner poolRuleSettings", block, answers[i + 1])[0]
    return ObservedState(rule_state, tuple(dyn[6]), tuple(dyn[7]), dyn[8], dyn[9], timing[0])


def pool_settings(node: Node, disc: Discovery) -> dict:
    """The pool's own copy of its settings at the end of the range (getQuantAMMWeightedPoolImmutableData), as
    JSON; {"unreadable": reason} when the view does not answer."""
    answer = node.calls([(disc.pool, calldata("getQuantAMMWeightedPoolImmutableData"), disc.to_block)])[0]
    try:
        if isinstance(answer, RpcFailure):
            raise ValueError(answer.message)
        _, staleness, _, params, lam, eps, guard, interval, _ = decode_output("getQuantAMMWeightedPoolImmutableData", answer)
    except ValueError as e:
        return {"unreadable": str(e)}
    return {"lambda_store": [str(x) for x in lam], "parameters": [[str(x) for x in r] for r in params],
            "epsilon_max": str(eps), "guard_rail": str(guard), "interval": int(interval), "staleness": str(staleness)}


def oracle_calls(epoch: Epoch, block: int) -> list:
    return [(o, calldata("getData"), block) for per in epoch.oracles for o in per]


def oracle_reads(epoch: Epoch, answers: list) -> dict:
    """oracle -> (value, timestamp), None where getData reverted or answered what V1 cannot decode."""
    out = {}
    for o, a in zip([o for per in epoch.oracles for o in per], answers):
        try:
            out[o] = None if isinstance(a, RpcFailure) else list(decode_output("getData", a))
        except ValueError:
            out[o] = None
    return out


def headers(node: Node, blocks) -> dict:
    """block -> timestamp."""
    blocks = sorted(set(blocks))
    answers = node.many([("eth_getBlockByNumber", [hex(b), False]) for b in blocks])
    out = {}
    for b, h in zip(blocks, answers):
        if isinstance(h, RpcFailure) or not h:
            raise _fail(node, "eth_getBlockByNumber", b, h)
        out[b] = int(h["timestamp"], 16)
    return out


def _progress(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="update", file=sys.stderr, leave=False, desc="reading")


# ---------------------------------------------------------------------------------------------------------
# the whole history
# ---------------------------------------------------------------------------------------------------------


def _outside_updates(events: list, located: list) -> list:
    """The events that are not part of an update (every other state change of the pool)."""
    windows = {(u["block"], u["tx"]): (u["first"], u["last"]) for u in located}
    out = []
    for e in events:
        w = windows.get((e[0], e[2]))
        if w is None or not w[0] <= e[1] <= w[1]:
            out.append(e)
    return out


def sample_spans(located: list, others: list, to_block: int) -> list[tuple[int, int]]:
    """Per update: (middle block, last block) of its quiet span, from its block up to the block before the next
    update or other state change (or the end of the range)."""
    changes = sorted({u["block"] for u in located} | {e[0] for e in others})
    spans = []
    for u in located:
        i = bisect.bisect_right(changes, u["block"])
        end = (changes[i] if i < len(changes) else to_block + 1) - 1
        spans.append(((u["block"] + end) // 2, end))
    return spans


def interventions_of(others: list, times: dict) -> list[Intervention]:
    """The other state changes, one per transaction, classified by their events."""
    by_tx: dict = {}
    for e in others:
        by_tx.setdefault(e[2], []).append(ChainEvent(*e))
    out = []
    for tx, events in by_tx.items():
        kind = kind_of({(e.role, e.name) for e in events})
        out.append(Intervention(events[0].block, times[events[0].block], tx, kind, tuple(events)))
    return sorted(out, key=lambda i: (i.block, i.events[0].log_index))


def read_history(node: Node, disc: Discovery, *, progress: bool = True) -> AuditHistory:
    """Every update's state, oracles and samples, and every other state change (see the module docstring)."""
    located = locate_updates(node, disc)
    epochs = read_epochs(node, disc, located)
    add_oracle_events(node, disc, {o for e in epochs for per in e.oracles for o in per})
    index = {e.runner: i for i, e in enumerate(epochs)}
    others = _outside_updates(disc.events, located)
    spans = sample_spans(located, others, disc.to_block)
    times = headers(node, [u["block"] for u in located] + [e[0] for e in others] + [b for s in spans for b in s])
    history = AuditHistory(disc.pool, disc.chain_id, disc.from_block, disc.to_block, disc.n, disc.staleness, epochs,
                           [], interventions_of(others, times), source=node.url, codes=dict(disc.codes),
                           pool_settings=pool_settings(node, disc))
    bar = _progress(len(located), progress)
    by_block: dict = {}
    for e in others:
        by_block.setdefault(e[0], []).append(e)
    for start in range(0, len(located), CHUNK):
        chunk = list(enumerate(located[start:start + CHUNK], start + 1))
        history.updates += _read_chunk(node, history, index, chunk, spans, times, by_block)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    _resolve_oracles(node, history)
    return history


def _read_chunk(node: Node, h: AuditHistory, index: dict, chunk: list, spans: list, times: dict, by_block: dict) -> list:
    calls, plan = [], []
    for k, u in chunk:
        epoch = h.epochs[index[u["runner"]]]
        b, (mid, end) = u["block"], spans[k - 1]
        parts = [state_calls(epoch, h.pool, h.n, b - 1), state_calls(epoch, h.pool, h.n, b), oracle_calls(epoch, b),
                 [(h.pool, calldata("getNormalizedWeights"), mid), (h.pool, calldata("getNormalizedWeights"), end)]]
        plan.append([len(p) for p in parts])
        calls += [c for p in parts for c in p]
    answers, pos, out = node.calls(calls), 0, []
    for (k, u), sizes in zip(chunk, plan):
        got = []
        for size in sizes:
            got.append(answers[pos:pos + size])
            pos += size
        out.append(_update(node, h, index, k, u, spans[k - 1], times, by_block, got))
    return out


def _update(node: Node, h: AuditHistory, index: dict, k: int, u: dict, span, times: dict, by_block: dict, got) -> Update:
    epoch = h.epochs[index[u["runner"]]]
    b = u["block"]
    same = [ChainEvent(*e) for e in by_block.get(b, ())]
    samples = [[blk, times[blk], [int(x) for x in decoded(node, "getNormalizedWeights", "pool getNormalizedWeights()", blk, a)]]
               for blk, a in zip(span, got[3])]
    update = Update(k=k, block=b, timestamp=times[b], tx=u["tx"], epoch=index[u["runner"]], caller=u["caller"], gas=u["gas"],
                    events=u["events"], pre=observed_from(node, epoch, h.n, b - 1, got[0]),
                    post=observed_from(node, epoch, h.n, b, got[1]),
                    before=[e for e in same if e.log_index < u["first"]], after=[e for e in same if e.log_index > u["last"]],
                    samples=samples)
    reads = oracle_reads(epoch, got[2])
    update.oracle_reads, update.oracle_sources = _choose(epoch, reads, update, h.staleness, "b")
    return update


def _choose(epoch: Epoch, reads: dict, update: Update, staleness: int, source: str) -> tuple[dict, list]:
    """The reads and source per asset where V1's choice on `reads` gives the recorded value (None elsewhere)."""
    used, sources = dict(update.oracle_reads), list(update.oracle_sources or [None] * len(epoch.oracles))
    for i, (per, value) in enumerate(zip(epoch.oracles, update.data)):
        if sources[i] is not None:
            continue
        choice = select_oracle(per, reads, update.timestamp, staleness)
        if choice is not None and choice[1] == value:
            sources[i] = source
            used.update({o: reads.get(o) for o in per})
        elif source == "b":
            used.update({o: reads.get(o) for o in per})  # kept unless the reads at b − 1 explain the value
    return used, sources


def _resolve_oracles(node: Node, h: AuditHistory) -> None:
    """Read the oracles at b − 1 for the updates whose recorded values the reads at b do not explain."""
    pending = [u for u in h.updates if None in u.oracle_sources]
    if not pending:
        return
    answers = node.calls([c for u in pending for c in oracle_calls(h.epoch_of(u), u.block - 1)])
    pos = 0
    for u in pending:
        epoch = h.epoch_of(u)
        size = sum(len(per) for per in epoch.oracles)
        u.oracle_reads, u.oracle_sources = _choose(epoch, oracle_reads(epoch, answers[pos:pos + size]), u, h.staleness, "b-1")
        pos += size


def oracle_paths(h: AuditHistory, u: Update) -> list[str]:
    """Per asset: which oracle the update's value came from (see path_label)."""
    epoch = h.epoch_of(u)
    return [path_label(select_oracle(per, u.oracle_reads, u.timestamp, h.staleness)) if src else "undetermined"
            for per, src in zip(epoch.oracles, u.oracle_sources)]
