"""A revert stops the run at that block with its inputs and canonical reason, and the report still holds
every block before it. MinimumVariance divides by σ², so unmoving prices revert with Panic(0x12)."""

from __future__ import annotations

import json

import numpy as np

from parity.harness import summary, write_json
from parity.harness.mapping import to_wei

WAD = 10**18


def mul(x: int, y: int) -> int:
    """SD59x18 mul as docs/arithmetic.md §1 describes it: magnitude rounded half up, sign applied after."""
    r = (abs(x) * abs(y) + WAD // 2) // WAD
    return -r if (x < 0) != (y < 0) else r


def first_zero_variance_block(lamb: float, p0: list[float], p: list[float]) -> int:
    """First update block whose σ² = (1−λ) ⊗ A rounds to 0 for some asset, with p0 then p forever
    (moving average and variance recursions of docs/arithmetic.md §2 and §3)."""
    lam = to_wei(lamb)
    oml = WAD - lam
    worst = 0
    for a0, a in zip(p0, p):
        m, A, P = to_wei(a0), 0, to_wei(a)
        for t in range(1, 500):
            m_new = mul(lam, m) + mul(oml, P)
            A = mul(lam, A) + mul(P - m, P - m_new)
            m = m_new
            if mul(oml, A) == 0:
                break
        worst = t if worst == 0 else min(worst, t)
    return worst


def test_flat_prices_revert_at_block_1(lockstep, tmp_path):
    prices = np.tile([1.0, 3.0, 5.0], (10, 1))
    res = lockstep("min_variance", {"lamb": 0.5, "mixing": 0.5}, prices, blocks=5)
    r = res.revert
    assert res.status == "revert" and not res.passed
    assert (r.block, r.function, r.reason) == (1, "CalculateNewWeights", "Panic(0x12)")
    assert r.model_reason == "Panic(0x12)"  # the integer model reverts identically
    assert r.inputs["data"] == [str(to_wei(x)) for x in (1.0, 3.0, 5.0)]
    assert res.block_ids == []
    assert "reverted at block 1" in summary(res) and "Panic(0x12)" in summary(res)
    report = json.loads(write_json(res, tmp_path / "flat.json").read_text())
    assert report["revert"]["block"] == 1 and report["revert"]["reason"] == "Panic(0x12)"


def test_mid_run_revert_keeps_everything_before_it(lockstep, tmp_path):
    lamb, p0, p = 0.1, [1.0, 1.0], [2.0, 3.0]
    expected = first_zero_variance_block(lamb, p0, p)
    assert 5 < expected < 60  # the variance decays by λ = 0.1 per block once the average has caught up
    prices = np.vstack([p0, np.tile(p, (80, 1))])
    res = lockstep("min_variance", {"lamb": lamb, "mixing": 0.5}, prices, blocks=70)
    assert res.revert is not None and res.revert.block == expected
    assert res.revert.reason == res.revert.model_reason == "Panic(0x12)"
    assert res.block_ids == list(range(1, expected))
    assert res.model_mismatch is None and res.model_blocks_checked == expected - 1
    report = json.loads(write_json(res, tmp_path / "mid.json").read_text())
    assert report["status"] == "revert"
    assert report["series"]["block"] == list(range(1, expected))
    before = report["revert"]["state_before"]
    assert before["chain"]["ewma"] == report["series"]["chain"]["ewma"][-1]
    assert report["revert"]["inputs"]["prevWeights"] == report["series"]["chain"]["weights"][-1]
