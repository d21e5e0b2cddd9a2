"""`parity sweep`: a 6-rule × 20-set × 2-series matrix on revm, identical rows in process and on a Dask
LocalCluster, a planted divergence in exactly its rows, agreement with `parity verify`, revert isolation,
the BatchCaller's authorisation, bad specs, and the README's example."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import parity  # noqa: F401
from parity.cli import main
from parity.prices import load_prices, save_prices_csv
from parity.sweep.runner import make_chunks, run_sweep
from parity.inputs.sweep_spec import SpecError, load_spec, parse_spec

REPO = Path(__file__).resolve().parents[2]
BTC_ETH = str(REPO / "fixtures/prices/btc_eth_daily_2.csv")
TRENDING = str(REPO / "fixtures/prices/trending_daily_8.csv")
LAMBS = [0.6, 0.7, 0.8, 0.9, 0.95]
PLANTED = {"set": 7, "param": "kappa", "relative": 1e-4}

# 6 rules × 20 sets (5 λ × 4 values of a second parameter), 2 series × 8 blocks each
MATRIX = {
    "n": 2,
    "blocks": 8,
    "chunk_size": 20,
    "series": [{"path": BTC_ETH, "windows": [[100, 109]]}, {"path": TRENDING, "windows": [[50, 59]]}],
    "rules": [
        {"rule": "momentum", "grid": {"lamb": LAMBS, "kappa": [0.25, 0.5, 1.0, 2.0]}, "perturb_jax": PLANTED},
        {"rule": "anti_momentum", "grid": {"lamb": LAMBS, "kappa": [0.25, 0.5, 1.0, 2.0]}},
        {"rule": "power_channel", "grid": {"lamb": LAMBS, "kappa": [5.0, 10.0, 20.0, 40.0]}},
        {"rule": "mean_reversion_channel", "grid": {"lamb": LAMBS, "width": [0.05, 0.1, 0.2, 0.4]}},
        {"rule": "difference_momentum", "grid": {"lamb": LAMBS, "lamb_short": [0.2, 0.4, 0.5, 0.55]}},
        {"rule": "min_variance", "grid": {"lamb": LAMBS, "mixing": [0.1, 0.3, 0.5, 0.9]}},
    ],
}


@pytest.fixture(scope="module")
def matrix_spec():
    return parse_spec(json.loads(json.dumps(MATRIX)))


@pytest.fixture(scope="module")
def local_rows(matrix_spec):
    return run_sweep(matrix_spec, workers=1)


def test_matrix_has_6_rules_20_sets_2_series(matrix_spec, local_rows):
    assert len(local_rows) == 6 * 20 * 2
    assert {r["rule"] for r in local_rows} == {e["rule"] for e in MATRIX["rules"]}
    assert {r["series"] for r in local_rows} == {"btc_eth_daily_2", "trending_daily_8"}
    assert all(r["blocks_compared"] == 8 for r in local_rows)
    # one chunk per (rule, series): 20 sets share one batch transaction per block
    assert len(make_chunks(matrix_spec)) == 12


def test_planted_divergence_is_exactly_its_rows(local_rows):
    bad = [r for r in local_rows if r["verdict"] != "parity"]
    planted = [r for r in local_rows if r["rule"] == "momentum" and r["set"] == PLANTED["set"]]
    assert len(planted) == 2  # one per series
    assert [r["id"] for r in bad] == [r["id"] for r in planted]
    for r in planted:
        assert r["verdict"] == "divergence" and r["perturb_jax"] == PLANTED
        assert r["first_divergence"]["field"] == "weights"  # κ does not enter the estimator state
        assert r["first_divergence"]["scaled"] > r["first_divergence"]["tolerance"]
        assert set(r["worst"]) == {"ewma", "running_a", "weights"}


def test_heatmap_cell_is_the_worst_over_series(local_rows):
    from parity.sweep.output import heatmap_cells, heatmap_png

    cells = heatmap_cells(local_rows, "lamb", "kappa", "weights")
    assert set(cells) == {"momentum", "anti_momentum", "power_channel"}  # the rules with both axes
    assert len(cells["momentum"]) == 20
    at = [r for r in local_rows if r["rule"] == "momentum" and r["params"] == {"lamb": 0.9, "kappa": 1.0}]
    assert cells["momentum"][(0.9, 1.0)] == [max(r["worst"]["weights"]["scaled"] for r in at), False]
    planted = next(r for r in local_rows if r["rule"] == "momentum" and r["set"] == PLANTED["set"])["params"]
    assert cells["momentum"][(planted["lamb"], planted["kappa"])][1] is True
    assert sum(bad for rule in cells.values() for _, bad in rule.values()) == 1
    assert heatmap_png(local_rows, "lamb", "kappa", "weights")[:4] == b"\x89PNG"


def test_integer_model_sampled_on_every_chunk(local_rows):
    sampled = [r for r in local_rows if r["model_blocks"] is not None]
    assert len(sampled) == 12 and all(r["model_blocks"] == 8 and r["model_mismatch"] is None for r in sampled)


def test_local_cluster_gives_identical_rows(matrix_spec, local_rows):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        rows = run_sweep(matrix_spec, scheduler=client)
    assert json.dumps(rows, sort_keys=True) == json.dumps(local_rows, sort_keys=True)


def test_cli_scheduler_address_runs_on_the_cluster(tmp_path, capsys):
    """`--scheduler tcp://…` sends the chunks to that cluster; the rows equal an in-process run's."""
    distributed = pytest.importorskip("distributed")
    spec = {"series": [{"path": BTC_ETH, "windows": [[0, 6], [10, 16]]}], "chunk_size": 2,
            "rules": [{"rule": "momentum", "grid": {"lamb": [0.8, 0.9], "kappa": [1.0, 2.0]}}]}
    (tmp_path / "s.json").write_text(json.dumps(spec))
    assert main(["sweep", str(tmp_path / "s.json"), "--out", str(tmp_path / "local"), "--workers", "1"]) == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert main(["sweep", str(tmp_path / "s.json"), "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address]) == 0
    local = json.loads((tmp_path / "local/results.json").read_text())["rows"]
    remote = json.loads((tmp_path / "dask/results.json").read_text())["rows"]
    assert len(local) == 8 and remote == local
    assert (tmp_path / "local/results.csv").read_bytes() == (tmp_path / "dask/results.csv").read_bytes()


def test_local_worker_processes_give_identical_rows():
    spec = parse_spec({"series": [{"path": BTC_ETH, "windows": [[0, 6]]}], "chunk_size": 2,
                       "rules": [{"rule": "min_variance", "grid": {"lamb": [0.8, 0.9], "mixing": [0.2, 0.5]}}]})
    assert len(make_chunks(spec)) == 2
    assert run_sweep(spec, workers=2) == run_sweep(spec, workers=1)


def test_unreachable_scheduler_exit_2(tmp_path, capsys):
    (tmp_path / "s.json").write_text(json.dumps({"series": [{"path": BTC_ETH, "windows": [[0, 4]]}],
                                                 "rules": [{"rule": "momentum", "params": [{}]}]}))
    assert main(["sweep", str(tmp_path / "s.json"), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9",
                 "--connect-timeout", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("parity sweep: setup error:")


def _verify_row(rule, params, prices_path, window, blocks, vectorized=False):
    from parity.chain import make_chain
    from parity.fingerprint import make_run_fingerprint
    from parity.harness import run_lockstep
    from parity.pools import create_pool
    from parity.catalogue import with_defaults

    series = load_prices(prices_path)
    prices = series.prices[window[0] : window[1], :2]
    fp = make_run_fingerprint(rule=rule, n_assets=2, chunk_period=1440, price_interval=1440)
    return run_lockstep(create_pool(rule), with_defaults(rule, params), fp, prices, make_chain("revm"),
                        blocks=blocks, progress=False, vectorized_check=vectorized)


@pytest.mark.parametrize("rule_index", [0, 4, 5])
def test_rows_equal_parity_verify(local_rows, rule_index):
    """The batched session reports what the one-at-a-time driver reports: same worst element, same values."""
    entry = MATRIX["rules"][rule_index]
    row = next(r for r in local_rows if r["rule"] == entry["rule"] and r["set"] == 13 and r["series"] == "btc_eth_daily_2")
    res = _verify_row(row["rule"], row["params"], BTC_ETH, row["window"], 8, vectorized=True)
    assert res.status == row["verdict"] == "parity"
    for field, d in res.worst.items():
        assert row["worst"][field]["block"] == d.block and row["worst"][field]["asset"] == d.asset
        assert row["worst"][field]["chain_value"] == str(d.chain_value)
        assert row["worst"][field]["scaled"] == d.scaled
    assert row["vectorized"]["first_divergence"] is None
    assert row["vectorized"]["worst"] == {f: d.scaled for f, d in res.vectorized["worst"].items()}


def test_revert_is_isolated_to_its_pool(tmp_path):
    """MinimumVariance divides by σ²: unmoving prices after one move revert λ = 0.1 with Panic(0x12) long before
    λ = 0.9; the other pools of the same transaction keep running."""
    prices = np.vstack([[1.0, 1.0], np.tile([2.0, 3.0], (60, 1))])
    path = tmp_path / "flat.csv"
    save_prices_csv(load_prices(prices, interval_minutes=1440), path)
    spec = parse_spec({"series": [{"path": str(path)}], "blocks": 40,
                       "rules": [{"rule": "min_variance", "params": [{"lamb": 0.9, "mixing": 0.5}, {"lamb": 0.1, "mixing": 0.5},
                                                                     {"lamb": 0.95, "mixing": 0.5}]}]})
    rows = run_sweep(spec, workers=1)
    assert [r["verdict"] for r in rows] == ["parity", "revert", "parity"]
    ref = _verify_row("min_variance", {"lamb": 0.1, "mixing": 0.5}, str(path), (0, 61), 40)
    assert ref.revert is not None
    assert rows[1]["revert"] == {"block": ref.revert.block, "reason": "Panic(0x12)"}
    assert rows[1]["blocks_compared"] == ref.revert.block - 1
    assert rows[0]["blocks_compared"] == rows[2]["blocks_compared"] == 40


def test_batch_caller_is_the_runner_and_owner_only():
    from parity.chain.errors import ContractRevert
    from parity.sweep import chainbatch as cb
    from parity.sweep.session import ChainSession, pool_start
    from parity.sweep.spec import PriceCase, make_fingerprint
    from parity.harness.mapping import state_map_for
    from parity.pools import create_pool

    pool = create_pool("momentum")
    case = PriceCase("x", (0, 3), 2, 1440, 1440)
    fp = make_fingerprint("momentum", case, {})
    smap = state_map_for("MomentumRule")
    start = pool_start(pool, {"lamb": 0.9, "kappa": 1.0}, fp, [10**18, 2 * 10**18], np.array([1.0, 2.0]), smap)
    s = ChainSession("MomentumRule", [start], smap, 2, 0, "momentum")
    assert s.chain.call(s.rule, "name") and s.chain.call(s.batch, "owner") == s.chain.accounts[0]
    args = [start.w_wei, [10**18, 2 * 10**18], cb.pool_address(0), start.mapped.parameters, start.mapped.lambda_store,
            start.mapped.epsilon_max, start.mapped.guard_rail]
    with pytest.raises(ContractRevert) as e:  # the harness account is not the runner: only the batch caller is
        s.chain.transact(s.rule, "CalculateNewWeights", args, timestamp=s.timestamp + 10)
    assert e.value.reason == "UNAUTH_CALC"
    with pytest.raises(ContractRevert) as e:  # only the owner may use the batch caller
        s._send(b"", s.timestamp + 20, sender=s.chain.accounts[1])
    assert e.value.reason == "UNAUTH_BATCH"


@pytest.mark.parametrize(
    "patch, message",
    [
        ({"level": "vault"}, "level='vault': must be 'rule'"),
        ({"level": "pool", "rules": [{"rule": "momentum", "params": [{}], "perturb_jax": {"set": 0, "param": "kappa",
                                                                                          "relative": 1}}]},
         "use level='rule'"),
        ({"backend": "eth-tester"}, "backend='eth-tester'"),
        ({"rules": [{"rule": "momentum", "grid": {"lamb": [0.9, 1.2]}}]}, "rules[0] set 1"),
        ({"rules": [{"rule": "nope", "params": [{}]}]}, "rules[0].rule='nope'"),
        ({"series": [{"path": BTC_ETH, "windows": [[0, 1]]}]}, "series[0].windows[0]"),
        ({"blocks": 10_000}, "blocks=10000"),
        ({"tolerances": {"weight": 1e-9}}, "tolerances.weight"),
        ({"rules": [{"rule": "momentum", "params": [{}], "perturb_jax": {"set": 5, "param": "kappa", "relative": 1}}]},
         "rules[0].perturb_jax.set=5"),
        ({"rules": [{"rule": "momentum", "params": [{}], "perturb_jax": {"set": 0, "param": "mixing", "relative": 1}}]},
         "rules[0].perturb_jax.param='mixing'"),
    ],
)
def test_bad_spec_exit_2_names_the_entry(tmp_path, capsys, patch, message):
    spec = {"series": [{"path": BTC_ETH}], "rules": [{"rule": "momentum", "params": [{}]}], **patch}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "out").exists()


def test_quantammsim_candidate_file(tmp_path):
    """A file of candidate sets in the simulator's parameterisation (column form) expands set by set."""
    (tmp_path / "cands.json").write_text(json.dumps({"logit_lamb": [1.0, 2.0, 3.0], "log_k": [-1.0, 0.0, 1.0]}))
    (tmp_path / "s.toml").write_text(f'series = [{{path = "{BTC_ETH}", windows = [[0, 6]]}}]\n'
                                     '[[rules]]\nrule = "momentum"\nfile = "cands.json"\n')
    spec = load_spec(tmp_path / "s.toml")
    assert [v.params for v in spec.verifications] == [{"logit_lamb": x, "log_k": k} for x, k in [(1.0, -1.0), (2.0, 0.0), (3.0, 1.0)]]
    assert [r["verdict"] for r in run_sweep(spec, workers=1)] == ["parity"] * 3


def test_readme_example_writes_json_csv_heatmap(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    out = tmp_path / "sweep-out"
    assert main(["sweep", "examples/sweep_small.toml", "--out", str(out), "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("PARITY: 54 verifications, 54 parity")
    data = json.loads((out / "results.json").read_text())
    with open(out / "results.csv") as f:
        table = list(csv.DictReader(f))
    assert len(data["rows"]) == len(table) == 54
    assert [int(r["id"]) for r in table] == [r["id"] for r in data["rows"]] == list(range(54))
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_spec_error_is_value_error():
    with pytest.raises(SpecError):
        parse_spec({"series": [], "rules": []})


POOL_SPEC = {
    "level": "pool",
    "n": 2,
    "blocks": 6,
    "series": [{"path": BTC_ETH, "windows": [[100, 107]]}],
    "rules": [{"rule": "momentum", "params": [{"lamb": 0.8, "kappa": 1.0}, {"lamb": 0.9, "kappa": 2.0}]},
              {"rule": "min_variance", "params": [{"lamb": 0.9, "mixing": 0.5}]}],
}


def test_pool_level_rows_are_the_pool_level_verify_reports():
    from parity.chain import make_chain
    from parity.fingerprint import make_run_fingerprint
    from parity.harness.driver import run_pool_lockstep
    from parity.pools import create_pool
    from parity.catalogue import with_defaults

    rows = run_sweep(parse_spec(json.loads(json.dumps(POOL_SPEC))), workers=1)
    assert [r["rule"] for r in rows] == ["momentum", "momentum", "min_variance"]
    assert all(r["verdict"] == "parity" and r["blocks_compared"] == 6 and r["model_blocks"] == 6 for r in rows), rows
    assert {"pool_weights", "multipliers", "last_interp"} <= set(rows[0]["worst"])

    prices = load_prices(BTC_ETH, assets=2).prices[100:107]
    fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1440)
    direct = run_pool_lockstep(create_pool("momentum"), with_defaults("momentum", {"lamb": 0.9, "kappa": 2.0}), fp,
                               prices, make_chain("revm"), blocks=6, progress=False)
    assert direct.status == "parity"
    for field, d in direct.worst.items():
        assert rows[1]["worst"][field]["scaled"] == d.scaled and rows[1]["worst"][field]["block"] == d.block


def test_pool_level_sweep_on_a_user_stack(tmp_path):
    """The spec's `stack` table deploys a user's artifact directory (here parity's reference stack written in
    Hardhat's layout, built with the v1 profile): same verdicts, rows naming no divergence."""
    from parity.chain.stack import write_reference_artifacts

    out = tmp_path / "artifacts"
    write_reference_artifacts(out, layout="hardhat", profile="v1")
    spec = json.loads(json.dumps(POOL_SPEC))
    spec["rules"] = spec["rules"][:1]
    spec["stack"] = {"artifacts": str(out), "compiler_profile": "v1"}
    rows = run_sweep(parse_spec(spec), workers=1)
    assert all(r["verdict"] == "parity" and r["model_blocks"] == 6 for r in rows), rows
    for bad, message in (({"artifacts": str(tmp_path / "nope")}, "stack.artifacts"),
                         ({"artifacts": str(out), "runner_contract": "Nope"}, "--runner-contract Nope"),
                         ({"compiler_profile": "ir"}, "stack.compiler_profile='ir'")):
        with pytest.raises(SpecError, match=message):
            parse_spec({**spec, "stack": bad})
    with pytest.raises(SpecError, match="stack: applies to level = 'pool' only"):
        parse_spec({**spec, "level": "rule"})
