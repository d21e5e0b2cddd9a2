"""Drift report: how far a deployed pool drifts from its backtest (docs/production-loop-jax.md).

Two runs of the same rule on the same prices:

* **idealised**: what a backtest assumes. The rule's float64 coarse weights, each fed back as the next
  update's previous weights, and the fine weights interpolated linearly between them over the update
  interval (``weight_interpolation_method="linear"``);
* **production**: the production loop (``"onchain"``). Each update starts from the pool's interpolated
  weights, the pool stores W and M truncated to 9 decimals, stops at a rail and, with a delay, overshoots.

Reported: per asset the maximum and mean |w_production − w_idealised| over the price rows; the pool value
difference in basis points (both runs' zero-fee arbitrage reserves, parity.runners); and the shortfall of
the weight the pool reaches after an update interval against the rule's target.
``parity drift`` (parity.commands.drift) prints the table and writes ``--report`` JSON and a ``--plot`` PNG.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.float64 import guarded
from parity.weights import onchain


@dataclass
class DriftReport:
    """Drift of the production loop from the idealised simulator over one run (all arrays numpy)."""

    assets: list
    rows: int
    updates: int
    settings: dict
    weight_diff: np.ndarray  # (rows, n): production − idealised fine weights
    value_bp: np.ndarray  # (rows,): (V_production / V_idealised − 1)·1e4
    shortfall: np.ndarray  # (updates, n): rule target − pool weight reached one interval later (0 past the run)
    lost_moves: int  # updates where the rule moved the weights but every stored multiplier truncated to 0
    final_values: dict

    def per_asset(self) -> list:
        """[{asset, max_abs, mean_abs, final, max_shortfall, mean_shortfall}] per asset."""
        absdiff = np.abs(self.weight_diff)
        short = np.abs(self.shortfall) if self.updates else np.zeros((1, len(self.assets)))
        return [{"asset": a, "max_abs": float(absdiff[:, i].max()), "mean_abs": float(absdiff[:, i].mean()),
                 "final": float(self.weight_diff[-1, i]), "max_shortfall": float(short[:, i].max()),
                 "mean_shortfall": float(short[:, i].mean())} for i, a in enumerate(self.assets)]

    def value_summary(self) -> dict:
        """Pool value difference in basis points: final, worst (largest magnitude) with its row, mean."""
        worst = int(np.argmax(np.abs(self.value_bp)))
        return {"final_bp": float(self.value_bp[-1]), "worst_bp": float(self.value_bp[worst]), "worst_row": worst,
                "mean_bp": float(self.value_bp.mean()), **self.final_values}

    def to_dict(self) -> dict:
        """JSON-ready summary (no per-row series)."""
        return {"settings": self.settings, "rows": self.rows, "updates": self.updates, "lost_moves": self.lost_moves,
                "per_asset": self.per_asset(), "value": self.value_summary()}


def _reached_shortfall(coarse, carries, update_times, interval_s):
    """Rule target − the pool's weight one interval after each update (W + M·min(Δ, T))."""
    if carries is None:
        return np.zeros((0, np.shape(coarse)[1]))
    import jax

    reached = jax.vmap(lambda c, t: onchain.weights_at(c, t + interval_s))(carries, update_times)
    return np.asarray(coarse) - np.asarray(reached)


@guarded
def drift_report(run_fingerprint, params, prices, assets=None, start_index=0, additional_oracle_input=None) -> DriftReport:
    """Run the idealised simulator and the production loop on ``prices`` and measure their drift.

    ``run_fingerprint``: a RunFingerprint or dict; its interpolation method is replaced (linear, resp.
    onchain, both over the whole update interval) and its update delay applies to the production run only.
    """
    from parity.runners import _as_fingerprint, do_run_on_historic_data

    fp = _as_fingerprint(run_fingerprint)
    base = {**fp.to_dict(), "weight_interpolation_period": fp.chunk_period}
    ideal_fp = {**base, "weight_interpolation_method": "linear", "update_delay_seconds": 0, "update_delay_seed": 0}
    prod_fp = {**base, "weight_interpolation_method": "onchain"}
    ideal = do_run_on_historic_data(ideal_fp, params, prices, start_index, additional_oracle_input)
    prod = do_run_on_historic_data(prod_fp, params, prices, start_index, additional_oracle_input)
    n = fp.n_assets
    coarse = np.asarray(prod["coarse_weights"])
    carries = prod["pool_carries"]
    lost = 0
    if carries is not None:
        moved = np.abs(coarse - np.asarray(carries["W"])).max(axis=1) > 0  # W = the weights the update started from
        lost = int(np.sum(moved & (np.abs(np.asarray(carries["M"])).max(axis=1) == 0)))
    v_ideal, v_prod = np.asarray(ideal["value"]), np.asarray(prod["value"])
    settings = {**prod["run_fingerprint"].to_dict(), "start_index": int(start_index)}
    return DriftReport(
        assets=list(assets) if assets is not None else [f"asset{i}" for i in range(n)],
        rows=int(v_prod.shape[0]), updates=int(coarse.shape[0]), settings=settings,
        weight_diff=np.asarray(prod["weights"]) - np.asarray(ideal["weights"]),
        value_bp=(v_prod / v_ideal - 1.0) * 1e4,
        shortfall=_reached_shortfall(coarse, carries, prod["update_times"], fp.chunk_period * 60),
        lost_moves=lost,
        final_values={"idealised": float(v_ideal[-1]), "production": float(v_prod[-1])},
    )


# ------------------------------------------------------------------------------------------ output


def format_table(report: DriftReport, title: str = "") -> str:
    """The drift table as text: one row per asset, then the pool value line."""
    lines = [title] if title else []
    lines.append(f"{'asset':<8} {'max |Δw|':>10} {'mean |Δw|':>10} {'final Δw':>11} {'max short':>10} {'mean short':>10}")
    for row in report.per_asset():
        lines.append(f"{row['asset']:<8} {row['max_abs']:>10.3e} {row['mean_abs']:>10.3e} {row['final']:>+11.3e} "
                     f"{row['max_shortfall']:>10.3e} {row['mean_shortfall']:>10.3e}")
    v = report.value_summary()
    lines.append(f"pool value: idealised {v['idealised']:,.2f}, production {v['production']:,.2f}: "
                 f"final {v['final_bp']:+.3f} bp, worst {v['worst_bp']:+.3f} bp (row {v['worst_row']}), "
                 f"mean {v['mean_bp']:+.3f} bp")
    lines.append(f"updates: {report.updates}; moves lost entirely (every |M| truncated to 0): {report.lost_moves}")
    return "\n".join(lines)


def plot_drift(report: DriftReport, path, title: str = "") -> None:
    """PNG: weight difference per asset over the rows, and the value difference in basis points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    for i, name in enumerate(report.assets):
        top.plot(report.weight_diff[:, i], lw=0.8, label=name)
    top.axhline(0, color="k", lw=0.5)
    top.set_ylabel("w production − w idealised")
    top.legend(fontsize=7, ncol=min(len(report.assets), 4))
    bottom.plot(report.value_bp, color="C3", lw=0.9)
    bottom.axhline(0, color="k", lw=0.5)
    bottom.set_ylabel("value difference (bp)")
    bottom.set_xlabel("price row")
    fig.suptitle(title or "drift of the production loop from the idealised simulator")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
