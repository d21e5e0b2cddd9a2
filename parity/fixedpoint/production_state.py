"""State and arithmetic of the exact production-loop model (parity.fixedpoint.production): the pool's storage
and weight arithmetic, the vault stand-in's answers, the oracles, the runner's storage, and the runner's
multiplier and rail-time step (docs/production-loop.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from eth_utils import to_checksum_address

from .errors import PANIC_OVERFLOW, Revert
from .int256 import INT256_MAX, UINT256_MAX, at, checked, neg, sub, tdiv
from .sd59x18 import ONE

PRECISION = 10**9
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT216_MIN, INT216_MAX = -(2**215), 2**215 - 1
UINT40_MAX = 2**40 - 1
INT40_MAX = 2**39 - 1
MIN_MANUAL_WEIGHT, MAX_MANUAL_WEIGHT = 10**16, 99 * 10**16
FIX_WINDOW = 94_608_000
SWAP_FEE_TAKE = 5 * 10**17
ORACLE_MODES = ("ok", "revert", "short", "bad_word", "invalid")
ZERO_ADDRESS = "0x" + "00" * 20
MASK_PERFORM_UPDATE, MASK_GET_DATA, MASK_OWNER, MASK_ADMIN, MASK_RULE_SETS = 1, 2, 8, 16, 32
NO_PERMISSION_WEIGHTS = "No permission to set weight values"
NO_PERMISSION_LAST_RUN = "No permission to set last run time"
NO_PERMISSION_INTERMEDIATE = "No permission to set intermediate values"


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
    value %= 2**bits
    return value - 2**bits if value >= 2 ** (bits - 1) else value


@lru_cache(maxsize=1024)
def _cs(address: str) -> str:
    return to_checksum_address(address)


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
        if k > 7:
            raise Revert(PANIC_OVERFLOW)  # the shift 224 − 32k underflows (more than 8 fields in a word)
        words[w] |= (field_value(v) & 0xFFFFFFFF) << (224 - 32 * k)
    return words[0], words[1]


def read_field(word: int, k: int) -> int:
    """Field k of a word, as the 18-decimal value q·1e9."""
    return int_cast((word >> (224 - 32 * k)) & 0xFFFFFFFF, 32) * PRECISION


def words_of_fields(fields: list[int]) -> int:
    """The word whose 8 fields (18-decimal multiples of 1e9, field 0 first) are `fields`."""
    word = 0
    for k, v in enumerate(fields):
        word |= ((v // PRECISION) & 0xFFFFFFFF) << (224 - 32 * k)
    return word


@dataclass
class PoolModel:
    """QuantAMMWeightedPool's storage: settings from initialize, the two weight words and the two times."""

    n: int
    runner: str = "0x" + "00" * 20
    deployment_time: int | None = None
    registry: int = 0
    initialized: bool = False
    threshold: int = 0
    interval: int = 0
    lambda_store: list = field(default_factory=list)
    parameters: list = field(default_factory=list)
    epsilon_max: int = 0
    guard_rail: int = 0
    max_trade_size_ratio: int = 0
    word_a: int = 0
    word_b: int = 0
    last_update: int = 0
    last_interp: int = 0

    def store(self, values: list[int], now: int, last_interp: int, n: int | None = None) -> None:
        """[w.., m..] packed with the layout of n entries (default: the pool's n); lastUpdateTime = now mod 2^40."""
        self.word_a, self.word_b = pack_words(values, self.n if n is None else n)
        self.last_update, self.last_interp = now % 2**40, last_interp

    def weights_and_multipliers(self) -> tuple[list[int], list[int]]:
        words = (self.word_a, self.word_b)
        vals = [read_field(words[w], k) for w, k in field_layout(self.n)]
        return vals[: self.n], vals[self.n:]

    def normalized_weights(self, now: int) -> list[int]:
        """getNormalizedWeights(): W + M·τ with τ = (mt − lastUpdate) mod 2^40, mt = lastInterp once the
        full `now` has reached it (else now); the weights are checked uint256 arithmetic."""
        mt = self.last_interp if now >= self.last_interp else now
        tau = (mt - self.last_update) % 2**40
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

    def within_fix_window(self, now: int) -> bool:
        if self.deployment_time is None:
            raise ValueError("the pool's deployment time is unknown to this model (pass deployment_time)")
        return uint256_sub(now, self.deployment_time) < FIX_WINDOW


