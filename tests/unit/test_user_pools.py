"""The seed's pool-extension contract: a user's TFMMBasePool subclass implementing the public hooks gets
exactly the paths the seed promises (vectorized-only, scan-only, both), and parity.testing.assert_paths_agree
checks scan ≡ vectorized for any pool implementing both."""

import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.pools import POOLS, TFMMBasePool, UnsupportedPathError, create_pool
from parity.prices import load_prices
from parity.testing import assert_paths_agree

REPO = Path(__file__).resolve().parents[2]
PRICES = load_prices(REPO / "fixtures" / "prices" / "trending_daily_8.csv", assets=3).prices[:160]
FP = make_run_fingerprint(rule="momentum", n_assets=3, chunk_period=1440, price_interval=1440,
                          epsilon_max=1.0, absolute_weight_guard_rail=0.02)
PARAMS = {"lamb": jnp.array([0.8]), "kappa": jnp.array([0.5])}


def _tilt(ewma, price, kappa):
    signal = ewma / price - 1.0
    return kappa * (signal - jnp.mean(signal, axis=-1, keepdims=True))


def _ewma_series(chunks, lamb):
    def body(e, p):
        e = lamb * e + (1.0 - lamb) * p
        return e, e

    return jax.lax.scan(body, chunks[0], chunks[1:])[1]


class VectorizedOnly(TFMMBasePool):
    rule = "vectorized_only"

    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        chunks = jnp.asarray(prices)[:: run_fingerprint.chunk_steps]
        return _tilt(_ewma_series(chunks, params["lamb"]), chunks[1:], params["kappa"])


class ScanOnly(TFMMBasePool):
    rule = "scan_only"

    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        return {"ewma": jnp.asarray(initial_price)}

    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        ewma = params["lamb"] * carry["ewma"] + (1.0 - params["lamb"]) * price
        return {"ewma": ewma}, _tilt(ewma, price, params["kappa"])


class Both(ScanOnly, VectorizedOnly):
    rule = "both"


class Inherited(Both):
    """Overrides nothing: inherited hooks count (the seed's rule)."""


def test_capabilities_follow_the_seed():
    assert (VectorizedOnly().supports_vectorized_path(), VectorizedOnly().supports_scan_path()) == (True, False)
    assert (ScanOnly().supports_vectorized_path(), ScanOnly().supports_scan_path()) == (False, True)
    assert (Both().supports_vectorized_path(), Both().supports_scan_path()) == (True, True)
    assert (Inherited().supports_vectorized_path(), Inherited().supports_scan_path()) == (True, True)
    assert (TFMMBasePool().supports_vectorized_path(), TFMMBasePool().supports_scan_path()) == (False, False)


def test_auto_picks_vectorized_when_implemented_and_forcing_a_missing_path_fails():
    auto = FP
    assert VectorizedOnly().select_path(auto) == "vectorized"
    assert ScanOnly().select_path(auto) == "scan"
    assert Both().select_path(auto) == "vectorized"
    with pytest.raises(UnsupportedPathError, match="'vectorized_only' does not support the scan path"):
        VectorizedOnly().calculate_weights(PARAMS, make_run_fingerprint(**{**FP.to_dict(), "weight_calculation_method": "scan"}), PRICES)
    with pytest.raises(UnsupportedPathError, match="'scan_only' does not support the vectorized path"):
        ScanOnly().calculate_coarse_weights(PARAMS, FP, PRICES, path="vectorized")


