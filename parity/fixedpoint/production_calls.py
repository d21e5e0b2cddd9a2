"""The calls of the production-loop model (parity.fixedpoint.production.ProductionModel), one method per V1
function of the runner and the pool, in V1's order of checks (docs/production-loop.md). A mixin: the state
(runner, pool, vault, oracles, rule) lives on the model."""

from __future__ import annotations

from functools import lru_cache

from eth_utils import to_checksum_address

from .errors import Revert
from .int256 import wrap
from .production_state import (
    MASK_ADMIN, MASK_GET_DATA, MASK_OWNER, MASK_PERFORM_UPDATE, MASK_RULE_SETS, MAX_MANUAL_WEIGHT, MIN_MANUAL_WEIGHT,
    NO_PERMISSION_INTERMEDIATE, NO_PERMISSION_LAST_RUN, NO_PERMISSION_WEIGHTS, ZERO_ADDRESS, ModelTx, OracleModel,
    Registration, Settings, check_uint, int_cast, last_interpolation_time, rail_time, uint256_sub,
)

ONE_E18 = 10**18


@lru_cache(maxsize=1024)
def _cs(address: str) -> str:
    return to_checksum_address(address)


class RegistrationCalls:
    """Oracle approval, registration (the pool's initialize, setRuleForPool, the admin's override) and the
    runner's admin setters."""

    def _only_admin(self, sender: str) -> None:
        if _cs(sender) != self.admin:
            raise Revert("ONLYADMIN")

    def add_oracle(self, oracle: str, *, sender: str) -> ModelTx:
        def body():
            if _cs(oracle) == _cs(ZERO_ADDRESS):
                raise Revert("Invalid oracle address")
            self._only_admin(sender)
            if _cs(oracle) in self.runner.approved_oracles:
                raise Revert("Oracle already added")
            self.runner.approved_oracles.add(_cs(oracle))
            return ModelTx([("runner", "OracleAdded", {"oracleAddress": _cs(oracle)})])

        return self._tx(body)

    def remove_oracle(self, oracle: str, *, sender: str) -> ModelTx:
        def body():
            self._only_admin(sender)
            self.runner.approved_oracles.discard(_cs(oracle))
            return ModelTx([("runner", "OracleRemved", {"oracleAddress": _cs(oracle)})])

        return self._tx(body)

    def set_approved_actions(self, pool: str, actions: int, *, sender: str, now: int | None = None) -> ModelTx:
        def body():
            self._only_admin(sender)
            if self.runner.actions.get(_cs(pool), 0) == actions:
                raise Revert("DUPEACTION")
            self.runner.actions[_cs(pool)] = actions
            return ModelTx([("runner", "SetApprovedActionsForPool",
                             {"caller": _cs(sender), "pool": _cs(pool), "actions": actions})])

        return self._tx(body)

    def set_eth_oracle(self, oracle: str, *, sender: str) -> ModelTx:
        def body():
            self._only_admin(sender)
            if _cs(oracle) == _cs(ZERO_ADDRESS):
                raise Revert("INVETHUSDORACLE")
            self.runner.eth_oracle = _cs(oracle)
            return ModelTx([("runner", "ETHUSDOracleSet", {"ethUsdOracle": _cs(oracle)})])

        return self._tx(body)

    def set_fee_take(self, value: int, *, sender: str, uplift: bool = False) -> ModelTx:
        """setQuantAMMSwapFeeTake, or (uplift) setQuantAMMUpliftFeeTake: both write the one fee take."""
        def body():
            self._only_admin(sender)
            if value > ONE_E18:
                raise Revert(f"{'Uplift' if uplift else 'Swap'} fee must be less than 100%")
            old, self.runner.swap_fee_take = self.runner.swap_fee_take, value
            name = "UpliftFeeTakeSet" if uplift else "SwapFeeTakeSet"
            return ModelTx([("runner", name, {"oldSwapFee": old, "newSwapFee": value})])

        return self._tx(body)

    def initialize(self, *, now: int, sender: str | None = None, settings: Settings | None = None,
                   initial_weights=None, moving_averages=None, initial_values=None, staleness=None) -> ModelTx:
        """pool.initialize(CreationNewPoolParams): the config's values unless given."""
        c = self.config
        sender = _cs(sender or self.a.deployer)
        settings = settings or self.settings()
        weights = list(c.initial_weights_wei if initial_weights is None else initial_weights)
        mas = list(c.moving_averages_wei if moving_averages is None else moving_averages)
        init = list(c.initial_values_wei if initial_values is None else initial_values)
        staleness = c.staleness_threshold if staleness is None else staleness

        def body():
            p = self.pool
            if p.initialized:
                raise Revert("InvalidInitialization")
            p.initialized, p.threshold, p.interval = True, staleness, settings.interval
            p.lambda_store, p.parameters = list(settings.lambda_store), [list(r) for r in settings.parameters]
            p.epsilon_max, p.guard_rail, p.max_trade_size_ratio = (settings.epsilon_max, settings.guard_rail,
                                                                   settings.max_trade_size_ratio)
            if settings.rule in self.passive_rules:
                pass  # a rule contract whose initialisation keeps no modelled state (a test double)
            elif settings.rule != self.rule_address:
                raise Revert("")  # a rule without code
            else:
                self.rule.initialise(self.pool_address, mas, init, len(weights), sender=self.pool_address)
            self._set_rule_for_pool(settings, self.pool_address)
            return ModelTx(self._initial_weights(weights, now) + [
                ("pool", "PoolRuleSet", _pool_rule_set_args(settings, sender)),
                ("pool", "Initialized", {"version": 1})])

        return self._tx(body)

    def _initial_weights(self, weights: list[int], now: int) -> list:
        p = self.pool
        if p.word_a != 0:
            raise Revert("init")
        values = weights + [0] * len(weights)
        p.store(values, now, now % 2**40, len(weights))
        return [("pool", "WeightsUpdated", {"poolAddress": self.pool_address, "calculatedWeightsAndMultipliers": values,
                                            "lastInterpolationTimePossible": now % 2**40, "lastUpdateTime": now % 2**40})]

    def set_rule_for_pool(self, settings: Settings, *, sender: str) -> ModelTx:
        """runner.setRuleForPool called directly: registers `sender` as a pool."""
        return self._tx(lambda: (self._set_rule_for_pool(settings, _cs(sender)), ModelTx([]))[1])

    def set_rule_for_pool_admin_initialise(self, settings: Settings, pool: str, *, sender: str, now: int) -> ModelTx:
        def body():
            self._only_admin(sender)
            if _cs(pool) == _cs(ZERO_ADDRESS):
                raise Revert("Invalid pool address")
            if _cs(pool) != self.pool_address:
                raise Revert("")  # getWithinFixWindow on an address without code
            if not self.pool.within_fix_window(now):
                raise Revert("Pool now immutable")
            self._set_rule_for_pool(settings, _cs(pool))
            return ModelTx([("runner", "PoolRuleSetAdminOverride",
                             {"admin": _cs(sender), "poolAddress": _cs(pool), "ruleAddress": settings.rule})])

        return self._tx(body)

    def _set_rule_for_pool(self, s: Settings, pool: str) -> None:
        r = self.runner
        reg = r.pools.get(pool)
        if reg is not None and reg.rule != _cs(ZERO_ADDRESS):
            raise Revert("Rule already set")
        if not s.oracles:
            raise Revert("Empty oracles array")
        if reg is not None and reg.oracles:
            raise Revert("pool rule already set")
        if s.interval <= 0:
            raise Revert("Update interval must be greater than 0")
        for per in s.oracles:
            if not per:
                raise Revert("Empty oracles array")
            for o in per:
                if o not in r.approved_oracles:
                    raise Revert("Not approved oracled used")
        r.pools[pool] = Registration(
            rule=s.rule, oracles=[list(per) for per in s.oracles], lambda_store=list(s.lambda_store),
            parameters=[list(row) for row in s.parameters], epsilon_max=s.epsilon_max, guard_rail=s.guard_rail,
            interval=s.interval, pool_manager=s.pool_manager, last_run=r.last_runs.pop(pool, 0))


