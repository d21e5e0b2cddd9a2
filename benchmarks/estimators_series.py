"""Time the whole-series estimators (associative scan) against a lax.scan over their step forms.

Prints per-call times and the ratio scan/series for the moving average, gradient and variance
estimators together, n = 8 assets, per-asset λ. Usage: .venv/bin/python benchmarks/estimators_series.py
"""

import time

import parity  # noqa: F401  (float64)
import jax
import jax.numpy as jnp
import numpy as np

from parity.estimators import ewma, gradient, variance


def series(mean0, prices, lamb):
    means = ewma.series(mean0, prices, lamb)
    a, grad = gradient.series(jnp.zeros_like(mean0), prices, means, lamb)
    A, sigma2 = variance.series(jnp.zeros_like(mean0), prices, ewma.previous_series(mean0, means), means, lamb)
    return means, grad, sigma2


def steps(mean0, prices, lamb):
    def body(carry, price):
        s, g, v = carry
        prev = s.mean
        s, mean = ewma.step(s, price, lamb)
        g, grad = gradient.step(g, price, mean, lamb)
        v, sigma2 = variance.step(v, price, prev, mean, lamb)
        return (s, g, v), (mean, grad, sigma2)

    init = (ewma.init(mean0), gradient.init(jnp.zeros_like(mean0)), variance.init(jnp.zeros_like(mean0)))
    return jax.lax.scan(body, init, prices)[1]


def best_of(f, *args, repeats=7):
    jax.block_until_ready(f(*args))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    rng = np.random.default_rng(0)
    n = 8
    lamb = jnp.asarray(1.0 - 10.0 ** -rng.uniform(1, 4, n))
    print(f"device: {jax.devices()[0].device_kind}")
    print(f"{'T':>8} {'series ms':>10} {'scan ms':>10} {'scan/series':>12}")
    for T in (1_000, 10_000, 100_000):
        prices = jnp.asarray(np.exp(np.cumsum(rng.normal(0, 0.01, (T, n)), axis=0)))
        mean0 = prices[0]
        t_series = best_of(jax.jit(series), mean0, prices, lamb)
        t_scan = best_of(jax.jit(steps), mean0, prices, lamb)
        print(f"{T:>8} {1e3 * t_series:>10.2f} {1e3 * t_scan:>10.2f} {t_scan / t_series:>12.2f}")


if __name__ == "__main__":
    main()
