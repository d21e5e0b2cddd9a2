"""Seeded random production-loop scenarios run in lockstep on the EVM and the ProductionModel.

Each step is one of: an update (on time, late or early; fresh or stale primaries), stale primaries with
fresh or stale backups, an oracle failure mode, manual weights (sometimes on the wrong side of a rail),
manual targets (sometimes beyond a rail), re-initialised rule state, a new lastPoolUpdateRun, or a
deliberate wrong-side move whose T < 0 wraps τ and leaves the pool stuck until manual weights reset it.
Fine weights are sampled at random seconds inside the intervals.
"""

from __future__ import annotations

import random
from collections import Counter

from evm_scenarios import _lambda, _weights, initial_values, log_uniform, parameters, wad
from production_io import E, Lockstep

KINDS = ("update", "stale", "oracle_mode", "manual_weights", "manual_target", "intermediate", "last_run", "wrong_side")
KIND_WEIGHTS = (8, 2, 1, 1, 1.2, 0.4, 0.4, 0.6)


class Scenario:
    """One stack and its random walk; `features` counts what the steps reached (for coverage asserts)."""

    def __init__(self, chain, artifacts, rule: str, seed: str, n: int):
        self.rng = rng = random.Random(seed)
        self.chain = chain
        self.interval = rng.choice([60, 3600, 86400])
        self.g = rng.randint(E // 100, E // (2 * n))
        self.upper = E - (n - 1) * self.g
        self.prices = [log_uniform(rng, 1e-2, 1e5) for _ in range(n)]
        self.sigma = log_uniform(rng, 0.003, 0.2)
        self.threshold = self.interval * rng.choice([1, 2, 5])
        self.features: Counter = Counter()
        self.ls = Lockstep(
            chain, artifacts, rule, where=f"seed={seed!r} rule={rule} n={n}",
            n=n, lambda_store=[_lambda(rng)] if rng.random() < 0.6 else [_lambda(rng) for _ in range(n)],
            epsilon_max=wad(log_uniform(rng, 0.01, 1)), guard_rail=self.g, parameters=parameters(rng, rule, n),
            update_interval_s=self.interval, initial_weights_wei=_weights(rng, n, self.g),
            moving_averages_wei=[wad(p * rng.uniform(0.95, 1.05)) for p in self.prices],
            initial_values_wei=initial_values(rng, rule, self.prices),
            oracle_prices_wei=[wad(p) for p in self.prices], timestamp=chain.timestamp() + 200,
            staleness_threshold=self.threshold, backups=[rng.choice((0, 1, 1, 2)) for _ in range(n)],
        )
        self.n = n
        self.stuck = False

    # ---- time helpers ----
    def now(self) -> int:
        return self.chain.timestamp()

    def _samples_before(self, t: int) -> None:
        lo = self.now() + 1
        if t - lo < 3 or self.rng.random() < 0.4:
            return
        for s in sorted(self.rng.sample(range(lo, t - 1), k=min(2, t - 1 - lo))):
            self.ls.sample(s)
            self.features["sample"] += 1
            if self.ls.model.pool.last_interp < self.ls.model.pool.last_update:
                self.features["sample_after_wrap"] += 1

    def _update_time(self) -> int:
        rng = self.rng
        due = max(self.ls.model.read_runner()["last_pool_update_run"] + self.interval, self.now() + 3)
        r = rng.random()
        if r < 0.55:
            self.features["on_time"] += 1
            return due
        if r < 0.85:
            self.features["late"] += 1
            return due + rng.randint(1, 2 * self.interval)
        early = due - rng.randint(1, max(1, self.interval // 2))
        if early > self.now() + 2:
            self.features["early"] += 1
            return early
        return due

    def _walk(self) -> list[int]:
        self.prices = [p * (1 + self.rng.gauss(0, self.sigma)) for p in self.prices]
        self.prices = [max(p, 1e-6) for p in self.prices]
        return [wad(p) for p in self.prices]

    def _record(self, result) -> None:
        """Count what an ok weight-setting step produced: T < 0, a rail inside the interval."""
        if result[0] != "ok":
            self.features["revert:" + result[1]] += 1
            return
        pool = self.ls.model.pool
        if pool.last_interp < pool.last_update:
            self.features["T<0"] += 1
        elif pool.last_interp - pool.last_update < self.interval:
            self.features["rail_inside"] += 1

    # ---- steps ----
    def step(self) -> None:
        kind = self.rng.choices(KINDS, KIND_WEIGHTS)[0]
        if self.stuck and self.rng.random() < 0.35:
            kind = "manual_weights"
        getattr(self, "_" + kind)()

    def _update(self) -> None:
        t = self._update_time()
        self._samples_before(t)
        ots = t if self.rng.random() < 0.85 else t - self.rng.randint(0, 2 * self.threshold)
        r = self.ls.update(t, prices=self._walk(), oracle_timestamp=ots)
        self.stuck = r[0] == "revert"
        self._record(r)

    def _stale(self) -> None:
        rng, t = self.rng, self._update_time()
        self._samples_before(t - 1)
        prices = self._walk()
        ups = {}
        for i, per in enumerate(self.ls.stack.oracles):
            stale = len(per) > 1 or rng.random() < 0.1
            ts = max(0, t - self.threshold - rng.randint(0, 50)) if stale else t
            ups[(i, 0)] = (prices[i], ts)
            for k in range(1, len(per)):
                fresh = rng.random() < 0.85
                ts = t - rng.randint(0, self.threshold - 1) if fresh else max(0, t - self.threshold - rng.randint(0, 50))
                ups[(i, k)] = (wad(self.prices[i] * rng.uniform(0.98, 1.02)), ts)
        self.ls.set_oracles(ups, t - 1)
        r = self.ls.update(t, sender=self.chain.accounts[rng.randint(0, 4)])
        self.features["stale_primary"] += 1
        if r[0] == "ok":
            self.features["backup_used"] += 1
        self.stuck = r[0] == "revert"
        self._record(r)

    def _oracle_mode(self) -> None:
        rng = self.rng
        asset = rng.randrange(self.n)
        index = rng.randrange(len(self.ls.stack.oracles[asset]))
        mode = rng.choices(("ok", "revert", "short", "bad_word"), (3, 3, 1, 1))[0]
        self.ls.set_mode(asset, index, mode, self.now() + 1)
        self.features["mode:" + mode] += 1
        self._update()
        self.ls.set_mode(asset, index, "ok", self.now() + 1)

    def _random_weights(self, wrong_side: bool = False) -> list[int]:
        w = _weights(self.rng, self.n, self.g)
        if wrong_side and self.upper < 99 * E // 100:
            w[0] = self.rng.randint(self.upper + 1, 99 * E // 100)
        return w

    def _manual_weights(self) -> None:
        rng, t = self.rng, self.now() + 1
        w = self._random_weights(wrong_side=rng.random() < 0.2)
        m = [0] * self.n if rng.random() < 0.5 else [rng.randint(-10**12, 10**12) for _ in range(self.n)]
        sender = self.chain.accounts[0] if rng.random() < 0.9 else self.chain.accounts[rng.randint(2, 5)]
        r = self.ls.set_weights_manually(w + m, t + rng.randint(-100, 2 * self.interval), t, sender=sender)
        if r[0] == "ok":
            self.stuck = False
        self._record(r)

    def _manual_target(self) -> None:
        rng, t = self.rng, self.now() + 1
        targets = [rng.randint(E // 100, 99 * E // 100) for _ in range(self.n)]
        interval = self.interval if rng.random() < 0.7 else rng.randint(1, 2 * self.interval)
        self._record(self.ls.set_target_weights_manually(targets, interval, t))

    def _intermediate(self) -> None:
        """setIntermediateValuesManually: moving averages near the current prices (sometimes by a stranger)."""
        rng, t = self.rng, self.now() + 1
        mas = [wad(p * rng.uniform(0.95, 1.05)) for p in self.prices]
        sender = self.chain.accounts[0] if rng.random() < 0.85 else self.chain.accounts[rng.randint(2, 5)]
        r = self.ls.set_intermediate_values(mas, initial_values(rng, self.ls.rule, self.prices), t, sender=sender)
        self.features["intermediate:" + (r[1] if r[0] == "revert" else "ok")] += 1

    def _last_run(self) -> None:
        t = self.now() + 1
        value = t - self.rng.randint(0, self.interval) if self.rng.random() < 0.7 else t + self.rng.randint(1, 3 * self.interval)
        self.ls.set_last_run(value, t)

    def _wrong_side(self) -> None:
        """w⁰_0 above the upper rail, then a target further up: T < 0, τ wraps, the pool is stuck."""
        if self.upper >= 99 * E // 100 - 10**9:
            return self._manual_target()
        t = self.now() + 1
        w = self._random_weights(wrong_side=True)
        if self.ls.set_weights_manually(w + [0] * self.n, t, t)[0] != "ok":
            return
        targets = list(w)
        targets[0] = min(99 * E // 100, w[0] + self.rng.randint(10**9, 10**16))
        r = self.ls.set_target_weights_manually(targets, self.rng.choice([1, self.interval]), t + 1)
        self._record(r)
        self.features["wrong_side"] += 1
        self.stuck = True


def run_random(chain, artifacts, rule: str, seed: str, n: int, steps: int) -> Scenario:
    sc = Scenario(chain, artifacts, rule, seed, n)
    for _ in range(steps):
        sc.step()
    return sc
