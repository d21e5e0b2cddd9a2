"""The sides of a pool-level lockstep: the production loop in JAX, runner + pool + rule + oracles on a chain,
and the exact integer model of the same stack (parity.fixedpoint.production.ProductionModel).

Each update block sets the oracle prices and calls performUpdate (one transaction), then every side reports:
  rule state (as at rule level), `weights` (the rule's coarse output, from CalculateWeightsResponse),
  `raw_multipliers` (the runner's m = (w − w⁰)/Δ in wei per second before the pool truncates it, from the
  pool's WeightsUpdated; on the JAX side the JAX multiplier step applied to the chain's w and w⁰, so it
  checks that arithmetic on its own, apart from the weights' float error), `pool_weights` and `multipliers` (the pool's stored W and M, 18 decimals, multiples of 1e-9),
  `last_update` and `last_interp` (seconds, written as 18-decimal numbers so the same error measures apply),
  `fine_0` .. `fine_{K-1}` (getNormalizedWeights at K times spread over the interval up to the next update)
  and `fine_rail` (at the rail time lastInterp, clamped into the interval).
The chain and the model also report the decoded events, compared at zero tolerance.

Truncation boundaries (independent mode): W, M and T are truncated on both sides. A float value that lies
within float error of a truncation boundary can land on its other side; `boundary_notes` names such a flip
(the JAX value, the chain value, and both untruncated values around the boundary). The flipped elements of
that block are excused (not counted) and the JAX pool carry continues from the chain's stored pool, so one
explained flip does not turn every later block into a divergence.
"""

from __future__ import annotations

from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np

from parity.harness.lockstep.inputs import RunInputs, contract_to_rule
from parity.harness.lockstep.jaxstep import cached_jit
from parity.harness.lockstep.plan import DEFAULT_START_TIMESTAMP, Plan
from parity.harness.lockstep.result import LockstepResult, SetupError
from parity.harness.lockstep.sides import Observation, RuleJaxSide, StepReverted, chain_estimator_state, rule_artifacts
from parity.harness.mapping import StateMap, chain_caller, from_wei_array, model_caller, read_state

WAD = 10**18
QUANTUM = 10**9  # wei per stored quantum: the pool keeps 9 decimals
POOL_FIELDS = ("raw_multipliers", "pool_weights", "multipliers", "last_update", "last_interp")
TIME_FIELDS = ("last_update", "last_interp")
SETUP_MARGIN = 64  # set-up blocks deploy_pool_stack mines before the pool's creation time


def sample_fields(samples: int) -> tuple[str, ...]:
    return (*(f"fine_{j}" for j in range(samples)), "fine_rail")


def pool_fields(state_map: StateMap, samples: int) -> tuple[str, ...]:
    """Every compared field at pool level, in report order."""
    return (*state_map.keys, "weights", *POOL_FIELDS, *sample_fields(samples))


