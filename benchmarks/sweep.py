"""Sweep throughput: 100 parameter sets × 8,760 hourly blocks of a 3-asset momentum pool on revm.

Prints verified updates per second of `parity sweep`'s runner (JAX + chain + comparison + sampled integer
model, worker start-up and compilation included), the same per core (divided by the worker processes), and
the ratio of that per-core rate to bare *batched* execution of the same calls on one core: the same
CalculateNewWeights calls and state getters in the same BatchCaller transactions (chunks of --chunk-size
pools, one transaction per block), without JAX, decoding, comparison or integer model (benchmarks/_bare.py),
measured in the same run on the first --bare-sets sets. The ratio is the share of the EVM's batched
throughput that a verified update keeps: at most 1. `--profile` adds a cProfile of one chunk in process.

    PYTHONPATH=. .venv/bin/python benchmarks/sweep.py [--sets 100] [--blocks 8760] [--workers 2] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

import numpy as np

import parity  # noqa: F401


def make_spec(sets: int, blocks: int, chunk_size: int):
    from parity.inputs.sweep_spec import parse_spec

    side = int(np.ceil(np.sqrt(sets)))
    lambs = np.round(np.linspace(0.95, 0.995, side), 6).tolist()
    kappas = np.round(np.geomspace(0.05, 2.0, side), 6).tolist()
    grid = [{"lamb": lam, "kappa": k} for lam in lambs for k in kappas][:sets]
    raw = {
        "blocks": blocks,
        "chunk_size": chunk_size,
        "series": [{"name": "trending_hourly_3",
                    "generate": {"scenario": "trending", "n_assets": 3, "n_steps": blocks + 1, "interval_minutes": 60, "seed": 7}}],
        "rules": [{"rule": "momentum", "params": grid}],
    }
    return parse_spec(raw)


def bare_execution(spec, sets: int, chunk_size: int) -> tuple[int, float]:
    """(pool updates, seconds): the first `sets` sets' calls executed bare and batched, on one core."""
    from _bare import bare_batched

    from parity.catalogue import with_defaults
    from parity.harness.mapping import to_wei
    from parity.sweep.spec import make_fingerprint

    vs = spec.verifications[:sets]
    case = vs[0].case
    fp = make_fingerprint("momentum", case, {})
    prices = spec.prices[case.series][: (spec.blocks or len(spec.prices[case.series]) - 1) + 1, : case.n]
    wei = [[to_wei(x) for x in row] for row in prices.tolist()]
    return bare_batched("momentum", [with_defaults("momentum", v.params) for v in vs], [wei] * len(vs), fp, chunk_size)


def profile_chunk(spec, sets: int, blocks: int) -> str:
    from parity.sweep.runner import make_chunks
    from parity.sweep.session import run_chunk

    chunk = make_chunks(spec)[0]
    chunk.verifications = chunk.verifications[:sets]
    chunk.blocks = blocks
    prof = cProfile.Profile()
    prof.enable()
    run_chunk(chunk)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(14)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=100)
    ap.add_argument("--blocks", type=int, default=8760)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=50)
    ap.add_argument("--bare-sets", type=int, default=50, help="sets whose calls are also executed bare and batched")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    from parity.sweep.runner import run_sweep

    spec = make_spec(args.sets, args.blocks, args.chunk_size)
    t0 = time.perf_counter()
    rows = run_sweep(spec, workers=args.workers)
    sweep_s = time.perf_counter() - t0
    updates = sum(r["blocks_compared"] for r in rows)
    verdicts = {v: sum(r["verdict"] == v for r in rows) for v in sorted({r["verdict"] for r in rows})}
    bare_n, bare_s = bare_execution(spec, min(args.bare_sets, args.sets), args.chunk_size)
    sweep_rate, bare_rate = updates / sweep_s, bare_n / bare_s
    per_core = sweep_rate / args.workers
    print(f"sweep: {args.sets} sets × {args.blocks} blocks, 3-asset momentum, revm, {args.workers} worker(s), "
          f"chunks of {args.chunk_size}: {updates} verified updates in {sweep_s:.1f} s = {sweep_rate:,.0f} verified updates/s, "
          f"{per_core:,.0f} per core (verdicts {verdicts}; integer model on 1 pool per chunk)")
    print(f"bare:  {bare_n} pool updates (first {min(args.bare_sets, args.sets)} sets, BatchCaller transactions of "
          f"{args.chunk_size} pools, no JAX/comparison/model, 1 process) in {bare_s:.1f} s = {bare_rate:,.0f} updates/s")
    print(f"ratio: verified updates per core / bare batched updates on one core = {per_core / bare_rate:.3f}")
    if args.profile:
        print(profile_chunk(spec, min(args.chunk_size, args.sets), min(args.blocks, 2000)))


if __name__ == "__main__":
    main()
