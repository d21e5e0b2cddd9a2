"""Pool-level lockstep (`run_pool_lockstep`, `parity verify --level pool`): the JAX production loop against
runner + pool + rule + oracles on revm and the ProductionModel, for every rule, daily and hourly series,
n = 2, 3, 5, 8, with and without update jitter; resync mode; a revert mid-run.

CI horizons are short (POOL_BLOCKS); `--long` runs every case with and without jitter over 120 blocks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.harness import summary, write_json
from parity.harness.driver import run_pool_lockstep
from parity.harness.lockstep import pool_sides
from parity.pools import create_pool

from parity_cases import RULES, SCENARIOS, load_scenario, params_for  # noqa: E402

POOL_BLOCKS = 8
LONG_BLOCKS = 120
WAD = 10**18
# n -> bundled series: two daily, one hourly for n = 5; n = 8 alternates daily / hourly across rules
SERIES = {2: "btc_eth_daily_2", 3: "trending_daily_8", 5: "crash_hourly_8"}


@pytest.fixture
def pool_run(chains, long_run):
    """run(rule, params, prices, chunk, blocks=None, **kw) -> LockstepResult on the worker's revm chain."""

    def run(rule, params, prices, chunk, *, blocks=None, fp_kwargs=None, **kw):
        prices = np.asarray(prices, dtype=np.float64)
        fp = make_run_fingerprint(rule=rule, n_assets=prices.shape[1], chunk_period=chunk, price_interval=chunk,
                                  **(fp_kwargs or {}))
        if blocks is None:
            blocks = min(LONG_BLOCKS if long_run else POOL_BLOCKS, len(prices) - 1)
        kw.setdefault("progress", False)
        return run_pool_lockstep(create_pool(rule), params, fp, prices, chains["revm"], blocks=blocks, **kw)

    return run


def _cases():
    cases = []
    for r, rule in enumerate(RULES):
        for j, n in enumerate((2, 3, 5, 8)):
            series = SERIES.get(n) or ("mean_reverting_daily_8" if r % 2 else "pegged_hourly_8")
            if rule == "min_variance" and series == "pegged_hourly_8":
                series = "crash_hourly_8"  # unmoved prices: σ² = 0 reverts (tested below)
            cases.append((rule, n, series, (r + j) % 2 == 1))
    return cases


