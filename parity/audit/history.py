"""What an audit read from the chain: the pool's registrations (one per runner), its updates with the state
at b − 1 and b, the oracles and samples, and every other state change, as plain data with a JSON form (the
`audit` section of a pool-level fixture, docs/audit.md).

Events are kept as (role, name, args) with args in the canonical JSON form of the pool level (every integer
a decimal string, addresses checksummed; parity.harness.lockstep.pool_sides.canonical_events), so a recorded
history compares with a live one byte for byte. Roles: "runner" (any runner the pool had), "pool".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parity.fixedpoint.production_seed import ObservedPool, ObservedState

HISTORY_VERSION = 1


def _ints(values) -> list[str]:
    return [str(int(v)) for v in values]


@dataclass(frozen=True)
class Epoch:
    """The pool's registration with one runner: what its views said at the block before its first update."""

    runner: str
    rule_address: str
    rule_name: str  # what the rule's name() returned (V1's names: "Momentum", ...)
    rule: str  # parity's rule of that name
    oracles: tuple  # per asset: (primary, backup 1, ...)
    lambda_store: tuple
    parameters: tuple
    epsilon_max: int
    guard_rail: int
    interval: int
    pool_manager: str
    actions: int
    admin: str
    rule_code_sha256: str  # SHA-256 of the rule's runtime code (its identity; no source is known)
    first_block: int

    def observed(self, pool: str, n: int, staleness: int) -> ObservedPool:
        return ObservedPool(rule=self.rule, n=n, runner=self.runner, pool=pool, rule_address=self.rule_address,
                            oracles=self.oracles, lambda_store=self.lambda_store, parameters=self.parameters,
                            epsilon_max=self.epsilon_max, guard_rail=self.guard_rail, interval=self.interval,
                            pool_manager=self.pool_manager, staleness=staleness, admin=self.admin, actions=self.actions)

    def to_json(self) -> dict:
        return {"runner": self.runner, "rule_address": self.rule_address, "rule_name": self.rule_name, "rule": self.rule,
                "oracles": [list(per) for per in self.oracles], "lambda_store": _ints(self.lambda_store),
                "parameters": [_ints(r) for r in self.parameters], "epsilon_max": str(self.epsilon_max),
                "guard_rail": str(self.guard_rail), "interval": self.interval, "pool_manager": self.pool_manager,
                "actions": str(self.actions), "admin": self.admin, "rule_code_sha256": self.rule_code_sha256,
                "first_block": self.first_block}

    @classmethod
    def from_json(cls, d: dict) -> "Epoch":
        return cls(runner=d["runner"], rule_address=d["rule_address"], rule_name=d["rule_name"], rule=d["rule"],
                   oracles=tuple(tuple(per) for per in d["oracles"]), lambda_store=tuple(int(x) for x in d["lambda_store"]),
                   parameters=tuple(tuple(int(x) for x in r) for r in d["parameters"]), epsilon_max=int(d["epsilon_max"]),
                   guard_rail=int(d["guard_rail"]), interval=int(d["interval"]), pool_manager=d["pool_manager"],
                   actions=int(d["actions"]), admin=d["admin"], rule_code_sha256=d["rule_code_sha256"],
                   first_block=int(d["first_block"]))


def state_to_json(s: ObservedState) -> dict:
    return {"rule_state": {k: _ints(v) for k, v in s.rule_state.items()}, "first_four": _ints(s.first_four),
            "second_four": _ints(s.second_four), "last_update": s.last_update, "last_interp": s.last_interp,
            "last_run": s.last_run}


def state_from_json(d: dict) -> ObservedState:
    return ObservedState({k: [int(x) for x in v] for k, v in d["rule_state"].items()},
                         tuple(int(x) for x in d["first_four"]), tuple(int(x) for x in d["second_four"]),
                         int(d["last_update"]), int(d["last_interp"]), int(d["last_run"]))


