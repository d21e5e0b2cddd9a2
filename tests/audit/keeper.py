"""A pool's life on a node, for the audit tests and benchmarks/audit.py: a stack deployed with V1's flow
(parity.chain.production), then a keeper that updates it every interval with random prices, sometimes late,
sometimes from a backup oracle, plus the admin's break-glass setters, and optionally the pool moved to a new
runner whose rule is a deliberately broken build (the only way V1 changes a pool's rule)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from parity.chain.production import (
    ETH_ORACLE, deploy_pool_stack, perform_update, pool_settings, set_oracle_mode, set_oracles, set_prices,
    set_target_weights_manually, set_weights_manually,
)

INTERVAL = 3600
STALENESS = 3600
ONE = 10**18


@dataclass
class Life:
    """What was done, so a test can check the audit names it."""

    stack: object
    first_block: int = 0
    last_block: int = 0
    update_blocks: list = field(default_factory=list)  # chain block of update k (index k − 1)
    late: dict = field(default_factory=dict)  # k -> seconds late
    paths: dict = field(default_factory=dict)  # k -> {asset: expected path}
    manual: dict = field(default_factory=dict)  # chain block -> setter name
    swap_update: int | None = None  # the first update on the new runner


def deploy(chain, *, n: int = 3, timestamp: int, artifacts=None):
    """A momentum pool of n assets with one backup oracle per asset, interval 1 h, staleness 1 h."""
    w = [ONE // n] * (n - 1)
    return deploy_pool_stack(
        chain, "momentum", artifacts=artifacts, n=n, lambda_store=[9 * 10**17], epsilon_max=10**17, guard_rail=5 * 10**16,
        parameters=[[2 * ONE]], update_interval_s=INTERVAL, initial_weights_wei=w + [ONE - sum(w)],
        moving_averages_wei=[ONE] * n, initial_values_wei=[0] * n, oracle_prices_wei=[ONE] * n, timestamp=timestamp,
        staleness_threshold=STALENESS, backups=1)


def _prices(rng, prev: list[int]) -> list[int]:
    """A random walk with arbitrary low digits (every wei matters to the integer model)."""
    return [int(p * float(np.exp(rng.normal(0, 0.03)))) // 10**6 * 10**6 + int(rng.integers(0, 10**6)) for p in prev]


def _update(chain, stack, life: Life, k: int, t: int, p: list[int], mode: str):
    n = stack.n
    if mode == "same_tx":  # the driver sets the primaries and updates in one transaction: read at b
        return perform_update(chain, stack, t, prices=p)
    if mode == "earlier_block":
        set_prices(chain, stack, p, oracle_timestamp=t - 5, tx_timestamp=t - 5)
        return perform_update(chain, stack, t)
    if mode == "stale_primary":  # primaries an hour old, backups fresh with their own values
        set_oracles(chain, stack, {**{(i, 0): (ONE, t - 2 * STALENESS) for i in range(n)},
                                   **{(i, 1): (p[i], t - 10) for i in range(n)}}, tx_timestamp=t - 20)
        life.paths[k] = {i: "backup 1 (primary stale)" for i in range(n)}
        return perform_update(chain, stack, t)
    if mode == "failed_primary":  # asset 0's primary reverts in getData; its backup is fresh
        set_oracle_mode(chain, stack, 0, 0, "revert", tx_timestamp=t - 30)
        set_oracles(chain, stack, {(0, 1): (p[0], t - 10), **{(i, 0): (p[i], t - 10) for i in range(1, n)}},
                    tx_timestamp=t - 20)
        life.paths[k] = {0: "backup 1 (primary failed)"}
        up = perform_update(chain, stack, t)
        set_oracle_mode(chain, stack, 0, 0, "ok", tx_timestamp=t + 5)
        return up
    raise ValueError(mode)


def live(chain, stack, *, updates: int, seed: int = 7, start: int, manual_at=(), special=None, swap=None,
         life: Life | None = None) -> Life:
    """`updates` keeper updates from time `start`; manual_at: (k_weights, k_target) after which update the admin
    calls setWeightsManually / setTargetWeightsManually; special: {k: mode}; swap: (k, new runner artifact,
    broken rule artifact): the pool moves to a new runner with that rule before update k."""
    rng = np.random.default_rng(seed)
    life = life or Life(stack)
    special = special or {}
    p, t = [ONE] * stack.n, start
    life.first_block = life.first_block or chain.block_number() + 1
    for k in range(1, updates + 1):
        delay = 0 if rng.random() < 0.6 else int(rng.integers(1, 900))
        t += (INTERVAL if k > 1 else 0) + delay
        if swap is not None and k == swap[0]:
            stack = move_to_new_runner(chain, stack, swap[1], swap[2], t - 100)
            life.swap_update = k
        p = _prices(rng, p)
        up = _update(chain, stack, life, k, t, p, special.get(k, "same_tx"))
        life.update_blocks.append(up.tx.block_number)
        life.late[k] = delay
        if manual_at and k == manual_at[0]:
            _manual_weights(chain, stack, life, t + 600)
        if manual_at and k == manual_at[1]:
            _manual_target(chain, stack, life, t + 600)
    life.last_block = chain.block_number()
    life.stack = stack
    return life


def _manual_weights(chain, stack, life: Life, t: int) -> None:
    n = stack.n
    w = [ONE // n] * (n - 1)
    values = w + [ONE - sum(w)] + [10**9] + [0] * (n - 2) + [-(10**9)]
    r = set_weights_manually(chain, stack, values, t + 1800, tx_timestamp=t)
    life.manual[r.tx.block_number] = "setWeightsManually"


def _manual_target(chain, stack, life: Life, t: int) -> None:
    n = stack.n
    targets = [ONE // 2] + [ONE // (2 * (n - 1))] * (n - 1)
    r = set_target_weights_manually(chain, stack, targets, INTERVAL, tx_timestamp=t)
    life.manual[r.tx.block_number] = "setTargetWeightsManually"


def move_to_new_runner(chain, stack, runner_artifact, rule_artifact, t: int):
    """V1's route to another rule: a new runner, the rule registered there by the admin, the pool pointed at it,
    the rule's state and the last run carried over; returns the stack as the keeper sees it afterwards."""
    a, c = stack.addresses, stack.config
    admin = a.admin
    runner = chain.deploy(runner_artifact, admin, ETH_ORACLE, timestamp=t)
    rule = chain.deploy(rule_artifact, runner.address, timestamp=t + 1)
    step = iter(range(t + 2, t + 100))
    for per in a.oracles:
        for o in per:
            chain.transact(runner, "addOracle", [o], sender=admin, timestamp=next(step))
    chain.transact(stack.pool, "setUpdateWeightRunnerAddress", [runner.address], sender=admin, timestamp=next(step))
    moved = replace(a, runner=runner.address, rule=rule.address)
    chain.transact(runner, "setRuleForPoolAdminInitialise", [pool_settings(c, moved), a.pool], sender=admin,
                   timestamp=next(step))
    chain.transact(runner, "setApprovedActionsForPool", [a.pool, c.actions], sender=admin, timestamp=next(step))
    mas = chain.call(stack.rule, "getMovingAverages", [a.pool, c.n])
    grads = chain.call(stack.rule, "getIntermediateGradientState", [a.pool, c.n])
    chain.transact(runner, "setIntermediateValuesManually", [a.pool, list(mas), list(grads), c.n], sender=admin,
                   timestamp=next(step))
    last_run = chain.call(stack.runner, "poolRuleSettings", [a.pool])[0][0]
    chain.transact(runner, "InitialisePoolLastRunTime", [a.pool, last_run], sender=admin, timestamp=next(step))
    return replace(stack, runner=runner, rule=rule, addresses=moved)


