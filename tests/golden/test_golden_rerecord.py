"""Re-recording committed fixtures on the chain reproduces them byte for byte (catches contract, compiler,
encoding or chain drift); recording is deterministic; inline-price fixtures round-trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from parity import fixtures as F
from parity.prices import load_prices

from golden_helpers import SPECS, golden_file

# small ones: 2 and 3 assets, 20 and 30 blocks, a name-based column selection, ε/g overrides, raw price
RERECORD = ["power_channel_btc_eth_2_raw", "min_variance_trending_3_per_asset"]


def _diff(a, b, path=""):
    """Paths where two JSON values differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for k in sorted(set(a) | set(b)) for p in _diff(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [path or "(root)"]


@pytest.mark.parametrize("name", RERECORD)
def test_rerecord_is_byte_identical_to_the_committed_file(name):
    committed = golden_file(name).read_text()
    fresh = F.dumps(F.record_spec(SPECS[name]))
    if fresh != committed:
        changed = _diff(json.loads(committed), json.loads(fresh))
        pytest.fail(
            f"re-recording {name} differs from the committed fixture in {changed[:8]} "
            f"({len(changed)} fields). If contracts/ or the compiler changed on purpose, run "
            "`python -m parity.fixtures regenerate` and review the diff."
        )


def test_revm_records_the_same_chain_values_as_eth_tester():
    """The other in-process backend gives identical on-chain integers for the same inputs."""
    spec = SPECS["power_channel_btc_eth_2_raw"]
    committed = json.loads(golden_file(spec.name).read_text())
    data = F.record_spec(spec, backend="revm")
    assert data["chain"]["backend"] == "revm"
    for key in ("parameters", "prices", "initial", "contract_artifact", "fingerprint"):
        assert data[key] == committed[key]
    for ours, theirs in zip(data["per_block"], committed["per_block"], strict=True):
        assert (ours["price"], ours["state"], ours["weights"]) == (theirs["price"], theirs["state"], theirs["weights"])


def test_inline_prices_record_twice_identically_and_replay(tmp_path):
    series = load_prices(F.REPO_ROOT / "fixtures" / "prices" / "mean_reverting_daily_8.csv", assets=["BTC", "ADA"])
    prices = series.prices[:13]
    params = {"lamb": [0.8, 0.9], "kappa": 2.0}
    a, result = F.record("anti_momentum", params, prices, backend="revm")
    b, _ = F.record("anti_momentum", params, prices, backend="revm")
    assert F.dumps(a) == F.dumps(b)
    assert "path" not in a["prices"] and a["blocks"] == 12
    np.testing.assert_array_equal(np.array(a["prices"]["inline"]), prices)  # floats stored exactly
    assert result.passed
    path = F.write_fixture(a, tmp_path / "inline.json")
    fx = F.load_fixture(path)
    np.testing.assert_array_equal(fx.prices, prices)
    replayed = F.replay(fx)
    assert replayed.passed and replayed.model_blocks_checked == 12
    # the replay's comparison saw the same JAX trajectory the recording run computed
    np.testing.assert_array_equal(np.array(replayed.jax["weights"]), np.array(result.jax["weights"]))


def test_record_outside_the_repository_stores_prices_inline(tmp_path):
    src = F.REPO_ROOT / "fixtures" / "prices" / "btc_eth_daily_2.csv"
    outside = tmp_path / "prices.csv"
    outside.write_bytes(src.read_bytes())
    data, _ = F.record("momentum", {"lamb": 0.9, "kappa": 1.0}, outside, blocks=5, backend="revm")
    assert "inline" in data["prices"] and len(data["prices"]["inline"]) == 6
    assert str(tmp_path) not in F.dumps(data)


def test_record_rejects_bad_inputs():
    with pytest.raises(ValueError, match="index_market_cap"):
        F.record("index_market_cap", {}, F.REPO_ROOT / "fixtures" / "prices" / "btc_eth_daily_2.csv")
    with pytest.raises(ValueError, match="blocks=1000"):
        F.record("momentum", {"lamb": 0.9, "kappa": 1.0}, F.REPO_ROOT / "fixtures" / "prices" / "btc_eth_daily_2.csv",
                 blocks=1000, backend="revm")


def test_a_run_that_reverts_is_not_recorded():
    """min_variance on pegged prices: the first update sees zero variance for an unchanged asset, and the
    contract divides by it (Panic 0x12); a golden fixture needs a complete run."""
    with pytest.raises(F.RecordError, match="Panic") as info:
        F.record("min_variance", {"lamb": 0.9, "mixing": 0.5}, F.REPO_ROOT / "fixtures" / "prices" / "pegged_hourly_8.csv",
                 assets=3, blocks=3, backend="revm")
    revert = info.value.result.revert
    assert (revert.block, revert.reason, revert.model_reason) == (1, "Panic(0x12)", "Panic(0x12)")
