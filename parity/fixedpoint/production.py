"""Exact integer model of the production loop: UpdateWeightRunner, the weight side of the pool and the
MockOracles, around one rule model (docs/production-loop.md).

:class:`ProductionModel` mirrors one stack deployed by ``parity.chain.production.deploy_pool_stack`` and
offers the same calls as that module (``perform_update``, ``set_prices``, ``read_pool``, ``sample_weights``,
the break-glass setters...). Every call takes the block timestamp ``now`` of the transaction it mirrors.
A revert raises :class:`Revert` with the chain's canonical reason and leaves the whole model unchanged
(one transaction = one deep-copied state). Events come back as (emitter role, event name, args) in log
order, with checksum addresses, exactly as ``parity.chain.production.decode_events`` returns them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache

from eth_utils import to_checksum_address

from .errors import PANIC_OVERFLOW, Revert
from .int256 import INT256_MAX, UINT256_MAX, at, checked, neg, sub, tdiv, wrap
from .rules import make_model
from .sd59x18 import ONE

PRECISION = 10**9
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT216_MIN, INT216_MAX = -(2**215), 2**215 - 1
UINT40_MAX = 2**40 - 1
INT40_MAX = 2**39 - 1
MIN_MANUAL_WEIGHT, MAX_MANUAL_WEIGHT = 10**16, 99 * 10**16
ORACLE_MODES = ("ok", "revert", "short", "bad_word", "invalid")


def uint256_sub(a: int, b: int) -> int:
    """Checked uint256 ``a − b`` (Panic 0x11 below zero)."""
    if b > a:
        raise Revert(PANIC_OVERFLOW)
    return a - b


def check_uint(field_name: str, value: int, bits: int) -> int:
    """ABI check of a uintN argument: ValueError naming the field if `value` is not an int in [0, 2^bits)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
        raise ValueError(f"{field_name}={value!r}: must be an integer in [0, 2^{bits}) (uint{bits})")
    return value


def int_cast(value: int, bits: int) -> int:
    """An unsigned value reinterpreted as a signed integer of `bits` bits (e.g. uint40 -> int40)."""
    return value - 2**bits if value >= 2 ** (bits - 1) else value


# ---- pool storage (docs/production-loop.md, "Pool storage") -----------------------------------------
def field_value(v: int) -> int:
    """The int32 stored for an 18-decimal value: tdiv(v, 1e9), "Overflow/Underflow" outside int32."""
    q = tdiv(v, PRECISION)
    if q < INT32_MIN or q > INT32_MAX:
        raise Revert("Overflow/Underflow")
    return q


def field_layout(n: int) -> list[tuple[int, int]]:
    """(word 0 = A / 1 = B, field k) of each entry of [w0..w_{n-1}, m0..m_{n-1}]."""
    if n <= 4:
        return [(0, k) for k in range(2 * n)]
    weights = [(0, i) for i in range(4)] + [(1, j) for j in range(n - 4)]
    multipliers = [(0, 4 + i) for i in range(4)] + [(1, n - 4 + j) for j in range(n - 4)]
    return weights + multipliers


def pack_words(values: list[int], n: int) -> tuple[int, int]:
    """Words A and B (uint256) for [w.., m..]: each value truncated to int32 in its field (field 0 highest)."""
    words = [0, 0]
    for v, (w, k) in zip(values, field_layout(n)):
        words[w] |= (field_value(v) & 0xFFFFFFFF) << (224 - 32 * k)
    return words[0], words[1]


def read_field(word: int, k: int) -> int:
    """Field k of a word, as the 18-decimal value q·1e9."""
    return int_cast((word >> (224 - 32 * k)) & 0xFFFFFFFF, 32) * PRECISION