def _pool_rule_set_args(s: Settings, creator: str) -> dict:
    return {"rule": s.rule, "poolOracles": [list(per) for per in s.oracles], "lambda": list(s.lambda_store),
            "ruleParameters": [list(r) for r in s.parameters], "epsilonMax": s.epsilon_max,
            "absoluteWeightGuardRail": s.guard_rail, "updateInterval": s.interval, "poolManager": s.pool_manager,
            "creatorAddress": creator}


class UpdateCalls:
    """Oracle data, performUpdate and the pool's setWeights as the runner drives it."""

    def _get_data(self, pool: str, now: int) -> list[int]:
        """The oracle values: primary if fresh (timestamp > now − threshold), else the first fresh backup."""
        if pool != self.pool_address:
            raise Revert("")  # getOracleStalenessThreshold on an address without code
        threshold = self.pool.threshold
        out = []
        for per in self.runner.pools[pool].oracles:
            value = None
            for o in per:
                if o not in self.runner.approved_oracles:
                    raise Revert("Oracle not approved")
                v, t = self.oracles[o].read() if o in self.oracles else OracleModel(has_code=False).read()
                if t > uint256_sub(now, threshold):
                    value = v
                    break
            if value is None:
                raise Revert("No fresh oracle values available")
            out.append(value)
        return out

    def get_data(self, pool: str, *, now: int) -> list[int]:
        """The runner's external getData(pool) view (needs mask 2)."""
        if not self.runner.actions.get(_cs(pool), 0) & MASK_GET_DATA:
            raise Revert("Not allowed to get data")
        if _cs(pool) not in self.runner.pools and _cs(pool) == self.pool_address:
            return []  # no oracles registered: the pool's threshold is read, then nothing
        return self._get_data(_cs(pool), now)

    def perform_update(self, now: int, *, prices=None, oracle_timestamp: int | None = None,
                       sender: str | None = None, pool: str | None = None) -> ModelTx:
        """performUpdate(pool) at block time `now`; with `prices` the driver sets the primaries first and
        is the caller (as parity.chain.production.perform_update). Returns the events."""
        caller = self.driver_address if prices is not None else _cs(sender or self.a.deployer)
        pool = _cs(pool or self.pool_address)

        def body():
            if prices is not None:
                self.set_prices(prices, now if oracle_timestamp is None else oracle_timestamp)
            return ModelTx(self._perform_update(pool, caller, now))

        return self._tx(body)

    def _perform_update(self, pool: str, caller: str, now: int) -> list:
        r = self.runner
        reg = r.pools.get(pool)
        if reg is None or reg.rule == _cs(ZERO_ADDRESS):
            raise Revert("Pool not registered")
        if uint256_sub(now, reg.last_run) < reg.interval:
            raise Revert("Update not allowed")
        if not r.actions.get(pool, 0) & MASK_PERFORM_UPDATE:
            raise Revert("Pool not approved to perform update")
        if pool != self.pool_address:
            raise Revert("")  # getNormalizedWeights on an address without code
        current = [wrap(w) for w in self.pool.normalized_weights(now)]
        data = self._get_data(pool, now)
        events = [("runner", "CalculateWeightsRequest", {
            "currentWeights": current, "data": data, "pool": pool, "ruleParameters": [list(p) for p in reg.parameters],
            "lambda": list(reg.lambda_store), "epsilonMax": reg.epsilon_max, "absoluteWeightGuardRail": reg.guard_rail})]
        if reg.rule != self.rule_address:
            raise Revert("")
        updated = self.rule.calculate_new_weights(current, data, pool, reg.parameters, reg.lambda_store,
                                                  reg.epsilon_max, reg.guard_rail, sender=self.runner_address)
        events.append(("runner", "CalculateWeightsResponse", {"updatedWeights": list(updated)}))
        reg.last_run = now % 2**40
        values, min_time = rail_time(current, updated, int_cast(reg.interval, 40), int_cast(reg.guard_rail, 64))
        events += self._set_weights_and_report(values, pool, last_interpolation_time(min_time, now), caller, now)
        events.append(("runner", "UpdatePerformed", {"caller": caller, "pool": pool}))
        return events

    def _pool_set_weights(self, values: list[int], pool: str, last_interp: int, now: int) -> list:
        """The pool's setWeights, called by the runner (the pool's runner): "WD" unless 2n values."""
        if pool != self.pool_address:
            raise Revert("")  # no code there
        if self.runner_address != self.pool.runner:
            raise Revert("XUR")
        if len(values) != 2 * self.n:
            raise Revert("WD")
        self.pool.store(values, now, last_interp)
        return [("pool", "WeightsUpdated", {"poolAddress": pool, "calculatedWeightsAndMultipliers": list(values),
                                            "lastInterpolationTimePossible": last_interp, "lastUpdateTime": now % 2**40})]

    def stored_f16(self) -> list[int]:
        """The two stored words in storage order [A0..A3, B0..B3, A4..A7, B4..B7] (the runner's event array)."""
        first, second = self.pool.dynamic_data_words()
        return first[:4] + second[:4] + first[4:] + second[4:]

    def _set_weights_and_report(self, values: list[int], pool: str, last_interp: int, owner: str, now: int) -> list:
        """pool.setWeights, then the runner's WeightsUpdated with the stored words."""
        events = self._pool_set_weights(values, pool, last_interp, now)
        events.append(("runner", "WeightsUpdated", {
            "poolAddress": pool, "updateOwner": owner, "weights": self.stored_f16(),
            "lastInterpolationTimePossible": last_interp, "lastUpdateTime": now % 2**40}))
        return events


