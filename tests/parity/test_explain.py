"""`parity explain`: planted bugs on either side are named at the operation they were planted in; a passing
run has no operation beyond its rounding bound; the re-run is the lockstep's own step.

The simulator plants (tests/parity/planted.py) patch one JAX function; the contract-side plants patch one
division of the integer model (which stands for the chain) to round instead of truncate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import planted
import pytest

from parity.explain import explain_report, render, report_of
from parity.fixedpoint.rules import base as rule_base
from parity.fixedpoint.sd59x18 import ONE
from parity.harness.report import to_dict
from parity.prices import load_prices

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "fixtures" / "golden"
TRENDING = REPO / "fixtures" / "prices" / "trending_daily_8.csv"
BTC_ETH = GOLDEN / "momentum_btc_eth_2_scalar.json"


@pytest.fixture(scope="module")
def btc_eth_report():
    report, _ = report_of(BTC_ETH)
    return report


@pytest.fixture(scope="module")
def trending3():
    return load_prices(TRENDING, assets=3).prices[:9]


def _flagged(ex):
    r = ex.first
    return None if r is None else (r.op.name, ex.first_side)


# ------------------------------------------------------------------------------------------------ passing


ONE_PER_RULE = [
    "momentum_btc_eth_2_scalar", "anti_momentum_mean_reverting_3_scalar", "power_channel_crash_5_per_asset",
    "mean_reversion_channel_trending_6_per_asset", "difference_momentum_crash_7_per_asset",
    "min_variance_mean_reverting_8_scalar",
]


@pytest.mark.parametrize("name", ONE_PER_RULE)
def test_golden_fixture_blocks_have_no_operation_beyond_its_bound(name):
    report, source = report_of(GOLDEN / f"{name}.json")
    last = report["series"]["block"][-1]
    for block in (None, 1, last):
        ex = explain_report(report, block=block, source=source)
        assert ex.first is None, render(ex)
        assert ex.missing == []  # every op of the rule is probed on both sides
        assert ex.model_matches_chain is True
        for row in ex.rows:
            assert row.jax is not None and row.chain is not None
            assert row.jax_ratio <= 1 and not row.chain_out
    assert "no operation exceeds its rounding bound" in render(ex)


def test_rerun_is_the_lockstep_step_in_resync_mode(lockstep, trending3):
    """In resync mode the lockstep's JAX side starts every block from the chain's state, as explain does:
    the eager re-run gives the jitted step's values, and the model's re-run gives the chain's."""
    res = lockstep("momentum", {"lamb": 0.9, "kappa": 1.0}, trending3, blocks=6, mode="resync")
    report = to_dict(res)
    for block in (1, 4):
        ex = explain_report(report, block=block)
        row = report["series"]["block"].index(block)
        for key in ("ewma", "running_a", "weights"):
            np.testing.assert_allclose(ex.jax.after[key], report["series"]["jax"][key][row], rtol=1e-15, atol=0)
            assert ex.model.after[key] == [int(x) for x in report["series"]["chain"][key][row]]


def test_report_without_the_new_keys_still_explains(btc_eth_report):
    old = {k: v for k, v in btc_eth_report.items() if k != "fingerprint"}
    old["initial"] = {k: v for k, v in btc_eth_report["initial"].items() if k != "price"}
    a = explain_report(old, block=1)
    b = explain_report(btc_eth_report, block=1)
    assert a.first is None and b.first is None
    assert [r.chain for r in a.rows] == [r.chain for r in b.rows]


# ---------------------------------------------------------------------------------------- simulator plants


SIMULATOR_PLANTS = {
    "kappa": (planted.kappa, {"lamb": 0.9, "kappa": 1.0}, {}, "raw_weights"),
    "mul_factor": (planted.mul_factor, {"lamb": 0.9, "kappa": 1.0}, {}, "mul_factor"),
    "epsilon_scale": (planted.epsilon_scale, {"lamb": 0.9, "kappa": 20.0}, {"epsilon_max": 0.001}, "limited"),
}