def test_each_single_path_pool_runs_and_all_three_compute_the_same_rule():
    vec = np.asarray(VectorizedOnly().calculate_coarse_weights(PARAMS, FP, PRICES, 20))
    scan = np.asarray(ScanOnly().calculate_coarse_weights(PARAMS, FP, PRICES, 20))
    both_v = np.asarray(Both().calculate_coarse_weights(PARAMS, FP, PRICES, 20, path="vectorized"))
    both_s = np.asarray(Both().calculate_coarse_weights(PARAMS, FP, PRICES, 20, path="scan"))
    assert vec.shape == (139, 3)
    np.testing.assert_allclose(vec.sum(axis=1), 1.0, atol=1e-14)
    assert np.abs(np.diff(vec, axis=0)).max() > 1e-3  # the weights move
    np.testing.assert_allclose(scan, vec, rtol=0, atol=1e-13)
    np.testing.assert_array_equal(both_v, vec)
    np.testing.assert_array_equal(both_s, scan)
    # the scan step is what the harness drives: one coarse step from the public hooks
    pool, w0 = ScanOnly(), jnp.full(3, 1 / 3)
    est = pool.get_initial_rule_state(PRICES[0], PARAMS, FP)
    est, wt, w = pool.calculate_coarse_weight_step(est, pool.get_initial_guardrail_state(w0), PRICES[1], PARAMS, FP)
    first = np.asarray(ScanOnly().calculate_coarse_weights(PARAMS, FP, PRICES[:3], 0))[0]
    np.testing.assert_array_equal(np.asarray(w), first)


def test_assert_paths_agree_passes_for_a_correct_pool_and_names_the_first_difference():
    assert_paths_agree(Both(), PARAMS, FP, PRICES, start_index=25)

    class SlowerScan(Both):
        rule = "slower_scan"

        def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
            return super().calculate_rule_output_step(carry, price, {**params, "lamb": params["lamb"] + 1e-3}, run_fingerprint)

    with pytest.raises(AssertionError, match=r"'slower_scan'.*\n  rule outputs: first difference at row 0, asset \d"):
        assert_paths_agree(SlowerScan(), PARAMS, FP, PRICES)
    with pytest.raises(ValueError, match="does not implement the scan path"):
        assert_paths_agree(VectorizedOnly(), PARAMS, FP, PRICES)


def test_parity_pools_pass_the_helper_and_stay_honest():
    assert_paths_agree(create_pool("power_channel"), {"lamb": 0.9, "kappa": 20.0, "exponents": 2.0}, FP, PRICES, 10)

    class Renamed(POOLS["momentum"]):  # a subclass of one of parity's pools that implements nothing itself
        rule = "renamed"

    assert (Renamed().supports_scan_path(), Renamed().supports_vectorized_path()) == (False, False)

    class OwnOutputs(POOLS["momentum"]):  # overriding the public vectorized hook: that path is the user's
        rule = "own_outputs"

        def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
            return -create_pool("momentum").calculate_rule_outputs(params, run_fingerprint, prices)

    params = {"lamb": 0.9, "kappa": 1.0}
    ours = np.asarray(OwnOutputs().calculate_coarse_weights(params, FP, PRICES, 0))
    anti = np.asarray(create_pool("anti_momentum").calculate_coarse_weights(params, FP, PRICES, 0, path="vectorized"))
    np.testing.assert_allclose(ours, anti, atol=1e-15)
    assert (OwnOutputs().supports_vectorized_path(), OwnOutputs().supports_scan_path()) == (True, False)


def test_run_fingerprint_reads_like_a_dict():
    assert FP["chunk_period"] == 1440 and FP["minimum_weight"] == 0.02
    with pytest.raises(KeyError):
        FP["no_such_key"]


def test_guide_write_your_own_pool_example_runs(monkeypatch, capsys):
    """The example of docs/simulator.md ("Write your own pool") runs as printed and prints what the page shows."""
    text = (REPO / "docs" / "simulator.md").read_text()
    match = re.search(r"<!-- example: write-your-own-pool -->\s*```python\n(.*?)```\n```\n(.*?)```", text, re.S)
    assert match, "docs/simulator.md has no 'write your own pool' example block followed by its output"
    monkeypatch.chdir(REPO)
    exec(compile(match.group(1), "docs/simulator.md:write-your-own-pool", "exec"), {"__name__": "guide_example"})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "True True"
    assert out[1].startswith("(370, 3) [")
    assert out == match.group(2).splitlines(), "the page shows other output than the example prints"
