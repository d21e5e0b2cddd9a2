"""Pool-level golden fixtures: a recorded run of runner + pool + rule + oracles, replayed without a chain.

Format `parity-golden-pool-fixture` version 1. Beside what a rule-level fixture holds (rule, fingerprint,
parameters, prices, initial state, contract identity), it records the stack (every address, the update
interval, staleness threshold, oracle backups and action mask), the level options (samples per interval,
update jitter and seed) and per update block: the chain block and timestamp, the price, the rule state, the
coarse weights, the raw and stored multipliers, the stored weights, both times, the sample times and
getNormalizedWeights at each, the performUpdate gas and the decoded events, all integers as decimal strings.

`replay_pool` re-runs the JAX production loop against the recording through the same session as
`parity verify --level pool`; the ProductionModel, rebuilt from the recorded stack, must reproduce every
recorded value and event (zero tolerance), so the replay also re-checks the chain without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from parity import fixtures as fx
from parity.float64 import guarded

POOL_FORMAT = "parity-golden-pool-fixture"
POOL_FORMAT_VERSION = 1
_TOP_KEYS = {
    "format", "format_version", "level", "rule", "contract", "n_assets", "blocks", "fingerprint", "parameters",
    "prices", "initial", "contract_artifact", "stack", "per_block", "content_sha256",
}
_STACK_KEYS = {"backend", "start_timestamp", "addresses", "update_interval_s", "staleness_threshold", "backups",
               "actions", "samples_per_interval", "update_jitter", "jitter_seed"}
_ADDRESS_KEYS = {"runner", "pool", "rule", "driver", "oracles", "admin", "deployer", "pool_manager"}
_VALUE_KEYS = ("weights", "raw_multipliers", "pool_weights", "multipliers", "last_update", "last_interp")


# ---------------------------------------------------------------------------------------------------------
# record
# ---------------------------------------------------------------------------------------------------------


@guarded
def record_pool(rule: str, params: dict, prices, *, assets=None, blocks: int | None = None, chunk_period=None,
                epsilon_max=None, guard_rail=None, backend: str = "revm", inline: bool | None = None,
                samples_per_interval: int = 3, update_jitter: int = 0, jitter_seed: int = 0,
                root=fx.REPO_ROOT, start_timestamp: int = fx.DEFAULT_START_TIMESTAMP, progress: bool = False):
    """Run `rule` at pool level on a fresh `backend` chain and build its pool-level fixture: (dict, result).
    Raises ValueError for bad inputs and RecordError when the run did not complete."""
    from parity.chain import RULE_CONTRACTS, make_chain
    from parity.harness.driver import run_pool_lockstep
    from parity.pools import create_pool

    if rule not in RULE_CONTRACTS:
        raise ValueError(f"rule={rule!r}: has no on-chain rule; choose one of {', '.join(RULE_CONTRACTS)}")
    if backend not in ("eth-tester", "revm"):
        raise ValueError(f"backend={backend!r}: fixtures are recorded on an in-process chain, 'eth-tester' or 'revm'")
    root = Path(root)
    series, rel = fx._price_source(prices, assets, root, inline)
    fp, values, blocks, rows = _run_inputs(rule, series, blocks, chunk_period, epsilon_max, guard_rail)
    result = run_pool_lockstep(
        create_pool(rule), params, fp, values, make_chain(backend), blocks=blocks, start_timestamp=start_timestamp,
        samples_per_interval=samples_per_interval, update_jitter=update_jitter, jitter_seed=jitter_seed,
        progress=progress,
    )
    if result.status in ("revert", "model_mismatch"):
        from parity.harness.report import summary

        raise fx.RecordError(f"the {rule} pool-level run did not complete on {backend}:\n{summary(result)}", result)
    return pool_fixture_data(result, rule, series, values[:rows], backend=backend, start_timestamp=start_timestamp,
                             rel=rel, root=root), result


def pool_fixture_data(result, rule: str, series, values, *, backend: str, start_timestamp: int, rel=None,
                      root=fx.REPO_ROOT) -> dict:
    """The pool-level fixture of a finished pool-level LockstepResult (its blocks up to a revert, if any):
    `series` names the columns and interval, `values` holds the price rows of those blocks."""
    rows = len(result.block_ids) * int(result.mapped.fingerprint.chunk_steps) + 1
    data = _fixture_body(result, rule, series, rel, root, np.asarray(values)[:rows], rows, backend, start_timestamp)
    data["content_sha256"] = fx.content_hash(data)
    return data


def _run_inputs(rule, series, blocks, chunk_period, epsilon_max, guard_rail):
    from parity.fingerprint import make_run_fingerprint

    interval = int(series.interval_minutes)
    kw = {"rule": rule, "n_assets": series.n_assets, "chunk_period": interval if chunk_period is None else int(chunk_period),
          "price_interval": interval}
    kw.update({k: v for k, v in (("epsilon_max", epsilon_max), ("absolute_weight_guard_rail", guard_rail)) if v is not None})
    fp = make_run_fingerprint(**kw)
    available = (series.n_steps - 1) // fp.chunk_steps
    blocks = available if blocks is None else blocks
    if not isinstance(blocks, (int, np.integer)) or not 1 <= blocks <= available:
        raise ValueError(f"blocks={blocks!r}: must be an integer in 1..{available} (the prices hold {available} updates)")
    rows = int(blocks) * fp.chunk_steps + 1
    return fp, np.asarray(series.prices[:rows], dtype=np.float64), int(blocks), rows


def _fixture_body(result, rule, series, rel, root, values, rows, backend, start_timestamp) -> dict:
    from parity.harness.mapping import to_wei

    m, smap, info = result.mapped, result.state_map, result.artifact_info
    if rel is not None:
        prices = {"path": rel, "sha256": fx.file_sha256(Path(root) / rel), "columns": list(series.tokens),
                  "rows": [0, rows], "interval_minutes": int(series.interval_minutes)}
    else:
        prices = {"inline": [fx._floats(r) for r in values], "columns": list(series.tokens),
                  "interval_minutes": int(series.interval_minutes)}
    initial = {"price": [str(to_wei(x)) for x in values[0]], **{k: fx._ints(result.initial[k]) for k in
               (smap.moving_average_key, smap.init_key, "weights")}}
    stack = result.pool["stack"]
    return {
        "format": POOL_FORMAT, "format_version": POOL_FORMAT_VERSION, "level": "pool", "rule": rule,
        "contract": result.contract, "n_assets": result.n_assets, "blocks": len(result.block_ids),
        "fingerprint": m.fingerprint.to_dict(),
        "parameters": {"float": fx._float_params(m.chain_params), "parameters": [fx._ints(r) for r in m.parameters],
                       "lambdaStore": fx._ints(m.lambda_store), "epsilonMax": str(m.epsilon_max),
                       "absoluteWeightGuardRail": str(m.guard_rail)},
        "prices": prices,
        "initial": initial,
        "contract_artifact": {k: info[k] for k in ("contract_name", "compiler_version", "source_hash")},
        "stack": {
            "backend": backend, "start_timestamp": int(start_timestamp), "addresses": stack["addresses"],
            "update_interval_s": stack["update_interval_s"], "staleness_threshold": stack["staleness_threshold"],
            "backups": stack["backups"], "actions": stack["actions"],
            "samples_per_interval": result.pool["samples_per_interval"], "update_jitter": result.pool["update_jitter"],
            "jitter_seed": str(result.pool["jitter_seed"]),
            **({"update_delays": result.pool["update_delays"][: len(result.block_ids)]}
               if "update_delays" in result.pool else {}),
        },
        "per_block": [_block_entry(result, row, k) for row, k in enumerate(result.block_ids)],
    }


def _block_entry(result, row: int, k: int) -> dict:
    smap = result.state_map
    fine = [f for f in result.chain if f.startswith("fine_")]
    return {
        "block": int(k), "chain_block": int(result.chain_blocks[row]), "timestamp": int(result.timestamps[row]),
        "price": fx._ints(result.prices_wei[row]),
        "state": {key: fx._ints(result.chain[key][row]) for key in smap.keys},
        **{key: fx._ints(result.chain[key][row]) for key in _VALUE_KEYS},
        "sample_times": [int(t) for t in result.pool["sample_times"][row]],
        "samples": [fx._ints(result.chain[f][row]) for f in fine],
        "gas": int(result.pool["gas"][row]),
        "events": result.pool["events"][row],
    }


# ---------------------------------------------------------------------------------------------------------
# load + validate
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolFixture(fx.FixtureRecord):
    """A validated pool-level fixture (see the module docstring)."""


def validate_pool(data: dict, *, file="<fixture>", root=fx.REPO_ROOT) -> PoolFixture:
    """Validate a parsed pool-level fixture; raises FixtureError naming the first problem."""
    from parity.chain import RULE_CONTRACTS
    from parity.fingerprint import make_run_fingerprint

    ck = fx._Checker(str(file))
    ck.equal(data.get("format_version"), POOL_FORMAT_VERSION, "format_version", " (the version this parity reads)")
    stored, actual = data.get("content_sha256"), fx.content_hash(data)
    if stored != actual:
        ck.fail("content_sha256", f"expected {stored!r} (stored), computed {actual}: the content was edited after recording")
    ck.obj(data, "(top level)", _TOP_KEYS)
    rule = ck.string(data["rule"], "rule")
    if rule not in RULE_CONTRACTS:
        ck.fail("rule", f"expected one of {', '.join(RULE_CONTRACTS)}, found {rule!r}")
    ck.equal(data["contract"], RULE_CONTRACTS[rule], "contract", f" (the contract of rule {rule})")
    n = ck.integer(data["n_assets"], "n_assets", 2)
    blocks = ck.integer(data["blocks"], "blocks", 1)
    try:
        fp = make_run_fingerprint(**data["fingerprint"])
    except (ValueError, TypeError) as e:
        ck.fail("fingerprint", str(e))
    decoded = fx._check_parameters(data["parameters"], rule, n, fp, ck)
    prices = fx._load_prices(data["prices"], n, blocks * fp.chunk_steps + 1, root, ck)
    stack = ck.obj(data["stack"], "stack", _STACK_KEYS | {"update_delays"}, {"update_delays"})
    if "update_delays" in stack:
        delays = stack["update_delays"]
        if not isinstance(delays, list) or len(delays) != blocks:
            ck.fail("stack.update_delays", f"expected {blocks} delays (one per block)")
        for i, d in enumerate(delays):
            ck.integer(d, f"stack.update_delays[{i}]", 0, 2**32 - 1)
    ck.obj(stack["addresses"], "stack.addresses", _ADDRESS_KEYS)
    per_block = data["per_block"]
    if not isinstance(per_block, list) or len(per_block) != blocks:
        ck.fail("per_block", f"expected {blocks} blocks (the 'blocks' field)")
    for row, b in enumerate(per_block):
        for key in _VALUE_KEYS:
            ck.decimals(b.get(key), f"per_block[{row}].{key}", None)
        if len(b.get("samples", [])) != stack["samples_per_interval"] + 1:
            ck.fail(f"per_block[{row}].samples", f"expected {stack['samples_per_interval'] + 1} samples")
    return PoolFixture(str(file), data, fp, prices, decoded)


# ---------------------------------------------------------------------------------------------------------
# replay
# ---------------------------------------------------------------------------------------------------------


def _stack_of(fixture: PoolFixture, initial: dict):
    """A stand-in for the deployed stack with what ProductionModel.from_stack reads: config and addresses."""
    from parity.chain.production import StackAddresses, make_config

    d, s = fixture.data, fixture.data["stack"]
    a = s["addresses"]
    addresses = StackAddresses(**{**a, "oracles": tuple(tuple(o) for o in a["oracles"])})
    p = d["parameters"]
    config = make_config(
        fixture.rule, n=d["n_assets"], lambda_store=[int(x) for x in p["lambdaStore"]], epsilon_max=int(p["epsilonMax"]),
        guard_rail=int(p["absoluteWeightGuardRail"]), parameters=[[int(x) for x in r] for r in p["parameters"]],
        update_interval_s=s["update_interval_s"], initial_weights_wei=initial["weights"],
        moving_averages_wei=initial["moving_averages"], initial_values_wei=initial["initial_values"],
        oracle_prices_wei=[int(x) for x in d["initial"]["price"]], timestamp=s["start_timestamp"],
        staleness_threshold=s["staleness_threshold"], backups=list(s["backups"]), actions=s["actions"],
    )
    return SimpleNamespace(config=config, addresses=addresses, pool=SimpleNamespace(address=addresses.pool))


class RecordedPoolSide:
    """The chain side of a replay: answers every block with the recording, after checking its inputs."""

    def __init__(self, fixture: PoolFixture, plan, samples: int):
        self.fixture, self.plan, self.samples = fixture, plan, samples
        self.smap, self.n = plan.state_map, plan.n
        self.backend = f"replay of {fixture.data['stack']['backend']}"

    def _check(self, field: str, expected, found) -> None:
        if expected != found:
            raise fx.FixtureError(self.fixture.file, field, f"replay sent {found!r}, the recording has {expected!r}")

    def start_time(self, requested) -> int:
        return self.fixture.data["stack"]["start_timestamp"]

    def deploy(self, t0: int, initial: dict) -> None:
        d = self.fixture.data
        for key in (self.smap.moving_average_key, self.smap.init_key, "weights"):
            self._check(f"initial.{key}", [int(x) for x in d["initial"][key]], [int(x) for x in initial[key]])
        self.stack = _stack_of(self.fixture, {"weights": initial["weights"],
                                              "moving_averages": initial[self.smap.moving_average_key],
                                              "initial_values": initial[self.smap.init_key]})

    def artifact_info(self) -> dict:
        return {**self.fixture.data["contract_artifact"], "address": self.fixture.data["stack"]["addresses"]["rule"]}

    def initialise(self, initial: dict, timestamp: int) -> dict:
        return {key: [int(x) for x in initial[key]] for key in self.smap.keys}

    def step(self, k: int, price_wei, ts: int, next_ts: int):
        from parity.harness.lockstep.pool_sides import sample_fields
        from parity.harness.lockstep.sides import Observation

        b = self.fixture.data["per_block"][k - 1]
        self._check(f"per_block[{k - 1}].price", [int(x) for x in b["price"]], [int(x) for x in price_wei])
        self._check(f"per_block[{k - 1}].timestamp", b["timestamp"], ts)
        values = {key: [int(x) for x in v] for key, v in b["state"].items()}
        values.update({key: [int(x) for x in b[key]] for key in _VALUE_KEYS})
        values.update({f: [int(x) for x in s] for f, s in zip(sample_fields(self.samples), b["samples"])})
        values["events"] = b["events"]
        return Observation(values, b["chain_block"], b["timestamp"],
                           {"sample_times": b["sample_times"], "gas": b["gas"], "events": b["events"]})


@guarded
def replay_pool(fixture: PoolFixture, *, tolerances=None, model_check: bool = True, vectorized_check: bool = True):
    """Replay a pool-level fixture: the JAX production loop and (model_check) the ProductionModel against
    the recording. Returns the LockstepResult, as `parity verify --level pool` would."""
    import time

    from parity.harness.driver import make_jax_step
    from parity.harness.lockstep.inputs import map_inputs
    from parity.harness.lockstep.plan import LockstepRequest, validate
    from parity.harness.lockstep.pool_sides import PoolJaxSide, PoolModelSide
    from parity.harness.lockstep.session import Sides, run_session
    from parity.pools import create_pool

    t_start = time.perf_counter()
    s = fixture.data["stack"]
    options = {"samples_per_interval": s["samples_per_interval"], "update_jitter": s["update_jitter"],
               "jitter_seed": int(s["jitter_seed"])}
    if "update_delays" in s:  # explicit late updates and gaps (parity fuzz)
        options["update_delays"] = list(s["update_delays"])
    req = LockstepRequest(create_pool(fixture.rule), fx.replay_params(fixture), fixture.fingerprint, fixture.prices,
                          blocks=fixture.blocks, tolerances=tolerances, model_check=model_check,
                          vectorized_check=vectorized_check, progress=False, level="pool", options=options)
    plan = validate(req)
    inputs = map_inputs(plan, SimpleNamespace(accounts=[s["addresses"]["deployer"]]))
    samples = options["samples_per_interval"]
    chain_side = RecordedPoolSide(fixture, plan, samples)
    sides = Sides(PoolJaxSide(req.pool, inputs, plan.state_map, samples, make_jax_step), chain_side,
                  PoolModelSide(chain_side) if inputs.model is not None else None)
    result = run_session(plan, inputs, sides, t_start)
    result.pool.update(options)
    result.artifact_info.update({"fixture": Path(fixture.file).name, "recorded_backend": s["backend"]})
    return result


# ---------------------------------------------------------------------------------------------------------
# the committed pool-level set (fixtures/golden/pool; `python -m parity.fixtures regenerate` rewrites it)
# ---------------------------------------------------------------------------------------------------------

POOL_GOLDEN_DIR = fx.GOLDEN_DIR / "pool"


@dataclass(frozen=True)
class PoolGoldenSpec:
    """One committed pool-level fixture."""

    name: str
    rule: str
    params: dict
    prices: str  # file name in fixtures/prices
    assets: int
    blocks: int
    update_jitter: int = 0
    jitter_seed: int = 0
    note: str = ""


POOL_GOLDEN: tuple[PoolGoldenSpec, ...] = (
    PoolGoldenSpec("pool_momentum_btc_eth_2_jitter", "momentum", {"lamb": 0.9, "kappa": 1.0}, "btc_eth_daily_2.csv",
                   2, 20, update_jitter=3600, jitter_seed=1, note="updates up to an hour late"),
    PoolGoldenSpec("pool_min_variance_mean_reverting_8", "min_variance", {"lamb": 0.9, "mixing": 0.5},
                   "mean_reverting_daily_8.csv", 8, 8, note="a multiplier on a 1e-9 boundary at block 1 (boundary note)"),
)


def record_pool_spec(spec: PoolGoldenSpec, *, root=fx.REPO_ROOT, backend: str = "eth-tester") -> dict:
    data, _ = record_pool(spec.rule, dict(spec.params), Path(root) / "fixtures" / "prices" / spec.prices,
                          assets=spec.assets, blocks=spec.blocks, backend=backend, update_jitter=spec.update_jitter,
                          jitter_seed=spec.jitter_seed, root=root)
    return data


def pool_golden_readme() -> str:
    lines = [
        "# Pool-level golden fixtures",
        "",
        f"Format `{POOL_FORMAT}` version {POOL_FORMAT_VERSION} (parity/pool_fixtures.py): runner + pool + rule + "
        "oracles recorded on eth-tester by `python -m parity.fixtures regenerate`; replay with "
        "`parity replay fixtures/golden/pool/<name>.json`.",
        "",
        "| file | rule | n | prices | blocks | jitter (s) | parameters | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in POOL_GOLDEN:
        lines.append(f"| `{s.name}.json` | {s.rule} | {s.assets} | {s.prices} | {s.blocks} | {s.update_jitter} "
                     f"| {fx._param_text(s.params)} | {s.note} |")
    return "\n".join(lines) + "\n"


def regenerate_pool(out_dir=POOL_GOLDEN_DIR, *, only=None, log=print) -> list[Path]:
    """Re-record the committed pool-level set (or the names in `only`) into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "README.md").write_text(pool_golden_readme(), encoding="utf-8")
    paths = []
    for spec in POOL_GOLDEN:
        if only is None or spec.name in only:
            path = fx.write_fixture(record_pool_spec(spec), out_dir / f"{spec.name}.json")
            log(f"wrote {fx._display(path)} ({path.stat().st_size} bytes)")
            paths.append(path)
    return paths
