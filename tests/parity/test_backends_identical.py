"""eth-tester (py-evm) and revm give identical results bit for bit: one short lockstep run per rule."""

from __future__ import annotations

import pytest

from parity_cases import RULES, load_scenario, params_for

BLOCKS = 8


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_eth_tester_equals_revm(lockstep, rule, kind):
    n = 3 if kind == "scalar" else 5
    prices = load_scenario("mean_reverting_daily_8", n)
    params = params_for(rule, kind, n, hourly=False)
    runs = {b: lockstep(rule, params, prices, blocks=BLOCKS, backend=b, vectorized_check=False) for b in ("revm", "eth-tester")}
    a, b = runs["revm"], runs["eth-tester"]
    assert a.status == b.status == "parity"
    assert a.block_ids == b.block_ids == list(range(1, BLOCKS + 1))
    assert a.chain == b.chain  # every state getter and every weight, as exact integers
    assert a.initial == b.initial
    for key in a.jax:
        assert [x.tolist() for x in a.jax[key]] == [x.tolist() for x in b.jax[key]]
