"""Exact integer model of the production loop as V1 runs it: UpdateWeightRunner, the weight side of
QuantAMMWeightedPool, the vault stand-in and the MockOracles, around one rule model (docs/production-loop.md).

:class:`ProductionModel` mirrors one stack deployed by ``parity.chain.production.deploy_pool_stack`` and
offers the same calls as that module (``perform_update``, ``set_prices``, ``read_pool``, ``sample_weights``,
the break-glass setters, registration, the admin setters and the views). Every call takes the block
timestamp ``now`` of the transaction it mirrors where time matters. A revert raises :class:`Revert` with the
chain's canonical reason and leaves the whole model unchanged (one transaction = one deep-copied state).
Events come back as (emitter role, event name, args) in log order, with checksum addresses, exactly as
``parity.chain.production.decode_events`` returns them.

Addresses other than the modelled contracts are treated as accounts without code: a call that needs code
there reverts with empty data, as on the chain.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from functools import lru_cache

from eth_utils import to_checksum_address

from .errors import Revert
from .production_calls import RunnerCalls
from .production_state import (  # noqa: F401  (re-exported: the public names of the model)
    ETH_ORACLE, INT32_MAX, INT32_MIN, INT40_MAX, INT216_MAX, INT216_MIN, MAX_MANUAL_WEIGHT, MIN_MANUAL_WEIGHT,
    ORACLE_MODES, PRECISION, UINT40_MAX, ZERO_ADDRESS, ModelTx, OracleModel, PoolModel, Registration, RunnerModel,
    Settings, VaultModel, check_uint, field_layout, field_value, int_cast, last_interpolation_time,
    multipliers_and_last_interp, pack_words, rail_time, read_field, uint256_sub, words_of_fields,
)
from .rules import make_model


@lru_cache(maxsize=1024)
def _cs(address: str) -> str:
    return to_checksum_address(address)


class ProductionModel(RunnerCalls):
    """Runner + pool + vault + oracles + rule of one stack, in exact integers (see the module docstring)."""

    def __init__(self, config, addresses, *, deployment_time: int | None = None, compiler_profile: str = "legacy"):
        """`config` and `addresses` are a StackConfig and StackAddresses (or objects with the same fields);
        `deployment_time`: the pool's deployment block time (getWithinFixWindow)."""
        self.config = config
        self.a = addresses
        self.runner_address = _cs(addresses.runner)
        self.pool_address = _cs(addresses.pool)
        self.rule_address = _cs(addresses.rule)
        self.driver_address = _cs(addresses.driver)
        self.vault_address = _cs(getattr(addresses, "vault", ZERO_ADDRESS))
        self.admin = _cs(addresses.admin)
        self.oracle_addresses = [[_cs(o) for o in per] for per in addresses.oracles]
        self.n = config.n
        self.rule = make_model(config.rule, self.runner_address, compiler_profile=compiler_profile)
        self.runner = RunnerModel(admin=self.admin, eth_oracle=_cs(getattr(addresses, "eth_oracle", None) or ETH_ORACLE))
        self.pool = PoolModel(n=config.n, runner=self.runner_address, deployment_time=deployment_time,
                              registry=getattr(config, "pool_registry", 0))
        self.vault = VaultModel(n=config.n)
        self.oracles = {o: OracleModel() for per in self.oracle_addresses for o in per}
        self.passive_rules: set = set()  # other rule contracts whose initialisation keeps no modelled state
        # True: a reverted transaction leaves the model as it was (as the chain does). A caller that stops
        # using the model at its first revert (the pool-level lockstep) sets False and skips the snapshot.
        self.rollback = True

    # ---- set-up, mirroring deploy_pool_stack -------------------------------------------------------
    @classmethod
    def from_stack(cls, stack, *, register: bool = True, compiler_profile: str = "legacy") -> "ProductionModel":
        """The model of a stack deployed by deploy_pool_stack, set up the same way (same timestamps)."""
        deployed = dict(getattr(stack, "setup_timestamps", []) or [])
        return cls.deployed(stack.config, stack.addresses, register=register, deployment_time=deployed.get("deploy pool"),
                            compiler_profile=compiler_profile)

    @classmethod
    def deployed(cls, config, addresses, *, register: bool = True, deployment_time: int | None = None,
                 compiler_profile: str = "legacy") -> "ProductionModel":
        """A fresh model after deploy_pool_stack's sequence (V1 order): the oracles approved and priced,
        then (register) the pool's initialize and setApprovedActionsForPool."""
        m = cls(config, addresses, deployment_time=deployment_time, compiler_profile=compiler_profile)
        for per in m.oracle_addresses:
            for o in per:
                m.add_oracle(o, sender=m.admin)
        m.set_oracles({(i, k): (config.oracle_prices_wei[i], config.timestamp)
                       for i, per in enumerate(m.oracle_addresses) for k in range(len(per))})
        if register:
            m.initialize(now=config.timestamp)
            m.set_approved_actions(m.pool_address, config.actions, sender=m.admin, now=config.timestamp + 1)
        return m

    def _tx(self, body):
        if not self.rollback:  # the caller never reads the model after a revert (see `rollback`)
            return body()
        saved = copy.deepcopy((self.rule, self.runner, self.pool, self.oracles))
        try:
            return body()
        except Revert:
            self.rule, self.runner, self.pool, self.oracles = saved
            raise

    def settings(self, **changes) -> Settings:
        """The PoolSettings of this stack's config and addresses, with `changes` applied."""
        c = self.config
        base = Settings(rule=self.rule_address, oracles=[list(per) for per in self.oracle_addresses],
                        interval=c.update_interval_s, lambda_store=list(c.lambda_store), epsilon_max=c.epsilon_max,
                        guard_rail=c.guard_rail, max_trade_size_ratio=getattr(c, "max_trade_size_ratio", 0),
                        parameters=[list(r) for r in c.parameters], pool_manager=_cs(self.a.pool_manager))
        changes = {k: ([[_cs(o) for o in per] for per in v] if k == "oracles" else _cs(v) if k in ("rule", "pool_manager")
                       else v) for k, v in changes.items()}
        return replace(base, **changes)

    # ---- oracles --------------------------------------------------------------------------------------
    def set_oracles(self, updates: dict) -> None:
        """``{(asset, index): (value, timestamp)}`` as set_oracles on the chain (int216 / uint40 values)."""
        for (a, k), (v, t) in updates.items():
            if not INT216_MIN <= v <= INT216_MAX or not 0 <= t <= UINT40_MAX:
                raise ValueError(f"oracle ({a}, {k}): value {v} must fit int216 and timestamp {t} uint40")
        for (a, k), (v, t) in updates.items():
            o = self.oracles[self.oracle_addresses[a][k]]
            o.value, o.timestamp = v, t

    def set_prices(self, prices_wei, oracle_timestamp: int) -> None:
        """Every primary oracle to (prices_wei[i], oracle_timestamp)."""
        if len(prices_wei) != self.n:
            raise ValueError(f"prices_wei: got {len(prices_wei)} prices, need n={self.n}")
        self.set_oracles({(i, 0): (p, oracle_timestamp) for i, p in enumerate(prices_wei)})

    def set_oracle_mode(self, asset: int, index: int, mode: str) -> None:
        if mode not in ORACLE_MODES:
            raise ValueError(f"mode={mode!r}: expected one of {ORACLE_MODES}")
        self.oracles[self.oracle_addresses[asset][index]].mode = mode

    # ---- reads -------------------------------------------------------------------------------------
    def read_pool(self) -> dict:
        """Stored W, M and the two times (as parity.chain.production.read_pool)."""
        w, m = self.pool.weights_and_multipliers()
        return {"weights": w, "multipliers": m, "last_update": self.pool.last_update,
                "last_interp": self.pool.last_interp}

    def read_words(self) -> dict:
        return {"word_a": self.pool.word_a, "word_b": self.pool.word_b, "times": self.pool.times_word()}

    def read_dynamic_data(self) -> tuple:
        """getQuantAMMWeightedPoolDynamicData() as the chain decodes it (six fields from the vault)."""
        first, second = self.pool.dynamic_data_words()
        return (*self.vault.dynamic_fields(), first, second, self.pool.last_update, self.pool.last_interp)

    def read_immutable_data(self) -> tuple:
        """getQuantAMMWeightedPoolImmutableData() as the chain decodes it."""
        p = self.pool
        return (self.vault.tokens(), p.threshold, p.registry, [list(r) for r in p.parameters], list(p.lambda_store),
                p.epsilon_max, p.guard_rail, p.interval, p.max_trade_size_ratio)

    def read_runner(self) -> dict:
        return {"last_pool_update_run": self.runner.last_run(self.pool_address),
                "approved_actions": self.runner.actions.get(self.pool_address, 0)}

    def sample_weights(self, t: int) -> list[int]:
        """getNormalizedWeights() at second t."""
        return self.pool.normalized_weights(t)

    def rule_state(self) -> dict:
        """The rule's state getters for the pool (moving averages and the rule's own state)."""
        out = {"moving_averages": self.rule.get_moving_averages(self.pool_address, self.n)}
        for name, getter in (("gradient", "get_intermediate_gradient_state"),
                             ("variance", "get_intermediate_variance_state")):
            try:
                out[name] = getattr(self.rule, getter)(self.pool_address, self.n)
            except NotImplementedError:
                pass
        return out


__all__ = ["ModelTx", "OracleModel", "PoolModel", "ProductionModel", "Registration", "RunnerModel", "Settings",
           "VaultModel", "field_layout", "last_interpolation_time", "multipliers_and_last_interp", "pack_words",
           "rail_time", "read_field", "words_of_fields"]
