"""Setup C2 of the V1 test vectors (docs/production-loop.md, "V1 on every observable") on the EVM and the
ProductionModel in lockstep: runner(A, eth oracle), MomentumRule(runner), the vault stand-in, one MockOracle
per asset, pool ("Q", "Q", 2, "v1", runner, 19, []), initialize with weights [0.5, 0.5], interval 600,
g = ε = 0.1, λ = [0.5], parameters [[20], [0]], moving averages [1, 1], intermediate values [0, 0], staleness
3600, maxTradeSizeRatio 0.3, manager M; then setApprovedActionsForPool(pool, 19).

The expected values in the tests come from the published vectors, not from either implementation. Our
chains mine one transaction per block with strictly increasing times, so where a vector acts "at T0" the
pool is initialised at T0 − 2 and approved at T0 − 1 (a vector about initialize itself runs it at T0)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from parity.chain import compile_rules, compile_sources, make_chain
from parity.chain import production as prod

from production_io import E, Lockstep

T0 = 1_700_000_000
PROFILES = ("legacy", "v1")  # V1's two builds (docs/your-stack.md): Foundry's legacy and Hardhat's via-IR
FORWARDER = Path(__file__).with_name("sol") / "ForwardingRule.sol"


@lru_cache(maxsize=None)
def built(profile: str) -> dict:
    return compile_rules(profile=profile)


@lru_cache(maxsize=None)
def forwarder_artifact():
    return compile_sources({"test/ForwardingRule.sol": FORWARDER.read_text()})["ForwardingRule"]


def c2(artifacts, *, t_init: int = T0 - 2, register: bool = True, where: str = "C2", **over) -> Lockstep:
    """Setup C2 on a fresh revm chain (genesis T0 − 1000); the pool initialised at t_init unless not register."""
    chain = make_chain("revm", genesis_timestamp=T0 - 1_000)
    kw = dict(n=2, lambda_store=[E // 2], epsilon_max=E // 10, guard_rail=E // 10, parameters=[[20 * E], [0]],
              update_interval_s=600, initial_weights_wei=[E // 2] * 2, moving_averages_wei=[E] * 2,
              initial_values_wei=[0, 0], oracle_prices_wei=[E] * 2, timestamp=t_init, staleness_threshold=3_600,
              max_trade_size_ratio=3 * E // 10, actions=19)
    kw.update(over)
    return Lockstep(chain, artifacts, "momentum", where=where, register=register, **kw)


def accounts(ls: Lockstep) -> tuple[str, str, str]:
    """(A, M, K): the admin, the pool manager and another account."""
    return ls.stack.addresses.admin, ls.stack.addresses.pool_manager, ls.chain.accounts[3]


def chain_settings(ls: Lockstep, settings) -> tuple:
    """The PoolSettings tuple of a model Settings (assets as the deployment's placeholders)."""
    base = prod.pool_settings(ls.stack.config, ls.stack.addresses)
    return (base[0], settings.rule, [list(o) for o in settings.oracles], settings.interval, list(settings.lambda_store),
            settings.epsilon_max, settings.guard_rail, settings.max_trade_size_ratio,
            [list(r) for r in settings.parameters], settings.pool_manager)


def initialize(ls: Lockstep, *, sender=None, t=None, settings=None, **values):
    """pool.initialize on both sides with the config's values, `settings` (a model Settings) and `values`
    (initial_weights, moving_averages, initial_values, staleness) overriding."""
    s, m = ls.stack, ls.model
    settings = settings or m.settings()
    creation = prod.creation_params(s.config, s.addresses, settings=chain_settings(ls, settings), **values)
    return ls.tx("initialize", s.pool, "initialize", [creation],
                 lambda who, when: m.initialize(now=when, sender=who, settings=settings, **values), sender=sender, t=t)


def approve(ls: Lockstep, pool: str, mask: int, t=None):
    return ls.tx(f"setApprovedActionsForPool {mask}", ls.stack.runner, "setApprovedActionsForPool", [pool, mask],
                 lambda who, when: ls.model.set_approved_actions(pool, mask, sender=who), t=t)


def f16(*values: int) -> list[int]:
    return list(values) + [0] * (16 - len(values))
