"""Stage 1, validate: the user's inputs checked and turned into a plan (no chain, no JAX).

A `LockstepRequest` holds what the caller asked for; `validate(request)` runs every function in
`VALIDATORS` over it (each raises ValueError naming the field, the value and the rule broken) and returns
the `Plan`: the update price rows, the number of blocks, the contract and its state map.

Further input checks plug in by appending to `VALIDATORS` (or passing `validators=`); each is a function
`check(request) -> None` that sees the request after the built-in checks of the fields it depends on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from parity.harness import compare as cmp
from parity.harness.mapping import StateMap, state_map_for

MODES = ("independent", "resync")
BURN_IN_MODES = ("replay", "seed")
LEVELS = ("rule", "pool")
DEFAULT_START_TIMESTAMP = 2_000_000_000
MAX_SAMPLES_PER_INTERVAL = 64  # pool level: each sample mines one block per update
# Storage key of the simulated pool at rule level; the pool contract is never called by a rule.
POOL_ADDRESS = "0x00000000000000000000000000000000000fa17E"


@dataclass
class LockstepRequest:
    """Everything the caller passed to one lockstep run (see run_lockstep for the meaning of each)."""

    pool: Any
    params: dict
    run_fingerprint: Any
    prices: Any
    blocks: int | None = None
    mode: str = "independent"
    burn_in: int = 0
    burn_in_mode: str = "replay"
    state_map: StateMap | None = None
    tolerances: dict | None = None
    model_check: bool = True
    vectorized_check: bool = True
    progress: bool = True
    start_timestamp: int | None = None
    sender: str | None = None
    rule_contract: str | None = None
    pool_address: str = POOL_ADDRESS
    level: str = "rule"
    compiler_profile: str = "legacy"  # the build deployed and modelled: a parity.chain.compile profile
    options: dict = field(default_factory=dict)  # level-specific settings (pool level: samples, jitter)


@dataclass(frozen=True)
class Plan:
    """The validated run: n assets, the update price rows (row 0 initialises), blocks and the contract."""

    request: LockstepRequest
    n: int
    update_prices: np.ndarray  # (rows, n) float64, every stride-th input row
    stride: int
    blocks: int
    contract: str
    state_map: StateMap

    @property
    def total(self) -> int:
        """Update blocks executed: burn-in plus compared."""
        return self.request.burn_in + self.blocks

    def delays(self, count: int) -> np.ndarray:
        """Seconds each of `count` updates is late: the explicit `update_delays` (pool level, e.g. parity fuzz:
        late updates and gaps of whole missed intervals), else --update-jitter (seeded), else zeros."""
        explicit = self.request.options.get("update_delays")
        if explicit is not None:
            return np.asarray(list(explicit)[:count] + [0] * max(count - len(explicit), 0), dtype=np.int64)
        jitter = int(self.request.options.get("update_jitter", 0))
        if not jitter:
            return np.zeros(count, dtype=np.int64)
        from parity.weights.onchain import update_delays

        return update_delays(jitter, int(self.request.options.get("jitter_seed", 0)), count)

    def oracle_scenario(self):
        """The stale-oracle scenario of the pool level's options (None when off; lockstep.oracles)."""
        rate = float(self.request.options.get("stale_oracles", 0.0))
        if not rate:
            return None
        from parity.chain.production import DEFAULT_STALENESS_S
        from parity.harness.lockstep.oracles import StaleOracles

        return StaleOracles(rate, int(self.request.options.get("stale_seed", 0)), DEFAULT_STALENESS_S)

    @property
    def seeded(self) -> int:
        """Burn-in blocks the JAX side warms up over before the contract is initialised (seed mode)."""
        r = self.request
        return int(r.burn_in) if r.burn_in and r.burn_in_mode == "seed" else 0


# ---------------------------------------------------------------------------------------------------------
# validators: each checks one aspect of the request and raises ValueError naming what is wrong
# ---------------------------------------------------------------------------------------------------------


from parity.chain.compile import PROFILES as _PROFILES  # noqa: E402  (stdlib-only module)

COMPILER_PROFILES = tuple(_PROFILES)


def check_modes(req: LockstepRequest) -> None:
    if req.compiler_profile not in COMPILER_PROFILES:
        raise ValueError(f"compiler_profile={req.compiler_profile!r} is not one of {COMPILER_PROFILES}")
    if req.mode not in MODES:
        raise ValueError(f"mode={req.mode!r} is not one of {MODES}")
    if req.burn_in_mode not in BURN_IN_MODES:
        raise ValueError(f"burn_in_mode={req.burn_in_mode!r} is not one of {BURN_IN_MODES}")
    if not isinstance(req.burn_in, (int, np.integer)) or req.burn_in < 0:
        raise ValueError(f"burn_in={req.burn_in!r} must be an integer ≥ 0")
    if req.level not in LEVELS:
        raise ValueError(f"level={req.level!r} is not one of {LEVELS}")


