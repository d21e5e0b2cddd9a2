"""Sweep throughput: 100 parameter sets × 8,760 hourly blocks of a 3-asset momentum pool on revm.

Prints verified updates per second of `parity sweep`'s runner (JAX + chain + comparison + sampled integer
model, worker start-up and compilation included) and the ratio of its time per verified update to the bare
EVM execution of the same CalculateNewWeights calls, one per transaction (RevmChain.transact, ABI-encoded,
no JAX, no comparison), measured in the same run on the first --bare-sets sets. A ratio below 1 means
verified batch updates cost less than bare unbatched execution. `--profile` adds a cProfile of one chunk
in process (top entries by cumulative time).

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


def bare_execution(spec, sets: int) -> tuple[int, float]:
    """(transactions, seconds): the same CalculateNewWeights calls, one transaction each, for `sets` sets."""
    from parity.chain.revm import RevmChain
    from parity.sweep.session import rule_artifacts
    from parity.harness.mapping import state_map_for, to_wei
    from parity.pools import create_pool
    from parity.sweep.session import pool_start
    from parity.catalogue import with_defaults
    from parity.sweep.spec import make_fingerprint

    artifact = rule_artifacts()["MomentumRule"]
    pool = create_pool("momentum")
    vs = spec.verifications[:sets]
    case = vs[0].case
    fp = make_fingerprint("momentum", case, {})
    prices = spec.prices[case.series][:, : case.n]
    price_wei = [[to_wei(x) for x in row] for row in prices.tolist()]
    smap = state_map_for("MomentumRule")
    count, seconds = 0, 0.0
    for i, v in enumerate(vs):
        s = pool_start(pool, with_defaults("momentum", v.params), fp, price_wei[0], prices[0], smap)
        chain = RevmChain()
        rule = chain.deploy(artifact, chain.accounts[0], timestamp=2_000_000_000)
        key = f"0x{0xFA17E0000 + i:040x}"
        chain.transact(rule, "initialisePoolRuleIntermediateValues", [key, s.ma_wei, s.init_wei, case.n], timestamp=2_000_000_001)
        m, w, ts = s.mapped, s.w_wei, 2_000_000_001
        t0 = time.perf_counter()
        for k in range(1, len(price_wei)):
            ts += 3600
            w = chain.transact(rule, "CalculateNewWeights", [w, price_wei[k], key, m.parameters, m.lambda_store,
                                                             m.epsilon_max, m.guard_rail], timestamp=ts).return_value
        seconds += time.perf_counter() - t0
        count += len(price_wei) - 1
    return count, seconds


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
    ap.add_argument("--bare-sets", type=int, default=3, help="sets whose calls are also executed bare, one tx each")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    from parity.sweep.runner import run_sweep

    spec = make_spec(args.sets, args.blocks, args.chunk_size)
    t0 = time.perf_counter()
    rows = run_sweep(spec, workers=args.workers)
    sweep_s = time.perf_counter() - t0
    updates = sum(r["blocks_compared"] for r in rows)
    verdicts = {v: sum(r["verdict"] == v for r in rows) for v in sorted({r["verdict"] for r in rows})}
    tx, bare_s = bare_execution(spec, args.bare_sets)
    sweep_rate, bare_rate = updates / sweep_s, tx / bare_s
    print(f"sweep: {args.sets} sets × {args.blocks} blocks, 3-asset momentum, revm, {args.workers} worker(s), "
          f"chunks of {args.chunk_size}: {updates} verified updates in {sweep_s:.1f} s = {sweep_rate:,.0f} verified updates/s "
          f"(verdicts {verdicts}; integer model on 1 pool per chunk)")
    print(f"bare:  {tx} CalculateNewWeights transactions (first {args.bare_sets} sets, one tx each, 1 process) in "
          f"{bare_s:.1f} s = {bare_rate:,.0f} tx/s")
    print(f"ratio: time per verified update / time per bare transaction = {bare_rate / sweep_rate:.3f}")
    if args.profile:
        print(profile_chunk(spec, min(args.chunk_size, args.sets), min(args.blocks, 2000)))


if __name__ == "__main__":
    main()