BROKEN = ("useRawPrice ? _data[i] : _ctx.movingAverages[i]", "useRawPrice ? _ctx.movingAverages[i] : _data[i]")


def broken_momentum():
    """MomentumRule built with one planted bug: the gradient's denominator is the raw price where it should be
    the moving average (and the other way round); name() still says "Momentum"."""
    from parity.chain.compile import compile_sources, project_sources

    sources = {k: v for k, v in project_sources().items() if k.startswith("base/") or k == "rules/MomentumRule.sol"}
    assert sources["base/MomentumBase.sol"].count(BROKEN[0]) == 1
    sources["base/MomentumBase.sol"] = sources["base/MomentumBase.sol"].replace(*BROKEN)
    return compile_sources(sources)["MomentumRule"]


def one_block(chain, t: int, calls) -> int:
    """Mine several transactions in one block at time t (automine off meanwhile): calls = [(contract, fn, args,
    sender)], in order. Returns the block number."""
    w3 = chain.w3
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        for contract, fn, args, sender in calls:
            data = chain.codec(contract, fn).encode(tuple(args))
            w3.eth.send_transaction({"from": sender, "to": contract.address, "data": data, "gas": 3_000_000})
        w3.provider.make_request("evm_mine", [t])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    block = chain.block_number()
    receipts = [w3.eth.get_transaction_receipt(tx) for tx in w3.eth.get_block(block)["transactions"]]
    assert len(receipts) == len(calls) and all(r["status"] == 1 for r in receipts), receipts
    return block
