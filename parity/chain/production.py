"""Deploy and drive the production loop on any Chain backend with V1's deployment flow: UpdateWeightRunner,
one rule, the vault stand-in, QuantAMMWeightedPool, MockOracles and the harness's ProductionDriver
(contracts/production/, docs/production-loop.md). The same path deploys parity's reference stack and a
user's artifacts (parity.chain.stack.StackArtifacts), role by role.

The calls here mirror :class:`parity.fixedpoint.production.ProductionModel` one for one, so a harness can
run the chain and the exact integer model side by side and compare at zero tolerance::

    stack = deploy_pool_stack(chain, "momentum", n=3, ..., timestamp=t0)
    model = ProductionModel.from_stack(stack)
    for t in update_times:
        chain_up = perform_update(chain, stack, t, prices=p, oracle_timestamp=t)
        model_up = model.perform_update(t, prices=p, oracle_timestamp=t)
        assert chain_up.events == model_up.events and read_pool(chain, stack) == model.read_pool()

Deployment (V1's bring-up): runner(admin, ethOracle), rule(runner), oracles, driver, the vault stand-in (from
its own account, so the other contracts keep their addresses), pool(NewPoolParams, vault); the admin
approves every oracle; ``pool.initialize(CreationNewPoolParams)`` (the rule's initialisation, then
``runner.setRuleForPool`` with the pool as sender, then the initial weights); the admin sets the pool's
action mask. Everything reads and writes V1's ABI only, so a user's runner and pool work the same way.

Blocks: every transaction is mined in its own block with a strictly increasing timestamp.
``deploy_pool_stack`` mines its set-up blocks at ``chain.timestamp() + 1, + 2, ...`` before ``timestamp``,
``pool.initialize`` at ``timestamp`` and ``setApprovedActionsForPool`` at ``timestamp + 1``, so the first
update must come at ``timestamp + 2`` or later. ``perform_update(..., prices=...)`` sets the primary
oracles and runs ``performUpdate`` in ONE transaction (through ProductionDriver), i.e. one block per update.

Fine weights inside an interval: ``sample_weights(chain, stack, t)`` transacts
``ProductionDriver.sample(pool)`` in a new block at time ``t`` and returns what ``getNormalizedWeights()``
gives at that second. It mines a block, so samples must be strictly increasing and strictly before the
next update's timestamp. The weight at the update second itself is the stored W (``read_pool``), and the
weight at the next update's second is that update's ``currentWeights`` (its CalculateWeightsRequest event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from eth_utils import to_checksum_address

from .base import Chain, Deployed, TxResult
from .errors import ChainError
from .compile import RULE_CONTRACTS
from .stack import StackArtifacts, reference_stack

# approvedPoolActions masks (docs/production-loop.md)
MASK_PERFORM_UPDATE = 1
MASK_GET_DATA = 2
MASK_POOL_OWNER_OVERRIDES = 8
MASK_ADMIN_OVERRIDES = 16
MASK_RULE_SETS_WEIGHTS = 32
DEFAULT_ACTIONS = MASK_PERFORM_UPDATE | MASK_GET_DATA | MASK_ADMIN_OVERRIDES
DEFAULT_STALENESS_S = 3_600
ORACLE_MODES = {"ok": 0, "revert": 1, "short": 2, "bad_word": 3, "invalid": 4}
ETH_ORACLE = to_checksum_address("0x" + "e7e0".rjust(40, "0"))  # the runner's ethOracle: any non-zero address
POOL_NAME, POOL_SYMBOL, POOL_VERSION = "Q", "Q", "v1"
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class StackConfig:
    """Everything deploy_pool_stack was given (the model rebuilds the same stack from it)."""

    rule: str
    n: int
    lambda_store: tuple
    epsilon_max: int
    guard_rail: int
    parameters: tuple
    update_interval_s: int
    initial_weights_wei: tuple
    moving_averages_wei: tuple
    initial_values_wei: tuple
    oracle_prices_wei: tuple
    timestamp: int
    staleness_threshold: int
    backups: tuple  # number of backup oracles per asset
    actions: int
    max_trade_size_ratio: int = 0
    pool_registry: int = DEFAULT_ACTIONS


def _jsonable(value):
    return [_jsonable(v) for v in value] if isinstance(value, (list, tuple)) else value


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def config_to_dict(config: "StackConfig | StackAddresses") -> dict:
    """A JSON-ready dict of a StackConfig or StackAddresses (tuples become lists)."""
    return {k: _jsonable(v) for k, v in vars(config).items()}


def config_from_dict(cls, data: dict):
    """The StackConfig or StackAddresses (`cls`) of a config_to_dict dict."""
    return cls(**{k: _tuples(v) for k, v in data.items()})


@dataclass(frozen=True)
class StackAddresses:
    """Checksum addresses of every contract and role of one stack."""

    runner: str
    pool: str
    rule: str
    driver: str
    oracles: tuple  # per asset: (primary, backup1, ...)
    admin: str  # the runner's quantammAdmin
    deployer: str  # deployed the contracts and called the pool's initialize
    pool_manager: str
    vault: str = ZERO_ADDRESS


@dataclass
class PoolStack:
    """A deployed production stack: the handles, the addresses, the config and the set-up timestamps."""

    config: StackConfig
    addresses: StackAddresses
    runner: Deployed
    pool: Deployed
    rule: Deployed
    driver: Deployed
    oracles: list  # per asset: [Deployed primary, Deployed backup1, ...]
    setup_timestamps: list = field(default_factory=list)  # (what, timestamp) of every set-up block
    vault: Deployed | None = None
    contracts: StackArtifacts | None = None  # what was deployed, role by role, and where it came from

    @property
    def n(self) -> int:
        return self.config.n

    def oracle(self, asset: int, index: int = 0) -> Deployed:
        """Oracle `index` (0 = primary) of `asset`."""
        return self.oracles[asset][index]


@dataclass(frozen=True)
class UpdateResult:
    """One mined update: the raw TxResult and its events as (emitter role, event name, args)."""

    tx: TxResult
    events: list


def _as_tuple(values) -> tuple:
    return tuple(tuple(v) if isinstance(v, (list, tuple)) else v for v in values)


def _backups(backups, n: int) -> tuple:
    if backups is None:
        return (0,) * n
    if isinstance(backups, int):
        return (backups,) * n
    if len(backups) != n or any(not isinstance(b, int) or b < 0 for b in backups):
        raise ValueError(f"backups={backups!r}: must be an int >= 0 or {n} ints >= 0 (backup oracles per asset)")
    return tuple(backups)


def make_config(rule: str, **kw) -> StackConfig:
    """A StackConfig from deploy_pool_stack's keyword arguments, with the lengths checked."""
    n = kw["n"]
    if rule not in RULE_CONTRACTS:
        raise ValueError(f"rule={rule!r}: expected one of {sorted(RULE_CONTRACTS)}")
    if not isinstance(n, int) or not 2 <= n <= 8:
        raise ValueError(f"n={n!r}: the pool holds 2 to 8 assets")
    for name in ("initial_weights_wei", "moving_averages_wei", "oracle_prices_wei"):
        if len(kw[name]) != n:
            raise ValueError(f"{name}: got {len(kw[name])} entries, need n={n}")
    actions = kw.get("actions", DEFAULT_ACTIONS)
    return StackConfig(
        rule=rule, n=n, lambda_store=tuple(kw["lambda_store"]), epsilon_max=kw["epsilon_max"],
        guard_rail=kw["guard_rail"], parameters=_as_tuple(kw["parameters"]),
        update_interval_s=kw["update_interval_s"], initial_weights_wei=tuple(kw["initial_weights_wei"]),
        moving_averages_wei=tuple(kw["moving_averages_wei"]), initial_values_wei=tuple(kw["initial_values_wei"]),
        oracle_prices_wei=tuple(kw["oracle_prices_wei"]), timestamp=kw["timestamp"],
        staleness_threshold=kw.get("staleness_threshold", DEFAULT_STALENESS_S),
        backups=_backups(kw.get("backups"), n), actions=actions,
        max_trade_size_ratio=kw.get("max_trade_size_ratio", 0), pool_registry=kw.get("pool_registry", actions),
    )


