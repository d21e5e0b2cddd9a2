"""`parity fuzz --level pool` draws the seeded stale-oracle scenario: a runner whose staleness check is off by
one (an oracle exactly `threshold` seconds old counted as fresh; tests/contracts/production_broken.py), which
no run without the scenario can catch, is found at the first block where the off-by-one changes what the
runner reads; the reference runner passes the same budget; the counterexample gets a report whose `parity
verify` line reproduces it, and no fixture (a pool fixture records no oracle scenario)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest

import parity  # noqa: F401  (float64)
from parity.chain.production import DEFAULT_STALENESS_S
from parity.cli import main
from parity.fuzz.examples import Example, Settings, example_from_json
from parity.fuzz.execute import START_TIMESTAMP
from parity.fuzz.paths import Move, PathRecipe
from parity.harness.lockstep.oracles import StaleOracles

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))
from production_broken import broken_stack  # noqa: E402

BUDGET = ["--examples", "12", "--blocks", "6", "--batch", "2", "--workers", "1", "--seed", "1", "--shrink-time", "120"]


def _reads(updates: dict, n: int, ts: int, fresh) -> tuple | None:
    """What a runner reads (first fresh of primary, backup per asset), None when it reverts."""
    out = []
    for i in range(n):
        found = [updates[(i, j)][0] for j in (0, 1) if fresh(updates[(i, j)][1], ts - DEFAULT_STALENESS_S)]
        if not found:
            return None
        out.append(found[0])
    return tuple(out)


def first_effective_block(example: Example) -> int:
    """The first update at which a runner counting an oracle exactly `threshold` seconds old as fresh reads
    other values (or reverts otherwise) than the correct runner, on the example's oracle tables: update k at
    the start time plus k intervals plus the first k delays."""
    scenario = StaleOracles(example.stale_oracles, example.stale_seed, DEFAULT_STALENESS_S)
    interval = example.settings.chunk_period * 60
    delays = list(example.delays) + [0] * example.blocks
    wei = [[int(round(x * 1e18)) for x in row] for row in example.prices]
    for k in range(1, example.blocks + 1):
        ts = START_TIMESTAMP + k * interval + sum(delays[:k])
        ups = scenario.updates(k, ts, wei[k], wei[k - 1])
        if _reads(ups, example.n, ts, lambda t, edge: t > edge) != _reads(ups, example.n, ts, lambda t, edge: t >= edge):
            return k
    raise AssertionError("the scenario never makes the off-by-one matter")


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stale")
    broken_stack("stale_boundary", tmp / "out")
    params = tmp / "params.json"
    params.write_text(json.dumps({"lamb": 0.8, "kappa": 20.0}))
    args = ["fuzz", "--rule", "momentum", "--level", "pool", "--params", str(params), *BUDGET]
    return tmp, args


def test_a_staleness_off_by_one_is_found_at_its_block_and_reported_without_a_fixture(found, capsys):
    tmp, args = found
    out = tmp / "ce"
    rc = main([*args, "--artifacts", str(tmp / "out"), "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 1, text
    assert text.splitlines()[0] == "parity fuzz momentum (pool level, seed 1): COUNTEREXAMPLE: model_mismatch"
    report = json.loads((out / "report.json").read_text())
    ex = example_from_json(report["example"])
    assert ex.scenario is not None and report["shrunk"]["stale_oracles"] == ex.scenario
    assert report["block"] == first_effective_block(ex)
    assert report["verify"]["same"] and report["verify"]["block"] == report["block"]
    # no fixture: it would replay without the scenario; the summary and the report say so
    assert not (out / "counterexample.json").exists() and report["files"]["fixture"] is None
    assert report["reproduce"]["replay"] is None and "records no oracle scenario" in report["no_fixture"]
    assert "no fixture written: a pool fixture records no oracle scenario" in text
    assert "No fixture written" in (out / "report.md").read_text()
    line = report["reproduce"]["verify"]
    assert f"--stale-oracles {ex.stale_oracles!r} --stale-seed {ex.stale_seed}" in line and "--artifacts" in line
    assert f"reproduce with: {line}" in text
    if not any(ex.delays):  # parity verify takes no explicit delays; shrinking leaves none here
        assert report["reproduce"]["note"] is None
        assert main(shlex.split(line)[1:] + ["--quiet"]) == 1
        assert "MODEL MISMATCH" in capsys.readouterr().out


def test_the_reference_runner_passes_the_same_budget(found, capsys):
    tmp, args = found
    rc = main([*args, "--out", str(tmp / "none")])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert text.startswith("parity fuzz momentum (pool level, seed 1): no counterexample")
    assert not (tmp / "none").exists()


def test_example_json_keeps_the_scenario_and_shrinking_prefers_none():
    recipe = PathRecipe(3, (0.0, 1.0), (Move("trend", 0, 3, 0, 0.2),))
    stale = Example("momentum", Settings(2), {"lamb": 0.8, "kappa": 20.0}, recipe, (0, 60, 0), stale_oracles=0.5,
                    stale_seed=7)
    plain = Example("momentum", Settings(2), {"lamb": 0.8, "kappa": 20.0}, recipe, (0, 60, 0))
    data = json.loads(json.dumps(stale.to_json()))
    assert data["stale_oracles"] == {"rate": 0.5, "seed": 7} and "stale_oracles" not in plain.to_json()
    back = example_from_json(data)
    assert (back.stale_oracles, back.stale_seed, back.delays) == (0.5, 7, (0, 60, 0))
    assert np.array_equal(back.prices, stale.prices)
    assert example_from_json(plain.to_json()).scenario is None
    assert stale.key() != plain.key() and back.key() != example_from_json(plain.to_json()).key()
    assert stale.variant(1).scenario == stale.scenario
    assert plain.size() < stale.size()


def test_pool_level_draws_the_scenario_and_rule_level_never():
    from hypothesis import find, settings as hsettings
    from hypothesis.errors import NoSuchExample

    from parity.fuzz.space import fixed_space
    from parity.fuzz.strategies import STALE_RATES, Shape, example_strategy

    space, settings = fixed_space("momentum", {"lamb": 0.8, "kappa": 20.0}), Settings(2)
    quick = hsettings(database=None, max_examples=50)
    pool = find(example_strategy("momentum", space, settings, Shape("pool", 1, 4, 1)), lambda e: e.scenario is not None,
                settings=quick)
    assert pool.scenario == {"rate": STALE_RATES[0], "seed": 0}  # the simplest scenario
    with pytest.raises(NoSuchExample):
        find(example_strategy("momentum", space, settings, Shape("rule", 1, 4, 1)), lambda e: e.scenario is not None,
             settings=quick)


def test_the_outcome_names_the_block_where_the_off_by_one_first_matters():
    """Three blocks in (after a late update), the correct runner finds no fresh oracle and reverts, as every
    side expects; the broken one reads the primary at the boundary. The integer model catches it there, and
    so does the JAX side alone (it expected the revert the chain did not make)."""
    from production_broken import broken_artifacts

    from parity.chain import make_chain
    from parity.fuzz.execute import pool_lockstep
    from parity.fuzz.outcome import lockstep_outcome
    from parity.harness.driver import run_pool_lockstep
    from parity.pools import create_pool

    e = Example("momentum", Settings(2), {"lamb": 0.8, "kappa": 20.0}, PathRecipe(6, (0.0, 1.0), (Move("trend", 0, 6, 0, 0.2),)),
                (0, 3_600, 0, 90_000, 0, 0), stale_oracles=0.25, stale_seed=11)
    assert first_effective_block(e) == 3
    reference = pool_lockstep(e, {})
    assert lockstep_outcome(reference).kind == "pass"
    assert [r["block"] for r in reference.pool["expected_reverts"]] == [3, 4, 5]  # noted, the run goes on
    broken = broken_artifacts("stale_boundary")
    caught = lockstep_outcome(pool_lockstep(e, {}, broken))
    assert (caught.kind, caught.block) == ("model_mismatch", 3), caught
    jax_only = run_pool_lockstep(create_pool("momentum"), dict(e.params), e.settings.fingerprint("momentum"), e.prices,
                                 make_chain("revm"), blocks=e.blocks, update_delays=list(e.delays), stale_oracles=0.25,
                                 stale_seed=11, artifacts=broken, model_check=False, progress=False,
                                 start_timestamp=START_TIMESTAMP)
    outcome = lockstep_outcome(jax_only)
    assert (outcome.kind, outcome.block, outcome.where) == ("divergence", 3, "performUpdate"), outcome
    assert "No fresh oracle values available" in outcome.detail