@dataclass
class VaultModel:
    """The vault stand-in's canonical answers for a pool of n tokens (docs/production-loop.md)."""

    n: int

    def dynamic_fields(self) -> tuple:
        """balancesLiveScaled18, tokenRates, totalSupply, isPoolInitialized, isPoolPaused, isPoolInRecoveryMode."""
        ones = [10**18] * self.n
        return list(ones), list(ones), 10**18, True, False, False

    def tokens(self) -> list[str]:
        return [ZERO_ADDRESS] * self.n


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


@dataclass(frozen=True)
class Settings:
    """A PoolSettings argument (setRuleForPool, initialize): addresses checksummed, lists as lists."""

    rule: str
    oracles: list
    interval: int
    lambda_store: list
    epsilon_max: int
    guard_rail: int
    max_trade_size_ratio: int
    parameters: list
    pool_manager: str


@dataclass
class Registration:
    """What the runner keeps for one registered pool (rules, oracles, poolRuleSettings)."""

    rule: str
    oracles: list  # per asset [primary, backups...]
    lambda_store: list
    parameters: list
    epsilon_max: int
    guard_rail: int
    interval: int
    pool_manager: str
    last_run: int = 0


@dataclass
class RunnerModel:
    """UpdateWeightRunner's storage."""

    admin: str
    eth_oracle: str
    swap_fee_take: int = SWAP_FEE_TAKE
    approved_oracles: set = field(default_factory=set)
    actions: dict = field(default_factory=dict)  # pool -> approvedPoolActions mask
    pools: dict = field(default_factory=dict)  # pool -> Registration
    last_runs: dict = field(default_factory=dict)  # pool -> lastPoolUpdateRun of pools never registered

    def last_run(self, pool: str) -> int:
        reg = self.pools.get(pool)
        return reg.last_run if reg is not None else self.last_runs.get(pool, 0)


@dataclass
class ModelTx:
    """One modelled transaction: its events (role, name, args) and return value."""

    events: list
    return_value: object = None


def rail_time(current, updated, delta: int, g: int) -> tuple[list[int], int]:
    """([w⁰.., m..], T): m_i = tdiv(w_i − w⁰_i, Δ); T = min_i of tdiv(U − w⁰_i, m_i) (m > 0),
    tdiv(w⁰_i − g, −m_i) (m < 0), int256 max (m = 0), U = 1 − (n−1)·g; Δ and g as signed integers."""
    n = len(current)
    if n == 0:
        raise Revert(PANIC_OVERFLOW)  # n − 1 in uint256
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
    return list(current) + multipliers, min_time


def last_interpolation_time(min_time: int, now: int) -> int:
    """(T + s40) cut to 40 bits when T < (2^39 − 1) − s40, else uint40 max; s40 = int40(now mod 2^40)."""
    s40 = int_cast(now, 40)
    if min_time < INT40_MAX - s40:
        return checked(min_time + s40) % 2**40
    return UINT40_MAX


def multipliers_and_last_interp(current, updated, interval: int, guard_rail: int, now: int) -> tuple[list[int], int]:
    """The runner's multiplier step (docs/production-loop.md) with Δ = int40(interval) and g = int64(guard_rail):
    ([w⁰.., m..], lastInterp)."""
    values, min_time = rail_time(current, updated, int_cast(interval, 40), int_cast(guard_rail, 64))
    return values, last_interpolation_time(min_time, now)


ETH_ORACLE = "0x000000000000000000000000000000000000e7e0"  # the deployment's runner ethOracle
