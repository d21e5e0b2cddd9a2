"""Every committed golden fixture validates and replays with parity (both JAX paths, integer model exact)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from parity import fixtures as F
from parity.chain import RULE_CONTRACTS
from parity.harness.mapping import STATE_MAPS
from parity.prices import FIXTURES as PRICE_FIXTURES
from parity.prices import STABLE_COLUMN_FIXTURES

from golden_helpers import SPECS, golden_file


@pytest.mark.parametrize("name", sorted(SPECS))
def test_committed_fixture_replays_with_parity(name):
    spec = SPECS[name]
    fx = F.load_fixture(golden_file(name))
    assert (fx.rule, fx.n_assets, fx.blocks) == (spec.rule, fx.prices.shape[1], spec.blocks)
    result = F.replay(fx)
    assert result.status == "parity", name
    assert result.block_ids == list(range(1, spec.blocks + 1))
    # the integer model reproduced every recorded block exactly
    assert result.model_blocks_checked == spec.blocks
    # the vectorized path ran and agrees with the scan path
    assert "skipped" not in result.vectorized and result.vectorized["first_divergence"] is None
    # the chain side of the comparison is the recording itself
    for row, b in enumerate(fx.data["per_block"]):
        assert result.chain["weights"][row] == [int(x) for x in b["weights"]]
        for key in STATE_MAPS[fx.contract].keys:
            assert result.chain[key][row] == [int(x) for x in b["state"][key]]


def test_committed_set_covers_rules_shapes_and_scenarios():
    data = [json.loads(golden_file(name).read_text()) for name in SPECS]
    assert {d["rule"] for d in data} == set(RULE_CONTRACTS)
    ns = {d["n_assets"] for d in data}
    assert min(ns) == 2 and max(ns) == 8
    # every scenario series (the stablecoin file is btc_eth_daily_2.csv plus a constant USDC column)
    scenario_files = {name for name, *_ in PRICE_FIXTURES}
    assert scenario_files | {name for name, *_ in STABLE_COLUMN_FIXTURES} == {
        p.name for p in (F.REPO_ROOT / "fixtures" / "prices").glob("*.csv")}
    assert {d["prices"]["path"].split("/")[-1] for d in data} == scenario_files
    for rule in RULE_CONTRACTS:
        mine = [d for d in data if d["rule"] == rule]
        lengths = [
            {len(v) for k, v in d["parameters"]["float"].items() if k != "use_raw_price"} for d in mine
        ]
        assert any(ls == {1} for ls in lengths), f"{rule}: no fixture with scalar parameters"
        assert any(max(ls) == d["n_assets"] > 1 for ls, d in zip(lengths, mine)), f"{rule}: no per-asset fixture"
    assert all(20 <= d["blocks"] <= 60 for d in data)
    assert all(d["chain"]["backend"] == "eth-tester" for d in data)


def test_golden_directory_matches_the_spec_list_and_readme():
    directory = F.GOLDEN_DIR
    files = sorted(p.stem for p in directory.glob("*.json"))
    assert files == sorted(SPECS)
    readme = (directory / "README.md").read_text()
    listed = set(re.findall(r"`([a-z0-9_]+)\.json`", readme))
    assert listed == set(SPECS)
    total = sum(p.stat().st_size for p in directory.iterdir())
    assert total < 1.5e6


def test_committed_files_are_canonical():
    """Each file is exactly what dumps() writes for its content: sorted keys, fixed layout, trailing newline,
    no absolute paths."""
    for name in SPECS:
        text = golden_file(name).read_text()
        data = json.loads(text)
        assert F.dumps(data) == text
        assert str(F.REPO_ROOT) not in text and "/home/" not in text and "/tmp/" not in text


def test_replay_starts_from_the_recorded_initial_state():
    fx = F.load_fixture(golden_file("momentum_btc_eth_2_scalar"))
    params = F.replay_params(fx)
    np.testing.assert_array_equal(params["initial_ewma"], [int(x) / 1e18 for x in fx.data["initial"]["ewma"]])
    np.testing.assert_array_equal(params["lamb"], fx.data["parameters"]["float"]["lamb"])
    # the float λ is the correctly rounded value of the recorded integer λ/1e18
    assert params["lamb"][0] == int(fx.data["parameters"]["lambdaStore"][0]) / 10**18
