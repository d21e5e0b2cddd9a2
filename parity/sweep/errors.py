"""Scaled errors of a chunk, accumulated a window of blocks at a time, and its results rows.

The measures, scales and default tolerances are parity.harness.compare's (as `parity verify`): scaled error
= |jax − chain| / scale per field and asset, an element diverges when scaled > tolerance. Chain values are
decoded from the raw batch output with numpy (float64 of the exact integer, within a couple of ulp), which
locates the worst element and the first divergence; the values reported there are recomputed exactly from
the integer (`compare.wei_error`), as `parity verify` reports them.
"""

from __future__ import annotations

import math

import numpy as np

from parity.harness import compare as cmp
from parity.harness.mapping import wei_error
from parity.sweep import chainbatch as cb

VERDICTS = ("parity", "divergence", "revert", "model_mismatch")


def row_head(v, blocks: int) -> dict:
    """The columns of a results row that name the verification: rule, parameter set, price case, blocks."""
    return {
        "id": v.id,
        "rule": v.rule,
        "entry": v.entry,
        "set": v.set_index,
        "params": v.params,
        "series": v.case.series,
        "window": list(v.case.window),
        "n": v.case.n,
        "blocks": blocks,
    }


class ChunkErrors:
    """Per-pool worst scaled error per field, first divergence, reverts and integer-model mismatches."""

    def __init__(self, verifications, starts, smap, price_dec: np.ndarray, blocks: int, overrides: dict, contract: str):
        self.vs, self.P, self.blocks = verifications, len(verifications), blocks
        self._init_errors(starts, smap, [price_dec] * self.P, [blocks] * self.P, overrides, contract)
        self.vectorized: list | None = None  # per pool {"worst", "first_divergence"} (add_vectorized)

    def _init_errors(self, starts, smap, price_decs: list, horizons: list, overrides: dict, contract: str) -> None:
        """The compared fields, each pool's scales and tolerances (from its own prices and horizon, as
        `parity verify` takes them), and empty accumulators."""
        n = price_decs[0].shape[1]
        self.fields = list(smap.keys) + ["weights"]
        kinds = {f.key: f.kind for f in smap.fields}
        kinds["weights"] = "weights"
        self.scale = {f: np.zeros((self.P, n)) for f in self.fields}
        self.tol = {f: np.zeros(self.P) for f in self.fields}
        for p, (s, prices, blocks) in enumerate(zip(starts, price_decs, horizons)):
            cp = s.mapped.chain_params
            lamb = np.asarray(cp.get("lamb", [0.0]), dtype=np.float64)
            defaults = cmp.tolerances_for_run(cp, prices, blocks, contract)
            scales = cmp.field_scales(prices, lamb)
            for f in self.fields:
                self.tol[f][p] = float(overrides.get(f, overrides.get(kinds[f], defaults[kinds[f]])))
                self.scale[f][p] = scales[kinds[f]]
        self.worst_approx = {f: np.full(self.P, -1.0) for f in self.fields}
        self.worst = {f: [None] * self.P for f in self.fields}
        self.first: list = [None] * self.P
        self.compared = np.zeros(self.P, dtype=np.int64)
        self.reverts: dict = {}
        self.mismatches: dict = {}

    # -- events from the chain session --
    def revert(self, pool: int, block: int, reason: str) -> None:
        self.reverts[pool] = {"block": block, "reason": reason}

    def revert_reason(self, pool: int) -> str | None:
        r = self.reverts.get(pool)
        return None if r is None else r["reason"]

    def model_mismatch(self, pool: int, block: int, what: str, chain_value: str, model_value: str) -> None:
        self.mismatches[pool] = {"block": block, "what": what, "chain": chain_value, "model": model_value}

    # -- a window of blocks --
    def add(self, first_block: int, out: np.ndarray, alive: np.ndarray, layout: cb.Layout, states: dict, weights: np.ndarray) -> None:
        """out (B, P, size) raw output slices, alive (B, P), JAX states/weights (B, P, n) for blocks first_block.."""
        self.compared += alive.sum(axis=0)
        decoded = {}
        for f in self.fields:
            at, packed = (layout.weights, False) if f == "weights" else layout.fields[f]
            hi, lo = cb.decode_field(out, at, packed, layout.n)
            jax_v = weights if f == "weights" else states[f]
            scaled = cb.wei_diff(jax_v, hi, lo) / 1e18 / self.scale[f][None]
            scaled = np.where(np.isnan(scaled), np.inf, scaled)
            scaled = np.where(alive[:, :, None], scaled, -1.0)
            decoded[f] = (hi, lo, jax_v, scaled)
            self._update_worst(f, first_block, decoded[f])
        self._update_first(first_block, decoded)

    def _exact(self, f: str, block0: int, data, b: int, p: int, a: int) -> cmp.Divergence:
        hi, lo, jax_v, _ = data
        c = cb.exact_int(hi[b, p, a], lo[b, p, a])
        x = float(jax_v[b, p, a])
        wei = wei_error(x, c) if math.isfinite(x) else math.inf
        abs_err = wei / 1e18
        rel = abs_err / abs(c / 1e18) if c != 0 else (0.0 if abs_err == 0 else math.inf)
        return cmp.Divergence(block0 + b, f, a, x, c, abs_err, rel, wei, abs_err / self.scale[f][p, a], float(self.tol[f][p]))

    def _update_worst(self, f: str, block0: int, data) -> None:
        scaled = data[3]
        B, P, n = scaled.shape
        flat = scaled.transpose(1, 0, 2).reshape(P, B * n)
        idx = np.argmax(flat, axis=1)
        best = flat[np.arange(P), idx]
        for p in np.nonzero(best > self.worst_approx[f])[0]:
            b, a = divmod(int(idx[p]), n)
            self.worst_approx[f][p] = best[p]
            self.worst[f][p] = self._exact(f, block0, data, b, int(p), a)

    def _update_first(self, block0: int, decoded: dict) -> None:
        fails = {f: (d[3] > self.tol[f][None, :, None]) for f, d in decoded.items()}  # (B, P, n)
        any_row = np.zeros(next(iter(fails.values())).shape[:2], dtype=bool)
        for fl in fails.values():
            any_row |= fl.any(axis=2)
        for p in np.nonzero(any_row.any(axis=0))[0]:
            if self.first[p] is not None:
                continue
            b = int(np.argmax(any_row[:, p]))
            best = None
            for f, fl in fails.items():
                ratio = np.where(fl[b, p], decoded[f][3][b, p] / max(self.tol[f][p], 1e-300), -1.0)
                a = int(np.argmax(ratio))
                if ratio[a] >= 0 and (best is None or ratio[a] > best[0]):
                    best = (ratio[a], f, a)
            self.first[p] = self._exact(best[1], block0, decoded[best[1]], b, int(p), best[2])

    def add_vectorized(self, vec_states: dict, vec_weights: np.ndarray, states: dict, weights: np.ndarray) -> None:
        """Vectorized path vs scan path (floats) over each pool's compared blocks: worst scaled error per field
        and the first block beyond tolerance."""
        T = vec_weights.shape[0]
        counted = np.arange(T)[:, None] < self.compared[None, :]  # (T, P): blocks before a revert
        self.vectorized = [{"worst": {}, "first_divergence": None} for _ in range(self.P)]
        for f in self.fields:
            v, s = (vec_weights, weights) if f == "weights" else (vec_states.get(f), states[f])
            if v is None or v.shape != s.shape:
                continue
            scaled = np.abs(v - s) / self.scale[f][None]
            scaled = np.where(np.isnan(scaled), np.inf, scaled)
            scaled = np.where(counted[:, :, None], scaled, -1.0)
            fail = (scaled > self.tol[f][None, :, None]).any(axis=2)
            for p in range(self.P):
                if self.compared[p]:
                    self.vectorized[p]["worst"][f] = float(scaled[:, p].max())
                if fail[:, p].any():
                    b = int(np.argmax(fail[:, p]))
                    a = int(np.argmax(scaled[b, p]))
                    old = self.vectorized[p]["first_divergence"]
                    if old is None or b + 1 < old["block"]:
                        self.vectorized[p]["first_divergence"] = {"block": b + 1, "field": f, "asset": a,
                                                                  "scaled": cmp.json_float(scaled[b, p, a]), "tolerance": float(self.tol[f][p])}

    # -- results --
    def verdict(self, p: int) -> str:
        if p in self.mismatches:
            return "model_mismatch"
        if p in self.reverts:
            return "revert"
        if self.first[p] is not None:
            return "divergence"
        if self.vectorized is not None and self.vectorized[p]["first_divergence"] is not None:
            return "divergence"
        return "parity"

    def rows(self, session) -> list[dict]:
        out = []
        for p, v in enumerate(self.vs):
            worst = {}
            for f in self.fields:
                d = self.worst[f][p]
                if d is not None:
                    worst[f] = {**d.to_json(), "ratio": cmp.json_float(d.scaled / d.tolerance if d.tolerance else math.inf)}
            sampled = p in session.sampled
            out.append({
                **row_head(v, self.blocks),
                "blocks_compared": int(self.compared[p]),
                "verdict": self.verdict(p),
                "worst": worst,
                "first_divergence": None if self.first[p] is None else self.first[p].to_json(),
                "revert": self.reverts.get(p),
                "model_blocks": session.model_blocks.get(p, 0) if sampled else None,
                "model_mismatch": self.mismatches.get(p),
                "vectorized": None if self.vectorized is None else self.vectorized[p],
                "perturb_jax": v.perturb,
            })
        return out
