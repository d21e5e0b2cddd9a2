"""The checks of a sweep spec beyond its format: its size before expansion, every parameter key and value,
the prices each verification sends to the chain, and the heatmap axes (docs/bad-input.md).

The expensive checks (which keys a rule reads, the chain's limits on the prices) depend on a few things
only (the rule, the set of keys, the asset count, λ), so each is run once per distinct combination and
remembered (`SweepChecks`), not once per verification.
"""

from __future__ import annotations

import json
import math

import numpy as np

from parity.catalogue import with_defaults
from parity.errors import UsageError

MAX_VERIFICATIONS = 20_000  # per spec: each is validated before the sweep starts; split larger sweeps
MAX_WORKERS = 256  # local worker processes
MAX_CONNECT_TIMEOUT = 3600.0  # seconds to wait for a Dask scheduler
HEATMAP_KEYS = {"x", "y", "field"}


class SpecError(UsageError):
    """A bad spec entry: one line naming it."""


def grid_size(where: str, grid) -> int:
    """The number of sets a grid table expands to, without expanding it."""
    if not isinstance(grid, dict) or not grid:
        raise SpecError(f"{where}.grid: must be a table of parameter name -> list of values")
    size = 1
    for k, v in grid.items():
        if not isinstance(v, list) or not v:
            raise SpecError(f"{where}.grid.{k}={str(v)[:60]}: must be a non-empty list of values")
        size *= len(v)
    return size


def check_size(entries: list, file_sets: dict, cases: int) -> int:
    """The number of verifications the spec expands to (sets × price cases per rules entry), checked
    against MAX_VERIFICATIONS before anything is expanded. `file_sets`: entry index -> sets from its file."""
    total, parts = 0, []
    for e, entry in enumerate(entries):
        where = f"rules[{e}]"
        sets = len(entry.get("params", []) if isinstance(entry.get("params"), list) else [])
        if "grid" in entry:
            sets += grid_size(where, entry["grid"])
        sets += file_sets.get(e, 0)
        total += sets * cases
        parts.append(f"{where}: {sets} sets")
    if total > MAX_VERIFICATIONS:
        raise SpecError(f"the spec expands to {total:,} verifications ({'; '.join(parts)}; × {cases} price cases), "
                        f"more than the {MAX_VERIFICATIONS:,} one sweep may hold: split it into several specs")
    return total


class SweepChecks:
    """Checks of one verification's parameters and prices, each run once per distinct combination."""

    def __init__(self, prices: dict, settings: dict):
        self.prices, self.settings = prices, settings
        self._keys: dict = {}
        self._chain: set = set()
        self._mapped: dict = {}

    def mapped(self, where: str, rule: str, params: dict, case, check):
        """check(where, rule, params, case, settings) -> (MappedParams, fingerprint), once per distinct
        (rule, set, asset count, chunk period): windows of one series share it."""
        key = (rule, json.dumps(params, sort_keys=True), case.n, case.chunk_period)
        if key not in self._mapped:
            self._mapped[key] = check(where, rule, params, case, self.settings)
        return self._mapped[key]

    def parameter_values(self, where: str, params: dict) -> None:
        """Every value a number or a list of numbers (booleans only for flags)."""
        from parity.inputs.params import check_parameter_values

        try:
            check_parameter_values(params, where)
        except UsageError as e:
            raise SpecError(str(e)) from None

    def parameter_keys(self, where: str, rule: str, params: dict, case, fp) -> None:
        """Every key of the set is read by the rule (as `parity verify --params` requires)."""
        from parity.inputs.checks import check_parameter_keys, drop_shadowing_defaults
        from parity.pools import create_pool

        key = (rule, frozenset(params), case.n, case.chunk_period)
        if key in self._keys:
            return
        pool, merged = create_pool(rule), with_defaults(rule, params)
        try:
            drop_shadowing_defaults(pool, merged, set(params), fp)
            check_parameter_keys(pool, merged, set(params), fp, where)
        except ValueError as e:
            raise SpecError(str(e)) from None
        self._keys[key] = True

    def chain_prices(self, where: str, rule: str, mapped, case, fp) -> None:
        """The update prices of the case are what the rule's contract can hold for this λ (int128 state)."""
        from parity.inputs.checks import check_prices_for_chain
        from parity.pools import create_pool

        cp = mapped.chain_params
        lam = tuple(np.ravel(cp.get("lamb", [])).tolist()) + tuple(np.ravel(cp.get("lamb_short", [])).tolist())
        key = (rule, case, lam)
        if key in self._chain:
            return
        stride = case.chunk_period // case.interval
        rows = self.prices[case.series][case.window[0]: case.window[1]: stride, : case.n]
        names = [f"{case.series}[{i}]" for i in range(case.n)]
        try:
            check_prices_for_chain(create_pool(rule), cp, fp, rows, names, f"{where} on {case.label}")
        except ValueError as e:
            raise SpecError(str(e)) from None
        self._chain.add(key)


def check_heatmap(heatmap: dict, verifications: list, level: str) -> None:
    """x and y name parameters the sets give as numbers; field is a compared field of the level."""
    from parity.harness.compare import FIELDS
    from parity.harness.lockstep.pool_sides import POOL_FIELDS

    if not heatmap:
        return
    fields = (*FIELDS, *(POOL_FIELDS + ("fine_rail",) if level == "pool" else ()))
    field = heatmap.get("field", "weights")
    if field not in fields and not (level == "pool" and isinstance(field, str) and field.startswith("fine_")):
        raise SpecError(f"heatmap.field={str(field)[:60]!r}: must be a compared field ({', '.join(fields)})")
    if "x" not in heatmap or "y" not in heatmap:
        raise SpecError("heatmap: give both x and y (parameter names of the sets)")
    for axis in ("x", "y"):
        name = heatmap[axis]
        numeric = [v.params.get(name) for v in verifications if isinstance(name, str) and name in v.params]
        if not numeric or not all(_scalar_number(x) for x in numeric):
            raise SpecError(f"heatmap.{axis}={json.dumps(name)[:60]}: no parameter set gives it as a single number "
                            "(use a key of the grid or of the sets)")
    if heatmap["x"] == heatmap["y"]:
        raise SpecError(f"heatmap: x and y are both {heatmap['x']!r}; give two different parameters")


def _scalar_number(x) -> bool:
    if isinstance(x, list) and len(x) == 1:
        x = x[0]
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check_run_options(args) -> None:
    """--workers, --scheduler (tcp|tls://HOST:PORT or inproc://...) and --connect-timeout (seconds)."""
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise UsageError(f"--workers {args.workers}: must be between 1 and {MAX_WORKERS}")
    timeout = args.connect_timeout
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_CONNECT_TIMEOUT):
        raise UsageError(f"--connect-timeout {timeout}: must be a number of seconds in (0, {MAX_CONNECT_TIMEOUT:g}]")
    if args.scheduler is None:
        return
    from urllib.parse import urlsplit

    address = args.scheduler
    parts = urlsplit(address)
    if parts.scheme == "inproc" and address.startswith("inproc://") and len(address) > len("inproc://"):
        return
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or port is None or not 0 < port < 65536 \
            or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise UsageError(f"--scheduler {address!r}: must be tcp://HOST:PORT (or tls://HOST:PORT), the port in 1..65535")