class SetterCalls:
    """The break-glass setters and calculateMultiplierAndSetWeightsFromRule."""

    def _check_override(self, pool: str, sender: str, message: str) -> None:
        actions = self.runner.actions.get(pool, 0)
        if actions & MASK_OWNER:
            reg = self.runner.pools.get(pool)
            if _cs(sender) != (reg.pool_manager if reg is not None else _cs(ZERO_ADDRESS)):
                raise Revert("ONLYMANAGER")
        elif actions & MASK_ADMIN:
            if _cs(sender) != self.admin:
                raise Revert("ONLYADMIN")
        else:
            raise Revert(message)

    @staticmethod
    def _check_manual_weights(weights, n: int) -> None:
        for i in range(min(len(weights), n)):
            if weights[i] < MIN_MANUAL_WEIGHT:
                raise Revert("Below min allowed weight")
            if weights[i] > MAX_MANUAL_WEIGHT:
                raise Revert("Above max allowed weight")

    def _who(self, sender: str | None, pool: str | None, n: int | None) -> tuple[str, str, int]:
        return _cs(sender or self.admin), _cs(pool or self.pool_address), self.n if n is None else n

    def set_weights_manually(self, weights, last_interp: int, n: int | None = None, *, now: int,
                             sender: str | None = None, pool: str | None = None) -> ModelTx:
        """setWeightsManually: [w.., m..] stored as given (entries below n in [0.01, 0.99])."""
        sender, pool, n = self._who(sender, pool, n)
        check_uint("last_interp", last_interp, 40)

        def body():
            self._check_override(pool, sender, NO_PERMISSION_WEIGHTS)
            self._check_manual_weights(weights, n)
            events = self._pool_set_weights(list(weights), pool, last_interp, now)
            events.append(("runner", "SetWeightManual", {
                "caller": sender, "pool": pool, "weights": self.stored_f16(),
                "lastInterpolationTimePossible": last_interp, "lastUpdateTime": now % 2**40}))
            return ModelTx(events)

        return self._tx(body)

    def set_target_weights_manually(self, targets, interval: int, n: int | None = None, *, now: int,
                                    sender: str | None = None, pool: str | None = None) -> ModelTx:
        """setTargetWeightsManually: the runner's multipliers from the current weights over int40(interval) s."""
        sender, pool, n = self._who(sender, pool, n)
        check_uint("interval", interval, 40)

        def body():
            self._check_override(pool, sender, NO_PERMISSION_WEIGHTS)
            self._check_manual_weights(targets, n)
            if pool != self.pool_address:
                raise Revert("")  # getNormalizedWeights on an address without code
            current = [wrap(w) for w in self.pool.normalized_weights(now)]
            if len(targets) != len(current):
                raise Revert("Weights length mismatch")
            reg = self.runner.pools.get(pool)
            g = int_cast(reg.guard_rail if reg is not None else 0, 64)
            values, min_time = rail_time(current, list(targets), int_cast(interval, 40), g)
            events = self._set_weights_and_report(values, pool, last_interpolation_time(min_time, now), sender, now)
            events.append(("runner", "SetWeightManual", {
                "caller": sender, "pool": pool, "weights": self.stored_f16(),
                "lastInterpolationTimePossible": self.pool.last_interp, "lastUpdateTime": now % 2**40}))
            return ModelTx(events)

        return self._tx(body)

    def set_intermediate_values_manually(self, moving_averages, initial_values, n: int | None = None, *,
                                         sender: str | None = None, pool: str | None = None) -> ModelTx:
        sender, pool, n = self._who(sender, pool, n)

        def body():
            self._check_override(pool, sender, NO_PERMISSION_INTERMEDIATE)
            reg = self.runner.pools.get(pool)
            if reg is None or reg.rule != self.rule_address:
                raise Revert("")  # the rule of an unregistered pool is address 0
            self.rule.initialise(pool, list(moving_averages), list(initial_values), n, sender=self.runner_address)
            return ModelTx([("runner", "SetIntermediateValuesManually", {
                "caller": sender, "pool": pool, "newMovingAverages": list(moving_averages),
                "newParameters": list(initial_values), "numberOfAssets": n})])

        return self._tx(body)

    def initialise_pool_last_run_time(self, time: int, *, sender: str | None = None, pool: str | None = None) -> ModelTx:
        sender, pool, _ = self._who(sender, pool, None)
        check_uint("time", time, 40)

        def body():
            self._check_override(pool, sender, NO_PERMISSION_LAST_RUN)
            reg = self.runner.pools.get(pool)
            if reg is not None:
                reg.last_run = time
            else:
                self.runner.last_runs[pool] = time
            return ModelTx([("runner", "PoolLastRunSet", {"poolAddress": pool, "time": time})])

        return self._tx(body)

    def calculate_multiplier_and_set_weights_from_rule(self, current, updated, interval: int, guard_rail: int,
                                                       pool: str, *, sender: str, now: int) -> ModelTx:
        """The rule's direct route: §7.3 on the values as passed (no casts), then setWeights and the event."""
        pool, sender = _cs(pool), _cs(sender)

        def body():
            reg = self.runner.pools.get(pool)
            if sender != (reg.rule if reg is not None else _cs(ZERO_ADDRESS)):
                raise Revert("ONLYRULECANSETWEIGHTS")
            if not self.runner.actions.get(pool, 0) & MASK_RULE_SETS:
                raise Revert("FUNCTIONNOTAPPROVEDFORPOOL")
            values, min_time = rail_time(list(current), list(updated), interval, guard_rail)
            return ModelTx(self._set_weights_and_report(values, pool, last_interpolation_time(min_time, now), sender, now))

        return self._tx(body)