def pool_settings(config: StackConfig, addresses: StackAddresses) -> tuple:
    """The PoolSettings tuple the pool hands to runner.setRuleForPool (assets are placeholder addresses)."""
    assets = [to_checksum_address(f"0x{0xA55E7000 + i:040x}") for i in range(config.n)]
    return (
        assets, addresses.rule, [list(o) for o in addresses.oracles], config.update_interval_s,
        list(config.lambda_store), config.epsilon_max, config.guard_rail, config.max_trade_size_ratio,
        [list(row) for row in config.parameters], addresses.pool_manager,
    )


def new_pool_params(config: StackConfig, runner: str) -> tuple:
    """The pool constructor's NewPoolParams (name, symbol, numTokens, version, runner, poolRegistry, details)."""
    return (POOL_NAME, POOL_SYMBOL, config.n, POOL_VERSION, runner, config.pool_registry, [])


def creation_params(config: StackConfig, addresses: StackAddresses, *, settings: tuple | None = None,
                    initial_weights=None, moving_averages=None, initial_values=None, staleness=None) -> tuple:
    """The pool's initialize argument (CreationNewPoolParams) from the config, or the given values; the
    factory-only fields are left empty."""
    return (
        POOL_NAME, POOL_SYMBOL, [], [], (ZERO_ADDRESS,) * 3, 0, ZERO_ADDRESS, False, False, b"\x00" * 32,
        list(config.initial_weights_wei if initial_weights is None else initial_weights),
        settings if settings is not None else pool_settings(config, addresses),
        list(config.moving_averages_wei if moving_averages is None else moving_averages),
        list(config.initial_values_wei if initial_values is None else initial_values),
        config.staleness_threshold if staleness is None else staleness, config.pool_registry, [],
    )


