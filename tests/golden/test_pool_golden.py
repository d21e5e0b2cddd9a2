"""The committed pool-level fixtures (fixtures/golden/pool) validate, replay without a chain (JAX production
loop and ProductionModel against the recording), re-record byte for byte, and catch an edited recording."""

from __future__ import annotations

import json

import pytest

from parity import fixtures as F
from parity.cli import main

SPECS = {s.name: s for s in F.POOL_GOLDEN}


def path_of(name: str):
    return F.POOL_GOLDEN_DIR / f"{name}.json"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_pool_fixture_replays_with_parity(name):
    spec = SPECS[name]
    fx = F.load_fixture(path_of(name))
    assert isinstance(fx, F.PoolFixture) and (fx.rule, fx.blocks) == (spec.rule, spec.blocks)
    result = F.replay(fx)
    assert result.status == "parity" and result.level == "pool"
    assert result.model_blocks_checked == spec.blocks  # the ProductionModel reproduced every recorded block
    for row, b in enumerate(fx.data["per_block"]):
        assert result.chain["pool_weights"][row] == [int(x) for x in b["pool_weights"]]
        assert result.chain["fine_rail"][row] == [int(x) for x in b["samples"][-1]]
    delays = [b["timestamp"] - fx.data["stack"]["start_timestamp"] - (row + 1) * 86_400
              for row, b in enumerate(fx.data["per_block"])]
    assert (max(delays) > 0) == (spec.update_jitter > 0)


def test_min_variance_fixture_carries_its_boundary_note():
    result = F.replay(path_of("pool_min_variance_mean_reverting_8"))
    assert [(n["block"], n["field"], n["asset"]) for n in result.excused if "explanation" in n] == [
        (1, "raw_multipliers", 6), (1, "multipliers", 6)]


def test_rerecord_is_byte_identical():
    spec = SPECS["pool_min_variance_mean_reverting_8"]
    assert F.dumps(F.record_pool_spec(spec)) == path_of(spec.name).read_text()


def test_edited_sample_is_caught_by_the_model_and_the_jax_side(tmp_path):
    data = json.loads(path_of("pool_momentum_btc_eth_2_jitter").read_text())
    sample = data["per_block"][4]["samples"][1]
    sample[0], sample[1] = str(int(sample[0]) + 10**9), str(int(sample[1]) - 10**9)
    data["content_sha256"] = F.content_hash(data)
    edited = F.write_fixture(data, tmp_path / "edited.json")
    result = F.replay(edited)
    assert result.status == "model_mismatch"
    assert (result.model_mismatch.block, result.model_mismatch.field) == (5, "fine_1")
    assert (result.first_divergence.block, result.first_divergence.field) == (5, "fine_1")


def test_cli_records_and_replays_a_pool_fixture(tmp_path, capsys):
    out = tmp_path / "pool.json"
    code = main(["record", "--level", "pool", "--backend", "revm", "--rule", "anti_momentum", "--assets", "3",
                 "--blocks", "4", "--update-jitter", "600", "--out", str(out), "--quiet"])
    assert code == 0 and json.loads(out.read_text())["format"] == F.POOL_FORMAT
    assert main(["replay", str(out), "--quiet"]) == 0
    assert "level pool" in capsys.readouterr().out
