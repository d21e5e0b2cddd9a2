"""Production loop cost: jitted ``calculate_weights`` with weight_interpolation_method="onchain" over "linear".

One year of hourly prices (parity.prices.generate_prices, "trending", seed 0), 2 and 5 assets, updates
every 4 hours (4 fine rows per update) and every hour, momentum and min_variance, on both paths. Each
function is compiled first, then the four variants alternate over several runs (block_until_ready).
Prints the onchain/linear time ratio per path and the scan/vectorized ratio of the onchain loop; asserts
nothing.

    .venv/bin/python benchmarks/onchain.py [--runs 15]
"""

import argparse
import statistics
import time

import jax

import parity  # noqa: F401  (float64)
from parity.fingerprint import make_run_fingerprint
from parity.pools import create_pool
from parity.prices import generate_prices

PARAMS = {"momentum": {"lamb": 0.9, "kappa": 1.0}, "min_variance": {"lamb": 0.9, "mixing": 0.5}}


def _variants(rule, n, chunk):
    pool = create_pool(rule)
    out = {}
    for method in ("linear", "onchain"):
        for path in ("scan", "vectorized"):
            fp = make_run_fingerprint(rule=rule, n_assets=n, chunk_period=chunk, price_interval=60,
                                      weight_interpolation_method=method, weight_calculation_method=path)
            out[(method, path)] = jax.jit(lambda params, prices, fp=fp: pool.calculate_weights(params, fp, prices))
    return out


def bench(rule, n, chunk, runs):
    prices = generate_prices("trending", n, 365 * 24, 60, seed=0).prices
    params = {k: jax.numpy.float64(v) for k, v in PARAMS[rule].items()}
    fns = _variants(rule, n, chunk)
    for fn in fns.values():
        fn(params, prices).block_until_ready()
    times = {key: [] for key in fns}
    for _ in range(runs):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn(params, prices).block_until_ready()
            times[key].append(time.perf_counter() - t0)
    med = {key: statistics.median(ts) for key, ts in times.items()}
    print(f"{rule:<13} n={n} every {chunk // 60:>1} h: onchain/linear scan {med[('onchain', 'scan')] / med[('linear', 'scan')]:5.2f}×, "
          f"vectorized {med[('onchain', 'vectorized')] / med[('linear', 'vectorized')]:5.2f}×; onchain scan/vectorized "
          f"{med[('onchain', 'scan')] / med[('onchain', 'vectorized')]:5.2f}× (onchain vectorized {med[('onchain', 'vectorized')] * 1e3:.1f} ms)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for rule in PARAMS:
        for n in (2, 5):
            for chunk in (240, 60):
                bench(rule, n, chunk, args.runs)


if __name__ == "__main__":
    main()