@pytest.mark.parametrize("name", list(SIMULATOR_PLANTS))
def test_simulator_plant_is_named_at_its_operation(lockstep, trending3, name):
    """Every block where the plant matters is named at the planted op, the first divergence among them
    (explain names a plant even at blocks where the run stays inside the weights' tolerance)."""
    plant, params, fp_kwargs, op = SIMULATOR_PLANTS[name]
    with plant():
        res = lockstep("momentum", params, trending3, blocks=6, fp_kwargs=fp_kwargs)
        report = to_dict(res)
        explained = {k: explain_report(report, block=k) for k in report["series"]["block"]}
        default = explain_report(report)  # the first divergence, else the block of the worst weight error
    named = {k for k, ex in explained.items() if ex.first is not None}
    assert len(named) >= 2
    for k in named:
        ex = explained[k]
        assert _flagged(ex) == (op, "jax"), render(ex)
        assert ex.first.jax_ratio > 100
        assert not any(r.chain_out for r in ex.rows)
        assert f"`{op}`" in render(ex) and "a simulator bug in this operation" in render(ex)
    if report["first_divergence"]:
        assert default.case.block == report["first_divergence"]["block"] and default.case.block in named
    # without the plant: explain re-runs the simulator's current code
    assert all(explain_report(report, block=k).first is None for k in named)


# ------------------------------------------------------------------------------------- contract-side plants


def _rounding_div(original):
    """⊘ rounded half away from zero instead of truncated."""

    def div(x, y):
        q = original(x, y)
        rest = abs(x) * ONE - abs(q) * abs(y)
        return q + (1 if (x < 0) == (y < 0) else -1) * (2 * rest >= abs(y))

    return div


def _rounding_tdiv(original):
    def tdiv(a, n):
        q = original(a, n)
        return q + (1 if a >= 0 else -1) * (2 * (abs(a) - abs(q) * n) >= n)

    return tdiv


@pytest.mark.parametrize("name, op", [("div", "reciprocal"), ("tdiv", "centre")])
def test_model_rounding_plant_is_named_at_its_division(monkeypatch, btc_eth_report, name, op):
    """Momentum with a scalar κ: base.div is only the reciprocal ONE ⊘ d, base.tdiv only FINISH's Σs/n.
    A rounded quotient is off by up to ½ wei the wrong way, so it shows where the exact quotient's
    fraction is at least ½."""
    blocks = range(1, 9)
    clean = [explain_report(btc_eth_report, block=k) for k in blocks]
    assert all(ex.first is None for ex in clean)
    wrap = {"div": _rounding_div, "tdiv": _rounding_tdiv}[name]
    monkeypatch.setattr(rule_base, name, wrap(getattr(rule_base, name)))
    named = []
    for k in blocks:
        ex = explain_report(btc_eth_report, block=k)
        if ex.first is not None:
            assert _flagged(ex) == (op, "chain"), render(ex)
            assert 0 < abs(ex.first.chain_err) <= 0.5
            named.append(k)
            if not ex.model_matches_chain:
                assert "does NOT reproduce the recorded chain" in render(ex)
    assert len(named) >= 2


# --------------------------------------------------------------------------------------------- pool level


POOL_FIXTURE = GOLDEN / "pool" / "pool_momentum_btc_eth_2_jitter.json"


@pytest.fixture(scope="module")
def pool_report():
    report, _ = report_of(POOL_FIXTURE)
    return report


def test_pool_level_adds_the_pool_weights_and_the_multiplier(pool_report):
    for block in (1, 2, pool_report["series"]["block"][-1]):
        ex = explain_report(pool_report, block=block)
        assert ex.first is None, render(ex)
        assert ex.missing == [] and ex.model_matches_chain is True
        names = [r.op.name for r in ex.rows]
        assert names[0] == "prev_weights" and names[-1] == "raw_multipliers"
        row = pool_report["series"]["block"].index(block)
        # the model's multipliers are the recorded chain's
        assert ex.model.after["raw_multipliers"] == [int(x) for x in pool_report["series"]["chain"]["raw_multipliers"][row]]
    # block 1 reads the pool as created: the initial weights truncated to 9 decimals, no multiplier yet
    ex = explain_report(pool_report, block=1)
    first = [int(r.chain * 10**18) for r in ex.rows if r.op.name == "prev_weights"]
    assert first == [int(w) // 10**9 * 10**9 for w in pool_report["initial"]["weights"]]


def test_pool_level_multiplier_plant_is_named(monkeypatch, pool_report):
    from parity.weights import onchain

    original = onchain.multipliers

    def planted_multipliers(current_w, target_w, interval_s):
        m, d = original(current_w, target_w, interval_s)
        return m * (1.0 + 1e-6), d

    monkeypatch.setattr(onchain, "multipliers", planted_multipliers)
    ex = explain_report(pool_report, block=2)
    assert _flagged(ex) == ("raw_multipliers", "jax"), render(ex)
