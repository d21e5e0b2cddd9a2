"""Run fingerprint: the validated, hashable settings of one simulation / verification run.

``make_run_fingerprint(**kwargs)`` applies defaults (quantammsim's where they exist), resolves the
aliases ``maximum_change`` (per minute) and ``minimum_weight``, and raises ``ValueError`` naming the
field, the value and the rule for any bad or unknown setting. A ``RunFingerprint`` is frozen and
hashable, so it can be a static argument of ``jax.jit``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Integral, Real

from parity.quantammsim_keys import absorb_quantammsim_keys

RULES = (
    "momentum",
    "anti_momentum",
    "power_channel",
    "mean_reversion_channel",
    "difference_momentum",
    "min_variance",
    "index_market_cap",
)
WEIGHT_CALCULATION_METHODS = ("auto", "vectorized", "scan")
WEIGHT_INTERPOLATION_METHODS = ("linear", "approx_optimal", "onchain")
MAX_ASSETS = 8  # the pool packs at most 8 weights (docs/storage.md, pool weights)
DEFAULT_MAXIMUM_CHANGE = 3e-4  # quantammsim's per-minute cap
DEFAULT_MINIMUM_WEIGHT_NUMERATOR = 0.1  # quantammsim: minimum_weight = 0.1 / n_assets

ALIASES = {"maximum_change": "epsilon_max", "minimum_weight": "absolute_weight_guard_rail"}


def _bad(field, value, rule):
    return ValueError(f"{field}={value!r}: {rule}")


def _int(field, value, *, minimum=1):
    if isinstance(value, bool) or not isinstance(value, Integral):
        if isinstance(value, Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(value)
        else:
            raise _bad(field, value, "must be an integer")
    value = int(value)
    if value < minimum:
        raise _bad(field, value, f"must be >= {minimum}")
    return value


def _float(field, value):
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _bad(field, value, "must be a real number")
    value = float(value)
    if not math.isfinite(value):
        raise _bad(field, value, "must be finite")
    return value


def _choice(field, value, choices):
    if value not in choices:
        raise _bad(field, value, f"must be one of {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class RunFingerprint:
    """Validated run settings (see ``make_run_fingerprint`` for defaults and rules).

    Times are in minutes. ``epsilon_max`` is the on-chain per-update maximum weight change and
    ``absolute_weight_guard_rail`` the minimum weight g (maximum is 1 − (n−1)·g).
    ``weight_interpolation_method="onchain"`` runs the production loop (parity.weights.onchain); only then
    may ``update_delay_seconds`` (the most an update is late, seconds; see onchain.update_delays) be > 0.
    """

    rule: str
    n_assets: int
    chunk_period: int = 1440
    weight_interpolation_period: int | None = None
    price_interval: int = 1
    bout_length: int | None = None
    max_memory_days: float = 365.0
    initial_pool_value: float = 1e6
    weight_calculation_method: str = "auto"
    weight_interpolation_method: str = "linear"
    epsilon_max: float | None = None
    absolute_weight_guard_rail: float | None = None
    update_delay_seconds: int = 0
    update_delay_seed: int = 0

    def __post_init__(self):
        for field, value in _validated(self).items():
            object.__setattr__(self, field, value)

    @property
    def chunk_steps(self) -> int:
        """Price rows between two weight updates (chunk_period / price_interval)."""
        return self.chunk_period // self.price_interval

    @property
    def interpolation_steps(self) -> int:
        """Price rows over which a new weight is ramped in (weight_interpolation_period / price_interval)."""
        return self.weight_interpolation_period // self.price_interval

    @property
    def maximum_change(self) -> float:
        """ε expressed per minute of interpolation (quantammsim's ``maximum_change``)."""
        return self.epsilon_max / self.weight_interpolation_period

    @property
    def minimum_weight(self) -> float:
        """Alias of ``absolute_weight_guard_rail`` (quantammsim's name)."""
        return self.absolute_weight_guard_rail

    def to_dict(self) -> dict:
        """Plain-JSON dict of every field (canonical names, defaults resolved). The update-delay fields are
        left out while both are 0, so records written before they existed keep their canonical form."""
        data = dataclasses.asdict(self)
        if self.update_delay_seconds == 0 and self.update_delay_seed == 0:
            del data["update_delay_seconds"], data["update_delay_seed"]
        return data

    def __getitem__(self, key):
        """Dict-style access, as quantammsim's pools read their run fingerprint (``fp["chunk_period"]``)."""
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    @classmethod
    def from_dict(cls, data: dict) -> RunFingerprint:
        """Inverse of ``to_dict`` (also accepts partial dicts and aliases, like ``make_run_fingerprint``)."""
        return make_run_fingerprint(**data)


def _validated(fp: RunFingerprint) -> dict:
    """Check every field and resolve None defaults; returns the normalised field values."""
    out = {}
    out["rule"] = _choice("rule", fp.rule, RULES)
    n = _int("n_assets", fp.n_assets, minimum=2)
    if n > MAX_ASSETS:
        raise _bad("n_assets", n, f"must be between 2 and {MAX_ASSETS} (the pool packs at most {MAX_ASSETS} weights)")
    out["n_assets"] = n
    interval = out["price_interval"] = _int("price_interval", fp.price_interval)
    chunk = out["chunk_period"] = _int("chunk_period", fp.chunk_period)
    if chunk % interval:
        raise _bad("chunk_period", chunk, f"must be a multiple of price_interval={interval}")
    interp = chunk if fp.weight_interpolation_period is None else fp.weight_interpolation_period
    interp = out["weight_interpolation_period"] = _int("weight_interpolation_period", interp)
    if interp % interval:
        raise _bad("weight_interpolation_period", interp, f"must be a multiple of price_interval={interval}")
    if interp > chunk:
        raise _bad("weight_interpolation_period", interp, f"must be <= chunk_period={chunk}")
    out["bout_length"] = None if fp.bout_length is None else _int("bout_length", fp.bout_length)
    days = out["max_memory_days"] = _float("max_memory_days", fp.max_memory_days)
    if days <= 0:
        raise _bad("max_memory_days", days, "must be > 0")
    value = out["initial_pool_value"] = _float("initial_pool_value", fp.initial_pool_value)
    if value <= 0:
        raise _bad("initial_pool_value", value, "must be > 0")
    out["weight_calculation_method"] = _choice(
        "weight_calculation_method", fp.weight_calculation_method, WEIGHT_CALCULATION_METHODS)
    out["weight_interpolation_method"] = _choice(
        "weight_interpolation_method", fp.weight_interpolation_method, WEIGHT_INTERPOLATION_METHODS)
    if fp.epsilon_max is None:
        eps = min(1.0, DEFAULT_MAXIMUM_CHANGE * interp)
    else:
        eps = _float("epsilon_max", fp.epsilon_max)
    if not 0 < eps <= 1:
        raise _bad("epsilon_max", eps, "must satisfy 0 < epsilon_max <= 1")
    out["epsilon_max"] = eps
    if fp.absolute_weight_guard_rail is None:
        g = DEFAULT_MINIMUM_WEIGHT_NUMERATOR / n
    else:
        g = _float("absolute_weight_guard_rail", fp.absolute_weight_guard_rail)
    if not 0 < g < 1 / n:
        raise _bad("absolute_weight_guard_rail", g, f"must satisfy 0 < absolute_weight_guard_rail < 1/n_assets = {1 / n!r}")
    out["absolute_weight_guard_rail"] = g
    out.update(_validated_onchain(fp, out))
    return out


def _validated_onchain(fp: RunFingerprint, out: dict) -> dict:
    """The production-loop settings: Δ = chunk_period drives the interpolation, delays below one price row."""
    delay = _int("update_delay_seconds", fp.update_delay_seconds, minimum=0)
    seed = _int("update_delay_seed", fp.update_delay_seed, minimum=0)
    if seed >= 2**64:
        raise _bad("update_delay_seed", seed, "must be < 2**64")
    if out["weight_interpolation_method"] != "onchain":
        if delay:
            raise _bad("update_delay_seconds", delay, 'needs weight_interpolation_method="onchain"')
        return {"update_delay_seconds": delay, "update_delay_seed": seed}
    if out["weight_interpolation_period"] != out["chunk_period"]:
        raise _bad("weight_interpolation_period", out["weight_interpolation_period"],
                   f'must equal chunk_period={out["chunk_period"]} with weight_interpolation_method="onchain" '
                   "(the pool interpolates over the update interval)")
    row_seconds = out["price_interval"] * 60
    if delay >= row_seconds:
        raise _bad("update_delay_seconds", delay, f"must be < price_interval·60 = {row_seconds} s (a late update "
                   "still reads its own price row)")
    return {"update_delay_seconds": delay, "update_delay_seed": seed}


_FIELDS = tuple(f.name for f in dataclasses.fields(RunFingerprint))


def make_run_fingerprint(**kwargs) -> RunFingerprint:
    """Build a validated ``RunFingerprint``.

    Required: ``rule`` (one of RULES), ``n_assets`` (2..8). Defaults: chunk_period 1440,
    weight_interpolation_period = chunk_period, price_interval 1, max_memory_days 365,
    initial_pool_value 1e6, weight_calculation_method "auto", weight_interpolation_method "linear"
    ("linear", "approx_optimal" or "onchain"), update_delay_seconds 0, update_delay_seed 0,
    epsilon_max = 3e-4 · weight_interpolation_period (quantammsim's per-minute maximum_change; capped at 1),
    absolute_weight_guard_rail = 0.1 / n_assets (quantammsim's minimum_weight).
    Aliases: ``maximum_change`` (per minute, epsilon_max = maximum_change · weight_interpolation_period) and
    ``minimum_weight`` (= absolute_weight_guard_rail). A value of None means "use the default".
    """
    unknown = sorted(set(kwargs) - set(_FIELDS) - set(ALIASES))
    if unknown:  # quantammsim's own keys are accepted as it has them (parity.quantammsim_keys)
        kwargs = absorb_quantammsim_keys(kwargs)
        unknown = sorted(set(kwargs) - set(_FIELDS) - set(ALIASES))
    if unknown:
        raise ValueError(f"unknown run fingerprint key(s) {', '.join(unknown)}: allowed keys are "
                         f"{', '.join(_FIELDS + tuple(ALIASES))}")
    for field in ("rule", "n_assets"):
        if kwargs.get(field) is None:
            raise _bad(field, kwargs.get(field), "is required")
    args = {k: v for k, v in kwargs.items() if k in _FIELDS and v is not None}
    minimum_weight = kwargs.get("minimum_weight")
    if minimum_weight is not None:
        given = args.get("absolute_weight_guard_rail")
        if given is not None and _float("absolute_weight_guard_rail", given) != _float("minimum_weight", minimum_weight):
            raise _bad("minimum_weight", minimum_weight,
                       f"conflicts with absolute_weight_guard_rail={given!r} (give one of them)")
        args["absolute_weight_guard_rail"] = minimum_weight
    maximum_change = kwargs.get("maximum_change")
    if maximum_change is not None:
        maximum_change = _float("maximum_change", maximum_change)
        if maximum_change <= 0:
            raise _bad("maximum_change", maximum_change, "must be > 0")
        interp = args.get("weight_interpolation_period", args.get("chunk_period", RunFingerprint.chunk_period))
        eps = maximum_change * _int("weight_interpolation_period", interp)
        given = args.get("epsilon_max")
        if given is not None and not math.isclose(_float("epsilon_max", given), eps, rel_tol=1e-12):
            raise _bad("maximum_change", maximum_change,
                       f"gives epsilon_max={eps!r} (maximum_change * weight_interpolation_period), which conflicts "
                       f"with epsilon_max={given!r} (give one of them)")
        args["epsilon_max"] = eps if given is None else given
    return RunFingerprint(**args)
