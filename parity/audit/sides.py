"""The three sides of an audit, for the lockstep session (parity.harness.lockstep.session) at pool level:

* the chain side answers every update with what was read (AuditHistory): the rule state, the rule's output,
  the multipliers, the stored W, M and times at b, two samples of the pool's weights after it, the events;
* the integer model starts every update from the state the chain showed at b − 1 (a seeded ProductionModel),
  applies what happened earlier in block b, runs performUpdate at the block's time with the oracle reads, and
  must give exactly the chain's values;
* the JAX production step starts every update from the same state (resync: one step each).

Both exact sides also report the `gap_*` fields: the state at b − 1 of update k, and what the model gives from
the state at b of update k − 1 through the events of every change in between. They differ when the state
changed without an event that explains it.
"""

from __future__ import annotations

import numpy as np

from parity.audit.history import AuditHistory, Update
from parity.fixedpoint.production_seed import ObservedState, apply_event, observed_state, seeded_model
from parity.harness.lockstep.jaxstep import initial_carries
from parity.harness.lockstep.pool_sides import PoolJaxSide, canonical_events, sample_fields
from parity.harness.lockstep.sides import Observation, chain_estimator_state
from parity.harness.mapping import StateMap, from_wei_array, unpack_words

WAD = 10**18
SAMPLES = 1  # fine_0: the middle block of the quiet span after an update; fine_rail: its last block


def state_values(smap: StateMap, rule_state: dict, n: int) -> dict:
    """{carry key: n values} of a rule state read per getter (raw words unpacked)."""
    out = {}
    for f in smap.fields:
        values = rule_state[f.getter]
        out[f.key] = [int(v) for v in (unpack_words(values, n) if f.packed else values)]
    return out


def pool_fields(state, n: int) -> tuple[list[int], list[int]]:
    """(W, M) of the pool's dynamic-data fields."""
    from parity.fixedpoint.production_state import field_layout

    words = (state.first_four, state.second_four)
    values = [int(words[w][k]) for w, k in field_layout(n)]
    return values[:n], values[n:]


def touches_pool(events) -> bool:
    return any(e.role == "pool" and e.name == "WeightsUpdated" for e in events)


def touches_rule(events) -> bool:
    return any(e.name == "SetIntermediateValuesManually" for e in events)


def stored_by(stored: dict, n: int):
    """The pool's storage after a setWeights that emitted `stored` (its WeightsUpdated args)."""
    from parity.fixedpoint.production_state import PoolModel

    p = PoolModel(n=n)
    p.store([int(v) for v in stored["calculatedWeightsAndMultipliers"]], int(stored["lastUpdateTime"]),
            int(stored["lastInterpolationTimePossible"]))
    first, second = p.dynamic_data_words()
    return ObservedState({}, tuple(first), tuple(second), p.last_update, p.last_interp, 0)


def exact_values(smap: StateMap, n: int, events: list, post, samples: list, gap: dict, *, pool_from_event: bool) -> dict:
    """The compared values of one update on an exact side: rule state, weights, multipliers, the stored pool,
    the samples, the events (canonical) and the gap fields. pool_from_event: the pool's W, M and times as the
    update's own WeightsUpdated stored them (a later change in the same block stored others at b)."""
    stored = next(args for role, name, args in events if role == "pool" and name == "WeightsUpdated")
    response = next(args for role, name, args in events if name == "CalculateWeightsResponse")
    values = state_values(smap, post.rule_state, n)
    values["weights"] = [int(v) for v in response["updatedWeights"]]
    values["raw_multipliers"] = [int(v) for v in stored["calculatedWeightsAndMultipliers"][n:]]
    pool = stored_by(stored, n) if pool_from_event else post
    values["pool_weights"], values["multipliers"] = pool_fields(pool, n)
    values["last_update"] = [int(pool.last_update) * WAD]
    values["last_interp"] = [int(pool.last_interp) * WAD]
    values.update({f: [int(x) for x in s] for f, s in zip(sample_fields(SAMPLES), samples)})
    values["events"] = canonical_events([list(e) for e in events])
    if pool_from_event:  # the state at b, after the block's later changes
        values.update({f"after_{k[4:]}": v for k, v in gap_values(smap, n, post, True).items()})
    values.update(gap)
    return values


