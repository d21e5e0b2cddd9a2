"""The search: one Hypothesis test whose test cases are batches of examples (parity.fuzz.strategies).

Each test case runs its whole batch on the batched engine (parity.fuzz.execute), reports two `target()`
scores (the batch's worst scaled error over its tolerance, in log10, and its largest stored state over the
int128 limit: the edge of a revert) and raises a failure for the first example that breaks a checked
property. Hypothesis then shrinks the failing batch: it deletes the other examples (the batch becomes one
example, which the engine still runs batched, padded to a compiled shape) and minimises that example's
blocks, assets, moves, parameters, delays and stale-oracle scenario. The last failure Hypothesis reports is
the minimal one.

Budgets stop the search through exceptions Hypothesis does not catch (BaseException): the example or time
budget during exploration, `shrink_seconds` during shrinking (the smallest failure seen so far is kept).
Hypothesis' database is off and its randomness seeded, so a run is a function of its inputs and --seed.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from parity.fuzz.execute import Executor, run_batch
from parity.fuzz.outcome import PROPERTIES, Outcome, failing_kinds
from parity.fuzz.space import ParamSpace
from parity.fuzz.strategies import Shape, batch_strategy


CACHE_SIZE = 200_000  # outcomes kept for examples the shrinker may submit again


class FuzzFailure(Exception):
    """An example broke a property (one subclass per kind, so Hypothesis tells the kinds apart)."""

    def __init__(self, example, outcome: Outcome):
        super().__init__(f"{outcome.kind} at block {outcome.block}: {outcome.detail}")
        self.example, self.outcome = example, outcome


FAILURES = {kind: type(f"{kind.title().replace('_', '')}Found", (FuzzFailure,), {})
            for kinds in PROPERTIES.values() for kind in kinds}


class BudgetSpent(BaseException):
    """The example or time budget of the exploration is spent (not an Exception: Hypothesis lets it through)."""


class ShrinkBudgetSpent(BaseException):
    """Shrinking ran out of time; the smallest failure seen so far is the result."""


@dataclass
class FuzzConfig:
    """Everything one search needs (built by parity.inputs.fuzz from the command line)."""

    rule: str
    space: ParamSpace
    shape: Shape = field(default_factory=Shape)
    properties: tuple = tuple(PROPERTIES)
    examples: int | None = 1000
    seconds: float | None = None
    seed: int = 0
    tolerances: dict = field(default_factory=dict)
    artifact: object | None = None  # rule level: the user's rule contract (--artifact / --contract)
    artifact_source: tuple = ()  # the flag and value it came from, for the reproduce line
    stack_artifacts: object | None = None  # pool level: a StackArtifacts (--artifacts, --contracts) or compiled dict
    workers: int = 1
    scheduler: object | None = None
    shrink_seconds: float = 300.0
    vectorized_check: bool = True
    chain_options: dict = field(default_factory=dict)  # pool level: make_chain's options (code_size_limit)


@dataclass
class Stats:
    batches: int = 0
    examples: int = 0  # distinct examples run during exploration (refused ones included)
    repeats: int = 0  # examples Hypothesis submitted again (answered from the cache, not run)
    shrink_examples: int = 0
    kinds: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    both_refuse: tuple | None = None  # the first (example, outcome) where the chain reverted and JAX gave no weights
    worst_ratio: float = 0.0
    worst_headroom: float = 0.0
    seconds: float = 0.0
    shrink_seconds: float = 0.0

    def to_json(self) -> dict:
        out = {"batches": self.batches, "examples": self.examples, "repeats": self.repeats,
               "shrink_examples": self.shrink_examples,
               "outcomes": dict(sorted(self.kinds.items())), "refusal_reasons": dict(self.refusals.most_common(5)),
               "worst_error_over_tolerance": _jsonable(self.worst_ratio), "worst_state_over_limit": self.worst_headroom,
               "seconds": round(self.seconds, 2), "shrink_seconds": round(self.shrink_seconds, 2)}
        if self.both_refuse is not None:
            ex, o = self.both_refuse
            out["both_refuse_example"] = {"outcome": o.to_json(), "example": ex.to_json()}
        return out


def _jsonable(x: float):
    return x if math.isfinite(x) else str(x)


@dataclass
class FuzzResult:
    config: FuzzConfig
    stats: Stats
    example: object | None = None  # the minimal counterexample (None: the budget ended without one)
    outcome: Outcome | None = None
    shrink_complete: bool = True
    note: str = ""


class _Search:
    """The state of one search across Hypothesis' calls of the test function."""

    def __init__(self, cfg: FuzzConfig, executor: Executor, progress=None):
        self.cfg, self.executor, self.progress = cfg, executor, progress
        self.failing = failing_kinds(cfg.properties)
        self.stats = Stats()
        self.t0 = time.perf_counter()
        self.found_at: float | None = None
        self.best = None  # (size, example, outcome) of the smallest failure seen
        self.cache: dict = {}  # example key -> Outcome
        self.fresh: set = set()  # keys of the examples the current test case ran

    def check(self, batch) -> None:
        from hypothesis import target

        self._budget()
        examples = [(ex.variant(j), j) for ex in batch.examples for j in self._variants()]
        outcomes = self._run([ex for ex, _ in examples])
        self._record([ex for ex, _ in examples], outcomes)
        if self.progress is not None:
            self.progress(self._status())
        ratios = [o.ratio for o in outcomes if o.kind != "refused"]
        target(min(math.log10(max(max(ratios, default=0.0), 1e-30)), 300.0), label="log10(worst error / tolerance)")
        target(max((o.headroom for o in outcomes), default=0.0), label="stored state / int128 limit")
        for (ex, j), o in zip(examples, outcomes):
            if o.kind in self.failing:
                self._note_failure(ex, o, j)
                raise FAILURES[o.kind](ex, o)

    def _variants(self):
        """Every variant while exploring; once a failure is found, only the failing variant's index (the
        shrinker then minimises the drawn example while that variant of it keeps failing)."""
        return range(self.cfg.shape.variants) if self.found_at is None else (self.failing_variant,)

    def _run(self, examples) -> list[Outcome]:
        """Outcomes of the examples; each distinct example runs once (an outcome depends on the example
        alone, and Hypothesis' targeting and shrinking re-submit the examples they leave unchanged)."""
        keys = [ex.key() for ex in examples]
        new = {k: ex for k, ex in zip(keys, examples) if k not in self.cache}
        self.fresh = set(new)
        if new:
            cfg = self.cfg
            done = run_batch(list(new.values()), level=cfg.shape.level, executor=self.executor,
                             max_blocks=cfg.shape.max_blocks, tolerances=cfg.tolerances, artifact=cfg.artifact,
                             stack_artifacts=cfg.stack_artifacts, vectorized_check=cfg.vectorized_check,
                             chain_options=cfg.chain_options,
                             batch_size=cfg.shape.batch)
            if len(self.cache) > CACHE_SIZE:
                self.cache.clear()
            self.cache.update(zip(new, done))
        return [self.cache[k] for k in keys]

    def _status(self) -> str:
        s = self.stats
        if self.found_at is not None:
            return f"shrinking: {s.shrink_examples} examples, smallest failure {self.best[0][0]} block(s), {self.best[0][1]} assets"
        return (f"{s.examples} examples, {s.batches} batches, {time.perf_counter() - self.t0:.0f} s; worst error/tolerance "
                f"{s.worst_ratio:.3g}")

    def _budget(self) -> None:
        now = time.perf_counter()
        if self.found_at is None:
            cfg = self.cfg
            if cfg.examples is not None and self.stats.examples >= cfg.examples:
                raise BudgetSpent()
            if cfg.seconds is not None and now - self.t0 >= cfg.seconds:
                raise BudgetSpent()
        elif now - self.found_at >= self.cfg.shrink_seconds:
            raise ShrinkBudgetSpent()

    def _record(self, examples, outcomes) -> None:
        """Statistics over distinct examples (a repeat is counted apart, never twice)."""
        s = self.stats
        fresh = []
        for ex, o in zip(examples, outcomes):
            key = ex.key()
            if key in self.fresh:  # counted once, also when the test case holds it twice
                self.fresh.discard(key)
                fresh.append((ex, o))
        self.fresh = set()
        if self.found_at is not None:
            s.shrink_examples += len(fresh)
            return
        s.batches += 1
        s.examples += len(fresh)
        s.repeats += len(examples) - len(fresh)
        for ex, o in fresh:
            s.kinds[o.kind] += 1
            if o.kind == "refused":
                s.refusals[_reason_class(o.detail)] += 1
                continue
            s.worst_ratio = max(s.worst_ratio, o.ratio)
            s.worst_headroom = max(s.worst_headroom, o.headroom)
            if o.kind == "both_refuse" and s.both_refuse is None:
                s.both_refuse = (ex, o)

    def _note_failure(self, example, outcome: Outcome, variant: int) -> None:
        if self.found_at is None:
            self.found_at = time.perf_counter()
            self.failing_variant = variant
        size = example.size()
        if self.best is None or size < self.best[0]:
            self.best = (size, example, outcome)


