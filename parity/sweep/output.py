"""Sweep outputs: results.json, results.csv, heatmap.png (each written to a temp file, then renamed) and the
terminal summary."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from pathlib import Path

from parity.harness.compare import FIELDS
from parity.io import write_atomic

def row_fields(rows: list[dict]) -> tuple[str, ...]:
    """The compared fields of the rows: the rule fields, then any level-specific ones (pool level: stored
    weights, multipliers, times and samples) in the order they first appear."""
    extra: list[str] = []
    for r in rows:
        extra += [f for f in r["worst"] if f not in FIELDS and f not in extra]
    return (*FIELDS, *extra)


def csv_columns(fields: tuple[str, ...]) -> list[str]:
    return (["id", "rule", "set", "series", "window", "n", "blocks", "blocks_compared", "verdict", "params"]
            + [f"worst_{f}" for f in fields] + [f"ratio_{f}" for f in fields]
            + ["first_block", "first_field", "first_asset", "first_jax", "first_chain", "first_scaled", "first_tolerance",
               "revert_block", "revert_reason", "model_blocks", "model_mismatch", "vectorized", "perturb_jax"])


def _compact(x) -> str:
    return "" if x is None else json.dumps(x, sort_keys=True, separators=(",", ":"))


def csv_row(row: dict, fields: tuple[str, ...] = FIELDS) -> dict:
    first, rev = row["first_divergence"] or {}, row["revert"] or {}
    out = {k: row.get(k) for k in ("id", "rule", "set", "series", "n", "blocks", "blocks_compared", "verdict")}
    out["window"] = f"{row['window'][0]}:{row['window'][1]}"
    out["params"] = _compact(row["params"])
    for f in fields:
        w = row["worst"].get(f)
        out[f"worst_{f}"] = "" if w is None else repr(w["scaled"])
        out[f"ratio_{f}"] = "" if w is None else repr(w["ratio"])
    for key in ("block", "field", "asset", "jax_value", "chain_value", "scaled", "tolerance"):
        name = {"jax_value": "first_jax", "chain_value": "first_chain"}.get(key, f"first_{key}")
        out[name] = "" if key not in first else first[key]
    out["revert_block"], out["revert_reason"] = rev.get("block", ""), rev.get("reason", "")
    out["model_blocks"] = "" if row["model_blocks"] is None else row["model_blocks"]
    out["model_mismatch"] = _compact(row["model_mismatch"])
    out["vectorized"] = _compact(row["vectorized"])
    out["perturb_jax"] = _compact(row["perturb_jax"])
    return out


def csv_bytes(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    fields = row_fields(rows)
    w = csv.DictWriter(buf, fieldnames=csv_columns(fields), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(csv_row(r, fields))
    return buf.getvalue().encode()


def json_bytes(rows: list[dict], meta: dict) -> bytes:
    return (json.dumps({"format": "parity-sweep", "format_version": 1, **meta, "rows": rows}, sort_keys=True, indent=1) + "\n").encode()


def _scalar(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], (int, float)):
        return float(v[0])
    return None


def heatmap_cells(rows: list[dict], x: str, y: str, field: str) -> dict:
    """rule -> {(x, y): worst scaled error of `field` (max over the rows at that point), diverged?}."""
    cells: dict = {}
    for r in rows:
        xv, yv = _scalar(r["params"].get(x)), _scalar(r["params"].get(y))
        if xv is None or yv is None:
            continue
        w = r["worst"].get(field)
        value = math.inf if r["verdict"] != "parity" and w is None else (float(w["scaled"]) if w else math.nan)
        cell = cells.setdefault(r["rule"], {}).setdefault((xv, yv), [-math.inf, False])
        cell[0] = max(cell[0], value)
        cell[1] = cell[1] or r["verdict"] != "parity"
    return cells


def heatmap_png(rows: list[dict], x: str, y: str, field: str) -> bytes | None:
    """A PNG: one panel per rule, log10 of the worst scaled error of `field` over the (x, y) grid; diverged
    cells are marked ×. None when no row has scalar values for both axes."""
    cells = heatmap_cells(rows, x, y, field)
    if not cells:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(cells), figsize=(4.2 * len(cells), 3.6), squeeze=False)
    for ax, (rule, pts) in zip(axes[0], sorted(cells.items())):
        xs, ys = sorted({p[0] for p in pts}), sorted({p[1] for p in pts})
        grid = np.full((len(ys), len(xs)), np.nan)
        for (xv, yv), (v, _) in pts.items():
            grid[ys.index(yv), xs.index(xv)] = np.log10(max(v, 1e-30)) if math.isfinite(v) else np.nan
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for (xv, yv), (_, bad) in pts.items():
            if bad:
                ax.text(xs.index(xv), ys.index(yv), "×", ha="center", va="center", color="red", fontsize=14)
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs], rotation=45, fontsize=7)
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys], fontsize=7)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(rule, fontsize=9)
        fig.colorbar(im, ax=ax, label=f"log10 worst scaled error ({field})")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


OUTPUT_FILES = ("results.json", "results.csv", "heatmap.png")


def write_outputs(out_dir: Path, rows: list[dict], meta: dict, heatmap: dict) -> dict:
    """results.json, results.csv and (when two parameter axes exist) heatmap.png; returns {kind: path}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "results.json", "csv": out_dir / "results.csv"}
    write_atomic(paths["json"], json_bytes(rows, meta))
    write_atomic(paths["csv"], csv_bytes(rows))
    if heatmap.get("x") and heatmap.get("y"):
        png = heatmap_png(rows, heatmap["x"], heatmap["y"], heatmap.get("field", "weights"))
        if png is not None:
            paths["heatmap"] = out_dir / "heatmap.png"
            write_atomic(paths["heatmap"], png)
    return paths


def summary(rows: list[dict], seconds: float, updates: int) -> str:
    """Verdict counts, the worst ratio per field and every row that did not pass (up to 20)."""
    counts = Counter(r["verdict"] for r in rows)
    bad = [r for r in rows if r["verdict"] != "parity"]
    head = "PARITY" if not bad else "DIVERGENCE"
    lines = [f"{head}: {len(rows)} verifications, " + ", ".join(f"{counts[v]} {v}" for v in sorted(counts))
             + f"; {updates} verified updates in {seconds:.1f} s ({updates / max(seconds, 1e-9):,.0f}/s)"]
    for f in row_fields(rows):
        ws = [(r["worst"][f]["ratio"], r["id"]) for r in rows if f in r["worst"] and isinstance(r["worst"][f]["ratio"], float)]
        if ws:
            ratio, rid = max(ws)
            lines.append(f"  worst {f:<10} scaled/tolerance {ratio:.3g} (row {rid})")
    for r in bad[:20]:
        if r["first_divergence"]:
            d = r["first_divergence"]
            what = f"block {d['block']} {d['field']}[{d['asset']}] scaled {d['scaled']:.3g} > tol {d['tolerance']:.3g}"
        elif r["revert"]:
            what = f"revert at block {r['revert']['block']}: {r['revert']['reason']}"
        elif r["verdict"] == "divergence":
            what = f"vectorized path ≠ scan path: {_compact(r['vectorized']['first_divergence'])}"
        else:
            what = f"chain ≠ integer model: {_compact(r['model_mismatch'])}"
        lines.append(f"  row {r['id']} {r['verdict']}: {r['rule']} {_compact(r['params'])} on {r['series']}"
                     f"[{r['window'][0]}:{r['window'][1]}] n={r['n']}: {what}")
    if len(bad) > 20:
        lines.append(f"  … and {len(bad) - 20} more (see the results table)")
    return "\n".join(lines)
