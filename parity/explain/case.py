"""What `parity explain` re-runs: one update block of a verification, read from a JSON report or a fixture.

A report (``parity verify --report``) carries the run's rule, parameters (the contract's integers), the
fingerprint, the initial state and price, and per block the prices and both sides' values. A golden
fixture carries the same for the chain side; its JAX side comes from replaying it (``parity.fixtures.replay``),
which yields the same report. Reports written before the ``fingerprint`` and ``initial.price`` keys existed
still work: the fingerprint is rebuilt from the rule, n, chunk period, ε and g, and block 1 uses the
initial moving average as the previous price (only the JAX side's deviation carry reads it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from parity.errors import InputError
from parity.io import read_input_text

REPORT_KEYS = ("rule", "contract", "n_assets", "parameters", "initial", "series")


class ExplainInputError(InputError):
    """A report, fixture, block or asset explain cannot use (one line, exit code 2)."""


@dataclass(frozen=True)
class BlockCase:
    """One update block to re-run: the contract's inputs as integers, the state before the block, and what
    the run recorded after it."""

    rule: str
    contract: str
    n: int
    level: str
    block: int
    asset: int
    fingerprint: object  # RunFingerprint with ε and g decoded from the contract's integers
    parameters: list
    lambda_store: list
    epsilon_max: int
    guard_rail: int
    compiler_profile: str
    price_prev: list
    price: list
    state_prev: dict  # state key -> ints before the block, and "weights"
    chain_after: dict | None  # the recorded chain values after the block (None: it reverted)
    jax_after: dict | None  # the run's own JAX values after the block
    jax_prev: dict | None  # the run's own JAX values before the block (None at the initial block)
    timestamp: int | None = None  # the block's time (pool level: when the pool's weights are read)
    tolerances: dict = field(default_factory=dict)
    scales: dict = field(default_factory=dict)
    why: str = ""  # why this block: the report's first divergence, revert, mismatch or worst weight
    source: str = ""


def _fail(source: str, problem: str):
    raise ExplainInputError(f"{source}: {problem}")


def load_report(path: Path) -> dict:
    """A JSON report file as a dict (InputError if unreadable or not a parity report)."""
    text = read_input_text(path, "REPORT")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        _fail(str(path), f"not valid JSON ({e.msg} at line {e.lineno}); expected a `parity verify --report` file or a fixture")
    return data


def is_fixture(data) -> bool:
    return isinstance(data, dict) and str(data.get("format", "")).startswith("parity-golden")


def check_report(data, source: str) -> dict:
    if not isinstance(data, dict) or "report_version" not in data:
        _fail(source, "not a parity report or golden fixture (no report_version or format key)")
    missing = [k for k in REPORT_KEYS if k not in data]
    if "series" in missing:
        _fail(source, "the report has no per-block series (it was written without them); "
                      "re-run `parity verify --report` to get one explain can use")
    if missing:
        _fail(source, f"not a complete parity report: missing {', '.join(missing)}")
    return data


def default_block(data: dict) -> tuple[int, int | None, str]:
    """(block, asset, why) of the first divergence, else the revert, the chain/model mismatch, or the worst
    weight error; a passing run without a worst entry gives its last block."""
    d = data.get("first_divergence")
    if d:
        return int(d["block"]), int(d["asset"]), f"first divergence: {d['field']}[{d['asset']}] at block {d['block']}"
    r = data.get("revert")
    if r:
        return int(r["block"]), None, f"{r['function']} reverted at block {r['block']} ({r['reason']!r})"
    mm = (data.get("model_check") or {}).get("mismatch")
    if mm:
        return int(mm["block"]), int(mm["asset"]), f"chain != integer model: {mm['field']}[{mm['asset']}] at block {mm['block']}"
    w = (data.get("worst") or {}).get("weights")
    if w:
        return int(w["block"]), int(w["asset"]), f"no divergence; the largest weight error is at block {w['block']} asset {w['asset']}"
    blocks = data["series"]["block"]
    return int(blocks[-1]), None, "no divergence; the last block"


def _ints(v) -> list[int]:
    return [int(x) for x in v]


def _fingerprint(data: dict, eps: int, guard: int, source: str):
    import dataclasses

    from parity.fingerprint import make_run_fingerprint
    from parity.harness.mapping import from_wei

    try:
        if data.get("fingerprint"):
            fp = make_run_fingerprint(**data["fingerprint"])
        else:
            chunk = int(data.get("chunk_period_minutes") or 1440)
            fp = make_run_fingerprint(rule=data["rule"], n_assets=int(data["n_assets"]), chunk_period=chunk,
                                      price_interval=chunk)
    except (TypeError, ValueError) as e:
        _fail(source, f"fingerprint: {e}")
    return dataclasses.replace(fp, epsilon_max=from_wei(eps), absolute_weight_guard_rail=from_wei(guard))


def _rows(data: dict) -> dict[int, int]:
    return {int(k): row for row, k in enumerate(data["series"]["block"])}


def _values_at(series: dict, side: str, row: int) -> dict:
    return {k: v[row] for k, v in series[side].items()}


def _state_before(data: dict, block: int, rows: dict, source: str) -> tuple[dict, list[int], dict | None]:
    """(chain state + weights before `block`, the previous price, the run's JAX values there or None)."""
    init = data["initial"]
    series = data["series"]
    if int(init.get("block", 0)) == block - 1:
        state = {k: _ints(v) for k, v in init.items() if isinstance(v, list) and k != "price"}
        price = init.get("price") or init["ewma"]  # reports before initial.price: the initial moving average
        return state, _ints(price), None
    row = rows.get(block - 1)
    if row is None:
        _fail(source, f"block {block}: the report has no state for block {block - 1}")
    chain = {k: _ints(v) for k, v in _values_at(series, "chain", row).items()}
    return chain, _ints(series["price"][row]), {k: [float(x) for x in v] for k, v in _values_at(series, "jax", row).items()}


def _price_at(data: dict, block: int, rows: dict, source: str) -> tuple[list[int], dict | None, dict | None, int | None]:
    row = rows.get(block)
    if row is not None:
        series = data["series"]
        chain = {k: _ints(v) for k, v in _values_at(series, "chain", row).items()}
        jax = {k: [float(x) for x in v] for k, v in _values_at(series, "jax", row).items()}
        stamps = series.get("timestamp") or []
        return _ints(series["price"][row]), chain, jax, (int(stamps[row]) if row < len(stamps) else None)
    r = data.get("revert")
    if r and int(r["block"]) == block and "data" in r.get("inputs", {}):
        return _ints(r["inputs"]["data"])[: int(data["n_assets"])], None, None, None
    _fail(source, f"block {block}: the report has no prices for it")


def block_case(data: dict, *, source: str, block: int | None = None, asset: int | None = None) -> BlockCase:
    """The BlockCase of `block` (default: see default_block) of a report dict; `asset` must be in 0..n−1."""
    check_report(data, source)
    n = int(data["n_assets"])
    rows = _rows(data)
    first = int(data["initial"].get("block", 0)) + 1
    last = max([first - 1, *rows])
    if data.get("revert"):
        last = max(last, int(data["revert"]["block"]))
    if last < first:
        _fail(source, "the run has no update block to explain")
    d_block, d_asset, why = default_block(data)
    if block is None:
        block = d_block
    elif not first <= block <= last:
        _fail(source, f"--block {block}: out of range; the run's update blocks are {first}..{last}")
    else:
        why = f"block {block} as asked" + ("" if block != d_block else f" ({why})")
    if asset is not None and not 0 <= asset < n:
        _fail(source, f"--asset {asset}: out of range; the run has assets 0..{n - 1}")
    state_prev, price_prev, jax_prev = _state_before(data, block, rows, source)
    price, chain_after, jax_after, timestamp = _price_at(data, block, rows, source)
    p = data["parameters"]
    eps, guard = int(p["epsilonMax"]), int(p["absoluteWeightGuardRail"])
    return BlockCase(
        rule=data["rule"], contract=data["contract"], n=n, level=data.get("level", "rule"), block=block,
        asset=asset if asset is not None else (d_asset if d_asset is not None and block == d_block else 0),
        fingerprint=_fingerprint(data, eps, guard, source),
        parameters=[_ints(r) for r in p["parameters"]], lambda_store=_ints(p["lambdaStore"]),
        epsilon_max=eps, guard_rail=guard,
        compiler_profile=(data.get("contract_artifact") or {}).get("compiler_profile") or "legacy",
        price_prev=price_prev, price=price, state_prev=state_prev, chain_after=chain_after, jax_after=jax_after,
        jax_prev=jax_prev, timestamp=timestamp, tolerances=dict(data.get("tolerances") or {}),
        scales=dict(data.get("scales") or {}), why=why, source=source,
    )


def report_of(path) -> tuple[dict, str]:
    """(report dict, source label) of a report file or a golden fixture (replayed to get its JAX side)."""
    path = Path(path)
    data = load_report(path)
    if not is_fixture(data):
        return check_report(data, str(path)), f"report {path}"
    from parity.fixtures import FixtureError, load_fixture, replay
    from parity.harness.report import to_dict

    try:
        fx = load_fixture(path)
        result = replay(fx)
    except FixtureError as e:
        raise ExplainInputError(str(e)) from None
    return to_dict(result), f"fixture {path} (replayed)"