def gap_values(smap: StateMap, n: int, state, with_rule: bool) -> dict:
    """The gap fields of a state (rule state and last run only within one registration)."""
    w, m = pool_fields(state, n)
    out = {"gap_pool_weights": w, "gap_multipliers": m, "gap_times": [int(state.last_update), int(state.last_interp)]}
    if with_rule:
        out["gap_last_run"] = [int(state.last_run)]
        out.update({f"gap_{k}": v for k, v in state_values(smap, state.rule_state, n).items()})
    return out


class AuditChainSide:
    """What the chain showed (an AuditHistory), update by update."""

    def __init__(self, history: AuditHistory, smap: StateMap, contract: str, backend: str):
        self.h, self.smap, self.n, self.contract, self.backend = history, smap, history.n, contract, backend

    def start_time(self, requested) -> int:
        return self.h.updates[0].timestamp - 1

    def update_times(self, t0: int) -> list[tuple[int, int, int]]:
        """(k, time of update k, time of the next one; for the last, one second after its last sample)."""
        ups = self.h.updates
        nxt = [u.timestamp for u in ups[1:]] + [ups[-1].samples[-1][1] + 1]
        return [(u.k, u.timestamp, t) for u, t in zip(ups, nxt)]

    def deploy(self, t0: int, initial: dict) -> None:
        pass  # nothing is deployed: the pool is on the node

    def artifact_info(self) -> dict:
        e = self.h.epochs[0]
        return {"contract_name": self.contract, "rule_name": e.rule_name, "address": e.rule_address,
                "runner": e.runner, "pool": self.h.pool, "rule_code_sha256": e.rule_code_sha256,
                "compiler_profile": "legacy"}

    def initialise(self, initial: dict, timestamp: int) -> dict:
        return state_values(self.smap, self.h.updates[0].pre.rule_state, self.n)

    def gap(self, u: Update) -> dict:
        prev = self.h.updates[u.k - 2] if u.k > 1 else None
        same = prev is not None and prev.epoch == u.epoch
        return gap_values(self.smap, self.n, u.pre, same or prev is None)

    def values(self, k: int) -> dict:
        u = self.h.updates[k - 1]
        return exact_values(self.smap, self.n, u.events, u.post, [s[2] for s in u.samples], self.gap(u),
                            pool_from_event=touches_pool(u.after))

    def step(self, k: int, price_wei, ts: int, next_ts: int) -> Observation:
        u = self.h.updates[k - 1]
        values = self.values(k)
        extra = {"sample_times": [s[1] for s in u.samples], "gas": u.gas, "events": values["events"]}
        return Observation(values, u.block, u.timestamp, extra)


class AuditModelSide:
    """The ProductionModel, seeded from the chain's state before each update."""

    def __init__(self, history: AuditHistory, smap: StateMap, chain: AuditChainSide, compiler_profile: str = "legacy"):
        self.h, self.smap, self.n, self.chain, self.profile = history, smap, history.n, chain, compiler_profile

    def model(self, u: Update, state):
        e = self.h.epoch_of(u)
        reads = dict(u.oracle_reads)
        for per, value, src in zip(e.oracles, u.data, u.oracle_sources):
            if src is None:  # undetermined: the event's value from a fresh primary
                reads.update({o: [0, 0] for o in per})
                reads[per[0]] = [value, u.timestamp]
        return seeded_model(e.observed(self.h.pool, self.n, self.h.staleness), state, oracle_reads=reads,
                            compiler_profile=self.profile)

    def apply(self, m, events, runner: str, now: int, *, runner_events: bool = True) -> None:
        """Move model `m` along `events` at time `now`: the pool's, and (runner_events) those of `runner`."""
        for e in events:
            if e.role == "pool" or (runner_events and e.emitter == runner):
                apply_event(m, e.role, e.name, e.args, now)

    def effective_pre(self, u: Update):
        """The state the update saw: the views at b − 1 moved along the same block's earlier changes."""
        if not u.before:
            return u.pre
        m = self.model(u, u.pre)
        self.apply(m, u.before, self.h.epoch_of(u).runner, u.timestamp)
        return observed_state(m, u.pre.rule_state)

    def initialise(self, initial: dict, timestamp: int) -> dict:
        u = self.h.updates[0]
        return state_values(self.smap, observed_state(self.model(u, u.pre), u.pre.rule_state).rule_state, self.n)

    def gap(self, u: Update) -> dict:
        if u.k == 1:
            return self.chain.gap(u)
        prev = self.h.updates[u.k - 2]
        same = prev.epoch == u.epoch
        m = self.model(prev, prev.post)
        for change in self.h.between(prev.block, u.block):
            self.apply(m, change.events, self.h.epoch_of(u).runner, change.timestamp, runner_events=same)
        return gap_values(self.smap, self.n, observed_state(m, prev.post.rule_state), same)

    def values(self, k: int) -> dict:
        u = self.h.updates[k - 1]
        m, runner = self.model(u, u.pre), self.h.epoch_of(u).runner
        self.apply(m, u.before, runner, u.timestamp)
        tx = m.perform_update(u.timestamp, sender=u.caller)
        self.apply(m, u.after, runner, u.timestamp)
        post = observed_state(m, u.post.rule_state)
        samples = [m.sample_weights(t) for _, t, _ in u.samples]
        return exact_values(self.smap, self.n, tx.events, post, samples, self.gap(u), pool_from_event=touches_pool(u.after))

    def step(self, k: int, price_wei, ts: int, next_ts: int) -> Observation:
        return Observation(self.values(k))