@dataclass
class PoolModel:
    """QuantAMMWeightPool's storage: the two weight words, the two times, the staleness threshold."""

    n: int
    threshold: int
    word_a: int = 0
    word_b: int = 0
    last_update: int = 0
    last_interp: int = 0
    initialized: bool = False

    def store(self, values: list[int], now: int, last_interp: int) -> None:
        self.word_a, self.word_b = pack_words(values, self.n)
        self.last_update, self.last_interp = now % 2**40, last_interp

    def weights_and_multipliers(self) -> tuple[list[int], list[int]]:
        words = (self.word_a, self.word_b)
        vals = [read_field(words[w], k) for w, k in field_layout(self.n)]
        return vals[: self.n], vals[self.n:]

    def normalized_weights(self, now: int) -> list[int]:
        """getNormalizedWeights(): W + M·τ, τ = min(now, lastInterp) − lastUpdate mod 2^40 (checked uint256)."""
        end = min(now % 2**40, self.last_interp)
        tau = (end - self.last_update) % 2**40
        out = []
        for w, m in zip(*self.weights_and_multipliers()):
            base = w % 2**256
            v = base + m * tau if m > 0 else uint256_sub(base, -m * tau)
            if v > UINT256_MAX:
                raise Revert(PANIC_OVERFLOW)
            out.append(v)
        return out

    def dynamic_data_words(self) -> tuple[list[int], list[int]]:
        """firstFour/secondFourWeightsAndMultipliers: words A and B field by field."""
        return [read_field(self.word_a, k) for k in range(8)], [read_field(self.word_b, k) for k in range(8)]

    def times_word(self) -> int:
        return self.last_update | (self.last_interp << 40)


@dataclass
class OracleModel:
    """A MockOracle: (value, timestamp) and its mode; has_code=False models an address without code."""

    value: int = 0
    timestamp: int = 0
    mode: str = "ok"
    has_code: bool = True

    def read(self) -> tuple[int, int]:
        """What the runner gets: a revert inside getData() is (0, 0); malformed data reverts with empty data."""
        if not self.has_code or self.mode in ("short", "bad_word"):
            raise Revert("")
        if self.mode in ("revert", "invalid"):
            return 0, 0
        return self.value, self.timestamp


@dataclass
class RunnerModel:
    """UpdateWeightRunner's storage for the one modelled pool."""

    approved_oracles: set = field(default_factory=set)
    actions: dict = field(default_factory=dict)  # pool -> approvedPoolActions mask
    registered: bool = False
    oracles: list = field(default_factory=list)  # per asset [primary, backups...]
    lambda_store: list = field(default_factory=list)
    parameters: list = field(default_factory=list)
    epsilon_max: int = 0
    guard_rail: int = 0
    interval: int = 0
    pool_manager: str = "0x" + "00" * 20
    last_run: int = 0


@dataclass
class ModelTx:
    """One modelled transaction: its events (role, name, args) and return value."""

    events: list
    return_value: object = None


@lru_cache(maxsize=1024)
def _cs(address: str) -> str:
    return to_checksum_address(address)


