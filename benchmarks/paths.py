"""Scan vs vectorized weight paths: time ratio and peak memory of jitted ``calculate_weights``.

For 1 year of daily and of hourly prices (parity.prices.generate_prices, "trending", seed 0) with 2 and
5 assets, one update per price row, each path is compiled first, then timed over several runs
(block_until_ready; the two paths alternate, median and best-of reported). Memory is XLA's own estimate from the compiled executable
(``memory_analysis()``: temp + output bytes). Prints ratios; asserts nothing.

    .venv/bin/python benchmarks/paths.py [--rule momentum|all] [--runs 30]
"""

import argparse
import statistics
import time

import jax

import parity  # noqa: F401  (float64)
from parity.fingerprint import make_run_fingerprint
from parity.pools import POOLS, create_pool
from parity.prices import generate_prices

CASES = [("daily", 1440, 365), ("hourly", 60, 365 * 24)]


def _params(rule):
    return {
        "momentum": {"logit_lamb": 2.0, "log_k": 3.0},
        "anti_momentum": {"logit_lamb": 2.0, "log_k": 3.0},
        "power_channel": {"logit_lamb": 2.0, "sp_k": 5.0, "sp_exponents": 1.0},
        "mean_reversion_channel": {"logit_lamb": 2.0, "log_k": 3.0, "raw_width": -3.0, "log_amplitude": -4.0,
                                   "sp_exponents": 0.5},
        "difference_momentum": {"memory_days_1": 3.0, "memory_days_2": 15.0, "k": 2.0},
        "min_variance": {"memory_days_1": 10.0, "memory_days_2": 3.0},
        "index_market_cap": {"logit_lamb": 1.0},
    }[rule]


def _compile(fn, args):
    compiled = jax.jit(fn).lower(*args).compile()
    mem = compiled.memory_analysis()
    peak = None if mem is None else mem.temp_size_in_bytes + mem.output_size_in_bytes
    compiled(*args).block_until_ready()
    return compiled, peak


def _time_interleaved(compiled, args, runs):
    """Median and minimum wall time per path; the paths alternate so machine load hits both alike."""
    times = {name: [] for name in compiled}
    for _ in range(runs):
        for name, fn in compiled.items():
            t0 = time.perf_counter()
            fn(*args).block_until_ready()
            times[name].append(time.perf_counter() - t0)
    return {name: (statistics.median(ts), min(ts)) for name, ts in times.items()}


def bench(rule, runs):
    pool = create_pool(rule)
    rows = []
    for label, interval, steps in CASES:
        for n in (2, 5):
            prices = jax.numpy.asarray(generate_prices("trending", n, steps, interval, seed=0).prices)
            oracle = prices * 1e6 if rule == "index_market_cap" else None
            params = {k: jax.numpy.asarray(v) for k, v in _params(rule).items()}
            args = (params, prices, oracle)
            compiled, peak = {}, {}
            for method in ("scan", "vectorized"):
                fp = make_run_fingerprint(rule=rule, n_assets=n, chunk_period=interval, price_interval=interval,
                                          bout_length=steps, weight_calculation_method=method)

                def fn(p, x, o, fp=fp):
                    return pool.calculate_weights(p, fp, x, 0, o)

                compiled[method], peak[method] = _compile(fn, args)
            t = _time_interleaved(compiled, args, runs)
            (ts, ts_min), (tv, tv_min) = t["scan"], t["vectorized"]
            ms, mv = peak["scan"], peak["vectorized"]
            rows.append((rule, label, n, steps, ts / tv, ts_min / tv_min, ms, mv))
            print(f"{rule:22s} {label:6s} n={n} rows={steps:5d}  median scan {ts * 1e3:7.3f} ms, vectorized "
                  f"{tv * 1e3:7.3f} ms: scan/vectorized {ts / tv:4.2f}x (best-of {ts_min / tv_min:4.2f}x)  "
                  f"peak memory scan {ms / 1024:7.1f} KiB, vectorized {mv / 1024:7.1f} KiB ({ms / mv:4.2f}x)",
                  flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule", default="momentum", help="a rule name or 'all'")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({jax.devices()[0].device_kind})")
    rules = sorted(POOLS) if args.rule == "all" else [args.rule]
    for rule in rules:
        bench(rule, args.runs)


if __name__ == "__main__":
    main()