@dataclass(frozen=True)
class ChainEvent:
    """One decoded log of the pool or one of its runners (args canonical)."""

    block: int
    log_index: int
    tx: str
    role: str
    name: str
    args: dict
    emitter: str  # the contract that emitted it (a runner's events concern the runner that emitted them)

    def to_json(self) -> dict:
        return {"block": self.block, "log_index": self.log_index, "tx": self.tx, "role": self.role, "name": self.name,
                "args": self.args, "emitter": self.emitter}

    @classmethod
    def from_json(cls, d: dict) -> "ChainEvent":
        return cls(int(d["block"]), int(d["log_index"]), d["tx"], d["role"], d["name"], d["args"], d["emitter"])


@dataclass(frozen=True)
class Intervention:
    """A state change of the pool that is not an update: one transaction's events, with what they were."""

    block: int
    timestamp: int
    tx: str
    kind: str
    events: tuple  # ChainEvent

    def to_json(self) -> dict:
        return {"block": self.block, "timestamp": self.timestamp, "tx": self.tx, "kind": self.kind,
                "events": [e.to_json() for e in self.events]}

    @classmethod
    def from_json(cls, d: dict) -> "Intervention":
        return cls(int(d["block"]), int(d["timestamp"]), d["tx"], d["kind"], tuple(ChainEvent.from_json(e) for e in d["events"]))


@dataclass
class Update:
    """One performUpdate of the pool at block `block` and what was read around it."""

    k: int
    block: int
    timestamp: int
    tx: str
    epoch: int  # index into AuditHistory.epochs
    caller: str
    gas: int
    events: list  # (role, name, args) of the update, in log order (canonical)
    pre: ObservedState  # the views at block − 1
    post: ObservedState  # the views at block
    before: list = field(default_factory=list)  # ChainEvents of the same block before the update
    after: list = field(default_factory=list)  # ... and after it
    oracle_reads: dict = field(default_factory=dict)  # oracle -> [value, timestamp] or None (getData reverted)
    oracle_sources: list = field(default_factory=list)  # per asset: "b", "b-1" or None (undetermined)
    samples: list = field(default_factory=list)  # [block, timestamp, getNormalizedWeights] at two blocks after it

    def event(self, role: str, name: str) -> dict:
        return next(args for r, n, args in self.events if r == role and n == name)

    @property
    def data(self) -> list[int]:
        """The oracle values the rule received (CalculateWeightsRequest.data)."""
        return [int(v) for v in self.event("runner", "CalculateWeightsRequest")["data"]]

    @property
    def current_weights(self) -> list[int]:
        return [int(v) for v in self.event("runner", "CalculateWeightsRequest")["currentWeights"]]

    def to_json(self) -> dict:
        return {"k": self.k, "block": self.block, "timestamp": self.timestamp, "tx": self.tx, "epoch": self.epoch,
                "caller": self.caller, "gas": self.gas, "pre": state_to_json(self.pre), "post": state_to_json(self.post),
                "before": [e.to_json() for e in self.before], "after": [e.to_json() for e in self.after],
                "oracle_reads": {o: (None if r is None else _ints(r)) for o, r in sorted(self.oracle_reads.items())},
                "oracle_sources": list(self.oracle_sources),
                "samples": [[b, t, _ints(w)] for b, t, w in self.samples]}


