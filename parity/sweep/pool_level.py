"""`level = "pool"` in a sweep: every verification runs `parity verify --level pool`'s lockstep (runner +
pool + rule + oracles on revm against the JAX production loop and the ProductionModel), one pool at a time.

Unlike the rule level this is not batched: one `performUpdate` transaction per pool and block, the exact
model on every pool (`model_sample = 0` turns it off), the vectorized cross-check as `parity verify`. The
spec's `stack` table deploys the user's contracts (as --artifacts / --contracts). Its rows hold the same
keys as the rule level's, computed by the same report code as `parity verify`, so a row equals that verify
run's report.
"""

from __future__ import annotations

import math

from parity.catalogue import with_defaults
from parity.float64 import guarded
from parity.sweep.errors import row_head
from parity.sweep.spec import make_fingerprint


def _worst(report: dict) -> dict:
    out = {}
    for field, d in report["worst"].items():
        if d is not None:
            tol = d.get("tolerance")
            ratio = d["scaled"] / tol if tol else (0.0 if d["scaled"] == 0 else math.inf)  # exact fields: tol 0
            out[field] = {**d, "ratio": ratio}
    return out


def _row(v, blocks: int, report: dict) -> dict:
    mm = report["model_check"]["mismatch"]
    first = report["first_divergence"]
    revert = report["revert"]
    return {
        **row_head(v, blocks),
        "blocks_compared": report["blocks_compared"],
        "verdict": report["status"],
        "worst": _worst(report),
        "first_divergence": first and {k: x for k, x in first.items() if k != "state"},
        "revert": None if revert is None else {"block": revert["block"], "reason": revert["reason"]},
        "model_blocks": report["model_check"]["blocks_checked"] if report["model_check"]["enabled"] else None,
        "model_mismatch": None if mm is None else {"block": mm["block"], "what": mm["field"],
                                                   "chain": mm["chain_value"], "model": mm["model_value"]},
        "vectorized": report["vectorized"],
        "perturb_jax": v.perturb,
    }


@guarded
def run_pool_chunk(chunk) -> list[dict]:
    """One results row per verification of the chunk, each a pool-level lockstep on a fresh revm chain."""
    from parity.chain import make_chain
    from parity.harness.driver import run_pool_lockstep
    from parity.harness.report import to_dict
    from parity.pools import create_pool
    from parity.sweep.spec import stack_for

    rows, stacks = [], {}
    profile = chunk.stack.get("compiler_profile", "legacy")
    for v in chunk.verifications:
        if v.rule not in stacks:
            stacks[v.rule] = stack_for(chunk.stack, v.rule) if chunk.stack else None
        case = v.case
        updates = chunk.prices[:: case.chunk_period // case.interval]
        blocks = chunk.blocks or len(updates) - 1
        result = run_pool_lockstep(
            create_pool(v.rule), with_defaults(v.rule, v.params), make_fingerprint(v.rule, case, chunk.fingerprint),
            updates[: blocks + 1], make_chain("revm"), blocks=blocks, tolerances=dict(chunk.tolerances),
            model_check=chunk.model_sample > 0, vectorized_check=chunk.vectorized_check, progress=False,
            artifacts=stacks[v.rule], compiler_profile=profile,
        )
        rows.append(_row(v, blocks, to_dict(result, include_series=False)))
    return rows
