"""The audit's own part of the report: one row per update (block, time, late by, oracle path, outcome), the
other state changes, the registrations, the drift; as the `audit` JSON section and summary lines."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from parity.audit.discover import KINDS
from parity.audit.history import AuditHistory
from parity.audit.read import oracle_paths
from parity.harness import compare as cmp

MAX_PRINTED_ROWS = 60  # longer audits print the notable rows only (every row is in the JSON report)


def _utc(t: int) -> str:
    return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _model_outcome(field: str, asset: int, k: int) -> str:
    if field.startswith("gap_"):
        return (f"chain != model: the state changed after update {k - 1} without an event that explains it "
                f"({field}[{asset}])")
    if field == "revert":
        return "chain != model: the integer model reverts here"
    if field == "events":
        return "chain != model: the update's events differ"
    return f"chain != model at {field}[{asset}]"


def model_outcomes(result, chain, model, count: int) -> dict:
    """k -> None (exact) or what differs: the session's first mismatch, then every later update checked on its
    own (each starts from the chain's state, so one bad update does not taint the next)."""
    mm = result.model_mismatch
    out = {k: None for k in range(1, count + 1)}
    if mm is None:
        return out
    out[mm.block] = _model_outcome(mm.field, mm.asset, mm.block)
    for k in range(mm.block + 1, count + 1):
        try:
            values = model.values(k)
        except Exception:  # the model reverts where the chain did not
            out[k] = _model_outcome("revert", -1, k)
            continue
        diff = cmp.exact_mismatch(chain.values(k), values)
        out[k] = None if diff is None else _model_outcome(diff[0], diff[1], k)
    return out


def jax_outcomes(result) -> dict:
    """k -> None (within tolerance) or the first field beyond it."""
    from parity.harness.lockstep.session import excused_masks

    excused = excused_masks(result)
    out = {}
    for row, k in enumerate(result.block_ids):
        out[k] = None
        for f, e in result.errors.items():
            over = e.scaled[row] > e.tolerance
            if f in excused:
                over &= ~excused[f][row]
            if np.any(over):
                a = int(np.argmax(over))
                out[k] = f"JAX beyond tolerance at {f}[{a}] (scaled {e.scaled[row, a]:.3g} > {e.tolerance:.3g})"
                break
    return out


def update_rows(h: AuditHistory, result, sides, model_side, pre_states: list) -> list[dict]:
    """One row per update (see the module docstring)."""
    model = model_outcomes(result, sides.chain, model_side, len(h.updates))
    jax = jax_outcomes(result)
    notes = {n["block"] for n in result.excused if "explanation" in n}
    rows = []
    for u, pre in zip(h.updates, pre_states):
        e = h.epoch_of(u)
        late = None if pre.last_run == 0 else u.timestamp - (pre.last_run + e.interval)
        outcome = model[u.k] or jax.get(u.k) or ("ok (a truncation-boundary note)" if u.k in notes else "ok")
        checked = "exact" if sides.model is not None else "not checked"
        rows.append({"update": u.k, "block": u.block, "time": u.timestamp, "late_by": late, "runner": e.runner,
                     "caller": u.caller, "tx": u.tx, "oracle_path": oracle_paths(h, u),
                     "oracle_read_at": list(u.oracle_sources), "model": model[u.k] or checked,
                     "jax": jax.get(u.k) or "within tolerance", "outcome": outcome})
    return rows


def intervention_rows(h: AuditHistory) -> list[dict]:
    return [{"block": i.block, "time": i.timestamp, "tx": i.tx, "kind": i.kind,
             "what": " + ".join(KINDS.get(k, k) for k in i.kind.split(" + ")),
             "events": [f"{e.role}.{e.name}" for e in i.events]} for i in h.interventions]


def _path_text(paths: list[str]) -> str:
    if len(set(paths)) == 1:
        return paths[0] if paths[0] == "primary" else f"every asset: {paths[0]}"
    return "; ".join(f"asset {i}: {p}" for i, p in enumerate(paths) if p != "primary")


def change_lines(changes: list[dict]) -> list[str]:
    """One line per other state change; a run of the same kind in consecutive blocks is one line."""
    runs: list[list[dict]] = []
    for c in changes:
        if runs and runs[-1][-1]["kind"] == c["kind"] and c["block"] - runs[-1][-1]["block"] <= 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    lines = []
    for run in runs:
        c = run[0]
        where = f"block {c['block']}" if len(run) == 1 else f"blocks {c['block']}..{run[-1]['block']}"
        times = f" ×{len(run)}" if len(run) > 1 else ""
        lines.append(f"    {where} ({_utc(c['time'])}): {c['kind']}{times}: {c['what']}")
    return lines


def row_lines(rows: list[dict]) -> list[str]:
    notable = [r for r in rows if not r["outcome"].startswith("ok") or (r["late_by"] or 0) > 0
               or _path_text(r["oracle_path"]) != "primary"]
    shown = rows if len(rows) <= MAX_PRINTED_ROWS else notable
    lines = [f"  {'update':>6} {'block':>9}  {'time (UTC)':<19} {'late by':>8}  {'oracle path':<34} outcome"]
    for r in shown:
        late = "first" if r["late_by"] is None else f"{r['late_by']} s"
        lines.append(f"  {r['update']:>6} {r['block']:>9}  {_utc(r['time']):<19} {late:>8}  "
                     f"{_path_text(r['oracle_path']):<34} {r['outcome']}")
    if len(shown) < len(rows):
        lines.append(f"  ({len(rows) - len(shown)} on-time updates from the primary oracles, all ok, not printed; "
                     "every row is in the JSON report, audit.rows)")
    return lines


def summary_lines(h: AuditHistory, rows: list[dict], changes: list[dict], drift) -> list[str]:
    late = [r["late_by"] for r in rows if r["late_by"]]
    backups = sum(1 for r in rows if any(p.startswith("backup") for p in r["oracle_path"]))
    lines = [f"  audited pool {h.pool} on chain {h.chain_id}, blocks {h.from_block}..{h.to_block} ({h.source}): "
             f"{len(rows)} updates"]
    for e in h.epochs:
        lines.append(f"    runner {e.runner} from block {e.first_block}: rule {e.rule_name} at {e.rule_address}, "
                     f"interval {e.interval} s, {len(e.oracles[0])} oracle(s) for asset 0")
    failing = next((r for r in rows if not r["outcome"].startswith("ok")), None)
    if failing is not None:  # the lockstep's "block k" above counts updates; name the chain's block too
        lines.append(f"  first failing update: {failing['update']} of {len(rows)}, chain block {failing['block']} "
                     f"({_utc(failing['time'])}), tx {failing['tx']}: {failing['outcome']}")
    if "unreadable" in h.pool_settings:
        lines.append(f"  the pool's own settings: unreadable ({h.pool_settings['unreadable']})")
    else:
        diff = h.settings_differences()
        lines.append("  the pool's own settings (λ, ε, g, parameters, interval, staleness) " + (
            "differ from its runner's, which the updates use: " + "; ".join(diff) if diff else "equal its runner's"))
    lines.append(f"  late updates: {len(late)}" + (f" (at most {max(late)} s late)" if late else "")
                 + f"; updates that read a backup oracle: {backups}")
    lines.append(f"  other state changes: {len(changes)} (not updates; each one's effect is checked through its events)")
    lines += change_lines(changes)
    lines += row_lines(rows)
    if drift is not None:
        from parity.drift import format_table

        lines += ["  " + line for line in format_table(drift, "drift over the range (idealised backtest on the prices the "
                                                               "pool read vs the pool's realised weights):").splitlines()]
    return lines


def decorate(result, h: AuditHistory, sides, plan, inputs, model_side) -> None:
    """Add the audit's rows, other state changes and drift to the result (its `audit` section and summary)."""
    from parity.audit.drift import audit_drift

    rows = update_rows(h, result, sides, model_side, sides.jax.pre_states)
    changes = intervention_rows(h)
    drift = audit_drift(h, plan, inputs, sides.jax.pre_states)
    result.sections["audit"] = {
        "pool": h.pool, "chain_id": h.chain_id, "from_block": h.from_block, "to_block": h.to_block, "source": h.source,
        "epochs": [e.to_json() for e in h.epochs], "pool_settings": h.pool_settings,
        "pool_settings_differ": h.settings_differences(), "rows": rows, "other_state_changes": changes,
        "drift": None if drift is None else drift.to_dict(),
        "fields": ("fine_0 / fine_rail: getNormalizedWeights() at the middle and the last block of the quiet span after "
                   "the update (before the next update or other state change); gap_*: the state at b − 1 against the "
                   "state at the previous update's block moved along the events in between"),
    }
    result.summary_lines = summary_lines(h, rows, changes, drift)
