"""Speed of the chain backends on a 3-asset MomentumRule update loop (prints rates; asserts nothing).

One block here = 1 CalculateNewWeights transaction in its own block + 3 view calls: the two state getters
the harness reads for a gradient rule (getMovingAverages, getIntermediateGradientState) and the raw
movingAverages word 0.

    .venv/bin/python benchmarks/chain_backends.py [--blocks 200] [--backends eth-tester,revm] [--url http://...]
"""

from __future__ import annotations

import argparse
import time

from parity.chain import compile_rules, make_chain

ONE = 10**18


def run(backend: str, blocks: int, **kwargs) -> dict:
    artifact = compile_rules()["MomentumRule"]
    chain = make_chain(backend, **kwargs)
    runner, pool = chain.accounts[0], chain.accounts[1]
    rule = chain.deploy(artifact, runner)
    n = 3
    chain.transact(rule, "initialisePoolRuleIntermediateValues", [pool, [1000 * ONE, 2000 * ONE, 3000 * ONE], [0, 0, 0], n])
    weights = [ONE // 3, ONE // 3, ONE - 2 * (ONE // 3)]
    params = [[ONE // 10], [0]]
    lambdas = [9 * ONE // 10]
    t_tx = t_call = 0.0
    t0 = time.perf_counter()
    for i in range(blocks):
        prices = [(1000 + i) * ONE, (2000 - i) * ONE, (3000 + 2 * i) * ONE]
        a = time.perf_counter()
        res = chain.transact(rule, "CalculateNewWeights", [weights, prices, pool, params, lambdas, ONE // 10, ONE // 100])
        b = time.perf_counter()
        chain.call(rule, "getMovingAverages", [pool, n])
        chain.call(rule, "getIntermediateGradientState", [pool, n])
        chain.call(rule, "movingAverages", [pool, 0])
        t_call += time.perf_counter() - b
        t_tx += b - a
        weights = list(res.return_value)
    total = time.perf_counter() - t0
    return {"backend": backend, "blocks/s": blocks / total, "tx/s": blocks / t_tx, "calls/s": 3 * blocks / t_call,
            "gas/tx": res.gas_used}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=200)
    parser.add_argument("--backends", default="eth-tester,revm")
    parser.add_argument("--url", default=None, help="JSON-RPC url, adds the rpc backend")
    args = parser.parse_args()
    backends = args.backends.split(",") + (["rpc"] if args.url else [])
    rows = [run(b, args.blocks, **({"url": args.url} if b == "rpc" else {})) for b in backends]
    base = rows[0]["blocks/s"]
    for r in rows:
        print(f"{r['backend']:>10}: {r['blocks/s']:9.1f} lockstep blocks/s ({r['blocks/s'] / base:6.1f}x {rows[0]['backend']}), "
              f"{r['tx/s']:9.1f} tx/s, {r['calls/s']:9.1f} calls/s, {r['gas/tx']} gas/tx")


if __name__ == "__main__":
    main()