@pytest.mark.parametrize("rule,n,series,jitter", _cases())
def test_pool_level_parity(pool_run, long_run, rule, n, series, jitter):
    chunk = SCENARIOS[series]
    for with_jitter in ((False, True) if long_run else (jitter,)):
        s = chunk * 60 // 2 if with_jitter else 0
        res = pool_run(rule, params_for(rule, "scalar", n, chunk == 60), load_scenario(series, n), chunk,
                       update_jitter=s, jitter_seed=11)
        assert res.status == "parity", summary(res)
        assert res.model_blocks_checked == res.blocks_compared  # chain == ProductionModel on every block
        times = [int(t[0]) // WAD for t in res.chain["last_update"]]
        assert times == res.timestamps  # the pool stored each update's block time
        gaps = np.diff(res.timestamps)
        assert np.all(gaps >= chunk * 60) and (np.any(gaps > chunk * 60) if s else np.all(gaps == chunk * 60))
        for ts, samples in zip(res.timestamps, res.pool["sample_times"]):
            assert ts < min(samples) and len(samples) == 4
        for note in res.excused:  # only truncation boundaries and fine samples that follow from them
            assert note["field"] in ("raw_multipliers", "multipliers", "last_interp") or note["field"].startswith("fine_")


def test_boundary_flip_is_named_and_explained_not_counted(pool_run, tmp_path):
    """n = 8 min-variance on the daily mean-reverting series: the ε cap makes asset 6's change land 6.9e-19
    below a multiple of Δ·1e-9 on chain; JAX's float value snaps onto the boundary."""
    res = pool_run("min_variance", params_for("min_variance", "scalar", 8, False),
                   load_scenario("mean_reverting_daily_8", 8), 1440, blocks=8)
    assert res.status == "parity"
    flips = [n for n in res.excused if n["field"] == "multipliers"]
    assert [(n["block"], n["asset"]) for n in flips] == [(1, 6)]
    note = flips[0]
    chain_q = int(note["chain_value"]) // 10**9
    assert round(note["jax_value"] * 1e9) == chain_q + 1  # neighbouring integers
    assert float(note["chain_untruncated"]) < chain_q + 1 <= note["jax_untruncated"] + 1e-6
    # the flip is visible as an error in the raw comparison but excused, and the next block agrees exactly
    assert res.errors["multipliers"].failing[0, 6] and not res.errors["multipliers"].failing[1:].any()
    text = summary(res)
    assert "truncation-boundary notes" in text and "multipliers 1" in text
    report = json.loads(write_json(res, tmp_path / "r.json").read_text())
    assert report["level"] == "pool" and "multipliers" in [n["field"] for n in report["pool_level"]["boundary_notes"]]
    assert report["first_divergence"] is None


def test_resync_starts_every_step_from_the_chains_pool(pool_run, monkeypatch):
    seen = []
    make = pool_sides.make_onchain_step

    def recording(pool, params, fp):
        step = make(pool, params, fp)

        def wrapped(est, pc, price, now):
            seen.append({k: np.asarray(v) for k, v in pc.items()})
            return step(est, pc, price, now)

        return wrapped

    monkeypatch.setattr(pool_sides, "make_onchain_step", recording)
    res = pool_run("momentum", {"lamb": 0.9, "kappa": 2.0}, load_scenario("trending_daily_8", 3), 1440, blocks=6,
                   mode="resync", update_jitter=20_000, vectorized_check=False)
    assert res.status == "parity" and len(seen) == 6
    for k in range(1, 6):
        chain = res.state_at(k)["chain"]
        np.testing.assert_array_equal(seen[k]["W"], np.array(chain["pool_weights"]) / 1e18)
        np.testing.assert_array_equal(seen[k]["M"], np.array(chain["multipliers"]) / 1e18)
        assert int(seen[k]["last_update"]) * WAD == chain["last_update"][0]
        assert int(seen[k]["last_interp"]) * WAD == chain["last_interp"][0]


def test_revert_mid_run_names_reason_and_block(pool_run, tmp_path):
    from test_revert import first_zero_variance_block

    lamb, p0, p = 0.1, [1.0, 1.0], [2.0, 3.0]
    expected = first_zero_variance_block(lamb, p0, p)
    prices = np.vstack([p0, np.tile(p, (expected + 5, 1))])
    res = pool_run("min_variance", {"lamb": lamb, "mixing": 0.5}, prices, 1440, blocks=expected + 3)
    r = res.revert
    assert res.status == "revert" and (r.block, r.function, r.reason) == (expected, "performUpdate", "Panic(0x12)")
    assert r.model_reason == "Panic(0x12)" and res.model_mismatch is None
    assert res.block_ids == list(range(1, expected))
    assert f"performUpdate reverted at block {expected}" in summary(res)
    report = json.loads(write_json(res, tmp_path / "revert.json").read_text())
    assert report["revert"]["block"] == expected and report["revert"]["reason"] == "Panic(0x12)"


def test_pool_level_inputs_are_checked(pool_run):
    prices = load_scenario("trending_daily_8", 2)
    for kw, message in (({"samples_per_interval": 0}, "samples_per_interval=0"),
                        ({"update_jitter": 86_400}, "update_jitter=86400"),
                        ({"burn_in": 2, "burn_in_mode": "seed"}, "burn_in_mode='seed'")):
        with pytest.raises(ValueError, match=message):
            pool_run("momentum", {"lamb": 0.9, "kappa": 1.0}, prices, 1440, blocks=3, **kw)


def test_eth_tester_and_revm_give_identical_pool_level_values():
    """On fresh chains (same accounts and nonces, so the same addresses in the events)."""
    from parity.chain import make_chain

    fp = make_run_fingerprint(rule="momentum", n_assets=3, chunk_period=1440, price_interval=1440)
    res = {b: run_pool_lockstep(create_pool("momentum"), {"lamb": 0.9, "kappa": 2.0}, fp,
                                load_scenario("trending_daily_8", 3), make_chain(b), blocks=4, update_jitter=5000,
                                progress=False)
           for b in ("eth-tester", "revm")}
    assert res["revm"].status == res["eth-tester"].status == "parity"
    assert res["revm"].chain == res["eth-tester"].chain  # every field, samples and times included
    assert res["revm"].pool["events"] == res["eth-tester"].pool["events"]
