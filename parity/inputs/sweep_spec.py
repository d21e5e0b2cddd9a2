"""The sweep spec (TOML or JSON): which rules, parameter sets, price series, windows and n to verify.

A spec expands into `Verification`s (parity.sweep.spec; one results row each), validated completely before
anything runs: a bad entry raises `SpecError` with one line naming the entry, the value and the rule it broke.

    backend = "revm"            # the only backend sweep drives (the batch transaction needs raw calldata)
    level = "rule"              # or "pool": runner + pool + rule, one pool-level lockstep per verification
    n = [2, 3]                  # optional: asset counts (first n columns of each series); default: all columns
    blocks = 30                 # optional: update blocks per verification (default: the whole window)
    chunk_size = 25             # verifications per task (one batch transaction per block carries them all)
    model_sample = 1            # pools per chunk checked against the exact integer model (0: none)
    vectorized_check = true     # also compare the vectorized path with the scan path (as `parity verify`)
    epsilon_max = 0.1           # optional run settings, as `parity verify`'s flags
    guard_rail = 0.05
    tolerances = {weights = 1e-12}
    heatmap = {x = "lamb", y = "kappa", field = "weights"}
    stack = {artifacts = "out", compiler_profile = "v1"}   # level "pool" only: the user's contracts, as
                                # `parity verify --level pool`'s --artifacts / --contracts / --remap /
                                # --runner-contract / --pool-contract / --rule-contract / --vault-contract

    [[series]]                  # a price CSV (parity.prices format) or generated prices
    path = "fixtures/prices/btc_eth_daily_2.csv"
    windows = [[0, 31], [100, 131]]        # optional row ranges [start, stop)
    [[series]]
    name = "gen"
    generate = {scenario = "trending", n_assets = 3, n_steps = 200, interval_minutes = 60, seed = 1}

    [[rules]]
    rule = "momentum"
    base = {use_raw_price = false}         # merged under every set
    grid = {lamb = [0.8, 0.9], kappa = [0.5, 1.0]}   # cartesian product, or
    params = [{lamb = 0.9, kappa = 1.0}]              # an explicit list, or
    file = "candidates.json"    # quantammsim-format sets: a list of dicts, or a dict of equally long lists
    perturb_jax = {set = 3, param = "kappa", relative = 1e-6}   # plants a divergence (harness self-test)
"""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path

import numpy as np

from parity.catalogue import ON_CHAIN_RULES, with_defaults
from parity.errors import UsageError
from parity.sweep.spec import PriceCase, Spec, Verification, make_fingerprint, split_params, stack_for

SPEC_KEYS = {"backend", "level", "n", "blocks", "chunk_size", "model_sample", "vectorized_check", "epsilon_max", "guard_rail",
             "tolerances", "heatmap", "series", "rules", "stack"}
STACK_KEYS = {"artifacts", "contracts", "remap", "runner_contract", "pool_contract", "rule_contract", "vault_contract",
              "compiler_profile"}
SERIES_KEYS = {"name", "path", "generate", "assets", "windows", "chunk_period"}
RULE_KEYS = {"rule", "base", "grid", "params", "file", "perturb_jax"}


class SpecError(UsageError):
    """A bad spec entry: one line naming it."""


