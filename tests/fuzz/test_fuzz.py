"""`parity fuzz`: finds and shrinks a contract with one wrong rounding and writes a fixture that `parity replay`
fails on; a correct rule passes a small budget; bad input is one line and exit 2; a seed fixes the
examples; the batched engine agrees with `parity verify`; the pool level reaches a broken runner through the
stack-artifacts hook and replays its late and missed updates."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import parity  # noqa: F401  (float64)
from parity.catalogue import DEFAULT_PARAMS
from parity.cli import main
from parity.fuzz.examples import Example, Settings
from parity.fuzz.paths import Move, PathRecipe

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--blocks", "8", "--batch", "8", "--workers", "1"]
ROUNDED_RECIPROCAL = ("return ONE.div(d).mul(g);", "return ((ONE * ONE + d / 2) / d).mul(g);")


@pytest.fixture(scope="module")
def broken_artifact(tmp_path_factory):
    """MomentumRule whose reciprocal 1/p̄ is rounded to nearest instead of truncated (one wrong rounding),
    as a Foundry artifact a user would hand to --artifact."""
    from parity.chain import compile_sources
    from parity.chain.artifacts import write_foundry_artifact
    from parity.chain.compile import project_sources

    sources = project_sources()
    old, new = ROUNDED_RECIPROCAL
    assert sources["base/GradientEstimator.sol"].count(old) == 1
    sources["base/GradientEstimator.sol"] = sources["base/GradientEstimator.sol"].replace(old, new)
    art = compile_sources(sources)["MomentumRule"]
    return write_foundry_artifact(art, tmp_path_factory.mktemp("artifact"), "MomentumRule.sol")


def test_broken_rounding_is_found_shrunk_to_3_blocks_and_replay_fails(broken_artifact, tmp_path, capsys):
    from parity.fixtures import load_fixture, replay

    out = tmp_path / "ce"
    rc = main(["fuzz", "--rule", "momentum", "--artifact", str(broken_artifact), "--examples", "300", "--seed", "0",
               "--out", str(out), "--shrink-time", "240", *SMALL])
    text = capsys.readouterr().out
    assert rc == 1, text
    assert text.splitlines()[0] == "parity fuzz momentum (rule level, seed 0): COUNTEREXAMPLE: model_mismatch"
    report = json.loads((out / "report.json").read_text())
    assert (report["property"], report["kind"]) == ("model", "model_mismatch")
    assert report["shrunk"]["complete"] and report["shrunk"]["blocks"] <= 3 and report["shrunk"]["assets"] == 2
    assert report["verify"] == {**report["verify"], "kind": "model_mismatch", "block": report["block"], "same": True}
    # the fixture holds the broken contract's values: the integer model in replay disagrees at the same block
    assert main(["replay", str(out / "counterexample.json"), "--quiet"]) == 1
    fx = load_fixture(out / "counterexample.json")
    assert fx.blocks == report["shrunk"]["blocks"]
    assert replay(fx).model_mismatch.block == report["block"]
    digest = json.loads(Path(broken_artifact).read_text())  # the user's build is named in the fixture
    assert fx.data["contract_artifact"]["contract_name"] == "MomentumRule"
    assert fx.data["contract_artifact"]["source_hash"] != load_fixture(REPO / "fixtures/golden/momentum_btc_eth_2_scalar.json").data["contract_artifact"]["source_hash"]
    assert digest["abi"]
    # the same market on parity's own MomentumRule is parity: the bug is the artifact's
    capsys.readouterr()
    assert main(["verify", "--rule", "momentum", "--prices", str(out / "prices.csv"), "--params", str(out / "params.json"),
                 "--backend", "revm", "--quiet"]) == 0
    assert (out / "report.md").read_text().startswith("# parity fuzz: momentum (rule level) breaks `model`")


def test_correct_rule_small_budget_exits_0_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "none"
    rc = main(["fuzz", "--rule", "anti_momentum", "--examples", "40", "--out", str(out), *SMALL])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert text.startswith("parity fuzz anti_momentum (rule level, seed 0): no counterexample")
    assert not out.exists()


@pytest.mark.parametrize("extra, message", [
    (["--rule", "index_market_cap"], "--rule 'index_market_cap': choose one of"),
    (["--rule", "momentum", "--examples", "0"], "--examples 0: must be an integer ≥ 1"),
    (["--rule", "momentum", "--assets", "9"], "--assets '9': must be N or LO-HI with 2 ≤ LO ≤ HI ≤ 8"),
    (["--rule", "momentum", "--properties", "parity,speed"], "--properties 'parity,speed': unknown 'speed'"),
    (["--rule", "momentum", "--param-space", "missing.json"], "--param-space missing.json: file not found"),
    (["--rule", "momentum", "--level", "pool", "--artifact", "x.json"], "x.json: file not found"),
    (["--rule", "momentum", "--rule-contract", "MomentumUpdateRule"], "--rule-contract: applies to --level pool only"),
    (["--rule", "momentum", "--unlimited-code-size"], "--unlimited-code-size: applies to --level pool only"),
    (["--rule", "momentum", "--tolerance", "variance=1e-9"], "variance"),
    (["--rule", "momentum", "--batch", "65"], "--batch 65: must be an integer ≥ 1 and at most 64"),
    (["--rule", "momentum", "--seed", "-1"], "--seed -1: must be an integer in [0, 2^64)"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    rc = main(["fuzz", *extra, "--examples", "1", "--out", "o"] if "--examples" not in extra else ["fuzz", *extra, "--out", "o"])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("parity fuzz: error: ") and message in err, err
    assert not (tmp_path / "o").exists()


def test_bad_param_space_entry_names_it(tmp_path, capsys):
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"lamb": [0.9, 0.5]}))
    assert main(["fuzz", "--rule", "momentum", "--param-space", str(space), "--out", str(tmp_path / "o")]) == 2
    assert "lamb: min=0.9, max=0.5: need two finite numbers with min ≤ max" in capsys.readouterr().err
    space.write_text(json.dumps({"lamb_short": [0.1, 0.5]}))
    assert main(["fuzz", "--rule", "momentum", "--param-space", str(space), "--out", str(tmp_path / "o")]) == 2
    assert "'lamb_short' is not a parameter of momentum" in capsys.readouterr().err


def _recorded_search(seed: int, monkeypatch):
    import parity.fuzz.search as search_mod
    from parity.fuzz.execute import run_batch as real
    from parity.fuzz.search import FuzzConfig, search
    from parity.fuzz.space import auto_space
    from parity.fuzz.strategies import Shape

    seen = []

    def recording(examples, **kw):
        seen.extend(json.dumps(e.to_json(), sort_keys=True) for e in examples)
        return real(examples, **kw)

    monkeypatch.setattr(search_mod, "run_batch", recording)
    space = dataclasses.replace(auto_space("momentum", DEFAULT_PARAMS["momentum"]), n=(2, 3))
    cfg = FuzzConfig("momentum", space, Shape("rule", 1, 6, 8), examples=24, seed=seed)
    result = search(cfg)
    return seen, result.stats


def test_same_seed_same_examples_other_seed_others(monkeypatch):
    a, stats_a = _recorded_search(3, monkeypatch)
    b, stats_b = _recorded_search(3, monkeypatch)
    c, _ = _recorded_search(4, monkeypatch)
    assert stats_a.examples >= 24 and len(a) == stats_a.examples and a == b
    assert stats_a.kinds == stats_b.kinds and stats_a.worst_ratio == stats_b.worst_ratio
    assert a != c


def _example(rule, prices_recipe, params=None, n=2, **settings):
    return Example(rule, Settings(n, **settings), dict(params or DEFAULT_PARAMS[rule]), prices_recipe)


def test_batched_engine_agrees_with_verify(broken_artifact):
    """One chunk mixing a passing market, a zero-variance revert, a market near the int128 ceiling and near
    1 wei: each example's outcome equals the lockstep's (`parity verify`) on the same inputs."""
    from parity.chain.artifacts import load_artifact
    from parity.fuzz.batch import FuzzChunk, run_fuzz_chunk
    from parity.fuzz.execute import rule_lockstep
    from parity.fuzz.outcome import lockstep_outcome

    walk = (Move("noise", 0, 6, -1, 0.02, 5),)
    cases = {
        "momentum": [PathRecipe(6, (2.0, 0.0), walk), PathRecipe(4, (19.5, -17.0), walk), PathRecipe(6, (0.0, 3.0), (Move("jump", 1, 1, 0, 2.0),))],
        "min_variance": [PathRecipe(3, (1.0, 2.0), ()), PathRecipe(5, (1.0, 2.0), walk)],
    }
    for rule, recipes in cases.items():
        exs = [_example(rule, r) for r in recipes]
        batched = run_fuzz_chunk(FuzzChunk(exs, 8, 4, {}))
        for e, got in zip(exs, batched):
            want = lockstep_outcome(rule_lockstep(e, {}))
            assert (got.kind, got.block, got.where) == (want.kind, want.block, want.where), (rule, e.recipe)
    kinds = [o.kind for o in run_fuzz_chunk(FuzzChunk([_example("min_variance", r) for r in cases["min_variance"]], 8, 4, {}))]
    assert kinds == ["both_refuse", "pass"]
    art = load_artifact(broken_artifact)
    e = _example("momentum", cases["momentum"][2])
    got = run_fuzz_chunk(FuzzChunk([e], 8, 1, {}, artifact=art))[0]
    want = lockstep_outcome(rule_lockstep(e, {}, artifact=art))
    assert (got.kind, got.block) == (want.kind, want.block) == ("model_mismatch", 2)


def test_paths_are_whole_wei_within_chain_range_and_simplest_is_flat():
    from parity.chain_limits import MAX_PRICE
    from parity.fuzz.paths import distinct_prices, expand

    flat = expand(PathRecipe(5, (0.0, 2.0)))
    assert flat.shape == (6, 2) and np.all(flat == [1.0, 100.0]) and distinct_prices(flat) == 2
    wild = expand(PathRecipe(30, (-17.5, 19.8), (Move("jump", 3, 1, -1, 8.0), Move("oscillate", 10, 9, 0, 1.5),
                                                  Move("peg", 20, 5, 1, 0.0), Move("noise", 0, 30, -1, 0.3, 9))))
    assert np.all(wild >= 1e-18) and np.all(wild <= MAX_PRICE)
    for v in wild.ravel():
        assert v == int(round(v * 1e18)) / 10**18  # a whole number of wei, as both sides see it
    assert np.all(wild[21:26, 1] == 1.0)  # the peg
    osc = expand(PathRecipe(4, (0.0, 0.0), (Move("oscillate", 0, 4, 0, 1.0),)))[:, 0]
    assert osc.tolist() == [1.0, 10.0, 1.0, 10.0, 1.0]


# ---------------------------------------------------------------------------------------------------------
# pool level
# ---------------------------------------------------------------------------------------------------------

sys.path.insert(0, str(REPO / "tests" / "contracts"))


def test_pool_level_finds_a_broken_runner_through_the_stack_hook(tmp_path):
    """The runner stores the rule's target as the pool's base weight (tests/contracts/production_broken.py):
    a user's stack handed over as artifacts; the fuzz finds it at the first block and shrinks it."""
    from production_broken import broken_artifacts

    from parity.fixtures import load_fixture, replay
    from parity.fuzz.output import write_counterexample
    from parity.fuzz.search import FuzzConfig, search
    from parity.fuzz.space import fixed_space
    from parity.fuzz.strategies import Shape

    cfg = FuzzConfig("momentum", fixed_space("momentum", {"lamb": 0.8, "kappa": 20.0}), Shape("pool", 1, 6, 2),
                     examples=20, seed=1, stack_artifacts=broken_artifacts("base_is_target"), shrink_seconds=120)
    result = search(cfg)
    assert result.outcome is not None and result.outcome.kind == "model_mismatch"
    assert result.example.blocks <= 2 and result.shrink_complete
    report = write_counterexample(result, cfg, tmp_path / "pool")
    assert report["verify"]["same"]
    fx = load_fixture(tmp_path / "pool" / "counterexample.json")
    assert fx.data["format"] == "parity-golden-pool-fixture"
    assert replay(fx).status == "model_mismatch"


