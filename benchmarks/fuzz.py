"""Fuzz throughput at rule level: examples of exactly --blocks blocks per minute of `parity fuzz`'s search
(Hypothesis generation, the up-front checks, the batched engine with the integer model on every pool and
the vectorized cross-check, worker start-up and JAX compilation included), and the ratio of its verified
updates per core to bare *batched* execution of the same calls on one core (benchmarks/_bare.py: the same
CalculateNewWeights calls and state getters in BatchCaller transactions of the same chunk size, without
JAX, decoding, comparison or model), measured in the same run on the examples the search ran.

    PYTHONPATH=. .venv/bin/python benchmarks/fuzz.py [--rule momentum] [--examples 2000] [--blocks 50]
                                                      [--assets 3] [--workers 2] [--batch 32] [--variants 8]

Target: ≥ 1,000 examples of 50 blocks per minute on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import parity  # noqa: F401  (float64)


def run_search(args):
    """(FuzzResult, seconds, the examples the exploration ran, time spent running them)."""
    import parity.fuzz.search as search_mod
    from parity.catalogue import DEFAULT_PARAMS
    from parity.fuzz.search import FuzzConfig, search
    from parity.fuzz.space import fixed_space
    from parity.fuzz.strategies import Shape

    seen = []
    run_batch = search_mod.run_batch
    engine = {"seconds": 0.0, "calls": 0}

    def recording(examples, **kw):  # the search calls run_batch with the distinct examples it has not run yet
        t = time.perf_counter()
        out = run_batch(examples, **kw)
        engine["seconds"] += time.perf_counter() - t
        engine["calls"] += 1
        seen.extend((e, o.kind) for e, o in zip(examples, out))
        return out

    search_mod.run_batch = recording
    space = dataclasses.replace(fixed_space(args.rule, DEFAULT_PARAMS[args.rule]), n=(args.assets, args.assets))
    cfg = FuzzConfig(args.rule, space, Shape("rule", args.blocks, args.blocks, args.batch, args.variants), examples=args.examples,
                     seed=args.seed, workers=args.workers)
    t0 = time.perf_counter()
    try:
        result = search(cfg)
    finally:
        search_mod.run_batch = run_batch
    return result, time.perf_counter() - t0, seen, engine


def bare(args, seen) -> tuple[int, float]:
    from _bare import bare_batched

    from parity.harness.mapping import to_wei

    ran = [e for e, kind in seen if kind not in ("refused",)][: args.bare_examples]
    fp = ran[0].settings.fingerprint(args.rule)
    wei = [[[to_wei(x) for x in row] for row in e.prices.tolist()] for e in ran]
    chunk = max(1, args.batch // args.workers)
    return bare_batched(args.rule, [e.params for e in ran], wei, fp, chunk)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule", default="momentum")
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--blocks", type=int, default=50)
    ap.add_argument("--assets", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--variants", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bare-examples", type=int, default=640, help="examples whose calls are also executed bare")
    args = ap.parse_args()

    result, seconds, seen, engine = run_search(args)
    s = result.stats
    ran = s.examples - s.kinds.get("refused", 0)
    per_min = s.examples / seconds * 60
    updates = sum(e.blocks for e, kind in seen if kind != "refused")
    per_core = updates / seconds / args.workers
    bare_n, bare_s = bare(args, seen)
    bare_rate = bare_n / bare_s
    print(f"fuzz:  {args.rule}, n={args.assets}, {args.blocks} blocks per example, {args.workers} worker(s), batches of "
          f"{args.batch}: {s.examples} distinct examples ({ran} run, {s.kinds.get('refused', 0)} refused up front; "
          f"{s.repeats} repeats Hypothesis submitted again, not counted) in {seconds:.1f} s "
          f"= {per_min:,.0f} examples/min; {updates} verified updates = {updates / seconds:,.0f}/s, {per_core:,.0f} per core "
          f"(outcomes {dict(s.kinds)}; integer model on every pool)")
    print(f"       {engine['calls']} engine calls for {s.batches} Hypothesis test cases took {engine['seconds']:.1f} s; the "
          f"rest ({seconds - engine['seconds']:.1f} s) is Hypothesis (generation, mutation, targeting) and the checks")
    print(f"bare:  {bare_n} pool updates of the first {min(args.bare_examples, ran)} examples run (BatchCaller transactions "
          f"of {max(1, args.batch // args.workers)} pools, no JAX/comparison/model, 1 process) in {bare_s:.1f} s = "
          f"{bare_rate:,.0f} updates/s")
    print(f"ratio: verified updates per core / bare batched updates on one core = {per_core / bare_rate:.3f}")
    print(f"target ≥ 1,000 examples/min on 2 cores: {'met' if per_min >= 1000 else 'NOT met'} ({per_min:,.0f})")


if __name__ == "__main__":
    main()
