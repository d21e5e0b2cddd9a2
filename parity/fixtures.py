"""Golden fixtures: self-describing records of one on-chain rule run, and their replay without a chain.

A fixture is written by `record` (the harness's lockstep driver runs the rule on a chain, so parameters,
prices and initial state go through exactly the mapping `parity verify` uses) and holds: format name and
version, rule and contract, the run fingerprint, parameters (float and 18-decimal integer encodings), the
prices (inline, or a repo-relative CSV path with its SHA-256 and the row/column selection), the initial
state, the compiler/contract identity, the backend, and per update block the chain block number, timestamp,
oracle price, every on-chain state getter and the coarse weights, all as exact integers (decimal strings).
`content_sha256` covers the canonical body, so any edit is detected.

`replay` validates a fixture completely (`load_fixture`) before using any of it, then re-runs both JAX paths
(scan steps from the recorded initial state with the decoded float parameters, and the vectorized path)
against the recorded chain values through the harness's driver and comparison, so its verdict and report
are exactly those of `parity verify`.

    python -m parity.fixtures regenerate [--out DIR] [--only NAME ...]   rewrites the committed set
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from parity.float64 import guarded
from parity.validation import MAX_JSON_DEPTH, InputError, json_depth, read_input_text

FORMAT = "parity-golden-fixture"
FORMAT_VERSION = 1
REPO_ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = REPO_ROOT / "fixtures" / "golden"
DEFAULT_START_TIMESTAMP = 2_000_000_000
WAD = 10**18

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_TOP_KEYS = {
    "format", "format_version", "rule", "contract", "n_assets", "blocks", "fingerprint", "parameters",
    "prices", "initial", "contract_artifact", "chain", "per_block", "content_sha256",
}
_PARAM_KEYS = {"float", "parameters", "lambdaStore", "epsilonMax", "absoluteWeightGuardRail"}
_BLOCK_KEYS = {"block", "chain_block", "timestamp", "price", "state", "weights"}
_CHAIN_KEYS = {"backend", "start_timestamp", "runner", "pool", "rule_address"}
_ARTIFACT_KEYS = {"contract_name", "compiler_version", "settings", "source_hash", "deployed_bytecode_sha256",
                  "compiler_profile"}
_ARTIFACT_OPTIONAL = {"compiler_profile"}  # absent in fixtures recorded before profiles existed: "legacy"


class RecordError(ValueError):
    """The chain run did not complete (a revert, or chain != integer model): nothing to record."""

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result


class FixtureError(ValueError):
    """A fixture that cannot be used: names the file, the field and what was expected vs found."""

    def __init__(self, file, field: str, problem: str):
        self.file = str(file)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.file}: {field}: {problem}")


# ---------------------------------------------------------------------------------------------------------
# canonical serialisation
# ---------------------------------------------------------------------------------------------------------


def canonical_body(data: dict) -> bytes:
    """The bytes `content_sha256` is taken over: every key except content_sha256, sorted, compact."""
    body = {k: v for k, v in data.items() if k != "content_sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def content_hash(data: dict) -> str:
    """SHA-256 (hex) of `canonical_body(data)`."""
    return hashlib.sha256(canonical_body(data)).hexdigest()


def _scalar(v) -> bool:
    return not isinstance(v, (dict, list))


def _dump(v, level: int) -> str:
    pad, inner = " " * level, " " * (level + 1)
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dump(v[k], level + 1)}" for k in sorted(v)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        if all(_scalar(x) for x in v):
            return "[" + ", ".join(json.dumps(x, allow_nan=False) for x in v) + "]"
        return "[\n" + ",\n".join(inner + _dump(x, level + 1) for x in v) + "\n" + pad + "]"
    return json.dumps(v, allow_nan=False)


def dumps(data: dict) -> str:
    """The fixture file text: sorted keys, one-space indentation, scalar lists on one line, trailing newline.
    Sets (overwrites) content_sha256."""
    body = {k: v for k, v in data.items() if k != "content_sha256"}
    body["content_sha256"] = content_hash(body)
    return _dump(body, 0) + "\n"


def write_fixture(data: dict, path) -> Path:
    """Write `dumps(data)` to `path` (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from parity.io import write_atomic

    return write_atomic(path, dumps(data))


def _ints(values) -> list[str]:
    return [str(int(v)) for v in values]


def _floats(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _float_params(chain_params: dict) -> dict:
    """The fixture's "parameters.float" entry: the flag use_raw_price as a bool, every other parameter as floats."""
    return {k: (bool(v) if k == "use_raw_price" else _floats(v)) for k, v in chain_params.items()}


def file_sha256(path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# record
# ---------------------------------------------------------------------------------------------------------


def _price_source(prices, assets, root: Path, inline: bool | None):
    """(PriceSeries, repo-relative path or None) for a CSV path, a PriceSeries or a (T, n) array."""
    from parity.prices import PriceSeries, load_prices

    rel = None
    if isinstance(prices, (str, Path)):
        path = Path(prices)
        if not path.exists():
            raise ValueError(f"prices={str(prices)!r}: file not found")
        series = load_prices(path, assets=assets)
        try:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = None  # outside the repository: no absolute paths in a fixture, so store the rows inline
    elif isinstance(prices, PriceSeries):
        series = prices if assets is None else prices.select(assets)
    else:
        series = load_prices(prices, assets=assets)
    if inline:
        rel = None
    return series, rel


@guarded
def record(
    rule: str,
    params: dict,
    prices,
    *,
    assets=None,
    blocks: int | None = None,
    chunk_period: int | None = None,
    epsilon_max: float | None = None,
    guard_rail: float | None = None,
    backend: str = "eth-tester",
    inline: bool | None = None,
    start_timestamp: int = DEFAULT_START_TIMESTAMP,
    root=REPO_ROOT,
    progress: bool = False,
    compiler_profile: str = "legacy",
):
    """Run `rule` on a fresh `backend` chain in lockstep with the JAX scan path and build its golden fixture.

    prices: a price CSV path (stored as its repo-relative path + SHA-256 + selection when inside `root`,
    else inline), a PriceSeries or a (T, n) array (inline). assets: first k columns or token names.
    chunk_period defaults to the price interval. compiler_profile ("legacy" or "via-ir") selects the build; it
    is recorded in contract_artifact. Returns (fixture dict, LockstepResult). Raises ValueError
    for bad inputs and when the chain run did not complete (a revert, or chain != integer model)."""
    from parity.chain import RULE_CONTRACTS, make_chain
    from parity.harness.driver import POOL_ADDRESS, run_lockstep
    from parity.pools import create_pool

    if rule not in RULE_CONTRACTS:
        raise ValueError(f"rule={rule!r}: has no on-chain rule; choose one of {', '.join(RULE_CONTRACTS)}")
    if backend not in ("eth-tester", "revm"):
        raise ValueError(f"backend={backend!r}: fixtures are recorded on an in-process chain, 'eth-tester' or 'revm'")
    root = Path(root)
    series, rel = _price_source(prices, assets, root, inline)
    fp, blocks, values = _record_inputs(rule, series, blocks, chunk_period, epsilon_max, guard_rail)
    chain = make_chain(backend)
    result = run_lockstep(
        create_pool(rule), params, fp, values, chain, blocks=blocks, start_timestamp=start_timestamp,
        model_check=True, vectorized_check=True, progress=progress, pool_address=POOL_ADDRESS,
        compiler_profile=compiler_profile,
    )
    if result.status in ("revert", "model_mismatch"):
        from parity.harness.report import summary

        raise RecordError(f"the {rule} run did not complete on {backend}, so it cannot be a golden fixture:\n{summary(result)}", result)
    data = fixture_data(result, rule, series, values, backend=backend, runner=chain.accounts[0],
                        start_timestamp=start_timestamp, rel=rel, root=root, compiler_profile=compiler_profile)
    return data, result


def fixture_data(result, rule: str, series, values, *, backend: str, runner: str, start_timestamp: int, rel=None,
                 root=REPO_ROOT, compiler_profile: str = "legacy", artifact=None) -> dict:
    """The fixture of a rule-level LockstepResult over its compared blocks (up to a revert, if any): `series`
    names the columns and interval, `values` holds the price rows; `artifact` is the build that ran when it
    was not parity's own (a user's contract: its hashes are recorded under the rule's contract name)."""
    from parity.harness.driver import POOL_ADDRESS

    blocks = len(result.block_ids)
    values = np.asarray(values, dtype=np.float64)[: blocks * result.mapped.fingerprint.chunk_steps + 1]
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "rule": rule,
        "contract": result.contract,
        "n_assets": series.n_assets,
        "blocks": blocks,
        "fingerprint": result.mapped.fingerprint.to_dict(),
        "parameters": _parameters_entry(result.mapped),
        "prices": _price_entry(series, rel, root, values),
        "initial": _initial_entry(result, values[0]),
        "contract_artifact": _artifact_entry(result.contract, compiler_profile, artifact),
        "chain": {
            "backend": backend,
            "start_timestamp": int(start_timestamp),
            "runner": runner,
            "pool": POOL_ADDRESS,
            "rule_address": result.artifact_info.get("address"),
        },
        "per_block": _per_block_entries(result),
    }
    data["content_sha256"] = content_hash(data)
    return data


def _record_inputs(rule, series, blocks, chunk_period, epsilon_max, guard_rail):
    """(fingerprint, blocks, the price rows the run uses) for recording `rule` on `series`."""
    from parity.fingerprint import make_run_fingerprint

    interval = int(series.interval_minutes)
    chunk = interval if chunk_period is None else int(chunk_period)
    fp_kwargs = {"rule": rule, "n_assets": series.n_assets, "chunk_period": chunk, "price_interval": interval}
    if epsilon_max is not None:
        fp_kwargs["epsilon_max"] = epsilon_max
    if guard_rail is not None:
        fp_kwargs["absolute_weight_guard_rail"] = guard_rail
    fp = make_run_fingerprint(**fp_kwargs)
    stride = fp.chunk_steps
    available = (series.n_steps - 1) // stride
    if blocks is None:
        blocks = available
    if not isinstance(blocks, (int, np.integer)) or not 1 <= blocks <= available:
        raise ValueError(f"blocks={blocks!r}: must be an integer in 1..{available} (the prices hold {available} updates)")
    rows = int(blocks) * stride + 1
    return fp, int(blocks), np.asarray(series.prices[:rows], dtype=np.float64)


def _parameters_entry(m) -> dict:
    return {
        "float": _float_params(m.chain_params),
        "parameters": [_ints(r) for r in m.parameters],
        "lambdaStore": _ints(m.lambda_store),
        "epsilonMax": str(m.epsilon_max),
        "absoluteWeightGuardRail": str(m.guard_rail),
    }


def _price_entry(series, rel, root: Path, values: np.ndarray) -> dict:
    """The price file by repo-relative path and hash, or the rows inline."""
    interval = int(series.interval_minutes)
    if rel is None:
        return {"inline": [_floats(r) for r in values], "columns": list(series.tokens), "interval_minutes": interval}
    return {
        "path": rel,
        "sha256": file_sha256(root / rel),
        "columns": list(series.tokens),
        "rows": [0, len(values)],
        "interval_minutes": interval,
    }


def _initial_entry(result, price0: np.ndarray) -> dict:
    from parity.harness.mapping import to_wei

    init, smap = result.initial, result.state_map
    return {
        "price": [str(to_wei(x)) for x in price0],
        "ewma": _ints(init["ewma"]),
        smap.init_key: _ints(init[smap.init_key]),
        "weights": _ints(init["weights"]),
    }


def _artifact_entry(contract: str, compiler_profile: str, artifact=None) -> dict:
    from parity.harness.driver import _rule_artifacts

    artifact = artifact or _rule_artifacts(compiler_profile)[contract]
    return {
        "contract_name": contract,
        "compiler_version": artifact.compiler_version,
        "settings": artifact.settings,
        "source_hash": artifact.source_hash.removeprefix("sha256:"),
        "deployed_bytecode_sha256": hashlib.sha256(artifact.deployed_bytecode.encode()).hexdigest(),
        "compiler_profile": compiler_profile,
    }


def _per_block_entries(result) -> list[dict]:
    return [
        {
            "block": int(k),
            "chain_block": int(result.chain_blocks[row]),
            "timestamp": int(result.timestamps[row]),
            "price": _ints(result.prices_wei[row]),
            "state": {key: _ints(result.chain[key][row]) for key in result.state_map.keys},
            "weights": _ints(result.chain["weights"][row]),
        }
        for row, k in enumerate(result.block_ids)
    ]


# ---------------------------------------------------------------------------------------------------------
# load + validate
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixtureRecord:
    """What every validated fixture (rule or pool level) holds: the JSON body `data`, its RunFingerprint,
    the (rows, n) float64 price rows the run used (row 0 initialises, every chunk_steps-th row is an update)
    and the decoded float parameters."""

    file: str
    data: dict
    fingerprint: Any
    prices: np.ndarray
    chain_params: dict

    @property
    def rule(self) -> str:
        return self.data["rule"]

    @property
    def contract(self) -> str:
        return self.data["contract"]

    @property
    def n_assets(self) -> int:
        return self.data["n_assets"]

    @property
    def blocks(self) -> int:
        return self.data["blocks"]

    def ints(self, *path) -> list[int]:
        """A decimal-string array of the fixture as ints, e.g. ints("per_block", 0, "weights")."""
        v: Any = self.data
        for p in path:
            v = v[p]
        return [int(x) for x in v]


@dataclass(frozen=True)
class Fixture(FixtureRecord):
    """A completely validated rule-level golden fixture; state_keys: the carry keys the contract keeps (its
    state getters)."""

    state_keys: tuple


class _Checker:
    """Validation helpers that raise FixtureError naming the file and field."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, field: str, problem: str):
        raise FixtureError(self.file, field, problem)

    def obj(self, v, field: str, keys: set, optional: set = frozenset()) -> dict:
        if not isinstance(v, dict):
            self.fail(field, f"expected a JSON object, found {type(v).__name__}")
        missing = sorted(keys - set(v) - set(optional))
        if missing:
            self.fail(field, f"missing key(s) {', '.join(missing)} (expected keys: {', '.join(sorted(keys))})")
        extra = sorted(set(v) - keys)
        if extra:
            self.fail(field, f"unknown key(s) {', '.join(extra)} (expected keys: {', '.join(sorted(keys))})")
        return v

    def integer(self, v, field: str, minimum: int | None = None, maximum: int = 2**64 - 1) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(field, f"expected an integer, found {v!r:.80}")
        if minimum is not None and v < minimum:
            self.fail(field, f"expected an integer >= {minimum}, found {v}")
        if v > maximum:
            self.fail(field, f"expected an integer <= {maximum}, found {v}")
        return v

    def string(self, v, field: str) -> str:
        if not isinstance(v, str):
            self.fail(field, f"expected a string, found {v!r}")
        return v

    def decimal(self, v, field: str, bits: int = 256) -> int:
        """A decimal string holding a signed integer of `bits` bits (int256 by default, int128 for state)."""
        if not isinstance(v, str) or not _DECIMAL.match(v):
            self.fail(field, f"expected an integer as a decimal string, found {v!r:.80}")
        if len(v) > 80:  # longer than any int256; int() of thousands of digits is slow or refused
            self.fail(field, f"expected an int{bits}, found a {len(v.lstrip('-'))}-digit integer")
        value = int(v)
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            self.fail(field, f"expected an int{bits} (what the contract can hold), found {v}")
        return value

    def decimals(self, v, field: str, length: int | None, bits: int = 256) -> list[int]:
        if not isinstance(v, list):
            self.fail(field, f"expected a list of decimal strings, found {type(v).__name__}")
        if length is not None and len(v) != length:
            self.fail(field, f"expected {length} entries (n_assets), found {len(v)}")
        return [self.decimal(x, f"{field}[{i}]", bits) for i, x in enumerate(v)]

    def equal(self, found, expected, field: str, what: str = ""):
        if found != expected:
            self.fail(field, f"expected {expected!r}{what}, found {found!r}")


def _parse_json(text: str, ck: _Checker):
    def pairs(items):
        seen = {}
        for k, v in items:
            if k in seen:
                ck.fail(k, "duplicate key")
            seen[k] = v
        return seen

    def constant(name):
        ck.fail("(json)", f"non-finite number {name} is not allowed")

    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        ck.fail("(json)", f"nested {depth} levels deep; a fixture is at most {MAX_JSON_DEPTH}")
    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as e:
        ck.fail("(json)", f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno}); truncated or edited file?")
    except RecursionError:
        ck.fail("(json)", "nested too deeply")
    except ValueError as e:
        if isinstance(e, FixtureError):
            raise
        ck.fail("(json)", f"unreadable value ({str(e).splitlines()[0]})")  # e.g. a 5000-digit integer


def _relative_path(p: str, ck: _Checker) -> str:
    if not p or p.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", p) or ".." in Path(p).parts:
        ck.fail("prices.path", f"expected a path relative to the repository root without '..', found {p!r}")
    return p


def _check_columns(columns, n: int, ck: _Checker) -> list:
    if not isinstance(columns, list) or len(columns) != n or not all(isinstance(c, str) for c in columns):
        ck.fail("prices.columns", f"expected {n} column names (n_assets), found {columns!r}")
    return columns


def _load_prices(entry: dict, n: int, rows: int, root: Path, ck: _Checker) -> np.ndarray:
    from parity.prices import load_prices

    if "inline" in entry:
        ck.obj(entry, "prices", {"inline", "columns", "interval_minutes"})
        values = entry["inline"]
        if not isinstance(values, list) or len(values) != rows:
            found = len(values) if isinstance(values, list) else type(values).__name__
            ck.fail("prices.inline", f"expected {rows} rows (blocks·chunk_steps + 1), found {found}")
        for t, row in enumerate(values):
            if not isinstance(row, list) or len(row) != n:
                ck.fail(f"prices.inline[{t}]", f"expected {n} prices (n_assets), found {row!r:.80}")
            for i, x in enumerate(row):
                if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x <= 0:
                    ck.fail(f"prices.inline[{t}][{i}]", f"expected a finite price > 0, found {x!r}")
        _check_columns(entry["columns"], n, ck)
        ck.integer(entry["interval_minutes"], "prices.interval_minutes", 1)
        return np.array(values, dtype=np.float64)
    ck.obj(entry, "prices", {"path", "sha256", "columns", "rows", "interval_minutes"})
    rel = _relative_path(ck.string(entry["path"], "prices.path"), ck)
    digest = ck.string(entry["sha256"], "prices.sha256")
    if not _SHA256.match(digest):
        ck.fail("prices.sha256", f"expected 64 lowercase hex digits, found {digest!r}")
    path = root / rel
    if not path.is_file():
        ck.fail("prices.path", f"price file {rel!r} not found (looked in {root})")
    actual = file_sha256(path)
    if actual != digest:
        ck.fail("prices.sha256", f"price file {rel} has SHA-256 {actual}, expected {digest}: the price file changed")
    columns = _check_columns(entry["columns"], n, ck)
    span = entry["rows"]
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in span)):
        ck.fail("prices.rows", f"expected [start, stop] integers, found {span!r}")
    start, stop = span
    if stop - start != rows or start < 0:
        ck.fail("prices.rows", f"expected a span of {rows} rows (blocks·chunk_steps + 1) from start >= 0, found {span}")
    try:
        series = load_prices(path)
    except ValueError as e:
        ck.fail("prices.path", f"price file {rel} does not load: {e}")
    missing = [c for c in columns if c not in series.tokens]
    if missing:
        ck.fail("prices.columns", f"column(s) {missing} are not in {rel} (it has {list(series.tokens)})")
    if stop > series.n_steps:
        ck.fail("prices.rows", f"rows {span} exceed the {series.n_steps} rows of {rel}")
    ck.equal(entry["interval_minutes"], int(series.interval_minutes), "prices.interval_minutes", f" (the interval of {rel})")
    return np.ascontiguousarray(series.select(columns).prices[start:stop], dtype=np.float64)


def _check_parameters(entry: dict, rule: str, n: int, fp, ck: _Checker) -> dict:
    from parity.harness.mapping import to_wei
    from parity.pools import create_pool

    ck.obj(entry, "parameters", _PARAM_KEYS)
    rows = entry["parameters"]
    if not isinstance(rows, list) or not rows:
        ck.fail("parameters.parameters", f"expected a non-empty list of int256 arrays, found {rows!r}")
    parameters = [ck.decimals(r, f"parameters.parameters[{i}]", None) for i, r in enumerate(rows)]
    lambda_store = ck.decimals(entry["lambdaStore"], "parameters.lambdaStore", None)
    if len(lambda_store) not in (1, n):
        ck.fail("parameters.lambdaStore", f"expected 1 or n_assets={n} entries, found {len(lambda_store)}")
    eps = ck.decimal(entry["epsilonMax"], "parameters.epsilonMax")
    guard = ck.decimal(entry["absoluteWeightGuardRail"], "parameters.absoluteWeightGuardRail")
    pool = create_pool(rule)
    try:
        decoded = pool.decode_chain_params(parameters, lambda_store, n)
    except ValueError as e:
        ck.fail("parameters.parameters", f"the {rule} pool cannot decode them: {e}")
    floats = entry["float"]
    expected = _float_params(decoded)
    if not isinstance(floats, dict):
        ck.fail("parameters.float", f"expected a JSON object, found {floats!r}")
    for key in sorted(set(expected) | set(floats)):
        if key not in floats:
            ck.fail(f"parameters.float.{key}", f"missing (the integer parameters decode to {expected[key]!r})")
        if key not in expected:
            ck.fail(f"parameters.float.{key}", f"unknown parameter for {rule} (expected keys: {', '.join(sorted(expected))})")
        ck.equal(floats[key], expected[key], f"parameters.float.{key}", " (decoded from the integer parameters)")
    try:
        re_params, re_lambda = pool.encode_chain_params(decoded, n)
    except ValueError as e:
        ck.fail("parameters.float", f"the decoded parameters are invalid for {rule}: {e}")
    ck.equal([[int(v) for v in r] for r in re_params], parameters, "parameters.parameters",
             " (re-encoding the decoded float parameters)")
    ck.equal([int(v) for v in re_lambda], lambda_store, "parameters.lambdaStore", " (re-encoding the decoded lambda)")
    ck.equal(eps, to_wei(fp.epsilon_max), "parameters.epsilonMax", " (fingerprint.epsilon_max in wei)")
    ck.equal(guard, to_wei(fp.absolute_weight_guard_rail), "parameters.absoluteWeightGuardRail",
             " (fingerprint.absolute_weight_guard_rail in wei)")
    return decoded


def _check_chain_entry(entry, ck: _Checker):
    from eth_utils import is_checksum_address

    ck.obj(entry, "chain", _CHAIN_KEYS)
    if entry["backend"] not in ("eth-tester", "revm"):
        ck.fail("chain.backend", f"expected 'eth-tester' or 'revm', found {entry['backend']!r}")
    ck.integer(entry["start_timestamp"], "chain.start_timestamp", 1)
    for key in ("runner", "pool", "rule_address"):
        if not isinstance(entry[key], str) or not is_checksum_address(entry[key]):
            ck.fail(f"chain.{key}", f"expected a checksum address, found {entry[key]!r}")


def _check_artifact(entry, contract: str, ck: _Checker):
    ck.obj(entry, "contract_artifact", _ARTIFACT_KEYS, _ARTIFACT_OPTIONAL)
    ck.equal(entry["contract_name"], contract, "contract_artifact.contract_name")
    for key in ("source_hash", "deployed_bytecode_sha256"):
        if not isinstance(entry[key], str) or not _SHA256.match(entry[key]):
            ck.fail(f"contract_artifact.{key}", f"expected 64 lowercase hex digits, found {entry[key]!r}")
    ck.string(entry["compiler_version"], "contract_artifact.compiler_version")
    if not isinstance(entry["settings"], dict):
        ck.fail("contract_artifact.settings", f"expected a JSON object, found {entry['settings']!r}")
    profile = fixture_profile(entry)
    if profile not in ("legacy", "via-ir"):
        ck.fail("contract_artifact.compiler_profile", f"expected 'legacy' or 'via-ir', found {profile!r}")
    if bool(entry["settings"].get("viaIR")) != (profile == "via-ir"):
        ck.fail("contract_artifact.compiler_profile",
                f"{profile!r} contradicts settings.viaIR = {entry['settings'].get('viaIR')!r}")


def fixture_profile(artifact_entry: dict) -> str:
    """The compiler profile a fixture was recorded with ("legacy" when the entry predates profiles)."""
    return artifact_entry.get("compiler_profile", "legacy")


def _check_blocks(data: dict, prices_wei: list, state_keys: tuple, n: int, ck: _Checker):
    blocks = data["blocks"]
    per_block = data["per_block"]
    if not isinstance(per_block, list):
        ck.fail("per_block", f"expected a list of {blocks} blocks, found {type(per_block).__name__}")
    if len(per_block) != blocks:
        ck.fail("per_block", f"expected {blocks} blocks (the 'blocks' field), found {len(per_block)}")
    last_chain = last_ts = None
    for row, b in enumerate(per_block):
        f = f"per_block[{row}]"
        ck.obj(b, f, _BLOCK_KEYS)
        ck.equal(b["block"], row + 1, f"{f}.block", " (update blocks are numbered 1, 2, ...)")
        cb = ck.integer(b["chain_block"], f"{f}.chain_block", 0)
        ts = ck.integer(b["timestamp"], f"{f}.timestamp", 0)
        if last_chain is not None and cb <= last_chain:
            ck.fail(f"{f}.chain_block", f"expected > {last_chain} (strictly increasing), found {cb}")
        if last_ts is not None and ts <= last_ts:
            ck.fail(f"{f}.timestamp", f"expected > {last_ts} (strictly increasing), found {ts}")
        last_chain, last_ts = cb, ts
        price = ck.decimals(b["price"], f"{f}.price", n)
        ck.equal(price, prices_wei[row + 1], f"{f}.price", " (the update price row of the price source, in wei)")
        state = ck.obj(b["state"], f"{f}.state", set(state_keys))
        for key in state_keys:
            ck.decimals(state[key], f"{f}.state.{key}", n, bits=128)
        ck.decimals(b["weights"], f"{f}.weights", n)


@guarded
def validate(data: Any, *, file="<fixture>", root=REPO_ROOT) -> Fixture:
    """Validate a parsed fixture completely and return it as a Fixture; raises FixtureError on the first
    problem (format/version, content hash, schema, rule, fingerprint, parameter encodings, price source and
    hash, shapes, per-block array lengths and block count)."""
    from parity.chain import RULE_CONTRACTS
    from parity.fingerprint import make_run_fingerprint
    from parity.harness.mapping import STATE_MAPS, to_wei

    ck = _Checker(str(file))
    root = Path(root)
    if not isinstance(data, dict):
        ck.fail("(top level)", f"expected a JSON object, found {type(data).__name__}")
    from parity.pool_fixtures import POOL_FORMAT, validate_pool

    if data.get("format") == POOL_FORMAT:  # a pool-level fixture (parity.pool_fixtures)
        return validate_pool(data, file=file, root=root)
    ck.equal(data.get("format"), FORMAT, "format")
    ck.equal(data.get("format_version"), FORMAT_VERSION, "format_version", " (the version this parity reads)")
    stored = data.get("content_sha256")
    actual = content_hash(data)
    if stored is None:
        ck.fail("content_sha256", f"missing (expected the SHA-256 of the canonical body, {actual})")
    if stored != actual:
        ck.fail("content_sha256", f"expected {stored!r} (stored), computed {actual}: the content was edited after recording")
    ck.obj(data, "(top level)", _TOP_KEYS)
    rule = ck.string(data["rule"], "rule")
    if rule not in RULE_CONTRACTS:
        ck.fail("rule", f"expected one of {', '.join(RULE_CONTRACTS)} (rules with an on-chain contract), found {rule!r}")
    contract = RULE_CONTRACTS[rule]
    ck.equal(data["contract"], contract, "contract", f" (the contract of rule {rule})")
    n = ck.integer(data["n_assets"], "n_assets", 2)
    blocks = ck.integer(data["blocks"], "blocks", 1)
    if not isinstance(data["fingerprint"], dict):
        ck.fail("fingerprint", f"expected a JSON object, found {data['fingerprint']!r}")
    try:
        fp = make_run_fingerprint(**data["fingerprint"])
    except (ValueError, TypeError) as e:
        ck.fail("fingerprint", str(e))
    ck.equal(data["fingerprint"], fp.to_dict(), "fingerprint", " (the canonical form)")
    ck.equal(fp.rule, rule, "fingerprint.rule")
    ck.equal(fp.n_assets, n, "fingerprint.n_assets")
    decoded = _check_parameters(data["parameters"], rule, n, fp, ck)
    rows = blocks * fp.chunk_steps + 1
    prices = _load_prices(data["prices"], n, rows, root, ck)
    ck.equal(data["prices"]["interval_minutes"], fp.price_interval, "prices.interval_minutes", " (fingerprint.price_interval)")
    update = prices[:: fp.chunk_steps]
    prices_wei = [[to_wei(x) for x in row] for row in update.tolist()]
    smap = STATE_MAPS[contract]
    initial = ck.obj(data["initial"], "initial", {"price", "ewma", smap.init_key, "weights"})
    ck.equal(ck.decimals(initial["price"], "initial.price", n), prices_wei[0], "initial.price",
             " (row 0 of the price source, in wei)")
    for key in ("ewma", smap.init_key):
        ck.decimals(initial[key], f"initial.{key}", n, bits=128)
    w0 = ck.decimals(initial["weights"], "initial.weights", n)
    ck.equal(sum(w0), WAD, "initial.weights", " as their sum (1e18)")
    _check_artifact(data["contract_artifact"], contract, ck)
    _check_chain_entry(data["chain"], ck)
    _check_blocks(data, prices_wei, smap.keys, n, ck)
    return Fixture(str(file), data, fp, prices, decoded, smap.keys)


@guarded
def load_fixture(path, *, root=REPO_ROOT) -> Fixture:
    """Read and completely validate a fixture file (see `validate`); price paths resolve against `root`."""
    path = Path(path)
    ck = _Checker(str(path))
    try:
        text = read_input_text(path, "fixture")
    except InputError as e:
        ck.fail("(file)", str(e).split(": ", 1)[1])  # not found, a directory or device, binary, not UTF-8
    if not text.endswith("\n"):
        ck.fail("(file)", "expected a trailing newline: the file is truncated or was not written by parity")
    return validate(_parse_json(text, ck), file=path, root=root)


# ---------------------------------------------------------------------------------------------------------
# replay
# ---------------------------------------------------------------------------------------------------------


class RecordedChain:
    """A stand-in chain that answers with a fixture's recorded values (no EVM).

    Each CalculateNewWeights returns the next recorded block's weights; the state getters return that
    block's recorded state. Every input the driver sends is checked against the recording, so the JAX
    side provably consumed the recorded prices, parameters and previous weights."""

    def __init__(self, fixture: Fixture):
        from parity.harness.mapping import STATE_MAPS, pack_words

        self.fixture = fixture
        d = fixture.data
        self.name = f"replay of {d['chain']['backend']}"
        self.accounts = [d["chain"]["runner"]]
        self._pool = d["chain"]["pool"]
        self._fields = {f.getter: f for f in STATE_MAPS[fixture.contract].fields}
        self._pack = pack_words
        self._row = -1  # -1: before initialise; 0: initialised; k: after update block k
        self._states = [{key: fixture.ints("initial", key) for key in fixture.state_keys}]
        self._weights = [fixture.ints("initial", "weights")]
        for b in d["per_block"]:
            self._states.append({k: [int(x) for x in v] for k, v in b["state"].items()})
            self._weights.append([int(x) for x in b["weights"]])
        self._p = d["parameters"]

    def _mismatch(self, field: str, expected, found):
        raise FixtureError(self.fixture.file, field, f"replay sent {found!r}, the recording has {expected!r}")

    def deploy(self, artifact, *ctor_args, sender=None, timestamp=None):
        raise FixtureError(self.fixture.file, "chain", "a replay attaches to the recorded rule; it deploys nothing")

    def transact(self, contract, fn, args, *, timestamp=None, sender=None):
        from parity.chain import TxResult

        d = self.fixture.data
        if fn == "initialisePoolRuleIntermediateValues":
            pool, ma, init, n = args
            init_key = next(k for k in self.fixture.state_keys if k != "ewma")
            for key, got in (("ewma", ma), (init_key, init)):
                if [int(x) for x in got] != self.fixture.ints("initial", key):
                    self._mismatch(f"initial.{key}", self.fixture.ints("initial", key), [int(x) for x in got])
            self._row = 0
            return TxResult(d["per_block"][0]["chain_block"] - 1, d["chain"]["start_timestamp"] + 1, 0, None, [])
        if fn != "CalculateNewWeights":
            raise FixtureError(self.fixture.file, "chain", f"the recording has no {fn} transaction")
        k = self._row + 1
        if not 1 <= k <= len(d["per_block"]):
            raise FixtureError(self.fixture.file, "per_block", f"replay asked for block {k}, the recording has 1..{len(d['per_block'])}")
        b = d["per_block"][k - 1]
        prev, data, pool, parameters, lambda_store, eps, guard = args
        checks = (
            (f"per_block[{k - 1}].price", self.fixture.ints("per_block", k - 1, "price"), data),
            ("parameters.parameters", [[int(x) for x in r] for r in self._p["parameters"]], [list(r) for r in parameters]),
            ("parameters.lambdaStore", [int(x) for x in self._p["lambdaStore"]], lambda_store),
            ("parameters.epsilonMax", int(self._p["epsilonMax"]), eps),
            ("parameters.absoluteWeightGuardRail", int(self._p["absoluteWeightGuardRail"]), guard),
            ("chain.pool", self._pool, pool),
        )
        for field, expected, got in checks:
            got = _plain(got)
            if got != expected:
                self._mismatch(field, expected, got)
        if [int(x) for x in prev] != self._weights[k - 1]:
            self._mismatch(f"per_block[{k - 1}] previous weights", self._weights[k - 1], [int(x) for x in prev])
        self._row = k
        return TxResult(b["chain_block"], b["timestamp"], 0, list(self._weights[k]), [])

    def call(self, contract, fn, args=(), *, sender=None):
        if fn == "validParameters":
            return True  # the recorded chain accepted them (the integer model re-checks when enabled)
        f = self._fields.get(fn)
        if f is None or self._row < 0:
            raise FixtureError(self.fixture.file, "chain", f"the recording has no answer for {fn}{tuple(args)!r}")
        values = self._states[self._row][f.key]
        return self._pack(values)[int(args[1])] if f.packed else list(values)

    def block_number(self) -> int:
        return self.fixture.data["per_block"][self._row]["chain_block"] if self._row > 0 else 0

    def timestamp(self) -> int:
        return self.fixture.data["chain"]["start_timestamp"]


def _plain(v):
    """Nested sequences of ints (numpy or Python) as plain lists of ints; strings unchanged."""
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return int(v)


def replay_params(fixture: Fixture) -> dict:
    """The params a replay runs with: the decoded on-chain float parameters, the recorded initial weights
    and the recorded initial estimator state (as `initial_<key>` overrides)."""
    from parity.harness.mapping import from_wei_array

    params = {k: (v if k == "use_raw_price" else np.asarray(v, dtype=np.float64)) for k, v in fixture.chain_params.items()}
    params["initial_weights"] = from_wei_array(fixture.ints("initial", "weights"))
    for key in fixture.data["initial"]:
        if key not in ("price", "weights"):
            params[f"initial_{key}"] = from_wei_array(fixture.ints("initial", key))
    return params


@guarded
def replay(fixture, *, root=REPO_ROOT, tolerances: dict | None = None, model_check: bool = True,
           vectorized_check: bool = True):
    """Validate (if given a path) and replay a fixture: the JAX scan path from the recorded initial state with
    the decoded float parameters, and the vectorized path, against the recorded chain values; the integer
    model (model_check) must reproduce the recording exactly. Returns the harness's LockstepResult (render
    it with parity.harness.summary / write_json). Raises FixtureError for an unusable fixture."""
    from parity.chain import Deployed
    from parity.harness.driver import run_lockstep
    from parity.pool_fixtures import PoolFixture, replay_pool
    from parity.pools import create_pool

    fx = fixture if isinstance(fixture, (Fixture, PoolFixture)) else load_fixture(fixture, root=root)
    if isinstance(fx, PoolFixture):
        return replay_pool(fx, tolerances=tolerances, model_check=model_check, vectorized_check=vectorized_check)
    d = fx.data
    chain = RecordedChain(fx)
    deployed = Deployed(address=d["chain"]["rule_address"], abi=[], name=fx.contract)
    result = run_lockstep(
        create_pool(fx.rule), replay_params(fx), fx.fingerprint, fx.prices, chain,
        blocks=fx.blocks, start_timestamp=d["chain"]["start_timestamp"], tolerances=tolerances,
        model_check=model_check, vectorized_check=vectorized_check, progress=False, deployed=deployed,
        pool_address=d["chain"]["pool"], compiler_profile=fixture_profile(d["contract_artifact"]),
    )
    art = d["contract_artifact"]
    result.artifact_info.update({
        "fixture": Path(fx.file).name,
        "contract_name": art["contract_name"],
        "compiler_version": art["compiler_version"],
        "source_hash": art["source_hash"],
        "recorded_backend": d["chain"]["backend"],
    })
    return result


# ---------------------------------------------------------------------------------------------------------
# the committed set
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldenSpec:
    """One committed fixture: file stem, rule, parameters, bundled price file, assets and horizon."""

    name: str
    rule: str
    params: dict
    prices: str  # file name in fixtures/prices
    assets: int | tuple
    blocks: int
    chunk_period: int | None = None
    epsilon_max: float | None = None
    guard_rail: float | None = None
    note: str = ""


_CHANNEL = {"width": 0.1, "amplitude": 0.1, "exponents": 1.5, "inverse_scaling": 0.5415, "pre_exp_scaling": 0.5}

# Every on-chain rule, scalar and per-asset parameters, 2 to 8 assets, every bundled price scenario, 20-60 blocks.
GOLDEN: tuple[GoldenSpec, ...] = (
    GoldenSpec("momentum_btc_eth_2_scalar", "momentum", {"lamb": 0.9, "kappa": 1.0}, "btc_eth_daily_2.csv", 2, 60),
    GoldenSpec("momentum_trending_4_per_asset_raw", "momentum",
               {"lamb": [0.8, 0.85, 0.9, 0.95], "kappa": [0.5, 1.0, 2.0, 4.0], "use_raw_price": True},
               "trending_daily_8.csv", 4, 40),
    GoldenSpec("momentum_crash_8_daily", "momentum", {"lamb": 0.8, "kappa": 2.0}, "crash_hourly_8.csv", 8, 50,
               chunk_period=1440, note="hourly prices, daily updates (every 24th row), through the crash"),
    GoldenSpec("momentum_pegged_6_raw", "momentum", {"lamb": 0.95, "kappa": 50.0, "use_raw_price": True},
               "pegged_hourly_8.csv", 6, 60),
    GoldenSpec("anti_momentum_mean_reverting_3_scalar", "anti_momentum", {"lamb": 0.9, "kappa": 1.0},
               "mean_reverting_daily_8.csv", ("ETH", "SOL", "DOGE"), 40),
    GoldenSpec("anti_momentum_pegged_8_per_asset", "anti_momentum",
               {"lamb": [0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97], "kappa": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0]},
               "pegged_hourly_8.csv", 8, 60),
    GoldenSpec("power_channel_trending_3_scalar", "power_channel", {"lamb": 0.9, "kappa": 20.0, "exponents": 2.0},
               "trending_daily_8.csv", 3, 40),
    GoldenSpec("power_channel_crash_5_per_asset", "power_channel",
               {"lamb": [0.7, 0.75, 0.8, 0.85, 0.9], "kappa": [5.0, 10.0, 15.0, 20.0, 25.0], "exponents": [1.5, 2.0, 2.5, 3.0, 3.5]},
               "crash_hourly_8.csv", 5, 30, chunk_period=1440),
    GoldenSpec("mean_reversion_channel_mean_reverting_4_scalar", "mean_reversion_channel",
               {"lamb": 0.9, "kappa": 1.0, **_CHANNEL}, "mean_reverting_daily_8.csv", 4, 40),
    GoldenSpec("mean_reversion_channel_trending_6_per_asset", "mean_reversion_channel",
               {"lamb": [0.85, 0.87, 0.89, 0.91, 0.93, 0.95], "kappa": [1.0, 1.5, 2.0, 2.5, 3.0, 3.5],
                "width": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3], "amplitude": [0.1, 0.2, 0.1, 0.2, 0.1, 0.2],
                "exponents": [1.5, 2.0, 1.5, 2.0, 1.5, 2.0], "inverse_scaling": [0.5415] * 6,
                "pre_exp_scaling": [0.5, 0.4, 0.3, 0.5, 0.4, 0.3]},
               "trending_daily_8.csv", 6, 30),
    GoldenSpec("difference_momentum_btc_eth_2_scalar", "difference_momentum",
               {"lamb": 0.9, "lamb_short": 0.5, "kappa": 1.0}, "btc_eth_daily_2.csv", 2, 60),
    GoldenSpec("difference_momentum_crash_7_per_asset", "difference_momentum",
               {"lamb": [0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96], "lamb_short": [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8],
                "kappa": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]},
               "crash_hourly_8.csv", 7, 40, chunk_period=1440),
    GoldenSpec("min_variance_mean_reverting_8_scalar", "min_variance", {"lamb": 0.9, "mixing": 0.5},
               "mean_reverting_daily_8.csv", 8, 40),
    GoldenSpec("min_variance_trending_3_per_asset", "min_variance",
               {"lamb": [0.8, 0.9, 0.95], "mixing": [0.2, 0.5, 0.8]}, "trending_daily_8.csv", ("BTC", "SHIB", "UNI"), 30),
    # (min_variance on pegged prices reverts with Panic(0x12): a zero variance is a division by zero on chain)
    GoldenSpec("min_variance_btc_eth_2_scalar", "min_variance", {"lamb": 0.95, "mixing": 0.3}, "btc_eth_daily_2.csv", 2, 48),
    GoldenSpec("power_channel_btc_eth_2_raw", "power_channel",
               {"lamb": 0.95, "kappa": 10.0, "exponents": 1.25, "use_raw_price": True}, "btc_eth_daily_2.csv", 2, 20,
               epsilon_max=0.1, guard_rail=0.2),
)


def _spec_kwargs(spec: GoldenSpec, root: Path) -> dict:
    return dict(
        assets=list(spec.assets) if isinstance(spec.assets, tuple) else spec.assets,
        blocks=spec.blocks,
        chunk_period=spec.chunk_period,
        epsilon_max=spec.epsilon_max,
        guard_rail=spec.guard_rail,
        root=root,
    )


def record_spec(spec: GoldenSpec, *, root=REPO_ROOT, backend: str = "eth-tester") -> dict:
    """Record one committed fixture (on eth-tester, like the committed set) and return its fixture dict."""
    root = Path(root)
    price_path = root / "fixtures" / "prices" / spec.prices
    data, _ = record(spec.rule, dict(spec.params), price_path, backend=backend, **_spec_kwargs(spec, root))
    return data


def golden_path(spec: GoldenSpec, out_dir=GOLDEN_DIR) -> Path:
    """Where the committed fixture of `spec` lives."""
    return Path(out_dir) / f"{spec.name}.json"


def _param_text(params: dict) -> str:
    def one(v):
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(f"{x:g}" for x in v) + "]"
        return f"{v:g}"

    return ", ".join(f"{k}={one(v)}" for k, v in params.items())


def golden_readme() -> str:
    """fixtures/golden/README.md: what the committed set holds and how to use and regenerate it."""
    lines = [
        "# Golden fixtures",
        "",
        "Recorded on-chain runs of the reference rules (eth-tester backend, fresh chain, start timestamp "
        f"{DEFAULT_START_TIMESTAMP}), written by `python -m parity.fixtures regenerate` from `GOLDEN` in "
        "`parity/fixtures.py` (format: `parity-golden-fixture` version "
        f"{FORMAT_VERSION}). Prices are the bundled `fixtures/prices/*.csv`, referenced by path + SHA-256 + "
        "row/column selection. Daily series update daily, hourly ones hourly unless a chunk period is given.",
        "",
        "- replay one: `parity replay fixtures/golden/<name>.json [--report r.json]` (exit 0 parity, 1 divergence, 2 unusable fixture)",
        "- replay all: `.venv/bin/python -m pytest -p no:cacheprovider -q tests/golden`",
        "- regenerate (after an intended change to `contracts/`, the compiler settings or the encoding): "
        "`.venv/bin/python -m parity.fixtures regenerate` and review `git diff fixtures/golden`",
        "",
        "| file | rule | n | prices (columns) | blocks | parameters |",
        "|---|---|---|---|---|---|",
    ]
    for spec in GOLDEN:
        cols = ", ".join(spec.assets) if isinstance(spec.assets, tuple) else f"first {spec.assets}"
        extra = []
        if spec.chunk_period is not None:
            extra.append(f"chunk_period={spec.chunk_period}")
        if spec.epsilon_max is not None:
            extra.append(f"epsilon_max={spec.epsilon_max:g}")
        if spec.guard_rail is not None:
            extra.append(f"guard_rail={spec.guard_rail:g}")
        params = _param_text(spec.params) + ("; " + ", ".join(extra) if extra else "")
        lines.append(f"| `{spec.name}.json` | {spec.rule} | {len(spec.assets) if isinstance(spec.assets, tuple) else spec.assets} "
                     f"| {spec.prices} ({cols}) | {spec.blocks} | {params} |")
    lines += [
        "",
        "Not in the set: `min_variance` on the pegged series reverts at the first update with `Panic(0x12)` "
        "(a zero variance is a division by zero on chain), so it cannot be a complete golden run.",
    ]
    return "\n".join(lines) + "\n"


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def regenerate(out_dir=GOLDEN_DIR, *, only: Sequence[str] | None = None, log=print) -> list[Path]:
    """Re-record the committed set (or the specs named in `only`) into `out_dir`; returns the paths."""
    from parity.pool_fixtures import POOL_GOLDEN, regenerate_pool

    specs = [s for s in GOLDEN if only is None or s.name in only]
    unknown = sorted(set(only or ()) - {s.name for s in GOLDEN} - {s.name for s in POOL_GOLDEN})
    if unknown:
        raise ValueError(f"only={unknown}: unknown fixture name(s); known: {', '.join(s.name for s in GOLDEN)}")
    paths = []
    readme = Path(out_dir) / "README.md"
    readme.parent.mkdir(parents=True, exist_ok=True)
    readme.write_text(golden_readme(), encoding="utf-8")
    for spec in specs:
        path = write_fixture(record_spec(spec), golden_path(spec, out_dir))
        log(f"wrote {_display(path)} ({path.stat().st_size} bytes)")
        paths.append(path)
    return paths + regenerate_pool(Path(out_dir) / "pool", only=only, log=log)


def main(argv=None) -> int:
    """`python -m parity.fixtures regenerate [--out DIR] [--only NAME ...]`."""
    parser = argparse.ArgumentParser(prog="python -m parity.fixtures", description="Golden fixtures of parity.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("regenerate", help="re-record the committed golden fixtures (fixtures/golden)")
    p.add_argument("--out", type=Path, default=GOLDEN_DIR, help="output directory (default fixtures/golden)")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME", help="re-record only these fixtures")
    args = parser.parse_args(argv)
    try:
        regenerate(args.out, only=args.only)
    except ValueError as e:
        print(f"python -m parity.fixtures: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
