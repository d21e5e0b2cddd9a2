"""What `parity fuzz` varies besides the market: the rule's parameters and the run settings (n, ε, g, the
update interval). A `ParamSpace` holds fixed values and ranges; parity.fuzz.strategies draws from it.

* fixed parameters (`--params FILE`, or the rule's defaults): every example uses them;
* `--param-space auto`: a built-in range for every parameter of the rule, with its extremes (λ near 0 and
  near 1, κ over six decades, ε and the guard rail from tiny to their largest valid values);
* `--param-space FILE` (JSON or TOML, read by parity.inputs.fuzz_space): `key = [lo, hi]` (a range), `key = {values = [...]}` (choices) or
  `key = value` (fixed), for the rule's parameter keys and the settings `n`, `epsilon_max`, `guard_rail`
  (fractions of 1/n, so it stays valid for every n) and `chunk_period` (minutes). The settings are compiled
  into the batched engine's JAX functions: give them as choices, a range draws a new value (and compiles)
  per batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

SETTING_KEYS = ("n", "epsilon_max", "guard_rail", "chunk_period")
MAX_ASSETS = 8


@dataclass(frozen=True)
class Range:
    """A number drawn from [lo, hi] (log-uniform when `log`), or one of `values`; `default` is what the
    shrinker moves toward (the simplest value)."""

    lo: float = 0.0
    hi: float = 0.0
    log: bool = False
    values: tuple = ()
    default: object = None

    @property
    def is_choice(self) -> bool:
        return bool(self.values)

    def to_json(self):
        if self.is_choice:
            return {"values": list(self.values)}
        return {"min": self.lo, "max": self.hi, "log": self.log}


@dataclass(frozen=True)
class ParamSpace:
    """Fixed parameters, per-example ranges (arrays the JAX side vmaps over) and per-batch settings."""

    rule: str
    fixed: dict
    ranges: dict = field(default_factory=dict)  # parameter key -> Range, drawn per example
    statics: dict = field(default_factory=dict)  # boolean parameters (compiled in): key -> Range of choices
    n: tuple = (2, MAX_ASSETS)
    epsilon_max: Range | None = None  # None: the fingerprint default (3e-4 per minute of the interval)
    guard_rail: Range | None = None  # fractions of 1/n; None: the default 0.1/n
    chunk_period: tuple = (1440,)

    def to_json(self) -> dict:
        return {"rule": self.rule, "fixed": self.fixed, "ranges": {k: r.to_json() for k, r in self.ranges.items()},
                "statics": {k: r.to_json() for k, r in self.statics.items()}, "n": list(self.n),
                "epsilon_max": self.epsilon_max and self.epsilon_max.to_json(),
                "guard_rail_fraction_of_1_over_n": self.guard_rail and self.guard_rail.to_json(),
                "chunk_period": list(self.chunk_period)}


LAMBDA = Range(1e-6, 1 - 1e-7, values=(), default=0.9)
AUTO_RANGES = {
    "lamb": LAMBDA,
    "kappa": Range(1e-3, 1e3, log=True, default=1.0),
    "exponents": Range(1.01, 6.0, default=2.0),
    "width": Range(1e-3, 1.0, log=True, default=0.1),
    "amplitude": Range(1e-3, 1.0, log=True, default=0.1),
    "inverse_scaling": Range(0.05, 5.0, log=True, default=0.5415),
    "pre_exp_scaling": Range(0.05, 5.0, log=True, default=0.5),
    "lamb_short": Range(1e-6, 1 - 1e-7, default=0.5),
    "mixing": Range(0.0, 1.0, default=0.5),
}


# ε and the guard rail are compiled into the batched engine's JAX functions (they are run settings), so the
# built-in space draws them from a few values, extremes included, and every batch of a setting reuses its
# compiled functions. None: the fingerprint default (3e-4 per minute of the interval; 0.1/n).
AUTO_EPSILON = Range(values=(None, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.3, 0.6, 1.0), default=None)
AUTO_GUARD = Range(values=(None, 1e-3, 0.01, 0.1, 0.3, 0.6, 0.9, 0.999), default=None)  # fractions of 1/n


def chain_keys(rule: str) -> tuple:
    from parity.pools import create_pool

    return tuple(create_pool(rule).chain_keys)


def fixed_space(rule: str, params: dict) -> ParamSpace:
    """Every example runs `params`; only the market, n and (pool level) the timing vary."""
    return ParamSpace(rule, dict(params))


def auto_space(rule: str, defaults: dict) -> ParamSpace:
    """The built-in space: every parameter of the rule over its range, the settings over theirs."""
    keys = [k for k in chain_keys(rule) if k != "use_raw_price"]
    ranges = {k: with_default(AUTO_RANGES[k], defaults.get(k)) for k in keys}
    if rule == "mean_reversion_channel":  # the contract needs κ > 0 (and every channel parameter > 0)
        ranges["kappa"] = Range(1e-3, 1e2, log=True, default=defaults.get("kappa", 1.0))
    statics = {"use_raw_price": Range(values=(False, True), default=False)} if "use_raw_price" in chain_keys(rule) else {}
    fixed = {k: v for k, v in defaults.items() if k not in ranges}
    return ParamSpace(rule, fixed, ranges, statics, n=(2, MAX_ASSETS), epsilon_max=AUTO_EPSILON, guard_rail=AUTO_GUARD,
                      chunk_period=(1440, 60))


def with_default(r: Range, default) -> Range:
    if isinstance(default, (int, float)) and not isinstance(default, bool) and r.lo <= default <= r.hi:
        return Range(r.lo, r.hi, r.log, r.values, float(default))
    return r


def space_summary(space: ParamSpace) -> str:
    """One line: what varies."""
    varied = [f"{k} in [{r.lo:g}, {r.hi:g}]" if not r.is_choice else f"{k} in {list(r.values)}" for k, r in space.ranges.items()]
    varied += [f"{k} in {list(r.values)}" for k, r in space.statics.items()]
    fixed = json.dumps(space.fixed, sort_keys=True)
    return f"n in [{space.n[0]}, {space.n[1]}]; fixed {fixed}" + (f"; varied {', '.join(varied)}" if varied else "")
