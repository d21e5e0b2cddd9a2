"""A pool with a history to audit, on a local node: parity's reference stack (runner, Momentum rule, pool, the
vault stand-in, one primary and one backup MockOracle per asset) deployed with V1's flow, then a keeper that
updates it every hour with random prices, sometimes late, once from the backup oracles (the primaries gone
stale), and the admin's setWeightsManually and setTargetWeightsManually in between (docs/audit.md).

    python examples/audit_demo.py --rpc-url http://127.0.0.1:8545 [--updates 24] [--seed 1]

Prints the pool's address and the block range to give `parity audit`.
"""

from __future__ import annotations

import argparse

import numpy as np

from parity.chain import make_chain
from parity.chain.production import (
    deploy_pool_stack, perform_update, set_oracles, set_target_weights_manually, set_weights_manually,
)

ONE, HOUR = 10**18, 3600


def deploy(chain, n: int = 3):
    w = [ONE // n] * (n - 1)
    return deploy_pool_stack(chain, "momentum", n=n, lambda_store=[9 * 10**17], epsilon_max=10**17,
                             guard_rail=5 * 10**16, parameters=[[2 * ONE]], update_interval_s=HOUR,
                             initial_weights_wei=w + [ONE - sum(w)], moving_averages_wei=[ONE] * n,
                             initial_values_wei=[0] * n, oracle_prices_wei=[ONE] * n,
                             timestamp=chain.timestamp() + 1000, staleness_threshold=HOUR, backups=1)


def keep(chain, stack, updates: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    prices, t = [ONE] * stack.n, stack.config.timestamp + 2
    for k in range(1, updates + 1):
        t += (HOUR if k > 1 else 0) + (0 if rng.random() < 0.7 else int(rng.integers(1, 900)))  # late now and then
        prices = [int(p * float(np.exp(rng.normal(0, 0.03)))) for p in prices]
        if k == updates // 2:  # the primaries are two hours old; the backups carry fresh prices
            set_oracles(chain, stack, {**{(i, 0): (ONE, t - 2 * HOUR) for i in range(stack.n)},
                                       **{(i, 1): (p, t - 10) for i, p in enumerate(prices)}}, tx_timestamp=t - 20)
            perform_update(chain, stack, t)
        else:  # the keeper sets the primaries and updates in one transaction
            perform_update(chain, stack, t, prices=prices)
        if k == updates // 3:
            set_weights_manually(chain, stack, [4 * 10**17, 3 * 10**17, 3 * 10**17, 0, 0, 0], t + 1800, tx_timestamp=t + 600)
        if k == 2 * updates // 3:
            set_target_weights_manually(chain, stack, [5 * 10**17, 25 * 10**16, 25 * 10**16], HOUR, tx_timestamp=t + 600)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="deploy a pool on a local node and give it a history to audit")
    ap.add_argument("--rpc-url", required=True)
    ap.add_argument("--updates", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    chain = make_chain("rpc", url=args.rpc_url)
    first = chain.block_number() + 1
    stack = deploy(chain)
    keep(chain, stack, args.updates, args.seed)
    print(f"pool {stack.addresses.pool}, runner {stack.addresses.runner}, blocks {first}..{chain.block_number()}")


if __name__ == "__main__":
    main()