def check_prices(prices, n: int) -> np.ndarray:
    """prices as a finite, positive (rows, n) float64 array."""
    p = np.asarray(prices, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != n:
        raise ValueError(f"prices must have shape (rows, n_assets={n}), got {p.shape}")
    if not np.all(np.isfinite(p)):
        row = int(np.nonzero(~np.isfinite(p).all(axis=1))[0][0])
        raise ValueError(f"prices row {row} is not finite: {p[row].tolist()}")
    if np.any(p <= 0):
        row = int(np.nonzero((p <= 0).any(axis=1))[0][0])
        raise ValueError(f"prices row {row} = {p[row].tolist()}: oracle prices must be > 0")
    return p


def check_price_table(req: LockstepRequest) -> None:
    check_prices(req.prices, int(req.run_fingerprint.n_assets))


def update_stride(fp) -> int:
    """Input price rows per update block (chunk_period / price_interval)."""
    stride = int(getattr(fp, "chunk_period", 1)) // int(getattr(fp, "price_interval", 1) or 1)
    if stride < 1:
        raise ValueError(f"chunk_period={fp.chunk_period} must be ≥ price_interval={fp.price_interval}")
    return stride


def check_stride(req: LockstepRequest) -> None:
    update_stride(req.run_fingerprint)


def resolve_blocks(req: LockstepRequest, update_rows: int, stride: int) -> int:
    """The number of compared blocks: `blocks`, or every update price after the burn-in."""
    available = update_rows - 1 - req.burn_in
    blocks = available if req.blocks is None else req.blocks
    if not isinstance(blocks, (int, np.integer)) or blocks < 1:
        raise ValueError(f"blocks={blocks!r} must be an integer ≥ 1")
    if blocks > available:
        raise ValueError(
            f"blocks={blocks} with burn_in={req.burn_in} needs {blocks + req.burn_in + 1} update prices "
            f"(every {stride}th row), but the price series has {update_rows}"
        )
    return int(blocks)


def check_blocks(req: LockstepRequest) -> None:
    stride = update_stride(req.run_fingerprint)
    resolve_blocks(req, len(np.asarray(req.prices)[::stride]), stride)


def rule_contract(req: LockstepRequest) -> str:
    contract = req.rule_contract or getattr(req.pool, "chain_rule", None)
    if contract is None:
        raise ValueError(f"rule {getattr(req.pool, 'rule', type(req.pool).__name__)!r} has no on-chain rule to verify against")
    return contract


def check_contract(req: LockstepRequest) -> None:
    contract = rule_contract(req)
    if req.state_map is None:
        state_map_for(contract)


# Pool-level fields and tolerance kinds (parity.harness.lockstep.pool_sides); fine_<j> is also accepted.
POOL_TOLERANCE_KEYS = ("raw_multipliers", "pool_weights", "multipliers", "last_update", "last_interp", "time", "fine_weights", "fine_rail")


def check_tolerances(req: LockstepRequest) -> None:
    smap = req.state_map or state_map_for(rule_contract(req))
    allowed = {*cmp.FIELDS, *smap.keys}
    if req.level == "pool":
        allowed |= {*POOL_TOLERANCE_KEYS, *(f"fine_{j}" for j in range(int(req.options.get("samples_per_interval", 3))))}
    for key, v in (req.tolerances or {}).items():
        if key not in allowed:
            raise ValueError(f"tolerance field {key!r} is unknown; use one of {', '.join(sorted(allowed))}")
        if not (isinstance(v, (int, float)) and v >= 0):
            raise ValueError(f"tolerance {key}={v!r} must be a number ≥ 0")


def check_pool_options(req: LockstepRequest) -> None:
    """Pool level: samples per interval ≥ 1, 0 ≤ update jitter < the update interval, no seeded burn-in."""
    if req.level != "pool":
        return
    samples = req.options.get("samples_per_interval", 3)
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 1 <= samples <= MAX_SAMPLES_PER_INTERVAL:
        raise ValueError(f"samples_per_interval={samples!r} must be an integer in [1, {MAX_SAMPLES_PER_INTERVAL}] "
                         "(each sample mines one block per update)")
    jitter, interval = req.options.get("update_jitter", 0), int(req.run_fingerprint.chunk_period) * 60
    if not isinstance(jitter, (int, np.integer)) or not 0 <= jitter < interval:
        raise ValueError(f"update_jitter={jitter!r} must be an integer number of seconds in [0, {interval}) "
                         f"(below the update interval chunk_period·60)")
    explicit = req.options.get("update_delays")
    if explicit is not None:
        if jitter:
            raise ValueError("update_delays and update_jitter: give one of them")
        if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and 0 <= d < 2**32 for d in explicit):
            raise ValueError(f"update_delays={list(explicit)[:8]!r}…: must be whole seconds in [0, 2^32)")
    seed = req.options.get("jitter_seed", 0)
    if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
        raise ValueError(f"jitter_seed={seed!r} must be an integer in [0, 2^64)")
    rate, stale_seed = req.options.get("stale_oracles", 0.0), req.options.get("stale_seed", 0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0 <= rate <= 1:
        raise ValueError(f"stale_oracles={rate!r} must be a number in [0, 1] (the share of stale primary oracles)")
    if isinstance(stale_seed, bool) or not isinstance(stale_seed, (int, np.integer)) or not 0 <= stale_seed < 2**64:
        raise ValueError(f"stale_seed={stale_seed!r} must be an integer in [0, 2^64)")
    if req.burn_in and req.burn_in_mode == "seed":
        raise ValueError("burn_in_mode='seed' is not available at pool level (the pool is created with its "
                         "initial weights; use burn_in_mode='replay')")


Validator = Callable[[LockstepRequest], None]
# In order: later checks may rely on earlier ones (blocks needs a valid stride and price table).
VALIDATORS: list[Validator] = [
    check_modes, check_price_table, check_stride, check_blocks, check_contract, check_pool_options, check_tolerances,
]


def validate(req: LockstepRequest, validators: list[Validator] | None = None) -> Plan:
    """Run every validator, then build the plan. Raises ValueError for the first input that is wrong."""
    for check in VALIDATORS if validators is None else validators:
        check(req)
    n = int(req.run_fingerprint.n_assets)
    prices = check_prices(req.prices, n)
    stride = update_stride(req.run_fingerprint)
    update_prices = prices[::stride]
    blocks = resolve_blocks(req, len(update_prices), stride)
    contract = rule_contract(req)
    smap = req.state_map or state_map_for(contract)
    return Plan(req, n, update_prices, stride, blocks, contract, smap)
