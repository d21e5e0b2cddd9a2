"""Observed error envelope of the lockstep comparison, and the margin of the default tolerances over it.

Runs `run_lockstep` on revm over a matrix: every on-chain rule × the bundled price scenarios and generated
series at price levels 1e-6 and 1e12 × n = 2..8 × λ ∈ {0.5, 0.9, 0.99, 0.999, 0.9999} × scalar/per-asset
parameters, with the vectorized cross-check on. For every run and field it records the worst scaled error
(chain and vectorized comparison) and the default tolerance, then prints per field: the smallest margin
(tolerance / observed; must be > 1: no false positive), the median margin and the largest.

    .venv/bin/python benchmarks/tolerance_envelope.py [--blocks 200] [--out envelope.json] [--quick]

Runs whose prices the chain cannot represent (parity.inputs.checks) or that revert (min_variance on an
exact peg: σ² = 0) are counted and skipped. Nothing is asserted; the numbers go into README.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

import parity  # noqa: F401  (float64)
from parity.chain import make_chain
from parity.inputs.checks import check_prices_for_chain
from parity.fingerprint import make_run_fingerprint
from parity.harness import run_lockstep
from parity.pools import create_pool
from parity.prices import generate_prices, load_prices
from parity.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "parity"))
from parity_cases import RULES, params_for  # noqa: E402

BUNDLED = {"trending_daily_8": 1440, "mean_reverting_daily_8": 1440, "crash_hourly_8": 60,
           "pegged_hourly_8": 60, "btc_eth_daily_2": 1440}
LEVELS = {"level_1e-6": 1e-6, "level_1e12": 1e12}
LAMBDAS = (0.5, 0.9, 0.99, 0.999, 0.9999)


def scenario_prices(name: str, n: int, rows: int) -> tuple[np.ndarray, int]:
    if name in BUNDLED:
        series = load_prices(ROOT / "fixtures" / "prices" / f"{name}.csv")
        return np.asarray(series.prices[:rows, :n]), BUNDLED[name]
    level = LEVELS[name]
    g = generate_prices("trending", n, rows, 1440, seed=100 + n)
    p = np.asarray(g.prices)
    return p / p[0] * level * (1.0 + 0.25 * np.arange(n)), 1440


def cases(quick: bool):
    scenarios = list(BUNDLED) + list(LEVELS)
    ns = itertools.cycle(range(2, 9))
    for rule in RULES:
        for scenario in scenarios:
            for lam in (LAMBDAS[1::2] if quick else LAMBDAS):
                n = 2 if scenario == "btc_eth_daily_2" else next(ns)
                kind = "vector" if (n + int(lam * 1e4)) % 2 else "scalar"
                yield rule, scenario, n, lam, kind


def one_run(rule, scenario, n, lam, kind, blocks):
    prices, interval = scenario_prices(scenario, n, blocks + 1)
    params = params_for(rule, kind, n, hourly=interval == 60)
    lamb = params["lamb"]
    params["lamb"] = [min(lam, x) for x in lamb] if isinstance(lamb, list) else lam
    if rule == "difference_momentum":  # the short memory: half the long λ
        params["lamb_short"] = (0.5 * np.asarray(params["lamb"])).tolist()
    fp = make_run_fingerprint(rule=rule, n_assets=n, chunk_period=interval, price_interval=interval)
    pool = create_pool(rule)
    try:
        check_prices_for_chain(pool, params, fp, prices, [f"A{i}" for i in range(n)], scenario)
    except InputError as e:
        return {"skipped": f"not representable: {e}"}
    r = run_lockstep(pool, params, fp, prices, make_chain("revm"), blocks=blocks, progress=False,
                     model_check=False, vectorized_check=True)
    if r.revert is not None:
        return {"skipped": f"revert {r.revert.reason} at block {r.revert.block}"}
    out = {"status": r.status, "tolerance": dict(r.tolerances),
           "chain": {f: float(d.scaled) for f, d in r.worst.items()}, "vectorized": {}}
    v = r.vectorized or {}
    if "worst" in v:
        out["vectorized"] = {f: float(d.scaled) for f, d in v["worst"].items()}
    return out


def _margin(record: dict, field: str) -> float:
    """Tolerance / worst observed (chain or vectorized) of one run's field; NaN where the run has no such field."""
    if "tolerance" not in record or field not in record["tolerance"]:
        return math.nan
    observed = max(record["chain"].get(field, 0.0), record["vectorized"].get(field, 0.0))
    return record["tolerance"][field] / observed if observed > 0 else math.inf


def summarise(records: list[dict]) -> str:
    lines = [f"{'field':<11} {'runs':>5} {'min margin':>11} {'median':>9} {'max':>9}   (margin = tolerance / worst observed)"]
    fields = sorted({f for r in records if "tolerance" in r for f in r["tolerance"]})
    for f in fields:
        margins = []
        for r in records:
            if "tolerance" not in r or f not in r["tolerance"]:
                continue
            observed = max(r["chain"].get(f, 0.0), r["vectorized"].get(f, 0.0))
            margins.append(r["tolerance"][f] / observed if observed > 0 else math.inf)
        finite = [m for m in margins if math.isfinite(m)]
        if finite:
            lines.append(f"{f:<11} {len(margins):>5} {min(finite):>11.3g} {float(np.median(finite)):>9.3g} {max(finite):>9.3g}")
    for rule in dict.fromkeys(r["rule"] for r in records):
        m = [x for x in (_margin(r, "weights") for r in records if r["rule"] == rule) if math.isfinite(x)]
        if m:
            lines.append(f"weights, {rule}: min {min(m):.3g}, median {float(np.median(m)):.3g}, max {max(m):.3g}")
    false_positives = [r for r in records if r.get("status") not in (None, "parity")]
    lines.append(f"false positives (status != parity): {len(false_positives)} of {sum('status' in r for r in records)} runs")
    lines.append(f"skipped: {sum('skipped' in r for r in records)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=200)
    ap.add_argument("--out", type=Path, default=None, help="write every run's numbers as JSON here")
    ap.add_argument("--quick", action="store_true", help="λ ∈ {0.9, 0.999} only")
    ap.add_argument("--rules", default=None, help="comma-separated subset of the rules")
    args = ap.parse_args(argv)
    records, t0 = [], time.perf_counter()
    for rule, scenario, n, lam, kind in cases(args.quick):
        if args.rules and rule not in args.rules.split(","):
            continue
        rec = {"rule": rule, "scenario": scenario, "n": n, "lamb": lam, "kind": kind}
        rec.update(one_run(rule, scenario, n, lam, kind, args.blocks))
        records.append(rec)
        if rec.get("status") not in (None, "parity"):
            print("FALSE POSITIVE:", json.dumps(rec), flush=True)
    print(f"{len(records)} runs, {args.blocks} blocks each, {time.perf_counter() - t0:.0f} s")
    print(summarise(records))
    if args.out:
        args.out.write_text(json.dumps(records, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