def _setup_blocks(config: StackConfig) -> int:
    oracles = sum(1 + b for b in config.backups)
    return 6 + 2 * oracles  # runner, rule, oracles, driver, vault, pool, addOracle each, one setPrices


def stack_artifacts(rule: str, artifacts) -> StackArtifacts:
    """`artifacts` as a StackArtifacts: itself, the reference stack of a compile_rules dict, or (None) the
    reference stack compiled with the default profile."""
    return artifacts if isinstance(artifacts, StackArtifacts) else reference_stack(rule, artifacts)


def deploy_pool_stack(
    chain: Chain, rule: str, *, artifacts: "dict | StackArtifacts | None" = None, admin: str | None = None,
    pool_manager: str | None = None, register: bool = True, **kw: Any,
) -> PoolStack:
    """Deploy runner, rule, oracles, driver, vault and pool, and register them in V1's order.

    Keyword arguments: n, lambda_store, epsilon_max, guard_rail, parameters, update_interval_s,
    initial_weights_wei, moving_averages_wei, initial_values_wei, oracle_prices_wei, timestamp (the
    pool's initialize block), staleness_threshold (default 3600 s), backups (backup oracles per asset:
    an int or n ints, default 0; every oracle of asset i starts at oracle_prices_wei[i]), actions
    (approvedPoolActions mask, default perform update | get data | admin overrides), max_trade_size_ratio
    (default 0) and pool_registry (default: the actions mask).
    ``artifacts``: a StackArtifacts (any mix of reference and user contracts) or a compile_rules dict.
    ``admin`` (runner admin) and ``pool_manager`` default to chain.accounts[0] and chain.accounts[1].
    ``register=False`` stops after the oracles are approved and priced: the pool is not initialised.
    """
    config = make_config(rule, **kw)
    contracts = stack_artifacts(rule, artifacts)
    deployer = chain.accounts[0]
    admin = to_checksum_address(admin or chain.accounts[0])
    manager = to_checksum_address(pool_manager or chain.accounts[1])
    if chain.timestamp() + _setup_blocks(config) >= config.timestamp:
        raise ValueError(
            f"timestamp={config.timestamp}: need at least {_setup_blocks(config)} set-up blocks after the "
            f"latest block's timestamp {chain.timestamp()}"
        )
    log: list = []

    def deploy(role, *args, sender=deployer):
        art = getattr(contracts, role).artifact
        try:
            c = chain.deploy(art, *args, sender=sender)
        except ChainError as e:
            raise ChainError(f"deploying the {role} {art.contract_name}: {e}{_size_hint(art)}") from e
        log.append((f"deploy {role}", chain.timestamp()))
        return c

    runner = deploy("runner", admin, ETH_ORACLE)
    rule_c = deploy("rule", runner.address)
    oracles = [[deploy("oracle") for _ in range(1 + b)] for b in config.backups]
    driver = deploy("driver")
    vault = deploy("vault", *_vault_args(contracts.vault.artifact, config.n), sender=chain.accounts[-1])
    pool = deploy("pool", new_pool_params(config, runner.address), vault.address)
    addresses = StackAddresses(
        runner=runner.address, pool=pool.address, rule=rule_c.address, driver=driver.address,
        oracles=tuple(tuple(o.address for o in per) for per in oracles), admin=admin, deployer=deployer,
        pool_manager=manager, vault=vault.address,
    )
    stack = PoolStack(config, addresses, runner, pool, rule_c, driver, oracles, log, vault, contracts)
    _register(chain, stack, log, initialize=register)
    return stack


