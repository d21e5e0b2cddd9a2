"""Pool level with stale oracles (parity.harness.lockstep.oracles): the JAX side, the chain and the integer model
each follow the runner's oracle path (a backup's value where the primary is stale, the revert "No fresh oracle
values available" where no oracle of an asset is fresh) and agree. A runner whose staleness check is off by one
(an oracle exactly `threshold` seconds old counted as fresh) passes the plain pool-level run, which never lets
an oracle go stale, and is caught under the scenario: by the integer model, and by the JAX side alone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from parity.chain import make_chain
from parity.chain.production import DEFAULT_STALENESS_S
from parity.fingerprint import make_run_fingerprint
from parity.harness import summary
from parity.harness.driver import run_pool_lockstep
from parity.harness.lockstep.oracles import NO_FRESH_VALUE, StaleOracles
from parity.pools import create_pool

from parity_cases import load_scenario  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))
from production_broken import broken_artifacts  # noqa: E402

BLOCKS, RATE, SEED = 24, 0.4, 1
FP = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1440)


def run(stale: float = RATE, artifacts=None, **options):
    return run_pool_lockstep(create_pool("momentum"), {"lamb": 0.9, "kappa": 1.0}, FP,
                             load_scenario("mean_reverting_daily_8", 2), make_chain("revm"), blocks=BLOCKS,
                             stale_oracles=stale, stale_seed=SEED, progress=False, artifacts=artifacts, **options)


def _reads(updates: dict, ts: int, fresh) -> tuple | None:
    """The values a runner reads (first fresh of primary, backup per asset), None when it reverts."""
    out = []
    for i in range(2):
        found = [updates[(i, j)][0] for j in (0, 1) if fresh(updates[(i, j)][1], ts - DEFAULT_STALENESS_S)]
        if not found:
            return None
        out.append(found[0])
    return tuple(out)


def first_effective_block(result) -> int:
    """The first update block at which a runner counting an oracle exactly `threshold` seconds old as fresh
    reads other values (or reverts otherwise) than the correct runner, on the scenario's oracle tables."""
    scenario = StaleOracles(RATE, SEED, DEFAULT_STALENESS_S)
    interval = FP.chunk_period * 60  # no jitter: block k at t0 + k·interval
    t0 = result.timestamps[0] - result.block_ids[0] * interval
    prices = load_scenario("mean_reverting_daily_8", 2)
    wei = [[int(round(x * 1e18)) for x in row] for row in prices]  # only equality of the reads matters here
    for k in range(1, BLOCKS + 1):
        ups = scenario.updates(k, t0 + k * interval, wei[k], wei[k - 1])
        if _reads(ups, t0 + k * interval, lambda t, edge: t > edge) != _reads(ups, t0 + k * interval, lambda t, edge: t >= edge):
            return k
    raise AssertionError("the scenario never makes the off-by-one matter")


@pytest.fixture(scope="module")
def good():
    result = run()
    assert result.status == "parity", summary(result)
    return result


def test_every_side_follows_the_oracle_path(good):
    reverts = good.pool["expected_reverts"]
    assert reverts and all(r["reason"] == NO_FRESH_VALUE for r in reverts)
    assert len(good.block_ids) + len(reverts) == BLOCKS
    assert good.model_blocks_checked == len(good.block_ids)
    # some updates read a backup (its price differs from the price row by < 1e-4, never 0 here)
    read = [next(a["data"] for _, name, a in ev if name == "CalculateWeightsRequest") for ev in good.pool["events"]]
    backups = [k for k, data, row in zip(good.block_ids, read, good.prices_wei) if [int(x) for x in data] != list(row)]
    assert backups, "no update read a backup oracle"
    assert "skipped" in good.vectorized


def test_a_staleness_off_by_one_passes_without_the_scenario_and_is_caught_with_it(good):
    broken = broken_artifacts("stale_boundary")
    assert run(0.0, broken).status == "parity"  # the hole: no oracle ever goes stale
    block = first_effective_block(good)
    caught = run(RATE, broken)
    assert caught.status == "model_mismatch", summary(caught)
    assert caught.model_mismatch.block == block, summary(caught)
    jax_only = run(RATE, broken, model_check=False)
    assert jax_only.status == "divergence", summary(jax_only)
    found = [x for x in (jax_only.first_divergence and jax_only.first_divergence.block,
                         jax_only.expected_revert and jax_only.expected_revert["block"]) if x]
    assert min(found) == block, summary(jax_only)


def test_cli_flag(capsys, tmp_path):
    from parity.cli import main

    report = tmp_path / "r.json"
    code = main(["verify", "--rule", "momentum", "--level", "pool", "--backend", "revm", "--assets", "2", "--blocks", "12",
                 "--stale-oracles", "0.5", "--stale-seed", "3", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "stale oracles (rate 0.5, seed 3):" in out and "reverted on every side" in out
    import json

    section = json.loads(report.read_text())["pool_level"]["stale_oracles"]
    assert section["rate"] == 0.5 and section["seed"] == 3 and section["expected_reverts"]
