"""Every on-chain rule × scalar/vector parameters × n ∈ {2, 3, 5, 8} × the bundled price scenarios, in
lockstep on revm: the chain equals the exact integer model at every block, the JAX scan path is within the
documented tolerances of the chain, and the vectorized path is within them of the scan path.
`--long` runs the whole price series instead of the CI horizon."""

from __future__ import annotations

import pytest

from parity_cases import SCENARIOS, load_scenario, matrix, params_for

WAD = 10**18


@pytest.mark.parametrize("rule,kind,n,scenario", matrix(), ids=lambda x: str(x))
def test_lockstep_parity(lockstep, rule, kind, n, scenario):
    chunk = SCENARIOS[scenario]
    prices = load_scenario(scenario, n)
    res = lockstep(rule, params_for(rule, kind, n, chunk == 60), prices, chunk_period=chunk)

    assert res.revert is None, res.revert
    assert res.model_mismatch is None, res.model_mismatch
    assert res.model_blocks_checked == len(res.block_ids) == res.blocks_requested
    assert res.first_divergence is None, res.first_divergence
    assert "skipped" not in res.vectorized and res.vectorized["first_divergence"] is None
    assert res.status == "parity"
    # The guard's residual fix makes every on-chain weight vector sum to exactly 1e18 (docs/arithmetic.md §5).
    assert all(sum(w) == WAD for w in res.chain["weights"])
    # The JAX side really ran on its own: its values are floats near, not copies of, the chain's.
    assert max(e.wei.max() for e in res.errors.values()) > 0
