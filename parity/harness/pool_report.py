"""Pool-level additions to the report (JSON section and summary lines); nothing here at rule level."""

from __future__ import annotations

from parity.harness.compare import json_float

FINE_MEANING = ("fine_<j>: getNormalizedWeights() at the j-th of K times spread over [update + 1 s, next update − 1 s]; "
                "fine_rail: at the rail time lastInterp clamped into that range; pool_weights / multipliers: the "
                "pool's stored W and M (multiples of 1e-9); last_update / last_interp: seconds")


def pool_json(result) -> dict:
    """The `pool_level` section: what was sampled when, the boundary notes, gas of each performUpdate."""
    notes = [{k: (json_float(v) if isinstance(v, float) else v) for k, v in note.items()} for note in result.excused]
    gas = result.pool.get("gas", [])
    scenario = {"stale_oracles": {"rate": result.pool["stale_oracles"], "seed": result.pool.get("stale_seed", 0),
                                  "expected_reverts": result.pool.get("expected_reverts", [])}} \
        if result.pool.get("stale_oracles") else {}
    return {
        **scenario,
        "fields": FINE_MEANING,
        "samples_per_interval": result.pool.get("samples_per_interval"),
        "update_jitter": result.pool.get("update_jitter"),
        "jitter_seed": result.pool.get("jitter_seed"),
        "sample_times": result.pool.get("sample_times", []),
        "perform_update_gas": {"per_block": gas, "mean": (sum(gas) / len(gas)) if gas else None},
        "boundary_notes": [n for n in notes if "explanation" in n],
        "excused_elements": [n for n in notes if "explanation" not in n],
        **({"not_compared_with_jax": result.pool["uncomparable"]} if result.pool.get("uncomparable") else {}),
    }


def pool_summary_lines(result) -> list[str]:
    """Summary lines: the boundary notes (named and explained) and the mean performUpdate gas."""
    lines = []
    if result.pool.get("uncomparable"):
        lines.append(f"  pool fields not compared with JAX: {result.pool['uncomparable']}")
    explained = [n for n in result.excused if "explanation" in n]
    if explained:
        counts = {}
        for n in explained:
            counts[n["field"]] = counts.get(n["field"], 0) + 1
        per_field = ", ".join(f"{f} {c}" for f, c in counts.items())
        lines.append(f"  {len(explained)} truncation-boundary notes, not counted as divergences ({per_field}); "
                     "all in the JSON report (pool_level.boundary_notes). First:")
        n = explained[0]
        lines.append(f"    block {n['block']} {n['field']}[{n['asset']}]: {n['explanation']}")
    if result.pool.get("stale_oracles"):
        reverts = result.pool.get("expected_reverts", [])
        at = f" (blocks {', '.join(str(r['block']) for r in reverts[:10])}{', …' if len(reverts) > 10 else ''})" if reverts else ""
        lines.append(f"  stale oracles (rate {result.pool['stale_oracles']:g}, seed {result.pool.get('stale_seed', 0)}): "
                     f"{len(reverts)} updates reverted on every side with 'No fresh oracle values available'{at}")
    gas = result.pool.get("gas", [])
    if gas:
        lines.append(f"  performUpdate gas: mean {sum(gas) / len(gas):,.0f} over {len(gas)} updates")
    return lines + stack_lines(result.artifact_info.get("stack"))


def stack_lines(stack: dict | None) -> list[str]:
    """One line per deployed role: runner, pool, rule, vault, the harness's driver and the oracles (name,
    every address, source)."""
    if not stack:
        return []
    lines = ["  deployed:"]
    for role in ("runner", "pool", "rule", "vault", "driver", "oracle"):
        d = stack.get(role)
        if not d:
            continue
        address = d["address"]
        if role == "oracle":  # per asset: primary, then backups
            address = "; ".join(f"asset {i}: {', '.join(per)}" for i, per in enumerate(address))
        lines.append(f"    {role:<6} {d['contract']} at {address} ({d['source']})")
    return lines
