"""Gas of one runner.performUpdate(pool) per rule (n = 3, daily interval), on the production contracts
(UpdateWeightRunner + QuantAMMWeightedPool + VaultStandIn + MockOracles + the rule). Prints a table; asserts nothing.

The figure is the third update's transaction gas (storage already warm from earlier updates, as in a
running pool), sent directly to the runner (not through ProductionDriver). eth-tester is the default
because revm's shared journal under-counts cold-access gas (see parity/chain/revm.py).

    .venv/bin/python benchmarks/production_gas.py [--backend eth-tester|revm] [--n 3]
"""

from __future__ import annotations

import argparse

from parity.chain import RULE_CONTRACTS, compile_rules, make_chain
from parity.chain import production as prod

E = 10**18
PRICES = [1000 * E, 2000 * E, 3000 * E, 40 * E, 50 * E, 60 * E, 7 * E, 8 * E]


def rule_setup(rule: str, n: int) -> tuple[list, list]:
    """(parameters, initial intermediate values) valid for `rule` with n assets."""
    if rule in ("momentum", "anti_momentum"):
        return [[E // 2], [0]], [0] * n
    if rule == "power_channel":
        return [[E // 2], [2 * E], [0]], [0] * n
    if rule == "mean_reversion_channel":
        return [[E // 2], [E // 10], [E], [2 * E], [E], [E // 10], [0]], [0] * n
    if rule == "difference_momentum":
        return [[E // 2], [8 * E // 10]], PRICES[:n]
    return [[E // 2]], [p // 1000 for p in PRICES[:n]]  # min_variance: mixing; A(0) > 0


def update_gas(chain, artifacts, rule: str, n: int) -> int:
    params, init = rule_setup(rule, n)
    t0 = chain.timestamp() + 100
    stack = prod.deploy_pool_stack(
        chain, rule, artifacts=artifacts, n=n, lambda_store=[9 * E // 10], epsilon_max=E // 10,
        guard_rail=E // (10 * n), parameters=params, update_interval_s=86_400,
        initial_weights_wei=[E // n] * n, moving_averages_wei=PRICES[:n], initial_values_wei=init,
        oracle_prices_wei=PRICES[:n], timestamp=t0)
    t, gas = t0 + 3, 0
    for k in range(3):
        prices = [p * (100 + (-1) ** (i + k) * (i + 1)) // 100 for i, p in enumerate(PRICES[:n])]
        prod.set_prices(chain, stack, prices, t, t - 1)
        gas = prod.perform_update(chain, stack, t).tx.gas_used
        t += 86_400
    return gas


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="eth-tester")
    ap.add_argument("--n", type=int, default=3)
    args = ap.parse_args()
    artifacts = compile_rules()
    chain = make_chain(args.backend)
    print(f"performUpdate gas, n={args.n}, {args.backend} (third update of a running pool)")
    for rule, contract in RULE_CONTRACTS.items():
        print(f"  {rule:24s} {contract:24s} {update_gas(chain, artifacts, rule, args.n):>9,d}")


if __name__ == "__main__":
    main()
