"""What `parity fuzz` varies besides the market: the rule's parameters and the run settings (n, ε, g, the
update interval). A `ParamSpace` holds fixed values and ranges; parity.fuzz.strategies draws from it.

* fixed parameters (`--params FILE`, or the rule's defaults): every example uses them;
* `--param-space auto`: a built-in range for every parameter of the rule, with its extremes (λ near 0 and
  near 1, κ over six decades, ε and the guard rail from tiny to their largest valid values);
* `--param-space FILE` (JSON or TOML): `key = [lo, hi]` (a range), `key = {values = [...]}` (choices) or
  `key = value` (fixed), for the rule's parameter keys and the settings `n`, `epsilon_max`, `guard_rail`
  (fractions of 1/n, so it stays valid for every n) and `chunk_period` (minutes). The settings are compiled
  into the batched engine's JAX functions: give them as choices, a range draws a new value (and compiles)
  per batch.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SETTING_KEYS = ("n", "epsilon_max", "guard_rail", "chunk_period")
MAX_ASSETS = 8


class SpaceError(ValueError):
    """A bad parameter space: one line naming the key, the value and the rule it broke."""


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
    ranges = {k: _with_default(AUTO_RANGES[k], defaults.get(k)) for k in keys}
    if rule == "mean_reversion_channel":  # the contract needs κ > 0 (and every channel parameter > 0)
        ranges["kappa"] = Range(1e-3, 1e2, log=True, default=defaults.get("kappa", 1.0))
    statics = {"use_raw_price": Range(values=(False, True), default=False)} if "use_raw_price" in chain_keys(rule) else {}
    fixed = {k: v for k, v in defaults.items() if k not in ranges}
    return ParamSpace(rule, fixed, ranges, statics, n=(2, MAX_ASSETS), epsilon_max=AUTO_EPSILON, guard_rail=AUTO_GUARD,
                      chunk_period=(1440, 60))


def _with_default(r: Range, default) -> Range:
    if isinstance(default, (int, float)) and not isinstance(default, bool) and r.lo <= default <= r.hi:
        return Range(r.lo, r.hi, r.log, r.values, float(default))
    return r


def load_space(path, rule: str, defaults: dict) -> ParamSpace:
    """A ParamSpace from a JSON or TOML file (see the module docstring); SpaceError for a bad entry."""
    from parity.validation import load_json_file, read_input_text

    path = Path(path)
    if path.suffix.lower() == ".toml":
        try:
            raw = tomllib.loads(read_input_text(path, "--param-space"))
        except tomllib.TOMLDecodeError as e:
            raise SpaceError(f"--param-space {path}: not valid TOML ({e})") from None
    else:
        raw = load_json_file(path, "--param-space")
    if not isinstance(raw, dict) or not raw:
        raise SpaceError(f"--param-space {path}: must hold a table of parameter name -> range, choices or value")
    return parse_space(raw, rule, defaults, f"--param-space {path}")


def parse_space(raw: dict, rule: str, defaults: dict, where: str = "--param-space") -> ParamSpace:
    keys = chain_keys(rule)
    unknown = sorted(k for k in raw if k not in keys and k not in SETTING_KEYS)
    if unknown:
        raise SpaceError(f"{where}: {unknown[0]!r} is not a parameter of {rule} ({', '.join(keys)}) nor a setting "
                         f"({', '.join(SETTING_KEYS)})")
    fixed, ranges, statics = dict(defaults), {}, {}
    for key, value in raw.items():
        if key in SETTING_KEYS:
            continue
        entry = _entry(f"{where}: {key}", value, defaults.get(key), boolean=key == "use_raw_price")
        fixed.pop(key, None)
        if isinstance(entry, Range):
            (statics if key == "use_raw_price" else ranges)[key] = entry
        else:
            fixed[key] = entry
    settings = _settings(raw, where)
    return ParamSpace(rule, fixed, ranges, statics, **settings)


def _entry(where: str, value, default, *, boolean: bool = False):
    """A Range, or the fixed value itself."""
    if isinstance(value, dict):
        if set(value) - {"values", "min", "max", "log"}:
            raise SpaceError(f"{where}={value!r}: a table may hold values, or min, max and log")
        if "values" in value:
            vals = value["values"]
            if not isinstance(vals, list) or not vals or not all(_number_or_bool(v, boolean) for v in vals):
                raise SpaceError(f"{where}.values={vals!r}: must be a non-empty list of {'booleans' if boolean else 'numbers'}")
            return Range(values=tuple(vals), default=vals[0])
        lo, hi = value.get("min"), value.get("max")
        return _range(where, lo, hi, bool(value.get("log", False)), default)
    if isinstance(value, list):
        if boolean:
            return _entry(where, {"values": value}, default, boolean=True)
        if len(value) != 2:
            raise SpaceError(f"{where}={value!r}: a range is [min, max] (two numbers); use {{values = [...]}} for choices")
        return _range(where, value[0], value[1], False, default)
    if not _number_or_bool(value, boolean):
        raise SpaceError(f"{where}={value!r}: must be a number, [min, max] or {{values = [...]}}")
    return value


def _number_or_bool(v, boolean: bool) -> bool:
    if boolean:
        return isinstance(v, bool)
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _range(where: str, lo, hi, log: bool, default) -> Range:
    if not (_number_or_bool(lo, False) and _number_or_bool(hi, False)) or not lo <= hi:
        raise SpaceError(f"{where}: min={lo!r}, max={hi!r}: need two finite numbers with min ≤ max")
    if log and lo <= 0:
        raise SpaceError(f"{where}: a log range needs min > 0 (got {lo!r})")
    return _with_default(Range(float(lo), float(hi), log), default)


def _settings(raw: dict, where: str) -> dict:
    out = {}
    if "n" in raw:
        n = raw["n"]
        n = [n, n] if isinstance(n, int) and not isinstance(n, bool) else n
        if not (isinstance(n, list) and len(n) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in n)
                and 2 <= n[0] <= n[1] <= MAX_ASSETS):
            raise SpaceError(f"{where}: n={raw['n']!r}: must be an integer or [lo, hi] with 2 ≤ lo ≤ hi ≤ {MAX_ASSETS}")
        out["n"] = tuple(n)
    for key, lo_ok, hi_ok in (("epsilon_max", 0.0, 1.0), ("guard_rail", 0.0, 1.0)):
        if key in raw:
            value = raw[key]
            r = _entry(f"{where}: {key}", value if not isinstance(value, (int, float)) else [value, value], None)
            bounds = r.values if r.is_choice else (r.lo, r.hi)
            if not all(lo_ok < float(b) <= hi_ok for b in bounds) or (key == "guard_rail" and max(map(float, bounds)) >= 1):
                what = "in (0, 1]" if key == "epsilon_max" else "fractions of 1/n in (0, 1)"
                raise SpaceError(f"{where}: {key}={value!r}: must be {what}")
            out[key] = r
    if "chunk_period" in raw:
        cp = raw["chunk_period"]
        cp = cp.get("values") if isinstance(cp, dict) else cp
        cp = cp if isinstance(cp, list) else [cp]
        if not cp or not all(isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 525_600 for c in cp):
            raise SpaceError(f"{where}: chunk_period={raw['chunk_period']!r}: must be whole minutes in [1, 525600] (a list: choices)")
        out["chunk_period"] = tuple(cp)
    return out


def space_summary(space: ParamSpace) -> str:
    """One line: what varies."""
    varied = [f"{k} in [{r.lo:g}, {r.hi:g}]" if not r.is_choice else f"{k} in {list(r.values)}" for k, r in space.ranges.items()]
    varied += [f"{k} in {list(r.values)}" for k, r in space.statics.items()]
    fixed = json.dumps(space.fixed, sort_keys=True)
    return f"n in [{space.n[0]}, {space.n[1]}]; fixed {fixed}" + (f"; varied {', '.join(varied)}" if varied else "")