@dataclass
class AuditHistory:
    """Everything an audit read; `check` (engine.py) needs nothing else."""

    pool: str
    chain_id: int
    from_block: int
    to_block: int
    n: int
    staleness: int
    epochs: list
    updates: list
    interventions: list
    source: str = ""  # where it came from: the node's URL, or a fixture
    codes: dict = field(default_factory=dict)  # address -> SHA-256 of its runtime code (pool, runners, rules)
    pool_settings: dict = field(default_factory=dict)  # the pool's own copy of its settings (read.pool_settings)

    def settings_differences(self) -> list[str]:
        """The settings where the pool's own copy differs from its current runner's (which updates use)."""
        if not self.pool_settings or "unreadable" in self.pool_settings:
            return []
        e, p = self.epochs[-1], self.pool_settings
        runner = {"lambda_store": _ints(e.lambda_store), "parameters": [_ints(r) for r in e.parameters],
                  "epsilon_max": str(e.epsilon_max), "guard_rail": str(e.guard_rail), "interval": e.interval,
                  "staleness": str(self.staleness)}
        return [f"{k}: pool {p[k]}, runner {v}" for k, v in runner.items() if p.get(k) != v]

    def epoch_of(self, update: Update) -> Epoch:
        return self.epochs[update.epoch]

    def between(self, lo: int, hi: int) -> list:
        """The interventions in blocks lo < block < hi, in order."""
        return [i for i in self.interventions if lo < i.block < hi]

    def to_json(self) -> dict:
        """The `audit` section of a fixture (the post-update values and events live in its per_block)."""
        return {"version": HISTORY_VERSION, "pool": self.pool, "chain_id": self.chain_id, "from_block": self.from_block,
                "to_block": self.to_block, "n": self.n, "staleness": str(self.staleness),
                "epochs": [e.to_json() for e in self.epochs], "updates": [u.to_json() for u in self.updates],
                "interventions": [i.to_json() for i in self.interventions], "codes": dict(sorted(self.codes.items())),
                "pool_settings": self.pool_settings}


def history_from_json(d: dict, per_block: list, source: str) -> AuditHistory:
    """The AuditHistory of a fixture's `audit` section and its per_block entries (post state and events)."""
    updates = []
    for u, b in zip(d["updates"], per_block):
        updates.append(Update(
            k=int(u["k"]), block=int(u["block"]), timestamp=int(u["timestamp"]), tx=u["tx"], epoch=int(u["epoch"]),
            caller=u["caller"], gas=int(u["gas"]), events=[tuple(e) for e in b["events"]], pre=state_from_json(u["pre"]),
            post=state_from_json(u["post"]), before=[ChainEvent.from_json(e) for e in u["before"]],
            after=[ChainEvent.from_json(e) for e in u["after"]],
            oracle_reads={o: (None if r is None else [int(x) for x in r]) for o, r in u["oracle_reads"].items()},
            oracle_sources=list(u["oracle_sources"]),
            samples=[[int(s[0]), int(s[1]), [int(x) for x in s[2]]] for s in u["samples"]]))
    return AuditHistory(pool=d["pool"], chain_id=int(d["chain_id"]), from_block=int(d["from_block"]),
                        to_block=int(d["to_block"]), n=int(d["n"]), staleness=int(d["staleness"]),
                        epochs=[Epoch.from_json(e) for e in d["epochs"]], updates=updates,
                        interventions=[Intervention.from_json(i) for i in d["interventions"]], source=source,
                        codes=dict(d["codes"]), pool_settings=dict(d["pool_settings"]))


def select_oracle(oracles, reads: dict, now: int, staleness: int):
    """V1's choice for one asset (docs/production-loop.md): the first oracle, in order, whose timestamp is
    greater than now − staleness. Returns (index, value, why the earlier ones were passed over), or None when
    no oracle is fresh. `reads`: oracle -> (value, timestamp), or None for a getData that reverted."""
    passed = []
    for j, o in enumerate(oracles):
        read = reads.get(o)
        if read is None:
            passed.append("failed")
            continue
        if int(read[1]) > now - staleness:
            return j, int(read[0]), passed
        passed.append("stale")
    return None


def path_label(choice) -> str:
    """'primary', 'backup 1 (primary stale)', ... for a select_oracle result; 'undetermined' for None."""
    if choice is None:
        return "undetermined"
    j, _, passed = choice
    if j == 0:
        return "primary"
    names = ["primary"] + [f"backup {i}" for i in range(1, j)]
    return f"backup {j} ({', '.join(f'{n} {why}' for n, why in zip(names, passed))})"