class ProductionModel:
    """Runner + pool + oracles + rule of one stack, in exact integers (see the module docstring)."""

    def __init__(self, config, addresses):
        """`config` and `addresses` are a StackConfig and StackAddresses (or objects with the same fields)."""
        self.config = config
        self.a = addresses
        self.runner_address = _cs(addresses.runner)
        self.pool_address = _cs(addresses.pool)
        self.driver_address = _cs(addresses.driver)
        self.oracle_addresses = [[_cs(o) for o in per] for per in addresses.oracles]
        self.n = config.n
        self.rule = make_model(config.rule, self.runner_address)
        self.runner = RunnerModel()
        self.pool = PoolModel(n=config.n, threshold=config.staleness_threshold)
        self.oracles = {o: OracleModel() for per in self.oracle_addresses for o in per}
        # True: a reverted transaction leaves the model as it was (as the chain does). A caller that stops
        # using the model at its first revert (the pool-level lockstep) sets False and skips the snapshot.
        self.rollback = True

    # ---- set-up, mirroring deploy_pool_stack -------------------------------------------------------
    @classmethod
    def from_stack(cls, stack) -> "ProductionModel":
        """The model of a stack deployed by deploy_pool_stack, set up the same way (same timestamps)."""
        return cls.deployed(stack.config, stack.addresses)

    @classmethod
    def deployed(cls, config, addresses) -> "ProductionModel":
        """A fresh model after deploy_pool_stack's registration sequence (V1 order)."""
        m = cls(config, addresses)
        for per in m.oracle_addresses:
            for o in per:
                m.add_oracle(o, sender=m.a.admin)
        m.set_oracles({(i, k): (config.oracle_prices_wei[i], config.timestamp)
                       for i, per in enumerate(m.oracle_addresses) for k in range(len(per))})
        m.initialize(now=config.timestamp)
        m.set_approved_actions(m.pool_address, config.actions, sender=m.a.admin)
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

    def initialize(self, *, now: int) -> None:
        """pool.initialize: rule initialisation, runner.setRuleForPool (sender = pool), initial weights."""
        c = self.config

        def body():
            if self.pool.initialized:
                raise Revert("Already initialized")
            if len(c.initial_weights_wei) != self.n:
                raise Revert("Initial weights length")
            self.pool.initialized = True
            self.rule.initialise(self.pool_address, list(c.moving_averages_wei), list(c.initial_values_wei),
                                 self.n, sender=self.pool_address)
            self._set_rule_for_pool()
            self.pool.store(list(c.initial_weights_wei) + [0] * self.n, now, now % 2**40)

        self._tx(body)

    def _set_rule_for_pool(self) -> None:
        r, c = self.runner, self.config
        if r.registered:
            raise Revert("Rule already set")
        if not self.oracle_addresses:
            raise Revert("Empty oracles array")
        for per in self.oracle_addresses:
            if not per:
                raise Revert("Empty oracle list")
            for o in per:
                if o not in r.approved_oracles:
                    raise Revert("Not approved oracle used")
        r.registered = True
        r.oracles = [list(per) for per in self.oracle_addresses]
        r.lambda_store = list(c.lambda_store)
        r.parameters = [list(row) for row in c.parameters]
        r.epsilon_max, r.guard_rail, r.interval = c.epsilon_max, c.guard_rail, c.update_interval_s
        r.pool_manager = _cs(self.a.pool_manager)

    def add_oracle(self, oracle: str, *, sender: str) -> ModelTx:
        def body():
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
            return ModelTx([("runner", "OracleRemoved", {"oracleAddress": _cs(oracle)})])

        return self._tx(body)

    def set_approved_actions(self, pool: str, actions: int, *, sender: str) -> ModelTx:
        def body():
            self._only_admin(sender)
            if self.runner.actions.get(_cs(pool), 0) == actions:
                raise Revert("DUPEACTION")
            self.runner.actions[_cs(pool)] = actions
            return ModelTx([("runner", "SetApprovedActionsForPool",
                             {"caller": _cs(sender), "pool": _cs(pool), "actions": actions})])

        return self._tx(body)

    def _only_admin(self, sender: str) -> None:
        if _cs(sender) != _cs(self.a.admin):
            raise Revert("ONLYADMIN")

    # ---- oracles and the pool's threshold ---------------------------------------------------------
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

    def set_staleness_threshold(self, threshold: int, *, sender: str | None = None) -> None:
        if _cs(sender or self.a.deployer) != _cs(self.a.deployer):
            raise Revert("ONLYDEPLOYER")
        self.pool.threshold = threshold

    def _get_data(self, now: int) -> list[int]:
        """The oracle values: primary if fresh (timestamp > now − threshold), else the first fresh backup."""
        threshold = self.pool.threshold
        out = []
        for per in self.runner.oracles:
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
        if not self.runner.actions.get(_cs(pool), 0) & 2:
            raise Revert("Not allowed to get data")
        return self._get_data(now)

    # ---- the update -------------------------------------------------------------------------------
    def perform_update(self, now: int, *, prices=None, oracle_timestamp: int | None = None, oracles=None,
                       sender: str | None = None, pool: str | None = None) -> ModelTx:
        """performUpdate(pool) at block time `now`; with `prices` the driver sets the primaries first, with
        `oracles` ({(asset, index): (value, timestamp)}) it sets those oracles first, and is the caller (as
        parity.chain.production.perform_update). Returns the events."""
        driven = prices is not None or oracles is not None
        caller = self.driver_address if driven else _cs(sender or self.a.deployer)
        pool = _cs(pool or self.pool_address)

        def body():
            if oracles is not None:
                self.set_oracles(oracles)
            elif prices is not None:
                self.set_prices(prices, now if oracle_timestamp is None else oracle_timestamp)
            return ModelTx(self._perform_update(pool, caller, now))

        return self._tx(body)

    def _perform_update(self, pool: str, caller: str, now: int) -> list:
        r = self.runner
        if pool != self.pool_address or not r.registered:
            raise Revert("Pool not registered")
        if uint256_sub(now, r.last_run) < r.interval:
            raise Revert("Update not allowed")
        if not r.actions.get(pool, 0) & 1:
            raise Revert("Pool not approved to perform update")
        current = [wrap(w) for w in self.pool.normalized_weights(now)]
        data = self._get_data(now)
        events = [("runner", "CalculateWeightsRequest", {
            "currentWeights": current, "data": data, "pool": pool, "ruleParameters": [list(p) for p in r.parameters],
            "lambda": list(r.lambda_store), "epsilonMax": r.epsilon_max, "absoluteWeightGuardRail": r.guard_rail})]
        updated = self.rule.calculate_new_weights(current, data, pool, r.parameters, r.lambda_store,
                                                  r.epsilon_max, r.guard_rail, sender=self.runner_address)
        events.append(("runner", "CalculateWeightsResponse", {"updatedWeights": list(updated)}))
        r.last_run = now % 2**40
        events += self._multipliers_and_set_weights(current, updated, r.interval, r.guard_rail, caller, now)
        events.append(("runner", "UpdatePerformed", {"caller": caller, "pool": pool}))
        return events

    def _multipliers_and_set_weights(self, current, updated, interval, guard_rail, caller, now) -> list:
        values, last_interp = multipliers_and_last_interp(current, updated, interval, guard_rail, now)
        return self._set_weights(values, last_interp, caller, now)

    def _set_weights(self, values: list[int], last_interp: int, owner: str, now: int) -> list:
        """pool.setWeights from the runner, then the runner's WeightsUpdated in storage order."""
        if len(values) != 2 * self.n:
            raise Revert("WD")
        self.pool.store(values, now, last_interp)
        first, second = self.pool.dynamic_data_words()
        stored = first[:4] + second[:4] + first[4:] + second[4:]
        return [
            ("pool", "WeightsUpdated", {"poolAddress": self.pool_address,
                                        "calculatedWeightsAndMultipliers": list(values),
                                        "lastInterpolationTimePossible": last_interp, "lastUpdateTime": now % 2**40}),
            ("runner", "WeightsUpdated", {"poolAddress": self.pool_address, "updateOwner": owner, "weights": stored,
                                          "lastInterpolationTimePossible": last_interp, "lastUpdateTime": now % 2**40}),
        ]

    # ---- break-glass setters -----------------------------------------------------------------------
    def _check_override(self, pool: str, sender: str) -> None:
        actions = self.runner.actions.get(_cs(pool), 0)
        if actions & 8:
            if _cs(sender) != self.runner.pool_manager:
                raise Revert("ONLYMANAGER")
        elif actions & 16:
            if _cs(sender) != _cs(self.a.admin):
                raise Revert("ONLYADMIN")
        else:
            raise Revert("No permission to set weight values")

    def _admin_or(self, sender: str | None) -> str:
        return _cs(sender or self.a.admin)

    @staticmethod
    def _check_manual_weights(weights, n: int) -> None:
        for i in range(n):
            if not MIN_MANUAL_WEIGHT <= at(weights, i) <= MAX_MANUAL_WEIGHT:
                raise Revert("Invalid weight")

    def set_weights_manually(self, weights, last_interp: int, n: int | None = None, *, now: int,
                             sender: str | None = None) -> ModelTx:
        """setWeightsManually: [w.., m..] stored as given (entries below n in [0.01, 0.99])."""
        sender, n = self._admin_or(sender), self.n if n is None else n
        check_uint("last_interp", last_interp, 40)

        def body():
            self._check_override(self.pool_address, sender)
            self._check_manual_weights(weights, n)
            return ModelTx(self._set_weights(list(weights), last_interp, sender, now))

        return self._tx(body)

    def set_target_weights_manually(self, targets, interval: int, n: int | None = None, *, now: int,
                                    sender: str | None = None) -> ModelTx:
        """setTargetWeightsManually: the runner's multipliers from the current weights over `interval` s."""
        sender, n = self._admin_or(sender), self.n if n is None else n
        check_uint("interval", interval, 40)

        def body():
            self._check_override(self.pool_address, sender)
            self._check_manual_weights(targets, n)
            current = [wrap(w) for w in self.pool.normalized_weights(now)]
            if len(targets) != len(current):
                raise Revert("Weights length mismatch")
            values, last_interp = multipliers_and_last_interp(current, list(targets), interval,
                                                              self.runner.guard_rail, now)
            return ModelTx(self._set_weights(values, last_interp, sender, now))

        return self._tx(body)

    def set_intermediate_values_manually(self, moving_averages, initial_values, n: int | None = None, *,
                                         sender: str | None = None) -> None:
        sender, n = self._admin_or(sender), self.n if n is None else n

        def body():
            self._check_override(self.pool_address, sender)
            self.rule.initialise(self.pool_address, list(moving_averages), list(initial_values), n,
                                 sender=self.runner_address)

        self._tx(body)

    def initialise_pool_last_run_time(self, time: int, *, sender: str | None = None) -> None:
        sender = self._admin_or(sender)
        check_uint("time", time, 40)

        def body():
            self._check_override(self.pool_address, sender)
            self.runner.last_run = time

        self._tx(body)

    # ---- reads -------------------------------------------------------------------------------------
    def read_pool(self) -> dict:
        """Stored W, M and the two times (as parity.chain.production.read_pool)."""
        w, m = self.pool.weights_and_multipliers()
        return {"weights": w, "multipliers": m, "last_update": self.pool.last_update,
                "last_interp": self.pool.last_interp}

    def read_words(self) -> dict:
        return {"word_a": self.pool.word_a, "word_b": self.pool.word_b, "times": self.pool.times_word()}

    def read_dynamic_data(self) -> tuple:
        """getQuantAMMWeightedPoolDynamicData() as the chain decodes it (no vault: empty balances and rates)."""
        first, second = self.pool.dynamic_data_words()
        return ([], [], 0, self.pool.initialized, False, False, first, second, self.pool.last_update,
                self.pool.last_interp)

    def read_runner(self) -> dict:
        return {"last_pool_update_run": self.runner.last_run,
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


def multipliers_and_last_interp(current, updated, interval: int, guard_rail: int, now: int) -> tuple[list[int], int]:
    """The runner's multiplier step (docs/production-loop.md): ([w⁰.., m..], lastInterp).

    m_i = tdiv(w_i − w⁰_i, Δ) with Δ = int40(interval); T_i = tdiv(U − w⁰_i, m_i) (m > 0),
    tdiv(w⁰_i − g, −m_i) (m < 0), int256 max (m = 0), U = 1 − (n−1)·g, g = int64(guard_rail);
    lastInterp = (min T + now) as int40 read as uint40, or uint40 max unless min T < (2^39 − 1) − now.
    """
    n = len(current)
    delta = int_cast(interval, 40)
    g = int_cast(guard_rail, 64)
    upper = sub(ONE, checked((n - 1) * g))
    multipliers = []
    min_time = INT256_MAX
    for i in range(n):
        m = tdiv(sub(at(updated, i), current[i]), delta)
        multipliers.append(m)
        t = INT256_MAX
        if m > 0:
            t = tdiv(sub(upper, current[i]), m)
        elif m < 0:
            t = tdiv(sub(current[i], g), neg(m))
        min_time = min(min_time, t)
    last_interp = UINT40_MAX
    if min_time < INT40_MAX - now:
        last_interp = checked(min_time + now) % 2**40
    return list(current) + multipliers, last_interp


__all__ = ["ModelTx", "OracleModel", "PoolModel", "ProductionModel", "RunnerModel", "field_layout",
           "multipliers_and_last_interp", "pack_words", "read_field"]