def load_spec_file(path) -> dict:
    """The raw spec mapping from a .toml or .json file."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec {path}: file not found")
    text = path.read_text()
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise SpecError(f"spec {path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'} ({e})") from None
    if not isinstance(raw, dict):
        raise SpecError(f"spec {path}: must hold a table/object at the top level")
    return raw


def _unknown(where: str, got: dict, allowed: set) -> None:
    extra = sorted(set(got) - allowed)
    if extra:
        raise SpecError(f"{where}: unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


def _positive_int(where: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(f"{where}={value!r}: must be an integer ≥ {minimum}")
    return value


def _load_series(i: int, entry, base_dir: Path):
    """(name, prices (rows, cols), interval minutes, entry) of series[i]."""
    from parity.prices import generate_prices, load_prices

    where = f"series[{i}]"
    if not isinstance(entry, dict):
        raise SpecError(f"{where}: must be a table with path or generate")
    _unknown(where, entry, SERIES_KEYS)
    if ("path" in entry) == ("generate" in entry):
        raise SpecError(f"{where}: give exactly one of path or generate")
    try:
        if "path" in entry:
            path = Path(entry["path"])
            path = path if path.is_absolute() or path.exists() else base_dir / path
            if not path.is_file():
                raise SpecError(f"{where}.path={entry['path']!r}: file not found")
            series = load_prices(path, assets=entry.get("assets"))
            name = entry.get("name", path.stem)
        else:
            gen = entry["generate"]
            if not isinstance(gen, dict):
                raise SpecError(f"{where}.generate: must be a table (scenario, n_assets, n_steps, interval_minutes, seed)")
            series = generate_prices(gen.get("scenario"), gen.get("n_assets"), gen.get("n_steps"),
                                     gen.get("interval_minutes", 60), gen.get("seed", 0))
            name = entry.get("name", f"{gen.get('scenario')}_{gen.get('seed', 0)}")
    except SpecError:
        raise
    except (ValueError, TypeError, KeyError) as e:
        raise SpecError(f"{where}: {e}") from None
    return str(name), np.asarray(series.prices, dtype=np.float64), int(series.interval_minutes), entry


def _windows(where: str, entry: dict, rows: int) -> list[tuple[int, int]]:
    wins = entry.get("windows", [[0, rows]])
    if not isinstance(wins, list) or not wins:
        raise SpecError(f"{where}.windows: must be a non-empty list of [start, stop] row ranges")
    out = []
    for j, w in enumerate(wins):
        if not (isinstance(w, list) and len(w) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in w)):
            raise SpecError(f"{where}.windows[{j}]={w!r}: must be [start, stop] (integers)")
        start, stop = w
        if not 0 <= start < stop - 1 or stop > rows:
            raise SpecError(f"{where}.windows[{j}]={w!r}: need 0 ≤ start < stop − 1 and stop ≤ {rows} rows")
        out.append((start, stop))
    return out


def _price_cases(raw: dict, base_dir: Path) -> tuple[list[PriceCase], dict[str, np.ndarray]]:
    entries = raw.get("series")
    if not isinstance(entries, list) or not entries:
        raise SpecError("series: give at least one [[series]] entry (path or generate)")
    ns = raw.get("n")
    if ns is not None:
        ns = ns if isinstance(ns, list) else [ns]
        for j, k in enumerate(ns):
            _positive_int(f"n[{j}]", k, 2)
    cases, prices = [], {}
    for i, entry in enumerate(entries):
        name, table, interval, entry = _load_series(i, entry, base_dir)
        if name in prices:
            raise SpecError(f"series[{i}].name={name!r}: used twice; give each series its own name")
        prices[name] = table
        chunk = _positive_int(f"series[{i}].chunk_period", entry.get("chunk_period", interval))
        if chunk % interval:
            raise SpecError(f"series[{i}].chunk_period={chunk}: must be a multiple of the row interval {interval} min")
        for k in ns or [table.shape[1]]:
            if k > table.shape[1]:
                raise SpecError(f"n={k}: series {name!r} has only {table.shape[1]} columns")
            for w in _windows(f"series[{i}]", entry, table.shape[0]):
                cases.append(PriceCase(name, w, int(k), interval, chunk))
    return cases, prices


def _parameter_sets(where: str, entry: dict, base_dir: Path) -> tuple[list[dict], list[str]]:
    """The entry's sets (list, grid or file, in that order) and the grid's axis names."""
    sets, axes = [], []
    if "params" in entry:
        if not isinstance(entry["params"], list) or not all(isinstance(p, dict) for p in entry["params"]):
            raise SpecError(f"{where}.params: must be a list of tables (one parameter set each)")
        sets += [dict(p) for p in entry["params"]]
    if "grid" in entry:
        grid = entry["grid"]
        if not isinstance(grid, dict) or not grid:
            raise SpecError(f"{where}.grid: must be a table of parameter name -> list of values")
        for k, v in grid.items():
            if not isinstance(v, list) or not v:
                raise SpecError(f"{where}.grid.{k}={v!r}: must be a non-empty list of values")
        axes = list(grid)
        sets += [dict(zip(axes, combo)) for combo in itertools.product(*grid.values())]
    if "file" in entry:
        sets += _sets_from_file(f"{where}.file", entry["file"], base_dir)
    if not sets:
        raise SpecError(f"{where}: give params (a list), grid (a table of lists) or file")
    return sets, axes


def _sets_from_file(where: str, name, base_dir: Path) -> list[dict]:
    """quantammsim-format candidates: a list of parameter dicts, or a dict whose values are equally long lists
    (entry i of every key is set i, the leading axis of a batched parameter dict)."""
    path = Path(name)
    path = path if path.is_absolute() or path.exists() else base_dir / path
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{where}={name!r}: file not found") from None
    except json.JSONDecodeError as e:
        raise SpecError(f"{where}={name!r}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if isinstance(data, list) and all(isinstance(d, dict) for d in data) and data:
        return [dict(d) for d in data]
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        lengths = {k: len(v) for k, v in data.items()}
        if len(set(lengths.values())) != 1 or not next(iter(lengths.values())):
            raise SpecError(f"{where}={name!r}: every key must list one value per set (lengths {lengths})")
        count = next(iter(lengths.values()))
        return [{k: v[i] for k, v in data.items()} for i in range(count)]
    raise SpecError(f"{where}={name!r}: must hold a list of parameter objects or an object of equally long lists")


def _perturbation(where: str, entry: dict, count: int) -> dict | None:
    p = entry.get("perturb_jax")
    if p is None:
        return None
    if not isinstance(p, dict) or set(p) != {"set", "param", "relative"}:
        raise SpecError(f"{where}.perturb_jax={p!r}: must be {{set = INDEX, param = NAME, relative = X}}")
    if not (isinstance(p["set"], int) and 0 <= p["set"] < count):
        raise SpecError(f"{where}.perturb_jax.set={p['set']!r}: must index one of the {count} sets")
    if not isinstance(p["relative"], (int, float)) or p["relative"] == 0:
        raise SpecError(f"{where}.perturb_jax.relative={p['relative']!r}: must be a non-zero number")
    return dict(p)


def check_parameters(where: str, rule: str, params: dict, case: PriceCase, settings: dict):
    """Map the set onto the chain's integers and ask the integer model's validParameters; returns MappedParams."""
    from parity.fixedpoint.rules import make_model
    from parity.harness.mapping import map_parameters
    from parity.pools import create_pool

    pool = create_pool(rule)
    try:
        fp = make_fingerprint(rule, case, settings)
        mapped = map_parameters(pool, with_defaults(rule, params), fp)
        pool.initial_weights(with_defaults(rule, params), fp)
    except (ValueError, TypeError) as e:
        raise SpecError(f"{where} {json.dumps(params, sort_keys=True)} on n={case.n}: {e}") from None
    model = make_model(rule, "0x" + "00" * 19 + "01")
    if not model.valid_parameters(mapped.parameters):
        raise SpecError(f"{where} {json.dumps(params, sort_keys=True)}: {pool.chain_rule}.validParameters "
                        f"rejects parameters={mapped.parameters}")
    return mapped


def _settings(raw: dict) -> dict:
    out = {}
    for key, fp_key in (("epsilon_max", "epsilon_max"), ("guard_rail", "absolute_weight_guard_rail")):
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1:
                raise SpecError(f"{key}={v!r}: must be a number in (0, 1]")
            out[fp_key] = float(v)
    return out


def _tolerances(raw) -> dict:
    from parity.harness.compare import FIELDS

    if not isinstance(raw, dict):
        raise SpecError(f"tolerances={raw!r}: must be a table of field -> value")
    for k, v in raw.items():
        if k not in FIELDS:
            raise SpecError(f"tolerances.{k}: unknown field (use {', '.join(FIELDS)})")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
            raise SpecError(f"tolerances.{k}={v!r}: must be a number ≥ 0")
    return {k: float(v) for k, v in raw.items()}


def _flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{name}={value!r}: must be true or false")
    return value


def _run_options(raw: dict) -> dict:
    backend = raw.get("backend", "revm")
    if backend != "revm":
        raise SpecError(f"backend={backend!r}: sweep drives revm only (its batch transaction carries raw calldata); "
                        "verify single runs on eth-tester or rpc with `parity verify`")
    level = raw.get("level", "rule")
    if level not in ("rule", "pool"):
        raise SpecError(f"level={level!r}: must be 'rule' (the rule contract, batched) or 'pool' (runner + pool + "
                        "rule, one pool-level lockstep per verification)")
    blocks = raw.get("blocks")
    if blocks is not None:
        _positive_int("blocks", blocks)
    heatmap = raw.get("heatmap", {})
    if not isinstance(heatmap, dict) or set(heatmap) - {"x", "y", "field"}:
        raise SpecError(f"heatmap={heatmap!r}: must be a table with x, y (parameter names) and optional field")
    return {
        "backend": backend, "level": level, "blocks": blocks,
        "chunk_size": _positive_int("chunk_size", raw.get("chunk_size", 25)),
        "model_sample": _positive_int("model_sample", raw.get("model_sample", 1), 0),
        "vectorized_check": _flag("vectorized_check", raw.get("vectorized_check", True)),
        "fingerprint": _settings(raw), "tolerances": _tolerances(raw.get("tolerances", {})), "heatmap": heatmap,
    }


def _stack_options(raw: dict, level: str, base_dir: Path) -> dict:
    """The `stack` table: validated keys, directories resolved (working directory, then the spec's folder)."""
    stack = raw.get("stack", {})
    if not isinstance(stack, dict):
        raise SpecError(f"stack={stack!r}: must be a table of {', '.join(sorted(STACK_KEYS))}")
    if stack and level != "pool":
        raise SpecError("stack: applies to level = 'pool' only (the rule level batches parity's own rule contracts)")
    _unknown("stack", stack, STACK_KEYS)
    out = dict(stack)
    for key in ("artifacts", "contracts"):
        if key in out:
            path = Path(out[key])
            path = path if path.is_absolute() or path.exists() else base_dir / path
            if not path.is_dir():
                raise SpecError(f"stack.{key}={stack[key]!r}: not a directory")
            out[key] = str(path)
    remap = out.get("remap", [])
    if not isinstance(remap, list) or not all(isinstance(r, str) for r in remap):
        raise SpecError(f"stack.remap={remap!r}: must be a list of PREFIX=PATH strings")
    from parity.chain.compile import PROFILES

    if out.get("compiler_profile", "legacy") not in PROFILES:
        raise SpecError(f"stack.compiler_profile={out['compiler_profile']!r}: must be one of {', '.join(PROFILES)}")
    return out


def parse_spec(raw: dict, base_dir: Path | str = ".") -> Spec:
    """Validate a raw spec and expand it into verifications (ids in rules × sets × price cases order)."""
    base_dir = Path(base_dir)
    _unknown("spec", raw, SPEC_KEYS)
    options = _run_options(raw)
    options["stack"] = _stack_options(raw, options["level"], base_dir)
    cases, prices = _price_cases(raw, base_dir)
    for case in cases:
        rows = case.window[1] - case.window[0]
        stride = case.chunk_period // case.interval
        updates = (rows - 1) // stride
        if options["blocks"] is not None and options["blocks"] > updates:
            raise SpecError(f"blocks={options['blocks']}: {case.label} has only {updates} update blocks")
    entries = raw.get("rules")
    if not isinstance(entries, list) or not entries:
        raise SpecError("rules: give at least one [[rules]] entry")
    verifications, grid_axes = [], []
    for e, entry in enumerate(entries):
        where = f"rules[{e}]"
        if not isinstance(entry, dict):
            raise SpecError(f"{where}: must be a table with rule and params/grid/file")
        _unknown(where, entry, RULE_KEYS)
        rule = entry.get("rule")
        if rule not in ON_CHAIN_RULES:
            raise SpecError(f"{where}.rule={rule!r}: choose one of {', '.join(ON_CHAIN_RULES)}")
        base = entry.get("base", {})
        if not isinstance(base, dict):
            raise SpecError(f"{where}.base: must be a table of parameters")
        if options["stack"]:
            try:
                stack_for(options["stack"], rule)  # the contracts must resolve before anything runs
            except ValueError as e:
                raise SpecError(f"stack ({where}.rule={rule}): {e}") from None
        sets, axes = _parameter_sets(where, entry, base_dir)
        grid_axes = grid_axes or axes
        perturb = _perturbation(where, entry, len(sets))
        if perturb is not None and options["level"] == "pool":
            raise SpecError(f"{where}.perturb_jax: the planted divergence is a rule-level self-test; use level='rule'")
        for s, params in enumerate(sets):
            params = {**base, **params}
            for case in cases:
                mapped = check_parameters(f"{where} set {s}", rule, params, case, options["fingerprint"])
                arrays, static = split_params(mapped.jax_params)
                group = static + tuple((k, a.shape) for k, a in arrays.items())
                p = perturb if perturb is not None and perturb["set"] == s else None
                if p is not None and p["param"] not in arrays:
                    raise SpecError(f"{where}.perturb_jax.param={p['param']!r}: the JAX side's numeric parameters "
                                    f"are {', '.join(arrays)}")
                verifications.append(Verification(len(verifications), rule, e, s, params, case, p, group))
    return Spec(verifications, prices, grid_axes=grid_axes, **options)


def load_spec(path) -> Spec:
    """load_spec_file + parse_spec (relative paths resolve against the working directory, then the spec's folder)."""
    return parse_spec(load_spec_file(path), Path(path).resolve().parent)
