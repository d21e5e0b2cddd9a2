"""Split a sweep into chunks and run them: in process, on local worker processes, or on a Dask cluster.

A chunk is a list of verifications sharing rule, price case and static parameters (at most `chunk_size`);
its result depends only on its contents, so any scheduler gives the same rows (sorted by verification id).
"""

from __future__ import annotations

import os
from typing import Callable, Iterable

from parity.sweep.session import Chunk, run_chunk
from parity.sweep.spec import Spec


def make_chunks(spec: Spec) -> list[Chunk]:
    """Group verifications by (rule, price case, static parameters and shapes), then cut groups into chunks."""
    groups: dict = {}
    for v in spec.verifications:
        key = (v.rule, v.case, v.group)
        groups.setdefault(key, []).append(v)
    chunks = []
    for (_, case, _), vs in groups.items():
        prices = spec.prices[case.series][case.window[0] : case.window[1], : case.n]
        for i in range(0, len(vs), spec.chunk_size):
            chunks.append(Chunk(vs[i : i + spec.chunk_size], prices, spec.blocks, spec.fingerprint, spec.tolerances,
                                spec.model_sample, spec.vectorized_check, spec.level, spec.stack))
    return chunks


def _worker_init() -> None:
    import parity  # noqa: F401  (float64 on before any array exists)


def run_local(chunks: list[Chunk], workers: int, on_done: Callable[[list], None]) -> None:
    """Run chunks in this process (workers ≤ 1) or on `workers` spawned processes (JAX must not be forked)."""
    if workers <= 1 or len(chunks) <= 1:
        for c in chunks:
            on_done(run_chunk(c))
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=mp.get_context("spawn"),
                             initializer=_worker_init) as ex:
        for fut in as_completed([ex.submit(run_chunk, c) for c in chunks]):
            on_done(fut.result())


def run_dask(chunks: list[Chunk], scheduler, on_done: Callable[[list], None], connect_timeout: float = 30) -> None:
    """Run every chunk as one task on a Dask distributed cluster (`scheduler`: an address or a Client)."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout=f"{connect_timeout}s")
    try:
        futures = client.map(run_chunk, chunks, pure=False)
        for fut in as_completed(futures):
            on_done(fut.result())
    finally:
        if client is not scheduler:
            client.close()


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_sweep(spec: Spec, *, workers: int | None = None, scheduler=None, progress: Callable[[int, int], None] | None = None,
              connect_timeout: float = 30) -> list[dict]:
    """All rows of the sweep, sorted by verification id."""
    chunks = make_chunks(spec)
    total = len(spec.verifications)
    rows: list[dict] = []

    def done(chunk_rows: Iterable[dict]) -> None:
        rows.extend(chunk_rows)
        if progress is not None:
            progress(len(rows), total)

    if scheduler is not None:
        run_dask(chunks, scheduler, done, connect_timeout)
    else:
        run_local(chunks, default_workers() if workers is None else workers, done)
    return sorted(rows, key=lambda r: r["id"])
