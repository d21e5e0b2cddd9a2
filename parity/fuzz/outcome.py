"""What one fuzz example showed, and which properties it broke.

Properties (`--properties`, default all):
  parity  JAX ≡ chain within the run's tolerances (scan and vectorized paths; at pool level under a
          stale-oracle scenario also an update the JAX side expected to revert that the chain took): kinds
          `divergence`, and `jax_failed` (the simulator gave non-finite weights where the chain gave weights);
  model   chain ≡ integer model exactly: `model_mismatch`;
  revert  no revert where the simulator produced weights: `revert` (the reverse is `jax_failed`);
  rails   the chain's weights inside the guard rails [g, 1 − (n−1)·g] and summing to exactly 1 (the rule's
          output), the pool's interpolated weights inside the rails (they need not sum to 1: the pool keeps 9
          decimals and does not renormalise, docs/production-loop.md): `rails`, `sum`;
  stuck   the pool never stuck (pool level): `stuck` (getNormalizedWeights reverts after an update).
Not failures: `pass`, `refused` (an input `parity verify` refuses up front: not a market the chain can
hold) and `both_refuse` (the chain reverts and the simulator gives no weights either, e.g. MinimumVariance
on a price that has not moved: Panic(0x12) on chain, NaN in JAX).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

PROPERTIES = {
    "parity": ("divergence", "jax_failed"),
    "model": ("model_mismatch",),
    "revert": ("revert",),
    "rails": ("rails", "sum"),
    "stuck": ("stuck",),
}
WAD = 10**18


@dataclass
class Outcome:
    """The verdict of one example: `kind` (see the module docstring), where it happened, and the scores the
    search maximises (worst scaled error over its tolerance, state over its int128 limit)."""

    kind: str
    block: int | None = None
    where: str = ""
    detail: str = ""
    ratio: float = 0.0
    headroom: float = 0.0
    data: dict = field(default_factory=dict)

    def fails(self, kinds) -> bool:
        return self.kind in kinds

    def to_json(self) -> dict:
        return {"kind": self.kind, "block": self.block, "where": self.where, "detail": self.detail,
                "worst_ratio": _finite(self.ratio), "state_headroom": _finite(self.headroom), **self.data}


def _finite(x: float):
    return x if math.isfinite(x) else str(x)


def failing_kinds(properties) -> tuple:
    """The outcome kinds that count as a counterexample for the chosen properties."""
    return tuple(k for p in properties for k in PROPERTIES[p])


def rail_bounds(guard_rail_wei: int, n: int) -> tuple[int, int]:
    """(g, 1 − (n−1)·g) in wei."""
    return guard_rail_wei, WAD - (n - 1) * guard_rail_wei


def rail_violation(weights: list, guard_rail_wei: int, *, exact_sum: bool):
    """(kind, asset, detail) of the first weight (ints, wei) outside the rails, or, with exact_sum, of a sum
    other than 1e18; None when none."""
    n = len(weights)
    lo, hi = rail_bounds(guard_rail_wei, n)
    for i, w in enumerate(weights):
        if w < lo or w > hi:
            side = f"below the guard rail g = {lo}" if w < lo else f"above 1 − (n−1)·g = {hi}"
            return "rails", i, f"weight[{i}] = {w} wei is {side}"
    total = sum(int(w) for w in weights)
    if exact_sum and total != WAD:
        return "sum", -1, f"weights sum to {total} wei, not exactly 1e18"
    return None


def lockstep_outcome(result, headroom: float = 0.0) -> Outcome:
    """The Outcome of a harness LockstepResult (rule or pool level)."""
    ratio = _worst_ratio(result)
    if result.model_mismatch is not None:
        mm = result.model_mismatch
        where = mm.field if mm.asset < 0 else f"{mm.field}[{mm.asset}]"
        return Outcome("model_mismatch", mm.block, where, f"chain {mm.chain_value} ≠ integer model {mm.model_value}",
                       ratio, headroom)
    if result.revert is not None:
        return _revert_outcome(result, ratio, headroom)
    d = result.first_divergence
    vec = (result.vectorized or {}).get("first_divergence")
    x = result.expected_revert  # pool level, stale oracles: JAX expected a revert the chain did not make
    if x is not None and (d is None or x["block"] <= d.block):
        return Outcome("divergence", x["block"], "performUpdate",
                       f"the JAX side expected the update to revert with {x['reason']!r}; the chain took it",
                       ratio, headroom)
    if d is not None or vec is not None:
        return _divergence_outcome(d, vec, ratio, headroom)
    broken = _rails_of_result(result)
    if broken is not None:
        kind, block, where, detail = broken
        return Outcome(kind, block, where, detail, ratio, headroom)
    return Outcome("pass", None, "", "", ratio, headroom)


def _worst_ratio(result) -> float:
    best = 0.0
    for f, d in (result.worst or {}).items():
        if d is not None and d.tolerance:
            best = max(best, d.scaled / d.tolerance)
    return best


def _revert_outcome(result, ratio: float, headroom: float) -> Outcome:
    r = result.revert
    jax_ok = r.jax_weights is not None and all(math.isfinite(x) for x in r.jax_weights)
    if r.function == "getNormalizedWeights":
        kind = "stuck"
    else:
        kind = "revert" if jax_ok else "both_refuse"
    detail = f"{r.function} reverted with {r.reason!r}" + (f"; JAX weights {r.jax_weights}" if r.jax_weights else "")
    return Outcome(kind, r.block, r.function, detail, ratio, headroom, {"reason": r.reason})


def _divergence_outcome(d, vec, ratio: float, headroom: float) -> Outcome:
    if d is not None:
        kind = "jax_failed" if not math.isfinite(d.jax_value) else "divergence"
        detail = (f"JAX {d.jax_value!r} vs chain {d.chain_value}: scaled error {d.scaled:.3g} > tolerance "
                  f"{d.tolerance:.3g}")
        return Outcome(kind, d.block, f"{d.field}[{d.asset}]", detail, ratio, headroom)
    detail = (f"vectorized path vs scan path: scaled error {vec['scaled']} > tolerance {vec['tolerance']:.3g}")
    return Outcome("divergence", vec["block"], f"vectorized {vec['field']}[{vec['asset']}]", detail, ratio, headroom)


def _rails_of_result(result):
    """(kind, block, where, detail) of the first rail or sum broken in a LockstepResult, or None."""
    g = int(result.mapped.guard_rail)
    pool_level = result.level == "pool"
    for row, k in enumerate(result.block_ids):
        hit = rail_violation([int(x) for x in result.chain["weights"][row]], g, exact_sum=True)
        if hit is not None:
            return hit[0], k, f"weights[{hit[1]}]" if hit[1] >= 0 else "weights", "rule output: " + hit[2]
        if not pool_level:
            continue
        for f in [f for f in result.chain if f.startswith("fine_")]:
            hit = rail_violation([int(x) for x in result.chain[f][row]], g, exact_sum=False)
            if hit is not None:
                t = result.pool["sample_times"][row][_sample_index(f)]
                return hit[0], k, f"{f}[{hit[1]}]", f"getNormalizedWeights at t = {t}: " + hit[2]
    return None


def _sample_index(field_name: str) -> int:
    tail = field_name.removeprefix("fine_")
    return -1 if tail == "rail" else int(tail)


def first_rail_violation(weights: np.ndarray, alive: np.ndarray, guard_rail_wei: int):
    """Vectorised rule-level check over (B, P, n) int64 chain weights: per pool, (row, kind, asset, detail)
    of the first block whose weights leave the rails or do not sum to exactly 1e18 (None where none does)."""
    B, P, n = weights.shape
    lo, hi = rail_bounds(guard_rail_wei, n)
    bad = ((weights < lo) | (weights > hi)).any(axis=2) | (weights.sum(axis=2) != WAD)
    bad &= alive
    out = [None] * P
    for p in np.nonzero(bad.any(axis=0))[0]:
        b = int(np.argmax(bad[:, p]))
        kind, asset, detail = rail_violation([int(x) for x in weights[b, p]], guard_rail_wei, exact_sum=True)
        out[int(p)] = (b, kind, asset, "rule output: " + detail)
    return out