def sample_times(ts: int, next_ts: int, samples: int, last_interp: int) -> list[int]:
    """K times spread evenly over [ts + 1, next_ts − 1] (K = 1: the middle), then the rail time clamped
    into the same range. The update second itself is the stored W (`pool_weights`)."""
    lo, hi = ts + 1, max(ts + 1, next_ts - 1)
    if samples == 1:
        times = [(lo + hi) // 2]
    else:
        times = [lo + (hi - lo) * j // (samples - 1) for j in range(samples)]
    return times + [min(max(int(last_interp), lo), hi)]


# ---------------------------------------------------------------------------------------------------------
# JAX side
# ---------------------------------------------------------------------------------------------------------

_ONCHAIN_CACHE: dict = {}


def make_onchain_step(pool, params: dict, fp):
    """Jitted (est, pool_carry, price, now) -> (est, pool_carry, coarse, info) of calculate_onchain_step."""

    def make_raw(static):
        def raw(est, pc, price, now, arr):
            return pool.calculate_onchain_step(est, pc, price, now, {**arr, **static}, fp, return_info=True)

        return raw

    fn, arr = cached_jit(_ONCHAIN_CACHE, pool, params, fp, make_raw)
    return lambda est, pc, price, now: fn(est, pc, price, now, arr)


EXACT_QUANTA = 2.0**53  # float64 holds every integer below this exactly


def host_weights_at(pc: dict, times: list[int]) -> np.ndarray | None:
    """parity.weights.onchain.weights_at on a host copy of the pool carry, in numpy. Bit-identical where
    every quantum count and product is an integer below 2^53 (those operations are then exact) and the
    final division matches XLA's (which computes q / 1e9 as q · (1/1e9)); a probe checks that once per
    process. Returns None otherwise (the caller then runs the jitted JAX function)."""
    if not _host_matches_jax():
        return None
    return _host_weights_at(pc, times)


def _host_weights_at(pc: dict, times) -> np.ndarray | None:
    t = np.asarray(times, dtype=np.int64)
    tau = np.mod(np.minimum(t, np.int64(pc["last_interp"])) - np.int64(pc["last_update"]), 2**40)
    wq = np.round(np.asarray(pc["W"], dtype=np.float64) * 1e9)
    mq = np.round(np.asarray(pc["M"], dtype=np.float64) * 1e9)
    if float(np.max(np.abs(wq))) + float(np.max(np.abs(mq))) * float(np.max(tau)) >= EXACT_QUANTA:
        return None
    return (wq + mq * tau.astype(np.float64)[:, None]) * (1 / 1e9)


_HOST_OK: list = []


def _host_matches_jax() -> bool:
    """Whether _host_weights_at gives the jitted weights_at bit for bit on a probe of 512 weights."""
    if not _HOST_OK:
        rng = np.random.default_rng(8)
        pc = {"W": np.floor(rng.uniform(0, 1, 8) * 1e9) / 1e9, "M": np.trunc(rng.normal(0, 1e3, 8)) / 1e9,
              "last_update": np.int64(2_000_000_000), "last_interp": np.int64(2_000_086_400)}
        times = list(range(2_000_000_001, 2_000_100_000, 1_563))
        host = _host_weights_at(pc, times)
        jitted = np.asarray(_jitted("weights_at")({k: jnp.asarray(v) for k, v in pc.items()}, np.asarray(times, dtype=np.int64)))
        _HOST_OK.append(host is not None and host.tobytes() == jitted.astype(np.float64).tobytes())
    return _HOST_OK[0]


class PoolJaxSide:
    """The JAX production loop (`calculate_onchain_step`): estimator carry + pool carry {W, M, times}."""

    level = "pool"

    def __init__(self, pool, inputs: RunInputs, state_map: StateMap, samples: int, make_step, scenario=None):
        self.pool, self.smap, self.n, self.samples = pool, state_map, len(inputs.w0), samples
        self.scenario, self.price_wei = scenario, inputs.price_wei  # stale-oracle scenario (lockstep.oracles)
        self.expected_revert = None  # the revert this block's oracle reads lead to (scenario only)
        self.reads: dict = {}  # scenario only: block -> the prices the runner read (None: it reverted)
        self.rule_side = RuleJaxSide(pool, inputs, state_map, make_step)  # initial estimator state
        self.fp, self.jax_params = inputs.fingerprint, inputs.mapped.jax_params
        self.interval = int(self.fp.chunk_period) * 60
        self.guard_rail = inputs.mapped.guard_rail
        self.step_fn = make_onchain_step(pool, self.jax_params, self.fp)
        self.fields = pool_fields(state_map, samples)
        self._next = None  # chain values to continue from (resync mode, or after an explained flip)

    def start(self, inputs: RunInputs, seeded: int, t0: int) -> dict:
        """The rule-level initial state and weights; the pool is created at t0 holding trunc9(weights)."""
        initial = self.rule_side.start(inputs, seeded)
        self.est = self.rule_side.est
        stored = [w // QUANTUM * QUANTUM for w in initial["weights"]]  # the pool keeps 9 decimals
        self.pc = {"W": jnp.asarray(from_wei_array(stored)), "M": jnp.zeros(self.n),
                   "last_update": jnp.asarray(t0, dtype=jnp.int64), "last_interp": jnp.asarray(t0, dtype=jnp.int64)}
        self.start_carries = (self.est, self.pc)
        return initial

    def step(self, price, ts: int, next_ts: int) -> dict:
        self.dispatch(price, ts, next_ts)
        return self.collect()

    def dispatch(self, price, ts: int, next_ts: int, block: int | None = None) -> None:
        """Start the block's jitted step (JAX dispatches it asynchronously); `collect` returns its values.
        The session mines the chain's block in between. With a stale-oracle scenario the step reads what the
        runner would read from the block's oracles, or, when no oracle of an asset is fresh, expects the
        update to revert (and steps nothing)."""
        if self._next is not None:
            self._continue_from(*self._next)
        if self.scenario is not None:
            price = self._oracle_price(block, ts)
            if price is None:
                self._pending = None
                return
        self.est, self.pc, coarse, self.info = self.step_fn(self.est, self.pc, price, np.int64(ts))
        self._pending = (coarse, ts, next_ts)  # self.info stays on the device: boundary_notes rarely reads it

    def _oracle_price(self, k: int, ts: int):
        """The prices the runner reads at block k (first fresh of primary, backup), or None (it reverts)."""
        from parity.harness.lockstep.oracles import NO_FRESH_VALUE, oracle_table
        from parity.weights.onchain import fresh_oracles

        updates = self.scenario.updates(k, ts, self.price_wei[k], self.price_wei[k - 1])
        values, times = oracle_table(updates, self.n)
        index, found = jax.device_get(fresh_oracles(np.asarray(times, dtype=np.int64), ts, self.scenario.threshold))
        self.expected_revert = None if bool(np.all(found)) else NO_FRESH_VALUE
        if self.expected_revert is not None:
            self.reads[k] = None
            return None
        read = np.asarray(from_wei_array([values[i][int(index[i])] for i in range(self.n)]), dtype=np.float64)
        self.reads[k] = read
        return jnp.asarray(read)

    def prices_read(self, prices: np.ndarray) -> np.ndarray:
        """The price path the rule read: under a stale-oracle scenario the initial row, then what each update
        that went through read (a backup's price where the primary was stale), in order; else `prices`."""
        if self.scenario is None or not self.reads:
            return prices
        reads = [r for _, r in sorted(self.reads.items()) if r is not None]
        return np.asarray([np.asarray(prices[0], dtype=np.float64), *reads])

    def collect(self) -> dict | None:
        if self._pending is None:  # the update is expected to revert: nothing to compare
            return None
        coarse, ts, next_ts = self._pending
        # one transfer of only what is compared (the carries stay on the device)
        est, pc, coarse = jax.device_get(({key: self.est[key] for key in self.smap.keys}, self.pc, coarse))
        out = {key: np.asarray(est[key], dtype=np.float64).reshape(self.n) for key in self.smap.keys}
        out["weights"] = np.asarray(coarse, dtype=np.float64).reshape(self.n)
        out["pool_weights"] = np.asarray(pc["W"], dtype=np.float64)
        out["multipliers"] = np.asarray(pc["M"], dtype=np.float64)
        out["last_update"] = np.array([float(pc["last_update"])])
        out["last_interp"] = np.array([float(pc["last_interp"])])
        self.ts, self.next_ts = ts, next_ts
        self.times = self.sample_times_for(ts, next_ts, int(pc["last_interp"]))
        carry = self.sampled_carry(pc)
        fine = host_weights_at(carry, self.times)
        if fine is None:
            fine = np.asarray(_jitted("weights_at")(self.pc if carry is pc else carry,
                                                    np.asarray(self.times, dtype=np.int64)), dtype=np.float64)
        out.update({f: fine[j] for j, f in enumerate(sample_fields(self.samples))})
        return out

    def sampled_carry(self, pc: dict) -> dict:
        """The pool carry getNormalizedWeights is sampled on after the update: the step's own."""
        return pc

    def sample_times_for(self, ts: int, next_ts: int, last_interp: int) -> list[int]:
        """The times getNormalizedWeights is compared at after the update at ts (see sample_times)."""
        return sample_times(ts, next_ts, self.samples, last_interp)

    def _continue_from(self, values: dict, price_wei, with_state: bool) -> None:
        self.pc = chain_pool_carry(values)
        if with_state:
            self.est = {**self.est, **{k: jnp.asarray(v) for k, v in chain_estimator_state(self.est.keys(), self.smap, values, price_wei).items()}}
        self._next = None

    def after_block(self, k: int, jax_values: dict, chain_values: dict, price_wei, mode: str) -> list:
        """Name the truncation flips of this block. Resync mode: continue from the chain's rule state and
        pool; independent mode: after a flip, continue from the chain's pool (the rule state stays JAX's)."""
        jax_values["raw_multipliers"] = jax_multipliers_on(chain_values, self.interval)
        expected = chain_consistent(chain_values, self.interval, self.guard_rail, self.ts)
        notes = boundary_notes(k, jax_values, chain_values, self.info, self.interval, self.next_ts, expected)
        if mode == "resync" or notes:
            self._next = (chain_values, price_wei, mode == "resync")
        return notes

    def tolerance_basis(self, result: LockstepResult, prices: np.ndarray):
        kinds, defaults, scales = self.rule_side.tolerance_basis(result, self.prices_read(prices))
        kinds.update({"raw_multipliers": "raw_multipliers", "pool_weights": "pool_weights", "multipliers": "multipliers",
                      "last_update": "time", "last_interp": "time"})
        kinds.update({f: "fine_weights" for f in sample_fields(self.samples)})
        defaults = {**defaults, **pool_tolerances(defaults["weights"], self.interval)}
        scales = {**scales, "raw_multipliers": np.ones(self.n), "pool_weights": np.ones(self.n), "multipliers": np.ones(self.n), "time": np.ones(1),
                  "fine_weights": np.ones(self.n)}
        if defaults.get("rail_time") is not None:
            kinds["last_interp"] = "rail_time"
            scales["rail_time"] = scales["time"]
            result.pool["uncomparable"] = UNCOMPARABLE.format(w=defaults["weights"], q=self.interval * 1e-9)
        return kinds, defaults, scales

    def cross_check(self, result: LockstepResult, inputs: RunInputs, start: int) -> dict:
        from parity.harness.lockstep.pool_vectorized import pool_cross_check

        if self.scenario is not None:
            return {"skipped": "the stale-oracle scenario changes the prices the rule reads (backup feeds, "
                               "reverted updates); the vectorized path takes the price rows"}
        return pool_cross_check(self, result, inputs)


# Stored W, M and the fine weights are multiples of 1e-9 on both sides: any real difference is ≥ 1e-9, while
# float64 represents such a value to ~1e-16. Times are whole seconds: exact.
# raw_multipliers (JAX step on the chain's weights, whole wei per second): half a wei per second.
POOL_TOLERANCES = {"raw_multipliers": 0.5e-18, "pool_weights": 1e-15, "multipliers": 1e-15, "fine_weights": 1e-15, "time": 0.0}
UNCOMPARABLE = ("the run's coarse-weight tolerance {w:.3g} is at least one multiplier quantum per second over the "
                "interval ({q:.3g}): the pool's stored weights, multipliers, sampled weights and rail time follow the "
                "coarse weights' legitimate error and are checked by the integer model only")


def pool_tolerances(weights_tolerance: float, interval: int) -> dict:
    """The pool fields' default tolerances. They hold to a quantum (boundary notes excuse a flip) while the
    coarse weights agree far below one multiplier quantum per second (1e-9·Δ in weight). Where the run's own
    coarse-weight tolerance is larger (prices the 18-decimal reciprocal cannot resolve, e.g. p̄ ≥ 1e18 whose
    1/p̄ truncates to 0 wei), the multiplier (w − w⁰)/Δ may legitimately differ by many quanta and so do the
    weights interpolated with it and the rail time: those fields are then not compared with JAX (tolerance 1
    in weight, any time), and the integer model still checks them exactly."""
    if not weights_tolerance >= interval * 1e-9:
        return dict(POOL_TOLERANCES)
    return {**POOL_TOLERANCES, "pool_weights": 1.0, "multipliers": 1.0, "fine_weights": 1.0, "rail_time": float(2**40)}


_JITTED: dict = {}


def _jitted(name: str):
    """parity.weights.onchain.<name>, jitted once (one dispatch per call instead of one per operation)."""
    fn = _JITTED.get(name)
    if fn is None:
        from parity.weights import onchain

        fn = _JITTED[name] = jax.jit(getattr(onchain, name), static_argnums=(2,) if name == "multipliers" else ())
    return fn


def jax_multipliers_on(chain_values: dict, interval: int) -> np.ndarray:
    """The JAX runner step's per-second multipliers m = tdiv(w − w⁰, Δ) on the chain's own w and w⁰."""
    w, w0 = from_wei_array(chain_values["weights"]), from_wei_array(chain_values["pool_weights"])
    return np.asarray(_jitted("multipliers")(w0, w, interval)[0], dtype=np.float64)


def chain_pool_carry(values: dict) -> dict:
    """The JAX pool carry holding exactly the chain's stored W, M and times."""
    return {  # host arrays: the jitted step takes them as they are (same shapes and dtypes as its carry)
        "W": np.asarray(from_wei_array(values["pool_weights"]), dtype=np.float64),
        "M": np.asarray(from_wei_array(values["multipliers"]), dtype=np.float64),
        "last_update": np.int64(int(values["last_update"][0]) // WAD),
        "last_interp": np.int64(int(values["last_interp"][0]) // WAD),
    }


# ---------------------------------------------------------------------------------------------------------
# truncation boundaries
# ---------------------------------------------------------------------------------------------------------


def _quanta(x: float) -> int:
    return int(round(float(x) * 1e9))


def chain_consistent(chain_values: dict, interval: int, guard_rail: int, now: int) -> dict:
    """What the runner's multiplier step gives exactly on the chain's own inputs (w⁰ = the stored W, w =
    the rule's output): per-asset stored M in quanta, and lastInterp. A note may only excuse a JAX
    difference where the chain agrees with these (so a broken runner is never explained away)."""
    from parity.fixedpoint.int256 import tdiv
    from parity.fixedpoint.production import multipliers_and_last_interp

    w0, w = [int(v) for v in chain_values["pool_weights"]], [int(v) for v in chain_values["weights"]]
    values, last_interp = multipliers_and_last_interp(w0, w, interval, guard_rail, now)
    m = values[len(w0):]
    return {"m": m, "M": [tdiv(x, QUANTUM) for x in m], "last_interp": last_interp}


def boundary_notes(k: int, jax_values: dict, chain_values: dict, info: dict, interval: int, next_ts: int,
                   expected: dict) -> list[dict]:
    """Elements of block k where JAX and the chain truncated a multiplier or a rail time to neighbouring
    integers and their untruncated values lie on the two sides of that boundary (within the JAX snapping
    window), and rail times that differ but both fall at or after the next update (no weight ever reads
    them: the next update stores a new one). Returns one note per such element, plus notes excusing the
    fine samples of that block that follow from it."""
    notes = _raw_multiplier_notes(k, jax_values, chain_values, info, interval, expected)
    w_chain, m_chain = chain_values["pool_weights"], chain_values["multipliers"]
    for i in range(len(m_chain)):
        jq, cq = _quanta(jax_values["multipliers"][i]), int(m_chain[i]) // QUANTUM
        if jq == cq or abs(jq - cq) != 1 or cq != expected["M"][i]:
            continue
        raw_jax = (float(jax_values["weights"][i]) - float(info["prev_weights"][i])) * 1e9 / interval
        raw_chain = Fraction(int(chain_values["weights"][i]) - int(w_chain[i]), QUANTUM * interval)
        boundary = max(jq, cq) if jq + cq > 0 else min(jq, cq)  # truncation toward zero: the one farther out
        if _straddles(raw_jax, raw_chain, boundary, 1e-12 * 1e9 / interval):
            notes.append(_note(k, "multipliers", i, jax_values, chain_values, raw_jax, raw_chain, "the multiplier (w − w⁰)/Δ in units of 1e-9", (jq, cq)))
    t_jax, t_chain = int(jax_values["last_interp"][0]), int(chain_values["last_interp"][0]) // WAD
    if t_chain != expected["last_interp"]:
        pass  # the chain's rail time is not what its own inputs give: never explained away
    elif abs(t_jax - t_chain) == 1 and bool(np.any(info["near_T"])):
        notes.append(_note(k, "last_interp", 0, jax_values, chain_values, float(t_jax), Fraction(t_chain), "the rail time lastInterp (seconds)", (t_jax, t_chain)))
    elif t_jax != t_chain and min(t_jax, t_chain) >= next_ts:
        notes.append({
            "block": k, "field": "last_interp", "asset": 0, "jax_value": float(t_jax), "chain_value": str(t_chain * WAD),
            "explanation": (f"the rail time (JAX {t_jax}, chain {t_chain}) divides by a small multiplier, which "
                            "magnifies float error in the weight change; both fall at or after the next update "
                            f"({next_ts}), so no weight reads them. Not a divergence."),
        })
    if notes:
        notes += [{"block": k, "field": f, "asset": a, "excused_by": notes[0]["field"]}
                  for f in jax_values if f.startswith("fine_") for a in range(len(jax_values[f]))
                  if _quanta(jax_values[f][a]) != int(chain_values[f][a]) // QUANTUM]
    return notes


def _raw_multiplier_notes(k, jax_values, chain_values, info, interval, expected) -> list[dict]:
    """Per-second multipliers that JAX and the chain truncated to neighbouring whole wei across a boundary."""
    notes = []
    for i, c in enumerate(chain_values["raw_multipliers"]):
        j = int(round(float(jax_values["raw_multipliers"][i]) * WAD))
        if j == int(c) or abs(j - int(c)) != 1 or int(c) != expected["m"][i]:
            continue
        w, w0 = from_wei_array([chain_values["weights"][i], chain_values["pool_weights"][i]])
        raw_jax = (w - w0) * 1e18 / interval
        raw_chain = Fraction(int(chain_values["weights"][i]) - int(chain_values["pool_weights"][i]), interval)
        boundary = max(j, int(c)) if j + int(c) > 0 else min(j, int(c))
        window = 4 * 2.0**-52 * (abs(w) + abs(w0)) * 1e18 / interval  # the JAX step's snapping window
        if _straddles(raw_jax, raw_chain, boundary, window):
            notes.append(_note(k, "raw_multipliers", i, jax_values, chain_values, raw_jax, raw_chain,
                               "the multiplier (w − w⁰)/Δ in wei per second", (j, int(c))))
    return notes


def _straddles(raw_jax: float, raw_chain: Fraction, boundary: int, window: float) -> bool:
    """True when the boundary lies between the two untruncated values (or within `window` of the JAX one)."""
    lo, hi = sorted((Fraction(raw_jax), raw_chain))
    return lo - Fraction(window) <= boundary <= hi + Fraction(window)


def _exact_decimal(x: Fraction) -> str:
    from decimal import Context

    return str(Context(prec=25).divide(x.numerator, x.denominator))


def _note(k, field, asset, jax_values, chain_values, raw_jax, raw_chain, what, truncated) -> dict:
    return {
        "block": k, "field": field, "asset": asset,
        "jax_value": float(jax_values[field][asset]), "chain_value": str(int(chain_values[field][asset])),
        "jax_untruncated": float(raw_jax), "chain_untruncated": _exact_decimal(raw_chain),
        "explanation": (f"{what} lies within float error of a truncation boundary: JAX's float64 value "
                        f"{float(raw_jax):.17g} became {truncated[0]} (values within float error of a boundary "
                        f"snap onto it), the chain's exact value {_exact_decimal(raw_chain)} truncated to "
                        f"{truncated[1]}. Not a divergence; the JAX pool continues from the chain's."),
    }


# ---------------------------------------------------------------------------------------------------------
# exact sides: runner + pool + rule + oracles on a chain, and the ProductionModel
# ---------------------------------------------------------------------------------------------------------


def pool_values(rule_state: dict, events: list, stored: dict, samples: list) -> dict:
    """One exact side's compared values after an update (see the module docstring)."""
    coarse = next(args["updatedWeights"] for _, name, args in events if name == "CalculateWeightsResponse")
    values = dict(rule_state)
    values["weights"] = [int(v) for v in coarse]
    stored_args = next(args for role, name, args in events if role == "pool" and name == "WeightsUpdated")
    n = len(values["weights"])
    values["raw_multipliers"] = [int(v) for v in stored_args["calculatedWeightsAndMultipliers"][n:]]
    values["pool_weights"] = [int(v) for v in stored["weights"]]
    values["multipliers"] = [int(v) for v in stored["multipliers"]]
    values["last_update"] = [int(stored["last_update"]) * WAD]
    values["last_interp"] = [int(stored["last_interp"]) * WAD]
    values.update({f: [int(v) for v in s] for f, s in zip(sample_fields(len(samples) - 1), samples)})
    values["events"] = canonical_events(events)
    return values


def canonical_events(v):
    """Decoded events as JSON values: tuples as lists, every int as a decimal string (exact, comparable)."""
    kind = type(v)  # the common exact types first (bool is not `int` here)
    if kind is int:
        return str(v)
    if kind is list or kind is tuple:
        return [canonical_events(x) for x in v]
    if kind is str:
        return v
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, dict):
        return {k: canonical_events(x) for k, x in v.items()}
    return [canonical_events(x) for x in v]


class PoolChainSide:
    """UpdateWeightRunner + QuantAMMWeightedPool + the rule + the vault stand-in + MockOracles
    (parity.chain.production), parity's reference build or a user's contracts (parity.chain.stack)."""

    def __init__(self, chain, plan: Plan, inputs: RunInputs, samples: int, artifacts=None, scenario=None):
        """artifacts: a parity.chain.stack.StackArtifacts (any mix of reference and user contracts), a
        compile_rules dict, or None (the reference stack built with the request's compiler profile);
        scenario: a stale-oracle scenario (parity.harness.lockstep.oracles) or None."""
        self.chain, self.plan, self.inputs, self.samples = chain, plan, inputs, samples
        self.scenario = scenario  # stale-oracle scenario: one backup oracle per asset, every oracle set per block
        self.smap, self.n, self.contract = plan.state_map, plan.n, plan.contract
        self.artifacts = artifacts
        self.profile = plan.request.compiler_profile
        self.backend = getattr(chain, "name", type(chain).__name__)
        self.interval = int(inputs.fingerprint.chunk_period) * 60

    def start_time(self, requested: int | None) -> int:
        return requested if requested is not None else max(DEFAULT_START_TIMESTAMP, int(self.chain.timestamp()) + SETUP_MARGIN)

    def deploy(self, t0: int, initial: dict) -> None:
        """deploy_pool_stack: every contract, V1's registration order, the pool created at t0 with the
        initial weights and rule state."""
        from parity.chain.errors import ChainError
        from parity.chain.production import deploy_pool_stack
        from parity.chain.stack import StackArtifacts, reference_stack

        m, rule = self.inputs.mapped, contract_to_rule(self.contract)
        try:
            if not isinstance(self.artifacts, StackArtifacts):
                self.artifacts = reference_stack(rule, self.artifacts or rule_artifacts(self.profile), profile=self.profile)
            self.stack = deploy_pool_stack(
                self.chain, rule, artifacts=self.artifacts, n=self.n,
                lambda_store=m.lambda_store, epsilon_max=m.epsilon_max, guard_rail=m.guard_rail,
                parameters=m.parameters, update_interval_s=self.interval, initial_weights_wei=initial["weights"],
                moving_averages_wei=initial[self.smap.moving_average_key], initial_values_wei=initial[self.smap.init_key],
                oracle_prices_wei=self.inputs.price_wei[0], timestamp=t0, **self._oracle_setup(),
            )
        except ChainError as e:
            raise SetupError(f"setting up the production stack for {self.contract} on {self.backend} failed: {e}") from e
        self.rule_call = chain_caller(self.chain, self.stack.rule)

    def _oracle_setup(self) -> dict:
        if self.scenario is None:
            return {}
        return {"staleness_threshold": self.scenario.threshold, "backups": 1}

    def oracle_updates(self, k: int, ts: int) -> dict | None:
        """The scenario's oracle values and timestamps for block k (None without a scenario)."""
        if self.scenario is None:
            return None
        return self.scenario.updates(k, ts, self.inputs.price_wei[k], self.inputs.price_wei[k - 1])

    def artifact_info(self) -> dict:
        """The rule's identity (as at rule level) and every deployed contract: role, name, address, source."""
        art = self.artifacts.rule.artifact
        info = {k: getattr(art, k) for k in ("contract_name", "compiler_version", "source_hash")}
        a = self.stack.addresses
        info.update({"address": a.rule, "runner": a.runner, "pool": a.pool, "driver": a.driver, "vault": a.vault,
                     "compiler_profile": self.profile, "stack": stack_contracts(self.stack)})
        return info

    def initialise(self, initial: dict, timestamp: int) -> dict:
        """The pool's initialize already handed the initial state to the rule: read it back."""
        return read_state(self.rule_call, self.stack.pool.address, self.n, self.smap)

    def step(self, k: int, price_wei, ts: int, next_ts: int) -> Observation:
        """Oracle prices + performUpdate in one block at ts, then the stored pool and the samples up to next_ts."""
        from parity.chain.errors import ContractHalt, ContractRevert
        from parity.chain.production import perform_update, read_pool, sample_weights

        oracles = self.oracle_updates(k, ts)
        try:
            if oracles is None:
                up = perform_update(self.chain, self.stack, ts, prices=list(price_wei), oracle_timestamp=ts)
            else:
                up = perform_update(self.chain, self.stack, ts, oracles=oracles)
        except (ContractRevert, ContractHalt) as e:
            inputs = {"data": [str(v) for v in price_wei], "timestamp": ts, "pool": self.stack.pool.address}
            raise StepReverted("performUpdate", e.reason, inputs, e.backend, e.block) from e
        stored = read_pool(self.chain, self.stack)
        times = sample_times(ts, next_ts, self.samples, stored["last_interp"])
        mined = {}
        for t in sorted(set(times)):
            try:
                mined[t] = sample_weights(self.chain, self.stack, t)
            except (ContractRevert, ContractHalt) as e:  # e.g. the τ wrap: the pool is stuck
                inputs = {"data": [str(v) for v in price_wei], "update_timestamp": ts, "sample_timestamp": t}
                raise StepReverted("getNormalizedWeights", e.reason, inputs, e.backend, e.block) from e
        state = read_state(self.rule_call, self.stack.pool.address, self.n, self.smap)
        values = pool_values(state, up.events, stored, [mined[t] for t in times])
        extra = {"sample_times": times, "gas": up.tx.gas_used, "events": values["events"]}
        return Observation(values, up.tx.block_number, up.tx.timestamp, extra)

    def stack_info(self) -> dict:
        """What a pool-level fixture records about the deployed stack."""
        c, a = self.stack.config, self.stack.addresses
        return {"addresses": {k: (list(map(list, v)) if k == "oracles" else v) for k, v in vars(a).items()},
                "update_interval_s": c.update_interval_s, "staleness_threshold": c.staleness_threshold,
                "backups": list(c.backups), "actions": c.actions}


def stack_contracts(stack) -> dict:
    """role -> {contract, address, source, compiler_version, source_hash} of every deployed contract."""
    described = stack.contracts.describe()
    addresses = {"runner": stack.addresses.runner, "pool": stack.addresses.pool, "rule": stack.addresses.rule,
                 "vault": stack.addresses.vault, "driver": stack.addresses.driver,
                 "oracle": [list(per) for per in stack.addresses.oracles]}
    out = {}
    for role, d in described.items():
        art = getattr(stack.contracts, role).artifact
        out[role] = {**d, "address": addresses[role], "compiler_version": art.compiler_version,
                     "source_hash": art.source_hash}
    return out


class PoolModelSide:
    """ProductionModel of the chain side's stack, driven with the same calls (zero tolerance)."""

    def __init__(self, chain_side: PoolChainSide):
        self.chain_side = chain_side

    def initialise(self, initial: dict, timestamp: int) -> dict:
        from parity.fixedpoint.production import ProductionModel

        cs = self.chain_side
        self.model = ProductionModel.from_stack(cs.stack, compiler_profile=cs.profile)
        # set-up done; the lockstep never reads the model after a revert, except where the oracle scenario
        # makes reverts part of the run (the model must then undo a reverted update as the chain does)
        self.model.rollback = getattr(cs, "scenario", None) is not None
        # read the rule as it is now: a rolled-back update replaces the model's rule object
        self.call = lambda fn, args: model_caller(self.model.rule)(fn, args)
        return read_state(self.call, cs.stack.pool.address, cs.n, cs.smap)

    def step(self, k: int, price_wei, ts: int, next_ts: int) -> Observation:
        cs = self.chain_side
        oracles = cs.oracle_updates(k, ts) if getattr(cs, "scenario", None) is not None else None
        if oracles is None:
            up = self.model.perform_update(ts, prices=list(price_wei), oracle_timestamp=ts)
        else:
            up = self.model.perform_update(ts, oracles=oracles)
        stored = self.model.read_pool()
        times = sample_times(ts, next_ts, cs.samples, stored["last_interp"])
        state = read_state(self.call, cs.stack.pool.address, cs.n, cs.smap)
        return Observation(pool_values(state, up.events, stored, [self.model.sample_weights(t) for t in times]))
