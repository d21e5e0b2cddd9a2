"""PNG plot of divergence per block and field (log scale), with each field's tolerance."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from parity.harness.driver import LockstepResult


def plot_report(result: LockstepResult, path) -> Path:
    """Max-over-assets scaled error per block, one line per field, tolerance dashed; marks the first
    divergence and a revert. Uses the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    blocks = np.asarray(result.block_ids)
    floor = 1e-20  # exact agreement is drawn at the floor of the log axis
    excused = _excused(result)
    for i, (name, e) in enumerate(result.errors.items()):
        color = f"C{i}" if i < 10 else plt.cm.tab20b(2 * (i - 10) % 20)
        scaled = np.where(excused[name], 0.0, e.scaled) if name in excused else e.scaled
        y = np.maximum(np.where(np.isfinite(scaled), scaled, 1e3).max(axis=1), floor)
        ax.plot(blocks, y, color=color, lw=1.2, label=f"{name}")
        ax.axhline(max(e.tolerance, floor), color=color, ls="--", lw=0.8, alpha=0.7)
    if result.burn_in and result.burn_in_mode == "replay" and len(blocks):
        ax.axvspan(blocks[0] - 0.5, result.burn_in + 0.5, color="0.9", label="burn-in (not counted)")
    for k in sorted({n["block"] for n in result.excused if "explanation" in n}):
        ax.axvline(k, color="0.6", lw=0.8, ls=":")
    if result.excused:
        ax.plot([], [], color="0.6", ls=":", label="truncation-boundary note (those elements not counted, not drawn)")
    d = result.first_divergence
    if d is not None:
        ax.axvline(d.block, color="red", lw=1, label=f"first divergence: block {d.block} {d.field}[{d.asset}]")
    if result.revert is not None:
        ax.axvline(result.revert.block, color="black", lw=1.5, label=f"revert at block {result.revert.block}: {result.revert.reason}")
    if result.model_mismatch is not None:
        ax.axvline(result.model_mismatch.block, color="purple", lw=1.5, ls=":", label=f"chain ≠ model at block {result.model_mismatch.block}")
    ax.set_yscale("log")
    ax.set_xlabel("update block")
    ax.set_ylabel("scaled error |jax − chain| / scale (max over assets)")
    level = ", pool level" if result.level == "pool" else ""
    ax.set_title(f"{result.rule} ({result.contract}) n={result.n_assets}, {result.backend}, {result.mode}{level}: {result.status}")
    ax.legend(fontsize=7, loc="best")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    from parity.io import atomic_path

    try:
        with atomic_path(path) as tmp:  # written whole or not at all
            fig.savefig(tmp, format=path.suffix.lstrip(".").lower() or None)
    finally:
        plt.close(fig)
    return path


def _excused(result) -> dict:
    """field -> bool mask of the elements a boundary note excuses (pool level; empty at rule level)."""
    if not result.excused:
        return {}
    from parity.harness.lockstep.session import excused_masks

    return excused_masks(result)