class PoolViews:
    """The pool's and the runner's views that can revert or depend on time."""

    def pool_lambda(self, i: int) -> int:
        if i >= len(self.pool.lambda_store):
            raise Revert("")  # a compiler-generated getter out of range
        return self.pool.lambda_store[i]

    def pool_rule_parameters(self, i: int, j: int) -> int:
        params = self.pool.parameters
        if i >= len(params) or j >= len(params[i]):
            raise Revert("")
        return params[i][j]

    def within_fix_window(self, now: int) -> bool:
        return self.pool.within_fix_window(now)

    @staticmethod
    def get_rate():
        raise Revert("WeightedPoolBptRateUnsupported")

    def pool_rule_settings(self, pool: str | None = None) -> tuple:
        """getPoolRuleSettings(pool): (lambda, (lastPoolUpdateRun, updateInterval), ε, g, parameters, manager)."""
        pool = _cs(pool or self.pool_address)
        reg = self.runner.pools.get(pool)
        if reg is None:
            return [], (self.runner.last_runs.get(pool, 0), 0), 0, 0, [], _cs(ZERO_ADDRESS)
        return (list(reg.lambda_store), (reg.last_run, reg.interval), reg.epsilon_max, reg.guard_rail,
                [list(r) for r in reg.parameters], reg.pool_manager)


class RunnerCalls(RegistrationCalls, UpdateCalls, SetterCalls, PoolViews):
    """Every modelled call of the runner and the pool."""
