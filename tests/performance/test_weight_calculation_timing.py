"""The seed's timing test: scan vs vectorized weight calculation, daily and hourly chunks, several n.

Run it by naming it (it is not collected otherwise, see tests/conftest.py):

    pytest tests/performance/test_weight_calculation_timing.py -v -s

It prints the scan/vectorized time ratio of the compiled ``calculate_weights`` (median of repeated calls
after a warm-up, both paths measured in the same run) with scalar parameters and with per-asset ones (one
value per asset, as quantammsim's parameters are), and whether XLA:CPU compiled the scan loop into one
function ("fused") or runs it kernel by kernel ("kernels"; docs/quantammsim.md, Timing). It asserts only
correctness: both paths give the same weights. Timing is never asserted (it depends on the machine).
"""

import time

import jax
import numpy as np
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.pools import create_pool
from parity.prices import generate_prices

CASES = {  # label -> (chunk_period = price_interval in minutes, rows = one year)
    "daily": (1440, 365),
    "hourly": (60, 365 * 24),
}
NS = (2, 3, 5)
RULES = {
    "momentum": {"lamb": 0.9, "kappa": 2.0},
    "power_channel": {"lamb": 0.9, "kappa": 20.0, "exponents": 2.0},
    "mean_reversion_channel": {"lamb": 0.9, "kappa": 1.0, "width": 0.1, "amplitude": 0.1, "exponents": 1.5},
    "min_variance": {"lamb": 0.9, "mixing": 0.5},
}
KINDS = ("scalar", "per-asset")
REPEATS = 7


def _params(rule, kind, n):
    return {k: (v if kind == "scalar" else np.full(n, v)) for k, v in RULES[rule].items()}


def _timed(fn, *args):
    jax.block_until_ready(fn(*args))  # compile + warm-up
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("case", sorted(CASES))
def test_scan_and_vectorized_timing(case, rule, kind):
    chunk, rows = CASES[case]
    pool = create_pool(rule)
    lines = []
    for n in NS:
        prices = jax.numpy.asarray(generate_prices("trending", n, rows, chunk, seed=11).prices)
        params = jax.tree_util.tree_map(jax.numpy.asarray, _params(rule, kind, n))
        out, times = {}, {}
        for path in ("vectorized", "scan"):
            fp = make_run_fingerprint(rule=rule, n_assets=n, chunk_period=chunk, price_interval=chunk,
                                      weight_calculation_method=path)
            fn = jax.jit(lambda x, p, fp=fp: pool.calculate_weights(p, fp, x, 0)).lower(prices, params).compile()
            times[path] = _timed(fn, prices, params)
            out[path] = np.asarray(fn(prices, params))
            loop = "fused" if "xla_cpu_small_call" in fn.as_text() else "kernels"
        np.testing.assert_allclose(out["scan"], out["vectorized"], rtol=0, atol=1e-12)
        lines.append(f"  n={n}: vectorized {times['vectorized'] * 1e3:8.3f} ms, scan {times['scan'] * 1e3:8.3f} ms, "
                     f"scan/vectorized {times['scan'] / times['vectorized']:.2f}x (scan loop {loop})")
    print(f"\n{rule}, {kind} parameters, {case} chunks ({rows} updates):\n" + "\n".join(lines))
