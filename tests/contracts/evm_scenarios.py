"""Seeded random rule scenarios for EVM-vs-model tests: settings within the factory bounds, valid rule
parameters, log-uniform prices with a random walk, occasional deliberately invalid steps, and (with
`malformed_rate`) malformed calls as docs/malformed-inputs.md describes them: n = 0 and 1, extreme previous
weights, short/long/empty parameter arrays, dirty calldata words and double faults (sent as raw calldata)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from parity.fixedpoint.calldata import MALFORMED, Dirty

E = 10**18
INVALID_KINDS = ("short_lambda", "zero_price", "huge_price", "unauthorised", "short_data", "reinit")
MALFORMED_KINDS = ("n0", "n1", "extreme_prev", "short_params", "long_params", "empty_params", "empty_row",
                   "malformed_row", "dirty_lambda", "dirty_head", "double_fault")
MINSD, MAXSD = -(2**255), 2**255 - 1


@dataclass
class Step:
    kind: str  # "update", one of INVALID_KINDS, or "no_movement" (MinimumVariance with A(t-1) = 0)
    data: list[int]
    lambdas: list[int]
    sender_index: int = 0  # index into chain.accounts; 0 is the runner
    reinit: tuple[list[int], list[int], int] | None = None  # (moving averages, initial values, n) before the step
    prev: list | None = None  # replaces the previous weights (n = 0 or 1, a malformed array)
    prev_patch: dict[int, int] = field(default_factory=dict)  # index -> value patched into the previous weights
    parameters: list | None = None  # replaces the scenario's parameters for this step
    epsilon_max: object = None  # replaces ε (may be a Dirty word)
    guard_rail: object = None  # replaces g (may be a Dirty word)
    pool_word: object = None  # a Dirty pool word instead of the pool address

    @property
    def malformed(self) -> bool:
        return self.kind in MALFORMED_KINDS


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


def make_scenario(rule: str, seed: str, *, invalid_rate: float = 0.2, stress: bool = False,
                  malformed_rate: float = 0.0) -> Scenario:
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
        u = rng.random()
        if u < malformed_rate:
            step = malformed_step(rng, rule, n, data, lambdas, sc.parameters)
        elif u < malformed_rate + invalid_rate:
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


def _extreme(rng: random.Random) -> int:
    """A word at or near ±2^255."""
    k = rng.choice([0, 0, 1, 2, rng.randint(3, 10**20)])
    return MINSD + k if rng.random() < 0.6 else MAXSD - k


def _malformed_params(rng: random.Random, kind: str, params: list) -> list:
    params = [list(r) for r in params]
    if kind == "short_params":
        return params[: rng.randrange(len(params))] if len(params) > 1 and rng.random() < 0.5 else (
            [r[:-1] if r and rng.random() < 0.5 else r for r in params])
    if kind == "long_params":
        if rng.random() < 0.5:
            return params + [rng.choice([[E], [0], [E, E], MALFORMED, []])]
        i = rng.randrange(len(params))
        params[i] = params[i] + [params[i][-1] if params[i] else E] * rng.randint(1, 9)
        return params
    if kind == "empty_params":
        return []
    if kind == "empty_row":
        params[rng.randrange(len(params))] = []
        return params
    params[rng.randrange(len(params))] = MALFORMED  # malformed_row
    return params


def malformed_step(rng: random.Random, rule: str, n: int, data: list[int], lambdas: list[int], params: list,
                   kind: str | None = None) -> Step:
    """One malformed call of kind `kind` (random if None); double_fault combines two kinds with a bad price."""
    kind = kind or rng.choice(MALFORMED_KINDS)
    step = Step(kind, list(data), list(lambdas))
    if kind == "double_fault":
        first, second = rng.sample(MALFORMED_KINDS[:-1], 2)
        a = malformed_step(rng, rule, n, data, lambdas, params, first)
        b = malformed_step(rng, rule, n, data, lambdas, params, second)
        pick = lambda x, y: x if x is not None else y  # noqa: E731
        step = Step(kind, a.data, a.lambdas if a.lambdas != lambdas else b.lambdas, prev=pick(a.prev, b.prev),
                    prev_patch={**b.prev_patch, **a.prev_patch}, parameters=pick(a.parameters, b.parameters),
                    epsilon_max=pick(a.epsilon_max, b.epsilon_max), guard_rail=pick(a.guard_rail, b.guard_rail),
                    pool_word=pick(a.pool_word, b.pool_word))
        if rng.random() < 0.5 and step.data is not MALFORMED and step.data:
            step.data[rng.randrange(len(step.data))] = rng.choice([0, MINSD, wad(log_uniform(rng, 1e21, 1e40))])
    elif kind == "n0":
        step.prev = []
    elif kind == "n1":
        step.prev = [rng.choice([E, E // 2, _extreme(rng)])]
        step.data = step.data[: rng.choice([0, 1, n])]
    elif kind == "extreme_prev":
        for i in rng.sample(range(n), rng.choice([1, 1, 2])):
            step.prev_patch[i] = _extreme(rng)
        if rng.random() < 0.3:
            step.guard_rail = 0
    elif kind in ("short_params", "long_params", "empty_params", "empty_row", "malformed_row"):
        step.parameters = _malformed_params(rng, kind, params)
    elif kind == "dirty_lambda":
        i = rng.randrange(len(lambdas))
        step.lambdas[i] = Dirty(rng.choice([2**64, 2**64 + E // 2, 2**256 - 1]))
    elif kind == "dirty_head":
        which = rng.choice(["eps", "g", "pool", "prev", "data", "lambdas"])
        dirty = Dirty(rng.choice([2**64, 2**64 + E // 10, 2**255]))
        if which == "eps":
            step.epsilon_max = dirty
        elif which == "g":
            step.guard_rail = dirty
        elif which == "pool":
            step.pool_word = Dirty(2**160 + rng.randrange(2**160))
        elif which == "prev":
            step.prev = MALFORMED
        elif which == "data":
            step.data = MALFORMED
        else:
            step.lambdas = MALFORMED
    if rng.random() < 0.1:
        step.sender_index = rng.randint(1, 3)
    return step
