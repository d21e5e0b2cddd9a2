"""A seeded oracle scenario for the pool level: some updates read a stale primary oracle and a fresh or stale
backup, as an audit meets on live pools (`parity verify --level pool --stale-oracles RATE --stale-seed S`).

The stack is deployed with one backup oracle per asset. Before update block k (at block time ``ts``), every
oracle is set in the same transaction as performUpdate (ProductionDriver.setPricesAndUpdate) to a value and
a timestamp drawn from a generator seeded with (seed, k), so the chain, the integer model and the JAX side
all receive the same table and each follows the runner's rule on its own: an oracle is fresh when its
timestamp > ts − threshold; the first fresh one of [primary, backup] gives the asset's value; with none fresh
the update reverts with "No fresh oracle values available" (and nothing changes).

Per asset, with probability ``rate`` the primary is stale (its timestamp exactly ts − threshold, the
boundary, or older) and still holds the previous update's price; otherwise it holds this update's price at
ts or at ts − threshold + 1 (fresh by one second). The backup holds this update's price moved by a seeded
relative amount below 1e-4 (another feed of the same asset), fresh (at ts or ts − threshold + 1) or, with
probability 1/2 when the primary is stale, stale (at ts − threshold or older). The boundary timestamps make
an off-by-one in the staleness comparison visible; the backup's own price makes a read of the wrong oracle
visible in the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_FRESH_VALUE = "No fresh oracle values available"
BACKUP_SPREAD = 1e-4  # the backup's price differs from the primary's by less than this (relative)


@dataclass(frozen=True)
class StaleOracles:
    """The scenario: `rate` of primaries stale, seeded by `seed`; `threshold` is the pool's staleness
    threshold in seconds (one backup per asset)."""

    rate: float
    seed: int
    threshold: int

    def _fresh_time(self, rng, ts: int) -> int:
        return int(ts if rng.random() < 0.5 else ts - self.threshold + 1)

    def _stale_time(self, rng, ts: int) -> int:
        return int(ts - self.threshold - (0 if rng.random() < 0.5 else int(rng.integers(1, self.threshold + 1))))

    def updates(self, k: int, ts: int, price_wei, previous_wei) -> dict:
        """{(asset, 0 primary | 1 backup): (value in wei, timestamp)} for update block k at block time ts;
        `previous_wei` is the previous update's price row (what a primary that missed this update holds)."""
        rng = np.random.default_rng([int(self.seed), int(k)])
        out = {}
        for i, (p, before) in enumerate(zip(price_wei, previous_wei)):
            stale = rng.random() < self.rate
            out[(i, 0)] = (int(before), self._stale_time(rng, ts)) if stale else (int(p), self._fresh_time(rng, ts))
            backup = int(p) + int(p) * int(rng.integers(-10**6, 10**6 + 1)) // int(10**6 / BACKUP_SPREAD)
            backup_stale = stale and rng.random() < 0.5
            out[(i, 1)] = (max(backup, 1), self._stale_time(rng, ts) if backup_stale else self._fresh_time(rng, ts))
        return out


def oracle_table(updates: dict, n: int) -> tuple[list[list[int]], list[list[int]]]:
    """(values, timestamps), each n rows of [primary, backup], from `updates`."""
    values = [[updates[(i, j)][0] for j in (0, 1)] for i in range(n)]
    times = [[updates[(i, j)][1] for j in (0, 1)] for i in range(n)]
    return values, times
