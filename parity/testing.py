"""Test helpers for pool authors.

``assert_paths_agree(pool, params, run_fingerprint, prices)`` checks that a pool implementing both weight
paths computes the same thing on each: the rule outputs of every chunk, the coarse weights of the bout and
the fine weights, within ``atol``. Use it in your own test suite for any pool you write::

    from parity.testing import assert_paths_agree

    def test_my_pool_paths_agree():
        assert_paths_agree(MyPool(), params, fingerprint, prices, start_index=30)
"""

from __future__ import annotations

import dataclasses

import numpy as np

DEFAULT_ATOL = 1e-12  # weights are O(1); both paths run the same float64 math in a different order


def _first_difference(name: str, scan, vectorized, atol: float) -> str | None:
    scan, vectorized = np.asarray(scan, dtype=np.float64), np.asarray(vectorized, dtype=np.float64)
    if scan.shape != vectorized.shape:
        return f"{name}: shapes differ (scan {scan.shape}, vectorized {vectorized.shape})"
    bad = ~(np.abs(scan - vectorized) <= atol)  # NaN counts as a difference
    if not bad.any():
        return None
    row, col = (int(i) for i in np.argwhere(bad)[0])
    worst = float(np.nanmax(np.abs(scan - vectorized))) if np.isfinite(scan).all() and np.isfinite(vectorized).all() else float("nan")
    return (f"{name}: first difference at row {row}, asset {col}: scan {scan[row, col]!r} vs vectorized "
            f"{vectorized[row, col]!r} (|diff| {abs(scan[row, col] - vectorized[row, col]):.3g} > atol {atol:g}; "
            f"worst {worst:.3g}, {int(bad.sum())} of {bad.size} entries)")


def paths_report(pool, params, run_fingerprint, prices, start_index: int = 0, *, atol: float = DEFAULT_ATOL,
                 additional_oracle_input=None) -> list[str]:
    """The differences between the two paths (empty when they agree), one line per compared quantity."""
    for path in ("scan", "vectorized"):
        if not getattr(pool, f"supports_{path}_path")():
            raise ValueError(f"pool {getattr(pool, 'rule', type(pool).__name__)!r} does not implement the {path} "
                             "path: both paths are needed to compare them")
    out = []
    vec_out = pool.calculate_rule_outputs(params, run_fingerprint, prices, additional_oracle_input)
    scan_out = pool.calculate_rule_outputs_scan(params, run_fingerprint, prices, additional_oracle_input)
    out.append(_first_difference("rule outputs", scan_out, vec_out, atol))
    results = {}
    for path in ("scan", "vectorized"):
        fp = dataclasses.replace(run_fingerprint, weight_calculation_method=path)
        results[path] = pool.calculate_weights_and_coarse(params, fp, prices, start_index, additional_oracle_input)
    out.append(_first_difference("coarse weights", results["scan"][1], results["vectorized"][1], atol))
    out.append(_first_difference("fine weights", results["scan"][0], results["vectorized"][0], atol))
    return [line for line in out if line is not None]


def assert_paths_agree(pool, params, run_fingerprint, prices, start_index: int = 0, *, atol: float = DEFAULT_ATOL,
                       additional_oracle_input=None) -> None:
    """Raise AssertionError (naming the quantity, row, asset and both values) unless the scan and vectorized
    paths of ``pool`` agree within ``atol`` on rule outputs, coarse weights and fine weights."""
    problems = paths_report(pool, params, run_fingerprint, prices, start_index, atol=atol,
                            additional_oracle_input=additional_oracle_input)
    if problems:
        name = getattr(pool, "rule", None) or type(pool).__name__
        raise AssertionError(f"pool {name!r}: scan and vectorized paths differ:\n  " + "\n  ".join(problems))