def test_pool_level_finds_a_broken_stack_given_as_an_artifacts_folder(tmp_path, capsys):
    """The same broken runner written as a user's Foundry out/ folder and given with --artifacts (V1's contract
    names): found, shrunk, and its pool fixture records the user's contracts and fails replay."""
    from production_broken import broken_stack

    from parity.fixtures import load_fixture

    broken_stack("base_is_target", tmp_path / "out")
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"lamb": 0.8, "kappa": 20.0}))
    out = tmp_path / "ce"
    rc = main(["fuzz", "--rule", "momentum", "--level", "pool", "--artifacts", str(tmp_path / "out"), "--params",
               str(params), "--examples", "20", "--blocks", "6", "--batch", "2", "--workers", "1", "--seed", "1",
               "--shrink-time", "120", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 1, text
    assert text.splitlines()[0] == "parity fuzz momentum (pool level, seed 1): COUNTEREXAMPLE: model_mismatch"
    report = json.loads((out / "report.json").read_text())
    assert report["shrunk"]["blocks"] <= 2 and report["verify"]["same"]
    assert "--artifacts" in report["reproduce"]["verify"]
    fx = load_fixture(out / "counterexample.json")
    assert fx.data["stack"]["contracts"]["runner"]["source"] != "reference (profile legacy)"
    assert main(["replay", str(out / "counterexample.json"), "--quiet"]) == 1


def test_stack_options_are_refused_at_rule_level(tmp_path, capsys):
    rc = main(["fuzz", "--rule", "momentum", "--artifacts", str(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("parity fuzz: error: --artifacts: applies to --level pool only"), err
    assert not (tmp_path / "o").exists()


def test_pool_level_late_and_missed_updates_replay(tmp_path):
    """A pool-level run with a late update and a gap of two missed intervals passes, and its fixture records
    the delays and replays them."""
    from parity.fixtures import dumps, load_fixture, replay
    from parity.fuzz.execute import pool_lockstep
    from parity.fuzz.output import fixture_of
    from parity.fuzz.search import FuzzConfig
    from parity.fuzz.space import fixed_space
    from parity.fuzz.strategies import Shape

    day = 86_400
    e = Example("momentum", Settings(2), {"lamb": 0.8, "kappa": 20.0},
                PathRecipe(4, (2.0, 1.0), (Move("trend", 0, 4, 0, 0.3),)), delays=(0, 3_600, 2 * day + 5, 0))
    result = pool_lockstep(e, {})
    assert result.status == "parity"
    assert np.diff(result.timestamps).tolist() == [day + 3_600, 3 * day + 5, day]
    cfg = FuzzConfig("momentum", fixed_space("momentum", e.params), Shape("pool", 1, 4, 1))
    data = fixture_of(e, result, cfg)
    assert data["stack"]["update_delays"] == [0, 3_600, 2 * day + 5, 0]
    path = tmp_path / "late.json"
    path.write_text(dumps(data))
    assert replay(load_fixture(path)).status == "parity"


def test_pool_level_small_budget_exits_0(tmp_path, capsys):
    rc = main(["fuzz", "--rule", "momentum", "--level", "pool", "--examples", "4", "--blocks", "4", "--workers", "1",
               "--out", str(tmp_path / "o")])
    assert rc == 0, capsys.readouterr().out


# The in-process cluster's threads use the `random` module while Hypothesis draws in the main thread, which
# Hypothesis reports as a strategy using `random`; parity's strategies do not (the equality below checks it).
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
def test_dask_cluster_runs_the_same_examples_with_the_same_outcomes():
    """Batches split over two Dask tasks give the statistics of an in-process run (outcomes depend on the
    example alone, not on its chunk)."""
    distributed = pytest.importorskip("distributed")
    from parity.fuzz.search import FuzzConfig, search
    from parity.fuzz.space import fixed_space
    from parity.fuzz.strategies import Shape

    space = dataclasses.replace(fixed_space("momentum", DEFAULT_PARAMS["momentum"]), n=(2, 2))
    cfg = FuzzConfig("momentum", space, Shape("rule", 1, 6, 16), examples=40, seed=5)
    local = search(cfg).stats
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = search(dataclasses.replace(cfg, scheduler=cluster.scheduler_address)).stats
    assert (remote.examples, remote.kinds, remote.worst_ratio) == (local.examples, local.kinds, local.worst_ratio)


def test_unreachable_scheduler_is_a_setup_error(tmp_path, capsys):
    rc = main(["fuzz", "--rule", "momentum", "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1",
               "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("parity fuzz: setup error: --scheduler tcp://127.0.0.1:9: cannot connect")
    assert len(err.strip().splitlines()) == 1
