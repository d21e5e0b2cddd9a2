"""Lockstep throughput: blocks per second of `run_lockstep` for a 3-asset momentum pool over one year of
hourly updates (8760 blocks), per backend, and the harness overhead on revm relative to bare execution of
the same CalculateNewWeights transactions.

    .venv/bin/python benchmarks/lockstep.py [--blocks 8760] [--eth-tester-blocks 300] [--model-check]

eth-tester (py-evm) is measured on --eth-tester-blocks blocks and extrapolated to the full year (printed as
such). Prints ratios; asserts nothing. Targets: eth-tester ≥ 30 blocks/s, revm ≥ 1500 blocks/s, revm
lockstep ≤ 3× bare execution.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import parity  # noqa: F401  (float64)
from parity.chain import make_chain
from parity.fingerprint import make_run_fingerprint
from parity.harness import run_lockstep
from parity.harness.driver import POOL_ADDRESS, _rule_artifacts
from parity.pools import create_pool

PARAMS = {"lamb": 0.99, "kappa": 2.0}  # ~1 day of memory at hourly updates


def hourly_prices(blocks: int, n: int = 3, seed: int = 7) -> np.ndarray:
    """Deterministic geometric random walk, 0.5 % hourly volatility, prices around 100–3000."""
    rng = np.random.default_rng(seed)
    start = np.array([3000.0, 150.0, 1.0, 40.0, 7.0, 0.5, 20.0, 900.0])[:n]
    return start * np.exp(np.cumsum(rng.normal(0.0, 0.005, (blocks + 1, n)), axis=0))


def lockstep(backend: str, prices, blocks: int, model_check: bool):
    fp = make_run_fingerprint(rule="momentum", n_assets=prices.shape[1], chunk_period=60, price_interval=60)
    pool = create_pool("momentum")
    chain = make_chain(backend)
    t = time.perf_counter()
    res = run_lockstep(pool, PARAMS, fp, prices[: blocks + 1], chain, blocks=blocks, model_check=model_check,
                       vectorized_check=False, progress=False)
    total = time.perf_counter() - t
    return res, total


def bare(backend: str, res) -> float:
    """Seconds to deploy, initialise and send the same CalculateNewWeights transactions, nothing else."""
    chain = make_chain(backend)
    art = _rule_artifacts()[res.contract]
    m = res.mapped
    dep = chain.deploy(art, chain.accounts[0], timestamp=2_000_000_000)
    init = res.initial
    chain.transact(dep, "initialisePoolRuleIntermediateValues", [POOL_ADDRESS, init["ewma"], init["running_a"], res.n_assets],
                   timestamp=2_000_000_001)
    prevs = [init["weights"]] + res.chain["weights"][:-1]
    t = time.perf_counter()
    for k, (prev, price) in enumerate(zip(prevs, res.prices_wei), start=1):
        chain.transact(dep, "CalculateNewWeights",
                       [prev, price, POOL_ADDRESS, m.parameters, m.lambda_store, m.epsilon_max, m.guard_rail],
                       timestamp=2_000_000_000 + k * 3600)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=8760)
    ap.add_argument("--eth-tester-blocks", type=int, default=300)
    ap.add_argument("--model-check", action="store_true", help="also run the exact integer model (slower)")
    args = ap.parse_args()
    prices = hourly_prices(args.blocks)

    lockstep("revm", prices, 20, args.model_check)  # warm-up: compile the rule and the jitted JAX step once
    res, _ = lockstep("revm", prices, args.blocks, args.model_check)
    loop = res.timing["loop_s"]
    bare_s = bare("revm", res)
    print(f"revm:       {args.blocks} blocks in {loop:.2f} s  -> {args.blocks / loop:,.0f} blocks/s  "
          f"(status {res.status}; model check {'on' if args.model_check else 'off'})")
    print(f"revm bare:  {args.blocks} CalculateNewWeights in {bare_s:.2f} s -> {args.blocks / bare_s:,.0f} tx/s; "
          f"lockstep / bare = {loop / bare_s:.2f}x")

    nb = min(args.eth_tester_blocks, args.blocks)
    res_e, _ = lockstep("eth-tester", prices, nb, args.model_check)
    loop_e = res_e.timing["loop_s"]
    rate = nb / loop_e
    print(f"eth-tester: {nb} blocks in {loop_e:.2f} s -> {rate:,.1f} blocks/s; "
          f"extrapolated {args.blocks} blocks: {args.blocks / rate / 60:.1f} min")
    same = res_e.chain["weights"] == res.chain["weights"][:nb] and all(
        res_e.chain[k] == res.chain[k][:nb] for k in res.chain)
    print(f"eth-tester == revm bit for bit on the first {nb} blocks: {same}")


if __name__ == "__main__":
    main()