def _reason_class(detail: str) -> str:
    """A refusal reason without its numbers (so reasons can be counted)."""
    import re

    return re.sub(r"-?\d[\d.e+-]*", "#", detail)[:120]


def hypothesis_settings(cfg: FuzzConfig):
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    expected = cfg.examples if cfg.examples is not None else int((cfg.seconds or 60) * 16)
    batches = max(10, 4 * math.ceil(expected / max(cfg.shape.batch / 2, 1)))  # our budget stops first
    return settings(max_examples=batches, database=None, deadline=None, derandomize=False,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False,
                    verbosity=Verbosity.quiet, phases=(Phase.generate, Phase.target, Phase.shrink))


@contextmanager
def _no_local_constants():
    """Hypothesis sometimes draws a number found in the source of the modules loaded so far (its "local
    constants"), so its draws would depend on what the process imported before the search. Within the
    search that pool is empty (Hypothesis' own constants stay), so a seed gives the same examples in any
    process. (Hypothesis 6.170 keeps the pool in hypothesis.internal.conjecture.providers.)"""
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def search(cfg: FuzzConfig, executor: Executor | None = None, progress=None) -> FuzzResult:
    """Run the search; the result holds the minimal counterexample, if any, and the statistics.
    progress: called with a one-line status after every batch."""
    from hypothesis import given, seed
    from hypothesis.errors import Flaky

    own = executor is None
    executor = executor or Executor(cfg.workers, cfg.scheduler)
    state = _Search(cfg, executor, progress)

    @seed(cfg.seed)
    @hypothesis_settings(cfg)
    @given(batch_strategy(cfg.rule, cfg.space, cfg.shape))
    def fuzz(batch):
        state.check(batch)

    result = FuzzResult(cfg, state.stats)
    try:
        with _no_local_constants():
            fuzz()
    except FuzzFailure as e:
        result.example, result.outcome = e.example, e.outcome
    except BudgetSpent:
        pass
    except ShrinkBudgetSpent:
        _, result.example, result.outcome = state.best
        result.shrink_complete = False
        result.note = f"shrinking stopped after {cfg.shrink_seconds:g} s: the smallest failure seen so far"
    except Flaky as e:  # a failure that did not fail again (should not happen: the engine is deterministic)
        _, result.example, result.outcome = state.best
        result.shrink_complete = False
        result.note = f"Hypothesis reported a flaky failure ({type(e).__name__}); the smallest failure seen is kept"
    finally:
        if own:
            executor.close()
    state.stats.seconds = (state.found_at or time.perf_counter()) - state.t0
    if state.found_at is not None:
        state.stats.shrink_seconds = time.perf_counter() - state.found_at
    return result
