"""What `parity explain`'s probes cost the integer model when nothing records (prints; asserts nothing).

Per rule: the time of one CalculateNewWeights of the model (n assets), the number of probe calls it makes
(counted with a recording), the cost of one probe call outside a recording, and their product as a share
of the update, all measured in this run. Under jax.jit the probes cost nothing (they run at trace time;
tests/unit/test_probes.py compares the jaxprs), so only the model is measured.

    .venv/bin/python benchmarks/explain_probes.py [--assets 8] [--repeat 7]
"""

from __future__ import annotations

import argparse
import timeit

from parity.fixedpoint.rules import make_model
from parity.probes import probe, recording

ONE = 10**18
RUNNER, POOL = "0x" + "11" * 20, "0x" + "22" * 20
CASES = {
    "momentum": ([[ONE]], lambda n: [0] * n),
    "power_channel": ([[ONE], [2 * ONE]], lambda n: [0] * n),
    "mean_reversion_channel": ([[ONE], [ONE // 10], [ONE // 10], [3 * ONE // 2], [5415 * 10**14], [ONE // 2], [0]],
                               lambda n: [0] * n),
    "difference_momentum": ([[ONE], [ONE // 2]], lambda n: [ONE * (i + 1) for i in range(n)]),
    "min_variance": ([[ONE // 2]], lambda n: [10**15] * n),
}


def update(rule: str, n: int):
    params, init = CASES[rule]
    model = make_model(rule, RUNNER)
    model.initialise(POOL, [ONE * (i + 1) for i in range(n)], init(n), n, sender=RUNNER)
    weights = [ONE // n] * n
    weights[-1] += ONE - sum(weights)
    prices = [ONE * (i + 1) + 12_345 * 10**12 * (i + 1) for i in range(n)]
    return lambda: model.calculate_new_weights(weights, prices, POOL, params, [9 * ONE // 10], ONE // 10, ONE // 100,
                                               sender=RUNNER)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assets", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    per_call = min(timeit.repeat(lambda: probe("x", 1), number=100_000, repeat=args.repeat)) / 100_000
    bare = min(timeit.repeat(lambda: None, number=100_000, repeat=args.repeat)) / 100_000
    cost = per_call - bare
    print(f"one probe call outside a recording: {cost * 1e9:.0f} ns (beyond an empty lambda call)")
    for rule in CASES:
        fn = update(rule, args.assets)
        calls = _calls(fn)
        t = min(timeit.repeat(fn, number=200, repeat=args.repeat)) / 200
        print(f"{rule:24} n={args.assets}: update {t * 1e6:7.1f} us, {calls:3d} probe calls, "
              f"probes {calls * cost * 1e6:5.2f} us = {calls * cost / t:.2%} of the update")


def _calls(fn) -> int:
    """The number of probe() calls one update makes."""
    import parity.probes as probes

    count = [0]
    original = probes.Recording.add

    def add(self, name, value):
        count[0] += 1
        original(self, name, value)

    probes.Recording.add = add
    try:
        with recording():
            fn()
    finally:
        probes.Recording.add = original
    return count[0]


if __name__ == "__main__":
    main()
