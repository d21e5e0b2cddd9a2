"""Renderings of a LockstepResult: a concise terminal summary and a JSON report.

Exact chain integers are written as decimal strings in JSON (they exceed float precision); floats as numbers
(non-finite ones as strings).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from parity.harness.compare import json_float
from parity.harness.driver import LockstepResult

REPORT_VERSION = 1


def _ints(v) -> list:
    return [str(int(x)) for x in v]


def _state_json(result: LockstepResult, block: int) -> dict | None:
    if block not in result.block_ids:
        return None
    s = result.state_at(block)
    return {
        "jax": {k: [json_float(x) for x in v] for k, v in s["jax"].items()},
        "chain": {k: _ints(v) for k, v in s["chain"].items()},
        "price": _ints(s["price"]),
    }


def _div_json(result: LockstepResult, d, with_state: bool) -> dict | None:
    if d is None:
        return None
    out = d.to_json()
    if with_state:
        out["state"] = _state_json(result, d.block)
    return out


def to_dict(result: LockstepResult, *, include_series: bool = True) -> dict:
    """The JSON-able report: verdict, settings, first divergence with both states, worst per field,
    revert, model check, vectorized cross-check and (optionally) every compared value per block."""
    m = result.mapped
    out = {
        "report_version": REPORT_VERSION,
        "status": result.status,
        "passed": result.passed,
        "rule": result.rule,
        "contract": result.contract,
        "backend": result.backend,
        "n_assets": result.n_assets,
        "mode": result.mode,
        "burn_in": result.burn_in,
        "burn_in_mode": result.burn_in_mode,
        "blocks_requested": result.blocks_requested,
        "blocks_compared": result.blocks_compared,
        "blocks_run": len(result.block_ids),
        "chunk_period_minutes": result.chunk_period,
        "parameters": {
            "float": {k: _jsonable(v) for k, v in m.chain_params.items()},
            "parameters": [_ints(r) for r in m.parameters],
            "lambdaStore": _ints(m.lambda_store),
            "epsilonMax": str(m.epsilon_max),
            "absoluteWeightGuardRail": str(m.guard_rail),
        },
        "initial": {k: (_ints(v) if isinstance(v, list) else v) for k, v in result.initial.items()},
        "tolerances": {k: float(v) for k, v in result.tolerances.items()},
        "scales": {k: [json_float(x) for x in v] for k, v in result.scales.items()},
        "tolerance_measure": "scaled error = |jax − chain| / scale (per field and asset); see parity.harness.compare",
        "first_divergence": _div_json(result, result.first_divergence, True),
        "worst": {k: _div_json(result, d, False) for k, d in result.worst.items()},
        "revert": None,
        "model_check": {
            "enabled": result.model_check,
            "blocks_checked": result.model_blocks_checked,
            "mismatch": None,
        },
        "vectorized": None,
        "contract_artifact": result.artifact_info,
        "timing": {k: json_float(v) for k, v in result.timing.items()},
    }
    if result.revert is not None:
        out["revert"] = _revert_json(result)
    if result.model_mismatch is not None:
        out["model_check"]["mismatch"] = _mismatch_json(result.model_mismatch)
    if result.vectorized is not None:
        out["vectorized"] = _vectorized_json(result.vectorized)
    if result.level == "pool":
        from parity.harness.pool_report import pool_json

        out["level"] = "pool"
        out["pool_level"] = pool_json(result)
    if include_series and result.block_ids:
        out["series"] = _series_json(result)
    out.update(result.sections)
    return out


def _revert_json(result: LockstepResult) -> dict:
    r = result.revert
    return {
        "block": r.block,
        "function": r.function,
        "reason": r.reason,
        # our contracts follow V1 on every input (docs/malformed-inputs.md); unknown for an attached contract
        "production_reason": r.reason if _own_build(result) else None,
        "model_reason": r.model_reason,
        "backend": r.backend,
        "chain_block": r.chain_block,
        "inputs": r.inputs,
        "jax_weights": r.jax_weights,
        "state_before": _state_json(result, r.block - 1),
    }


def _mismatch_json(mm) -> dict:
    return {
        "block": mm.block,
        "field": mm.field,
        "asset": mm.asset,
        "chain_value": _jsonable(mm.chain_value),
        "model_value": _jsonable(mm.model_value),
        "chain_state": {k: _jsonable(v) for k, v in mm.chain_state.items()},
        "model_state": {k: _jsonable(v) for k, v in mm.model_state.items()},
        "meaning": "the chain and the exact integer model disagree: one of the two is wrong (both values above)",
    }


def _vectorized_json(v: dict) -> dict:
    if "skipped" in v:
        return {"skipped": v["skipped"]}
    return {
        "compared_with": "scan path (independent trajectory)",
        "first_divergence": v["first_divergence"].to_json() if v["first_divergence"] else None,
        "worst": {k: d.to_json() for k, d in v["worst"].items()},
    }


def _series_json(result: LockstepResult) -> dict:
    """Every compared value per block (both sides) and the largest scaled error per block and field."""
    return {
        "block": list(result.block_ids),
        "burn_in": [bool(x) for x in result.burn_in_rows],
        "chain_block": list(result.chain_blocks),
        "timestamp": list(result.timestamps),
        "price": [_ints(p) for p in result.prices_wei],
        "jax": {k: [[json_float(x) for x in row] for row in v] for k, v in result.jax.items()},
        "chain": {k: [_ints(row) for row in v] for k, v in result.chain.items()},
        "max_scaled_error": {k: [json_float(x) for x in e.scaled.max(axis=1)] for k, e in result.errors.items()},
    }


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v)) if abs(int(v)) > 2**53 else int(v)
    if isinstance(v, (float, np.floating)):
        return json_float(v)
    if hasattr(v, "tolist"):
        return _jsonable(np.asarray(v).tolist())
    return v


def write_json(result: LockstepResult, path, *, include_series: bool = True) -> Path:
    """Write the JSON report (sorted keys, deterministic)."""
    from parity.io import write_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, json.dumps(to_dict(result, include_series=include_series), indent=1, sort_keys=True) + "\n")


def _fmt_div(d) -> str:
    if isinstance(d.chain_value, int):
        values = f"jax {d.jax_value:.17g} vs chain {d.chain_value} ({d.chain_value / 1e18:.17g})"
    else:
        values = f"vectorized {d.jax_value:.17g} vs scan {d.chain_value:.17g}"
    return (
        f"block {d.block}, {d.field}[{d.asset}]: {values}; abs {d.abs:.3g}, rel {d.rel:.3g}, {d.wei:.3g} wei, "
        f"scaled {d.scaled:.3g} > tol {d.tolerance:.3g}"
    )


def _own_build(result: LockstepResult) -> bool:
    """Whether the run deployed this project's compiled rule (not a contract attached by address)."""
    return "source_hash" in result.artifact_info


