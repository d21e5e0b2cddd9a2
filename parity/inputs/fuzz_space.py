"""`parity fuzz --param-space FILE`: a parameter space from a JSON or TOML file (the format is described in
parity.fuzz.space and docs/fuzz.md). Every bad entry raises SpaceError, one line naming the key, the value
and the rule it broke (exit code 2)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

from parity.errors import InputError
from parity.fuzz.space import MAX_ASSETS, SETTING_KEYS, ParamSpace, Range, chain_keys, with_default
from parity.io import load_json_file, read_input_text


class SpaceError(InputError):
    """A bad parameter space: one line naming the key, the value and the rule it broke."""


def load_space(path, rule: str, defaults: dict) -> ParamSpace:
    """A ParamSpace from a JSON or TOML file (see the module docstring); SpaceError for a bad entry."""
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
    return with_default(Range(float(lo), float(hi), log), default)


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
