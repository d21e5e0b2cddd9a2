"""Where fuzz batches run: in this process, on local worker processes, or on a Dask cluster; and how one
batch becomes a list of Outcomes (refused up front, rule level on the batched engine, pool level through
the pool-level lockstep one example per task)."""

from __future__ import annotations

import math
import os

from parity.float64 import guarded
from parity.fuzz.batch import FuzzChunk, pad_size, run_fuzz_chunk
from parity.fuzz.examples import Example, screen
from parity.fuzz.outcome import Outcome, lockstep_outcome

START_TIMESTAMP = 2_000_000_000  # as `parity record` (fixtures)
MIN_CHUNK = 4  # examples per chunk below which a batch is not split across workers


class Executor:
    """Runs a function over items, in order: in process (workers ≤ 1), on spawned local worker processes
    (JAX must not be forked) or on a Dask scheduler. One executor serves a whole fuzz run."""

    def __init__(self, workers: int = 1, scheduler=None, connect_timeout: float = 30):
        self.workers, self.scheduler, self.connect_timeout = workers, scheduler, connect_timeout
        self._pool = self._client = None

    @property
    def parallel(self) -> int:
        if self.scheduler is not None:
            return max(self.workers, 2)
        return self.workers

    def map(self, fn, items: list) -> list:
        if not items:
            return []
        if self.scheduler is not None:
            client = self._dask()
            return client.gather(client.map(fn, items, pure=False))
        if self.workers <= 1 or len(items) == 1:
            return [fn(x) for x in items]
        return list(self._local().map(fn, items))

    def _local(self):
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            from parity.sweep.runner import _worker_init

            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                             initializer=_worker_init)
        return self._pool

    def connect(self) -> None:
        """Connect to the Dask scheduler now (raises OSError or TimeoutError when it cannot be reached)."""
        self._dask()

    def _dask(self):
        if self._client is None:
            from distributed import Client

            s = self.scheduler
            self._client = s if isinstance(s, Client) else Client(s, timeout=f"{self.connect_timeout}s")
        return self._client

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._client is not None and self._client is not self.scheduler:
            self._client.close()
        self._client = None


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_batch(examples: list, *, level: str, executor: Executor, max_blocks: int, tolerances: dict, artifact=None,
              stack_artifacts=None, vectorized_check: bool = True, batch_size: int = 1,
              chain_options=None) -> list[Outcome]:
    """One Outcome per example, in order. chain_options: make_chain's at pool level (code_size_limit)."""
    outcomes: list = [None] * len(examples)
    runnable, headroom = [], {}
    for i, ex in enumerate(examples):
        why, headroom[i] = screen(ex)
        if why is not None:
            outcomes[i] = Outcome("refused", detail=why)
        else:
            runnable.append(i)
    if level == "rule":
        results = _rule_level(examples, runnable, executor, max_blocks, tolerances, artifact, vectorized_check, batch_size)
    else:
        tasks = [PoolTask(examples[i], tolerances, stack_artifacts, vectorized_check, chain_options) for i in runnable]
        results = executor.map(run_pool_example, tasks)
    for i, out in zip(runnable, results):
        out.headroom = headroom[i]
        outcomes[i] = out
    return outcomes


def _rule_level(examples, runnable, executor: Executor, max_blocks, tolerances, artifact, vectorized_check,
                batch_size: int) -> list:
    """Split across the workers (chunks of at least MIN_CHUNK), every chunk padded to the same pool count
    (or a single pool alone, as when shrinking): two compiled shapes per settings group for the whole run."""
    if not runnable:
        return []
    parts = max(1, min(executor.parallel, len(runnable) // MIN_CHUNK))
    size = math.ceil(len(runnable) / parts)
    groups = [runnable[j : j + size] for j in range(0, len(runnable), size)]
    full = pad_size(math.ceil(batch_size / max(executor.parallel, 1)))
    pad = 1 if size == 1 else max(full, pad_size(size))  # two shapes per settings group: one pool, a full chunk
    chunks = [FuzzChunk([examples[i] for i in g], max_blocks, pad, tolerances, artifact, vectorized_check) for g in groups]
    return [o for part in executor.map(run_fuzz_chunk, chunks) for o in part]


class PoolTask:
    """One pool-level example to run (picklable: sent to a worker or a Dask task)."""

    def __init__(self, example: Example, tolerances: dict, stack_artifacts, vectorized_check: bool, chain_options=None):
        self.example, self.tolerances = example, tolerances
        self.stack_artifacts, self.vectorized_check = stack_artifacts, vectorized_check
        self.chain_options = dict(chain_options or {})


@guarded
def run_pool_example(task: PoolTask) -> Outcome:
    """The pool-level lockstep (runner + pool + rule + oracles on revm, the JAX production loop, the
    ProductionModel) of one example, with its update delays and stale-oracle scenario."""
    return lockstep_outcome(pool_lockstep(task.example, task.tolerances, task.stack_artifacts, task.vectorized_check,
                                          task.chain_options))


def pool_lockstep(example: Example, tolerances: dict, stack_artifacts=None, vectorized_check: bool = True,
                  chain_options=None):
    """`parity verify --level pool --backend revm` of one example, with its update delays and its stale-oracle
    scenario (`--stale-oracles RATE --stale-seed S`): stack_artifacts
    as run_pool_lockstep's artifacts, chain_options as make_chain's."""
    from parity.chain import make_chain
    from parity.harness.driver import run_pool_lockstep
    from parity.pools import create_pool

    fp = example.settings.fingerprint(example.rule)
    return run_pool_lockstep(
        create_pool(example.rule), dict(example.params), fp, example.prices, make_chain("revm", **(chain_options or {})),
        blocks=example.blocks, tolerances=dict(tolerances), update_delays=list(example.delays) or None,
        stale_oracles=example.stale_oracles, stale_seed=example.stale_seed,
        artifacts=stack_artifacts, model_check=True, vectorized_check=vectorized_check, progress=False,
        start_timestamp=START_TIMESTAMP,
    )


def rule_lockstep(example: Example, tolerances: dict, artifact=None, vectorized_check: bool = True):
    """`parity verify --level rule --backend revm` of one example (what a counterexample is re-checked with)."""
    from parity.chain import make_chain
    from parity.harness.driver import run_lockstep
    from parity.pools import create_pool

    fp = example.settings.fingerprint(example.rule)
    return run_lockstep(
        create_pool(example.rule), dict(example.params), fp, example.prices, make_chain("revm"), blocks=example.blocks,
        tolerances=dict(tolerances), artifact=artifact, model_check=True, vectorized_check=vectorized_check,
        progress=False, start_timestamp=START_TIMESTAMP,
    )