class AuditJaxSide(PoolJaxSide):
    """The JAX production step, from the chain's state before each update (one step per update)."""

    def __init__(self, pool, inputs, smap: StateMap, make_step, history: AuditHistory, pre_states: list):
        super().__init__(pool, inputs, smap, SAMPLES, make_step)
        self.h, self.pre_states, self._k = history, pre_states, 0

    def start(self, inputs, seeded: int, t0: int) -> dict:
        est, _ = initial_carries(self.pool, self.jax_params, self.fp, inputs.price_dec[0], inputs.w0, self.smap.weight_key)
        self.template = dict(est)
        u = self.h.updates[0]
        state = state_values(self.smap, self.pre_states[0].rule_state, self.n)
        return {**state, "weights": u.current_weights}

    def dispatch(self, price, ts: int, next_ts: int) -> None:
        self._k += 1
        u, pre = self.h.updates[self._k - 1], self.pre_states[self._k - 1]
        state = state_values(self.smap, pre.rule_state, self.n)
        decoded = chain_estimator_state(self.template.keys(), self.smap, state, u.data)
        est = {**self.template, **{k: np.asarray(v, dtype=np.float64) for k, v in decoded.items()}}
        w, m = pool_fields(pre, self.n)
        pc = {"W": np.asarray(from_wei_array(w), dtype=np.float64), "M": np.asarray(from_wei_array(m), dtype=np.float64),
              "last_update": np.int64(pre.last_update), "last_interp": np.int64(pre.last_interp)}
        self.est, self.pc, coarse, self.info = self.step_fn(est, pc, price, np.int64(ts))
        self._pending = (coarse, ts, next_ts)

    def sample_times_for(self, ts: int, next_ts: int, last_interp: int) -> list[int]:
        return [t for _, t, _ in self.h.updates[self._k - 1].samples]

    def sampled_carry(self, pc: dict) -> dict:
        """The samples follow the state at b: where a later change in the block stored other weights, that one."""
        u = self.h.updates[self._k - 1]
        if not touches_pool(u.after):
            return pc
        w, m = pool_fields(u.post, self.n)
        return {"W": np.asarray(from_wei_array(w), dtype=np.float64), "M": np.asarray(from_wei_array(m), dtype=np.float64),
                "last_update": np.int64(u.post.last_update), "last_interp": np.int64(u.post.last_interp)}

    def after_block(self, k: int, jax_values: dict, chain_values: dict, price_wei, mode: str) -> list:
        notes = super().after_block(k, jax_values, chain_values, price_wei, "independent")
        u = self.h.updates[k - 1]
        if touches_rule(u.after):  # the rule state right after the update was never on chain to be read
            notes += [{"block": k, "field": key, "asset": a, "excused_by": "setIntermediateValuesManually later in the block"}
                      for key in self.smap.keys for a in range(self.n)]
        return notes
