"""Pool-level lockstep throughput on revm: blocks per second of `run_pool_lockstep` (performUpdate, the
stored pool read back, K + 1 getNormalizedWeights samples per interval, the rule state, the JAX production
loop step, the ProductionModel) and the ratio to bare execution of the same performUpdate transactions on
a fresh stack in the same run; the same for a user's stack (parity's reference contracts written as a Foundry
artifact directory and loaded back through the user path, `--artifacts DIR`); then the performUpdate gas per
rule.

    .venv/bin/python benchmarks/lockstep_pool.py [--blocks 2000] [--samples 3] [--gas-blocks 30]

Each configuration runs --repeats times, alternating lockstep and bare, and the ratio is best lockstep over
best bare (on a shared CPU the best of several runs is the least disturbed by other processes; the range
of the single-run ratios is printed too). Prints numbers and ratios; asserts nothing. Target: pool-level
lockstep ≤ 3× bare performUpdate execution.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import parity  # noqa: F401  (float64)
from parity.chain import make_chain
from parity.catalogue import DEFAULT_PARAMS
from parity.chain.production import deploy_pool_stack, perform_update
from parity.chain.stack import stack_from_artifacts, write_reference_artifacts
from parity.fingerprint import make_run_fingerprint
from parity.harness.driver import run_pool_lockstep
from parity.pools import create_pool

from lockstep import PARAMS, hourly_prices

RULES = DEFAULT_PARAMS  # the defaults `parity verify` runs


def pool_lockstep(prices, blocks: int, samples: int, model_check: bool, rule="momentum", params=PARAMS, chunk=60,
                  artifacts=None):
    fp = make_run_fingerprint(rule=rule, n_assets=prices.shape[1], chunk_period=chunk, price_interval=chunk)
    return run_pool_lockstep(create_pool(rule), params, fp, prices[: blocks + 1], make_chain("revm"), blocks=blocks,
                             samples_per_interval=samples, model_check=model_check, vectorized_check=False,
                             progress=False, artifacts=artifacts)


def bare(res, artifacts=None) -> float:
    """Seconds to send the same performUpdate transactions (prices set in the same tx) to a fresh stack."""
    chain = make_chain("revm")
    m, init = res.mapped, res.initial
    smap = res.state_map
    t0 = 2_000_000_000
    stack = deploy_pool_stack(
        chain, res.rule, n=res.n_assets, lambda_store=m.lambda_store, epsilon_max=m.epsilon_max,
        guard_rail=m.guard_rail, parameters=m.parameters, update_interval_s=res.chunk_period * 60,
        initial_weights_wei=init["weights"], moving_averages_wei=init[smap.moving_average_key],
        initial_values_wei=init[smap.init_key], oracle_prices_wei=res.prices_wei[0], timestamp=t0, artifacts=artifacts)
    t = time.perf_counter()
    for ts, price in zip(res.timestamps, res.prices_wei):
        perform_update(chain, stack, ts, prices=price, oracle_timestamp=ts)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=3, help="--samples-per-interval K")
    ap.add_argument("--gas-blocks", type=int, default=30, help="updates per rule for the gas table")
    ap.add_argument("--repeats", type=int, default=3, help="runs per configuration (best of, alternating with bare)")
    args = ap.parse_args()
    prices = hourly_prices(args.blocks)

    pool_lockstep(prices, 20, args.samples, True)  # warm-up: compile the contracts and the jitted step once
    user_dir = Path(tempfile.mkdtemp(prefix="parity-user-stack-")) / "out"
    write_reference_artifacts(user_dir, layout="foundry")
    user = stack_from_artifacts(user_dir, "momentum")
    for label, stack, checks in (("reference stack", None, (True, False)), (f"user stack ({user_dir})", user, (True,))):
        for model_check in checks:
            loops, bares = [], []
            for _ in range(args.repeats):
                res = pool_lockstep(prices, args.blocks, args.samples, model_check, artifacts=stack)
                loops.append(res.timing["loop_s"])
                bares.append(bare(res, stack))
            loop, bare_s = min(loops), min(bares)
            single = sorted(a / b for a, b in zip(loops, bares))
            print(f"pool level, revm, {label}, K={args.samples}, model check {'on ' if model_check else 'off'}: "
                  f"{args.blocks} blocks in {loop:.2f} s -> {args.blocks / loop:,.0f} blocks/s (status {res.status}); "
                  f"bare performUpdate {args.blocks / bare_s:,.0f} tx/s; lockstep / bare = {loop / bare_s:.2f}x "
                  f"(best of {args.repeats}; single runs {single[0]:.2f}-{single[-1]:.2f}x)")

    daily = np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.03, (args.gas_blocks + 1, 3)), axis=0)) * [3000.0, 150.0, 1.0]
    print(f"performUpdate gas (n = 3, daily updates, {args.gas_blocks} updates, incl. setting 3 oracles):")
    for rule, params in RULES.items():
        res = pool_lockstep(daily, args.gas_blocks, 1, False, rule, params, chunk=1440)
        gas = np.array(res.pool["gas"])
        print(f"  {rule:<24} mean {gas.mean():>9,.0f}  min {gas.min():>9,}  max {gas.max():>9,}  ({res.status})")


if __name__ == "__main__":
    main()