EIP170_LIMIT = 24_576


def _size_hint(artifact) -> str:
    size = max(len(artifact.deployed_bytecode or "0x") // 2 - 1, 0)
    if size <= EIP170_LIMIT:
        return ""
    return (f" (its runtime code is {size:,} bytes, over EIP-170's {EIP170_LIMIT:,}: V1's legacy-built pool is; "
            "verify on --backend revm with --unlimited-code-size, as Hardhat's allowUnlimitedContractSize)")


def _vault_args(artifact, n: int) -> tuple:
    """The vault's constructor arguments: (n) for a constructor(uint256) such as VaultStandIn, () for none."""
    ctor = next((item for item in artifact.abi if item.get("type") == "constructor"), {"inputs": []})
    types = [p["type"] for p in ctor["inputs"]]
    if types == ["uint256"]:
        return (n,)
    if not types:
        return ()
    raise ValueError(f"vault contract {artifact.contract_name}: constructor({', '.join(types)}) takes arguments parity "
                     "cannot supply (it deploys a vault with constructor() or constructor(uint256 numTokens))")


def _register(chain: Chain, stack: PoolStack, log: list, *, initialize: bool = True) -> None:
    """addOracle for every oracle, the oracles' first prices, pool.initialize, setApprovedActionsForPool."""
    config, a = stack.config, stack.addresses
    for per in stack.oracles:
        for o in per:
            chain.transact(stack.runner, "addOracle", [o.address], sender=a.admin)
            log.append(("addOracle", chain.timestamp()))
    flat = [(o, config.oracle_prices_wei[i]) for i, per in enumerate(stack.oracles) for o in per]
    chain.transact(stack.driver, "setPrices", [[o.address for o, _ in flat], [p for _, p in flat],
                                               [config.timestamp] * len(flat)])
    log.append(("setPrices", chain.timestamp()))
    if not initialize:
        return
    chain.transact(stack.pool, "initialize", [creation_params(config, a)], timestamp=config.timestamp, sender=a.deployer)
    log.append(("initialize", config.timestamp))
    chain.transact(stack.runner, "setApprovedActionsForPool", [a.pool, config.actions],
                   timestamp=config.timestamp + 1, sender=a.admin)
    log.append(("setApprovedActionsForPool", config.timestamp + 1))


# ---- driving -------------------------------------------------------------------------------------------
def decode_events(stack: PoolStack, tx: TxResult) -> list:
    """The tx's logs as (emitter role, event name, args dict) with checksum addresses, in log order."""
    roles = {stack.addresses.runner: "runner", stack.addresses.pool: "pool", stack.addresses.rule: "rule",
             stack.addresses.driver: "driver", stack.addresses.vault: "vault"}
    for per in stack.addresses.oracles:
        roles.update({a: "oracle" for a in per})
    return [(roles.get(log.address, log.address), log.event, _plain(log.args)) for log in tx.logs]


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def set_oracles(chain: Chain, stack: PoolStack, updates: dict, tx_timestamp: int | None = None) -> TxResult:
    """Set several oracles in one block: ``{(asset, index): (value_wei, oracle_timestamp)}``."""
    keys = sorted(updates)
    return chain.transact(
        stack.driver, "setPrices",
        [[stack.oracle(a, k).address for a, k in keys], [updates[key][0] for key in keys],
         [updates[key][1] for key in keys]],
        timestamp=tx_timestamp,
    )


def set_prices(chain: Chain, stack: PoolStack, prices_wei: Sequence[int], oracle_timestamp: int,
               tx_timestamp: int | None = None) -> TxResult:
    """Set every primary oracle to (prices_wei[i], oracle_timestamp) in one block at tx_timestamp."""
    return set_oracles(chain, stack, _primary_updates(stack.n, prices_wei, oracle_timestamp), tx_timestamp)


def _primary_updates(n: int, prices_wei: Sequence[int], oracle_timestamp: int) -> dict:
    if len(prices_wei) != n:
        raise ValueError(f"prices_wei: got {len(prices_wei)} prices, need n={n}")
    return {(i, 0): (prices_wei[i], oracle_timestamp) for i in range(n)}


def set_oracle_mode(chain: Chain, stack: PoolStack, asset: int, index: int, mode: str,
                    tx_timestamp: int | None = None) -> TxResult:
    """Put an oracle in a failure mode: "ok", "revert", "short", "bad_word" or "invalid"."""
    if mode not in ORACLE_MODES:
        raise ValueError(f"mode={mode!r}: expected one of {sorted(ORACLE_MODES)}")
    return chain.transact(stack.oracle(asset, index), "setMode", [ORACLE_MODES[mode]], timestamp=tx_timestamp)


def perform_update(chain: Chain, stack: PoolStack, timestamp: int, *, prices: Sequence[int] | None = None,
                   oracle_timestamp: int | None = None, sender: str | None = None) -> UpdateResult:
    """``runner.performUpdate(pool)`` in a new block at `timestamp`.

    With `prices`, the primaries are first set to (prices[i], oracle_timestamp or timestamp) in the same
    transaction (ProductionDriver.setPricesAndUpdate; UpdatePerformed's caller is then the driver).
    A revert raises ContractRevert (nothing mined).
    """
    if prices is None:
        tx = chain.transact(stack.runner, "performUpdate", [stack.pool.address], timestamp=timestamp, sender=sender)
        return UpdateResult(tx, decode_events(stack, tx))
    ups = _primary_updates(stack.n, prices, timestamp if oracle_timestamp is None else oracle_timestamp)
    keys = sorted(ups)
    tx = chain.transact(
        stack.driver, "setPricesAndUpdate",
        [stack.runner.address, stack.pool.address, [stack.oracle(a, k).address for a, k in keys],
         [ups[k][0] for k in keys], [ups[k][1] for k in keys]],
        timestamp=timestamp, sender=sender,
    )
    return UpdateResult(tx, decode_events(stack, tx))


def set_weights_manually(chain: Chain, stack: PoolStack, weights_and_multipliers: Sequence[int], last_interp: int,
                         n: int | None = None, *, tx_timestamp: int | None = None,
                         sender: str | None = None) -> UpdateResult:
    """runner.setWeightsManually([w.., m..], pool, lastInterp, n) (sender defaults to the runner admin)."""
    tx = chain.transact(stack.runner, "setWeightsManually",
                        [list(weights_and_multipliers), stack.pool.address, last_interp, stack.n if n is None else n],
                        timestamp=tx_timestamp, sender=sender or stack.addresses.admin)
    return UpdateResult(tx, decode_events(stack, tx))


def set_target_weights_manually(chain: Chain, stack: PoolStack, targets: Sequence[int], interval: int,
                                n: int | None = None, *, tx_timestamp: int | None = None,
                                sender: str | None = None) -> UpdateResult:
    """runner.setTargetWeightsManually(targets, pool, interval, n): interpolate from the current weights."""
    tx = chain.transact(stack.runner, "setTargetWeightsManually",
                        [list(targets), stack.pool.address, interval, stack.n if n is None else n],
                        timestamp=tx_timestamp, sender=sender or stack.addresses.admin)
    return UpdateResult(tx, decode_events(stack, tx))


def set_intermediate_values_manually(chain: Chain, stack: PoolStack, moving_averages: Sequence[int],
                                     initial_values: Sequence[int], n: int | None = None, *,
                                     tx_timestamp: int | None = None, sender: str | None = None) -> UpdateResult:
    """runner.setIntermediateValuesManually(pool, MAs, initial values, n): re-initialise the rule state."""
    tx = chain.transact(stack.runner, "setIntermediateValuesManually",
                        [stack.pool.address, list(moving_averages), list(initial_values), stack.n if n is None else n],
                        timestamp=tx_timestamp, sender=sender or stack.addresses.admin)
    return UpdateResult(tx, decode_events(stack, tx))


def initialise_pool_last_run_time(chain: Chain, stack: PoolStack, time: int, *, tx_timestamp: int | None = None,
                                  sender: str | None = None) -> UpdateResult:
    """runner.InitialisePoolLastRunTime(pool, time)."""
    tx = chain.transact(stack.runner, "InitialisePoolLastRunTime", [stack.pool.address, time],
                        timestamp=tx_timestamp, sender=sender or stack.addresses.admin)
    return UpdateResult(tx, decode_events(stack, tx))


def read_dynamic_data(chain: Chain, stack: PoolStack) -> tuple:
    """The pool's getQuantAMMWeightedPoolDynamicData() struct as a tuple (the runner reads it after setWeights)."""
    return chain.call(stack.pool, "getQuantAMMWeightedPoolDynamicData")


def pool_state_of(dynamic_data: tuple, n: int) -> dict:
    """Stored W and M (18 dec, multiples of 1e9), the two times and the raw words, from the dynamic data."""
    from parity.fixedpoint.production import field_layout, words_of_fields

    first, second, last_update, last_interp = dynamic_data[6:10]
    words = (list(first), list(second))
    values = [words[w][k] for w, k in field_layout(n)]
    word_a, word_b = words_of_fields(words[0]), words_of_fields(words[1])
    return {"weights": values[:n], "multipliers": values[n:], "last_update": last_update, "last_interp": last_interp,
            "word_a": word_a, "word_b": word_b, "times": last_update | (last_interp << 40)}


def read_pool(chain: Chain, stack: PoolStack) -> dict:
    """Stored W and M (18 dec, multiples of 1e9) and the two times (V1's getQuantAMMWeightedPoolDynamicData)."""
    state = pool_state_of(read_dynamic_data(chain, stack), stack.n)
    return {k: state[k] for k in ("weights", "multipliers", "last_update", "last_interp")}


def read_words(chain: Chain, stack: PoolStack) -> dict:
    """The pool's two weight words and its times slot, rebuilt from the dynamic data's fields."""
    state = pool_state_of(read_dynamic_data(chain, stack), stack.n)
    return {k: state[k] for k in ("word_a", "word_b", "times")}


def read_runner(chain: Chain, stack: PoolStack) -> dict:
    """The runner's lastPoolUpdateRun (poolRuleSettings) and approvedPoolActions for the pool."""
    timing, _, _, _ = chain.call(stack.runner, "poolRuleSettings", [stack.pool.address])
    return {"last_pool_update_run": timing[0],
            "approved_actions": chain.call(stack.runner, "approvedPoolActions", [stack.pool.address])}


def sample_weights(chain: Chain, stack: PoolStack, t: int) -> list[int]:
    """getNormalizedWeights() at second `t` (mines one block at t; see the module docstring)."""
    return list(chain.transact(stack.driver, "sample", [stack.pool.address], timestamp=t).return_value)


def current_weights(chain: Chain, stack: PoolStack) -> list[int]:
    """getNormalizedWeights() at the latest block's timestamp (an eth_call)."""
    return list(chain.call(stack.pool, "getNormalizedWeights"))


__all__ = [
    "DEFAULT_ACTIONS", "MASK_ADMIN_OVERRIDES", "MASK_GET_DATA", "MASK_PERFORM_UPDATE",
    "MASK_POOL_OWNER_OVERRIDES", "MASK_RULE_SETS_WEIGHTS", "ORACLE_MODES", "PoolStack", "StackAddresses", "StackConfig",
    "UpdateResult", "config_from_dict", "config_to_dict", "creation_params", "current_weights", "decode_events",
    "deploy_pool_stack", "new_pool_params", "pool_state_of", "stack_artifacts",
    "initialise_pool_last_run_time", "make_config", "perform_update", "pool_settings", "read_dynamic_data",
    "read_pool", "read_runner", "read_words", "sample_weights", "set_intermediate_values_manually",
    "set_oracle_mode", "set_oracles", "set_prices", "set_target_weights_manually",
    "set_weights_manually",
]
