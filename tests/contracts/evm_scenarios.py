"""Seeded random rule scenarios for EVM-vs-model tests: settings within the factory bounds, valid rule
parameters, log-uniform prices with a random walk, and occasional deliberately invalid steps."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

E = 10**18
INVALID_KINDS = ("short_lambda", "zero_price", "huge_price", "unauthorised", "short_data", "reinit")


@dataclass
class Step:
    kind: str  # "update", one of INVALID_KINDS, or "no_movement" (MinimumVariance with A(t-1) = 0)
    data: list[int]
    lambdas: list[int]
    sender_index: int = 0  # index into chain.accounts; 0 is the runner
    reinit: tuple[list[int], list[int], int] | None = None  # (moving averages, initial values, n) before the step


@dataclass
class Scenario:
    seed: str
    rule: str
    n: int
    lambdas: list[int]
    epsilon_max: int
    guard_rail: int
    weights: list[int]
    parameters: list[list[int]]
    moving_averages: list[int]
    initial_values: list[int]
    steps: list[Step] = field(default_factory=list)


def wad(x: float) -> int:
    return int(round(x * E))


def log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return 10 ** rng.uniform(math.log10(lo), math.log10(hi))


def _lambda(rng: random.Random) -> int:
    return wad(1 - log_uniform(rng, 1e-4, 0.5))  # λ in [0.5, 0.9999]


def _vector(rng: random.Random, n: int, draw) -> list[int]:
    return [draw()] if rng.random() < 0.4 else [draw() for _ in range(n)]


def _weights(rng: random.Random, n: int, g: int) -> list[int]:
    u = [rng.random() + 0.05 for _ in range(n)]
    total = sum(u)
    w = [g + int((E - n * g) * x / total) for x in u]
    w[-1] += E - sum(w)
    return w


def _use_raw(rng: random.Random) -> list[list[int]]:
    r = rng.random()
    return [] if r < 0.3 else [[0]] if r < 0.6 else [[E]]


def parameters(rng: random.Random, rule: str, n: int) -> list[list[int]]:
    """A random parameter set that validParameters accepts (scalar or per-asset arrays)."""
    vec = rng.random() < 0.5
    size = n if vec else 1
    arr = lambda draw: [draw() for _ in range(size)]  # noqa: E731
    if rule in ("momentum", "anti_momentum"):
        return [arr(lambda: wad(log_uniform(rng, 0.1, 1000)))] + _use_raw(rng)
    if rule == "power_channel":
        return [arr(lambda: wad(log_uniform(rng, 1, 1e4))), arr(lambda: wad(1 + log_uniform(rng, 0.01, 3)))] + _use_raw(rng)
    if rule == "mean_reversion_channel":
        return [
            arr(lambda: wad(log_uniform(rng, 0.1, 1000))),
            arr(lambda: wad(log_uniform(rng, 1e-3, 0.3))),
            arr(lambda: wad(log_uniform(rng, 0.1, 3))),
            arr(lambda: wad(log_uniform(rng, 1, 3.5))),
            arr(lambda: wad(log_uniform(rng, 0.1, 3))),
            arr(lambda: wad(log_uniform(rng, 1e-3, 0.3))),
            [rng.choice([0, E])],
        ]
    if rule == "difference_momentum":
        kappa = arr(lambda: wad(log_uniform(rng, 0.1, 1000)) * (-1 if rng.random() < 0.2 else 1))
        if sum(kappa) == 0:
            kappa[0] += 1
        short = _vector(rng, n, lambda: rng.choice([0, E]) if rng.random() < 0.1 else wad(rng.uniform(0.1, 0.99)))
        return [kappa, short]
    if rule == "min_variance":
        return [arr(lambda: rng.choice([0, E]) if rng.random() < 0.1 else wad(rng.random()))]
    raise ValueError(f"rule={rule!r}: no scenario generator")


def initial_values(rng: random.Random, rule: str, prices: list[float], scale: float = 0.05) -> list[int]:
    """The rule's intermediate state at initialisation: a(0), A(0) or s̄(0), relative size `scale`."""
    if rule == "min_variance":
        return [wad((p * rng.uniform(0, scale / 5)) ** 2) for p in prices]
    if rule == "difference_momentum":
        return [wad(p * rng.uniform(1 - 2 * scale, 1 + 2 * scale)) for p in prices]
    return [wad(p * rng.gauss(0, scale)) for p in prices]


