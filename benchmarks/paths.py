"""Scan vs vectorized weight paths: time ratio and peak memory of jitted ``calculate_weights``, with scalar
and with per-asset parameters (quantammsim's parameters are per asset).

For 1 year of daily and of hourly prices (parity.prices.generate_prices, "trending", seed 0) with 2 and
5 assets, one update per price row, each path is compiled first, then timed over several runs
(block_until_ready; the two paths alternate, median and best-of reported). Memory is XLA's own estimate
from the compiled executable (``memory_analysis()``: temp + output bytes). The ``loop`` column says how
XLA:CPU runs the scan path's loop: ``fused`` (its small-while-loop hoisting compiled the whole loop into one
function) or ``kernels`` (the loop body runs kernel by kernel, about ten times slower per step); the
hoisting applies below a loop size of 1024 bytes by XLA's estimate (docs/quantammsim.md, Timing).
``--hoist-threshold BYTES`` raises that threshold for this process (XLA_FLAGS, set before JAX starts).
Prints ratios; asserts nothing.

    .venv/bin/python benchmarks/paths.py [--rule momentum|all] [--runs 30] [--params scalar|per-asset|both]
"""

import argparse
import os
import statistics
import sys
import time

HOIST_OPTION = "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold="


def _set_hoist_threshold(argv):
    """Apply --hoist-threshold before jax is imported (XLA reads XLA_FLAGS once, when its CPU backend starts)."""
    if "--hoist-threshold" in argv:
        value = argv[argv.index("--hoist-threshold") + 1]
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + f" {HOIST_OPTION}{int(value)}").strip()


_set_hoist_threshold(sys.argv)

import jax  # noqa: E402

import parity  # noqa: E402,F401  (float64)
from parity.fingerprint import make_run_fingerprint  # noqa: E402
from parity.pools import POOLS, create_pool  # noqa: E402
from parity.prices import generate_prices  # noqa: E402

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


def params_of(rule, kind, n):
    """The rule's benchmark parameters: one value each ("scalar") or one per asset ("per-asset")."""
    shape = () if kind == "scalar" else (n,)
    return {k: jax.numpy.full(shape, v) for k, v in _params(rule).items()}


def _compile(fn, args):
    compiled = jax.jit(fn).lower(*args).compile()
    mem = compiled.memory_analysis()
    peak = None if mem is None else mem.temp_size_in_bytes + mem.output_size_in_bytes
    compiled(*args).block_until_ready()
    return compiled, peak


def loop_kind(compiled) -> str:
    """"fused" when XLA:CPU hoisted the scan loop into one compiled function, else "kernels"."""
    return "fused" if "xla_cpu_small_call" in compiled.as_text() else "kernels"


def _time_interleaved(compiled, args, runs):
    """Median and minimum wall time per path; the paths alternate so machine load hits both alike."""
    times = {name: [] for name in compiled}
    for _ in range(runs):
        for name, fn in compiled.items():
            t0 = time.perf_counter()
            fn(*args).block_until_ready()
            times[name].append(time.perf_counter() - t0)
    return {name: (statistics.median(ts), min(ts)) for name, ts in times.items()}


def bench_case(rule, kind, label, interval, steps, n, runs):
    """One row: compile both paths on the same inputs, time them interleaved."""
    pool = create_pool(rule)
    prices = jax.numpy.asarray(generate_prices("trending", n, steps, interval, seed=0).prices)
    oracle = prices * 1e6 if rule == "index_market_cap" else None
    args = (params_of(rule, kind, n), prices, oracle)
    compiled, peak = {}, {}
    for method in ("scan", "vectorized"):
        fp = make_run_fingerprint(rule=rule, n_assets=n, chunk_period=interval, price_interval=interval,
                                  bout_length=steps, weight_calculation_method=method)

        def fn(p, x, o, fp=fp):
            return pool.calculate_weights(p, fp, x, 0, o)

        compiled[method], peak[method] = _compile(fn, args)
    t = _time_interleaved(compiled, args, runs)
    (ts, ts_min), (tv, tv_min) = t["scan"], t["vectorized"]
    row = {"rule": rule, "params": kind, "case": label, "n": n, "ratio": ts / tv, "best_ratio": ts_min / tv_min,
           "scan_ms": ts * 1e3, "vectorized_ms": tv * 1e3, "loop": loop_kind(compiled["scan"]),
           "memory_ratio": peak["scan"] / peak["vectorized"]}
    print(f"{rule:22s} {kind:9s} {label:6s} n={n} median scan {row['scan_ms']:7.3f} ms, vectorized "
          f"{row['vectorized_ms']:7.3f} ms: scan/vectorized {row['ratio']:5.2f}x (best-of {row['best_ratio']:5.2f}x) "
          f"loop {row['loop']:7s} peak memory scan/vectorized {row['memory_ratio']:4.2f}x", flush=True)
    return row


def bench(rule, runs, kinds=("scalar", "per-asset"), ns=(2, 5)):
    return [bench_case(rule, kind, label, interval, steps, n, runs)
            for kind in kinds for label, interval, steps in CASES for n in ns]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule", default="momentum", help="a rule name or 'all'")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--params", choices=("scalar", "per-asset", "both"), default="both")
    parser.add_argument("--n", type=int, action="append", default=None, help="asset counts (default 2 and 5)")
    parser.add_argument("--hoist-threshold", type=int, default=None, metavar="BYTES",
                        help="XLA:CPU small-while-loop hoisting threshold for this run (default: XLA's, 1024)")
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({jax.devices()[0].device_kind}); "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")
    rules = sorted(POOLS) if args.rule == "all" else [args.rule]
    kinds = ("scalar", "per-asset") if args.params == "both" else (args.params,)
    for rule in rules:
        bench(rule, args.runs, kinds, tuple(args.n or (2, 5)))


if __name__ == "__main__":
    main()
