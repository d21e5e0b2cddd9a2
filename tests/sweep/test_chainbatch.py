"""The batched engine's decoding covers every int128 (found by `parity fuzz`: chain values above 2^117 wei,
≈ 1.7e17, used to stop a sweep with an error although `parity verify` accepts prices up to 8.5e19)."""

from __future__ import annotations

import numpy as np

import parity  # noqa: F401  (float64)
from parity.harness.mapping import wei_error
from parity.sweep.chainbatch import wei_diff


def test_wei_diff_equals_the_exact_error_over_the_whole_int128_range():
    rng = np.random.default_rng(11)
    values = [2**127 - 1, -(2**127), 2**117 + 12345, -(2**117) - 7, 10**37 * 8 + 3, 5, -5, 0]
    values += [int(rng.integers(-(2**62), 2**62)) * 2 ** int(rng.integers(0, 65)) + int(rng.integers(0, 2**62))
               for _ in range(3000)]
    values = [max(min(v, 2**127 - 1), -(2**127)) for v in values]
    xs = np.array([v / 1e18 * (1 + float(rng.normal()) * 1e-14) for v in values])
    hi = np.array([v >> 64 for v in values], dtype=np.int64)
    lo = np.array([v & (2**64 - 1) for v in values], dtype=np.uint64)
    exact = np.array([wei_error(x, v) for x, v in zip(xs, values)])
    got = wei_diff(xs, hi, lo)
    assert np.all(np.abs(got - exact) <= 4 * np.spacing(exact) + 1e-12)  # a few ulp, or 1e-12 wei near 0


def test_sweep_on_prices_near_the_ceiling_equals_verify(tmp_path):
    """Prices of 1e18..5.2e19 (above the old 2^117-wei limit of the decoding): the sweep row's worst weight
    error is parity verify's."""
    from parity.chain import make_chain
    from parity.fingerprint import make_run_fingerprint
    from parity.harness.driver import run_lockstep
    from parity.pools import create_pool
    from parity.prices import load_prices, save_prices_csv
    from parity.sweep.runner import run_sweep
    from parity.inputs.sweep_spec import parse_spec

    # within the chain limits parity sweep checks up front (running_a of column 1 peaks at 21 % of int128 / 2)
    prices = np.array([[1e18, 5e19], [1.2e18, 4.8e19], [0.9e18, 5.1e19], [1.1e18, 4.9e19], [1.3e18, 5.2e19]])
    path = save_prices_csv(load_prices(prices, interval_minutes=1440), tmp_path / "high.csv")
    spec = parse_spec({"series": [{"path": str(path)}], "rules": [{"rule": "momentum", "params": [{"lamb": 0.9, "kappa": 1.0}]}]})
    row = run_sweep(spec, workers=1)[0]
    fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1440)
    res = run_lockstep(create_pool("momentum"), {"lamb": 0.9, "kappa": 1.0}, fp, prices, make_chain("revm"), progress=False)
    assert row["verdict"] == res.status
    assert row["worst"]["weights"]["scaled"] == res.worst["weights"].scaled
    assert row["worst"]["running_a"]["chain_value"] == str(res.worst["running_a"].chain_value)