def make_scenario(rule: str, seed: str, *, invalid_rate: float = 0.2, stress: bool = False) -> Scenario:
    """A deterministic scenario for `seed`: 2–8 assets, 3–7 steps, each step invalid with `invalid_rate`.

    `stress` widens everything beyond realistic settings (prices 1e-9–1e15 with jumps, λ anywhere in
    [0, 1) plus invalid 0 / ≥ 1 values, extreme rule parameters, ε and g anywhere, unnormalised previous
    weights) to reach the reverts and roundings deep inside the rules."""
    rng = random.Random(seed)
    n = rng.randint(2, 8)
    draw_lambda = (lambda: _stress_lambda(rng)) if stress else (lambda: _lambda(rng))
    lambdas = _vector(rng, n, draw_lambda)
    g = rng.randint(0, E // n) if stress else rng.randint(E // 100, E // n - 1)
    eps = rng.randint(0, E) if stress else wad(log_uniform(rng, 1e-3, 1))
    prices = [log_uniform(rng, 1e-9, 1e15) if stress else log_uniform(rng, 1e-6, 1e12) for _ in range(n)]
    sigma = log_uniform(rng, 1e-4, 1.0) if stress else log_uniform(rng, 1e-3, 0.2)
    weights = _weights(rng, n, g)
    if stress and rng.random() < 0.3:
        weights = [rng.randint(0, E) for _ in range(n)]
    sc = Scenario(
        seed=seed, rule=rule, n=n, lambdas=lambdas, epsilon_max=eps, guard_rail=g, weights=weights,
        parameters=stress_parameters(rng, rule, n) if stress else parameters(rng, rule, n),
        moving_averages=[wad(p * rng.uniform(0.95, 1.05)) for p in prices],
        initial_values=initial_values(rng, rule, prices, scale=1.0 if stress else 0.05),
    )
    for _ in range(rng.randint(3, 7)):
        prices = [p * math.exp(rng.gauss(0, sigma)) for p in prices]
        data = [wad(p) for p in prices]
        step = Step("update", data, lambdas)
        if rng.random() < invalid_rate:
            step = _invalid_step(rng, rule, n, data, lambdas, prices)
        sc.steps.append(step)
    return sc


def _stress_lambda(rng: random.Random) -> int:
    if rng.random() < 0.05:
        return rng.choice([0, E, E + 1, 2 * E, 2**64 - 1])
    return wad(1 - log_uniform(rng, 1e-6, 1))


def stress_parameters(rng: random.Random, rule: str, n: int) -> list[list[int]]:
    """Parameters that validParameters accepts, drawn far outside realistic ranges."""
    size = n if rng.random() < 0.5 else 1
    arr = lambda lo, hi: [wad(log_uniform(rng, lo, hi)) for _ in range(size)]  # noqa: E731
    if rule in ("momentum", "anti_momentum"):
        return [arr(1e-3, 1e6)] + _use_raw(rng)
    if rule == "power_channel":
        return [arr(1e-3, 1e8), [wad(1 + log_uniform(rng, 1e-3, 10)) for _ in range(size)]] + _use_raw(rng)
    if rule == "mean_reversion_channel":
        return [arr(1e-3, 1e6), arr(1e-9, 1), arr(1e-3, 1e3), arr(0.1, 10), arr(1e-6, 10), arr(1e-9, 1),
                [rng.choice([0, E])]]
    if rule == "min_variance":
        return [[rng.randint(0, E) for _ in range(size)]]
    return parameters(rng, rule, n)


def _invalid_step(rng, rule, n, data, lambdas, prices) -> Step:
    kinds = INVALID_KINDS + (("no_movement",) * 2 if rule == "min_variance" else ())
    kind = rng.choice(kinds)
    data = list(data)
    if kind == "short_lambda":
        length = rng.choice([0] + list(range(2, n)))
        return Step(kind, data, [_lambda(rng) for _ in range(length)])
    if kind == "zero_price":
        data[rng.randrange(n)] = 0
    elif kind == "huge_price":
        data[rng.randrange(n)] = wad(log_uniform(rng, 1e21, 1e40))
    elif kind == "short_data":
        data = data[: n - 1]
    elif kind == "unauthorised":
        return Step(kind, data, lambdas, sender_index=rng.randint(1, 3))
    elif kind == "reinit":
        m = n if rng.random() < 0.7 else rng.choice([n - 1, n + 1])
        mas = [wad(p) for p in prices[:m]] + [E] * max(0, m - n)
        init = initial_values(rng, rule, prices)
        if rng.random() < 0.3:
            init = init[:-1]
        return Step(kind, data, lambdas, reinit=(mas, init, n))
    elif kind == "no_movement":
        return Step(kind, data, lambdas, reinit=(list(data), [0] * n, n))
    return Step(kind, data, lambdas)
