"""Rule-level fuzz examples on the batched engine of `parity sweep` (parity.sweep.session): every example
of a chunk is one pool of one BatchCaller transaction per block, and one lane of one vmapped, jitted JAX
trajectory; unlike a sweep chunk, each pool has its own price path and its own number of blocks.

Shapes are padded so JAX compiles once per settings group: the pool axis to the chunk's `pad_pools` (a
power of two) with copies of the first pool, the block axis to `pad_blocks` by repeating the last price.
Padding is never compared and never sent to the chain; a pool whose path has ended is left out of later
batch transactions. The integer model checks every pool at every block (the fuzz property "chain ≡ model"
holds for every example, not a sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.float64 import guarded
from parity.fuzz.outcome import Outcome, first_rail_violation
from parity.harness import compare as cmp
from parity.sweep import chainbatch as cb
from parity.sweep.errors import ChunkErrors
from parity.sweep.session import FLUSH_BLOCKS, ChainSession, jax_trajectories, pool_start


@dataclass
class FuzzChunk:
    """Rule-level examples sharing rule and settings, run in one process (a local worker or a Dask task)."""

    examples: list  # parity.fuzz.examples.Example, all with the same rule and settings
    pad_blocks: int
    pad_pools: int
    tolerances: dict
    artifact: object | None = None  # the rule build to deploy instead of parity's (a user's contract)
    vectorized_check: bool = True


def pad_size(count: int) -> int:
    """The next power of two ≥ count (the pool-axis shapes JAX compiles for)."""
    return 1 << max(count - 1, 0).bit_length()


class FuzzErrors(ChunkErrors):
    """ChunkErrors with one price path and horizon per pool, and the rule output's rails checked exactly."""

    def __init__(self, examples, starts, smap, price_decs: list, overrides: dict, contract: str):
        self.vs, self.P = examples, len(examples)
        self.blocks = max(len(p) - 1 for p in price_decs)
        self._init_errors(starts, smap, price_decs, [len(p) - 1 for p in price_decs], overrides, contract)
        self.vectorized = None
        self.rails: list = [None] * self.P
        self.guard = int(starts[0].mapped.guard_rail)

    def add(self, first_block, out, alive, layout, states, weights) -> None:
        super().add(first_block, out, alive, layout, states, weights)
        hi, lo = cb.decode_field(out, layout.weights, False, layout.n)
        exact = lo.astype(np.int64)  # two's complement: the value itself where hi is its sign extension
        exact = np.where((hi == 0) & (exact >= 0) | (hi == -1) & (exact < 0), exact, np.int64(2**60))
        for p, hit in enumerate(first_rail_violation(exact, alive, self.guard)):
            if hit is not None and self.rails[p] is None:
                row, kind, asset, detail = hit
                self.rails[p] = (first_block + row, kind, asset, detail)

    def outcome(self, p: int, jax_weights: np.ndarray) -> Outcome:
        """The Outcome of pool p (jax_weights: its (T, n) scan-path weights, for a revert's block)."""
        ratio = max((float(self.worst_approx[f][p]) / self.tol[f][p] if self.tol[f][p] else 0.0) for f in self.fields)
        ratio = max(ratio, 0.0)
        if p in self.mismatches:
            mm = self.mismatches[p]
            return Outcome("model_mismatch", mm["block"], mm["what"], f"chain {mm['chain']} ≠ integer model {mm['model']}", ratio)
        if p in self.reverts:
            r = self.reverts[p]
            jw = jax_weights[r["block"] - 1] if r["block"] >= 1 else np.zeros(1)
            kind = "revert" if np.all(np.isfinite(jw)) else "both_refuse"
            detail = f"CalculateNewWeights reverted with {r['reason']!r}; JAX weights {[float(x) for x in jw]}"
            return Outcome(kind, r["block"], "CalculateNewWeights", detail, ratio, data={"reason": r["reason"]})
        d = self.first[p]
        if d is not None:
            kind = "jax_failed" if not np.isfinite(d.jax_value) else "divergence"
            detail = f"JAX {d.jax_value!r} vs chain {d.chain_value}: scaled error {d.scaled:.3g} > tolerance {d.tolerance:.3g}"
            return Outcome(kind, d.block, f"{d.field}[{d.asset}]", detail, ratio)
        vec = self.vectorized[p]["first_divergence"] if self.vectorized is not None else None
        if vec is not None:
            detail = f"vectorized path vs scan path: scaled error {vec['scaled']} > tolerance {vec['tolerance']:.3g}"
            return Outcome("divergence", vec["block"], f"vectorized {vec['field']}[{vec['asset']}]", detail, ratio)
        if self.rails[p] is not None:
            block, kind, asset, detail = self.rails[p]
            return Outcome(kind, block, f"weights[{asset}]" if asset >= 0 else "weights", detail, ratio)
        return Outcome("pass", None, "", "", ratio)


