"""The fine-weight methods of the pool interface rebuild `calculate_weights` from its parts:
`calculate_fine_weights` from the vectorized rule outputs, and `calculate_fine_weights_step` block by block
from the scan path's `calculate_coarse_weight_step`."""

from __future__ import annotations

import math
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.pools import create_pool
from parity.prices import load_prices

PRICES = Path(__file__).resolve().parents[2] / "fixtures" / "prices" / "crash_hourly_8.csv"
PARAMS = {
    "momentum": {"lamb": 0.9, "kappa": 2.0},
    "min_variance": {"lamb": 0.9, "mixing": 0.5},
}


@pytest.mark.parametrize("method", ["linear", "approx_optimal"])
@pytest.mark.parametrize("rule", sorted(PARAMS))
def test_fine_weights_from_parts_equal_calculate_weights(rule, method):
    prices = jnp.asarray(load_prices(PRICES, assets=3).prices[:200])
    fp = make_run_fingerprint(rule=rule, n_assets=3, chunk_period=240, price_interval=60,
                              weight_interpolation_period=120, weight_interpolation_method=method,
                              epsilon_max=0.1, absolute_weight_guard_rail=0.05)
    pool = create_pool(rule)
    params = PARAMS[rule]
    stride, rows = 4, prices.shape[0]
    m = math.ceil(rows / stride) - 1  # coarse updates that fill the bout after the w₀ block
    w0 = jnp.full(3, 1 / 3)

    def forced(method_name):
        return make_run_fingerprint(**{**fp.to_dict(), "weight_calculation_method": method_name})

    scan = np.asarray(pool.calculate_weights(params, forced("scan"), prices, 0))
    vec = np.asarray(pool.calculate_weights(params, forced("vectorized"), prices, 0))
    assert scan.shape == vec.shape == (rows, 3)

    # vectorized parts: rule outputs of chunks 1..m, then calculate_fine_weights
    outputs = pool.calculate_rule_outputs(params, fp, prices)
    fine = np.asarray(pool.calculate_fine_weights(outputs[:m], w0, fp, params))
    assert fine.shape == ((m + 1) * stride, 3)
    np.testing.assert_array_equal(fine[:rows], vec)

    # scan parts: one coarse step per chunk price, one interpolation block per step
    est = pool.get_initial_rule_state(prices[0], params, fp)
    wt = pool.get_initial_guardrail_state(w0)
    blocks = [np.broadcast_to(np.asarray(w0), (stride, 3))]
    prev = w0
    for k in range(1, m + 1):
        est, wt, coarse = pool.calculate_coarse_weight_step(est, wt, prices[k * stride], params, fp)
        blocks.append(np.asarray(pool.calculate_fine_weights_step(prev, coarse, fp)))
        prev = coarse
    stepped = np.concatenate(blocks)[:rows]
    np.testing.assert_allclose(stepped, scan, rtol=0, atol=1e-15)
    # the ramp really moves: a block starts at the old weight and reaches the new one after W rows
    assert not np.allclose(stepped[stride], stepped[stride + 2])