def summary(result: LockstepResult) -> str:
    """A short human-readable verdict for the terminal."""
    lines = []
    head = {
        "parity": "PARITY",
        "divergence": "DIVERGENCE",
        "revert": "REVERT",
        "model_mismatch": "MODEL MISMATCH (chain != exact integer model)",
    }[result.status]
    lines.append(
        f"{head}: {result.rule} ({result.contract}) n={result.n_assets} on {result.backend}, mode {result.mode}, "
        f"{result.blocks_compared} blocks compared"
        + (f" after {result.burn_in} burn-in ({result.burn_in_mode})" if result.burn_in else "")
        + (", level pool (runner + pool + rule)" if result.level == "pool" else "")
    )
    if result.model_mismatch is not None:
        mm = result.model_mismatch
        lines.append(
            f"  chain and integer model differ at block {mm.block}, {mm.field}[{mm.asset}]: "
            f"chain {mm.chain_value} vs model {mm.model_value} (one of the two is wrong)"
        )
    if result.revert is not None:
        r = result.revert
        ours = _own_build(result)
        notes = ([f"production V1 gives the same: {result.artifact_info.get('compiler_profile', 'legacy')} build"]
                 if ours else []) + ([f"integer model: {r.model_reason!r}"] if r.model_reason is not None else [])
        lines.append(
            f"  {r.function} reverted at block {r.block} with reason {r.reason!r}"
            + (f" ({'; '.join(notes)})" if notes else "")
            + (f"; prices {[int(x) / 1e18 for x in r.inputs['data']]}" if "data" in r.inputs else "")
        )
    if result.first_divergence is not None:
        lines.append("  first divergence: " + _fmt_div(result.first_divergence))
    if result.worst:
        lines.append("  worst per field (scaled error / tolerance):")
        width = max(11, *(len(f) for f in result.worst))
        for f, d in result.worst.items():
            lines.append(
                f"    {f:<{width}} {d.scaled:9.3g} / {d.tolerance:<9.3g} at block {d.block} asset {d.asset}"
                f"  (abs {d.abs:.3g}, rel {d.rel:.3g}, {d.wei:.3g} wei)"
            )
    if result.model_check and result.model_mismatch is None and result.model_blocks_checked:
        lines.append(f"  integer model == chain exactly on {result.model_blocks_checked} blocks")
    if result.level == "pool":
        from parity.harness.pool_report import pool_summary_lines

        lines.extend(pool_summary_lines(result))
    v = result.vectorized
    if v is not None:
        if "skipped" in v:
            lines.append(f"  vectorized cross-check skipped: {v['skipped']}")
        elif v["first_divergence"] is not None:
            lines.append("  vectorized vs scan diverge: " + _fmt_div(v["first_divergence"]))
        else:
            worst = ", ".join(f"{k} {d.scaled:.2g}" for k, d in v["worst"].items())
            lines.append(f"  vectorized == scan within tolerance (worst scaled: {worst})")
    lines.extend(result.summary_lines)
    return "\n".join(lines)