def _padded(rows: np.ndarray, count: int) -> np.ndarray:
    """rows (T+1, n) extended to count rows by repeating the last one."""
    extra = count - len(rows)
    return rows if extra <= 0 else np.vstack([rows, np.repeat(rows[-1:], extra, axis=0)])


@guarded
def run_fuzz_chunk(chunk: FuzzChunk) -> list[Outcome]:
    """One Outcome per example of the chunk, in order."""
    from parity.harness.mapping import state_map_for, to_wei

    exs = chunk.examples
    ex0 = exs[0]
    pool, fp = _pool_and_fingerprint(ex0)
    smap = state_map_for(pool.chain_rule)
    wei = [[[to_wei(x) for x in row] for row in e.prices.tolist()] for e in exs]
    dec = [np.array([[v / 10**18 for v in row] for row in w], dtype=np.float64) for w in wei]
    starts = _starts(pool, exs, fp, wei, dec, smap)
    fpm = starts[0].mapped.fingerprint
    P, pad_p = len(exs), max(chunk.pad_pools, len(exs))
    lanes = starts + [starts[0]] * (pad_p - P)
    stacked = np.stack([_padded(d, chunk.pad_blocks + 1) for d in dec + [dec[0]] * (pad_p - P)])
    (states, weights), vec = jax_trajectories(pool, lanes, [None] * pad_p, fpm, stacked, smap, chunk.vectorized_check)
    states, weights = {k: v[:, :P] for k, v in states.items()}, weights[:, :P]
    errors = FuzzErrors(exs, starts, smap, dec, chunk.tolerances, pool.chain_rule)
    session = ChainSession(pool.chain_rule, starts, smap, ex0.n, P, ex0.rule, artifact=chunk.artifact)
    session.initialise(errors)
    _step_all(session, errors, wei, states, weights, ex0.settings.chunk_period)
    if vec is not None:
        errors.add_vectorized({k: v[:, :P] for k, v in vec[0].items()}, vec[1][:, :P], states, weights)
    return [errors.outcome(p, weights[:, p]) for p in range(P)]


def _step_all(session, errors, wei, states, weights, chunk_period: int) -> None:
    """Every block of every live pool; a pool leaves the batch after its own last block."""
    horizons = [len(w) - 1 for w in wei]
    pending, first = [], 1
    last = max(horizons)
    for k in range(1, last + 1):
        for i, h in enumerate(horizons):
            if h < k:
                session.alive[i] = False
        rows = {i: wei[i][k] for i in np.nonzero(session.alive)[0]}
        pending.append(session.update(k, rows, chunk_period, errors))
        if len(pending) == FLUSH_BLOCKS or k == last:
            block_arr = np.stack([p[0] for p in pending])
            alive = np.stack([p[1] for p in pending])
            rows_slice = slice(first - 1, k)
            errors.add(first, block_arr, alive, session.layout, {f: s[rows_slice] for f, s in states.items()},
                       weights[rows_slice])
            pending, first = [], k + 1


def _pool_and_fingerprint(example):
    from parity.fuzz.examples import check_parameters

    pool, fp, _ = check_parameters(example.rule, example.params, example.settings)
    return pool, fp


_MAPPED: dict = {}


def _starts(pool, examples, fp, wei, dec, smap) -> list:
    """pool_start of every example, mapping each distinct parameter set once per process."""
    import json

    from parity.fuzz.examples import _plain
    from parity.harness.mapping import map_parameters

    out = []
    for e, w, d in zip(examples, wei, dec):
        key = (e.rule, json.dumps(_plain(e.params), sort_keys=True), fp)
        if key not in _MAPPED:
            if len(_MAPPED) > 10_000:
                _MAPPED.clear()
            _MAPPED[key] = map_parameters(pool, e.params, fp)
        out.append(pool_start(pool, e.params, fp, w[0], d[0], smap, mapped=_MAPPED[key]))
    return out
