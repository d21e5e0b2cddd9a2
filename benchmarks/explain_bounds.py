"""How close correct code comes to `parity explain`'s per-operation bounds (prints; asserts nothing).

Explains every update block of every golden fixture (rule and pool level) and prints, per rule and op, the largest
JAX error as a fraction of its bound and the largest chain error as a fraction of its interval's end
(1 = on the edge, e.g. a product rounded by exactly ½ wei), plus any block where an op is beyond its bound
(there should be none: the fixtures were recorded from correct code). docs/explain.md quotes the result.

    .venv/bin/python benchmarks/explain_bounds.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import time

from parity.explain import block_case, explain_case, report_of
from parity.fixtures import GOLDEN_DIR


def chain_ratio(row) -> float:
    e = float(row.chain_err)
    lo, hi = float(row.chain_lo), float(row.chain_hi)
    if e == 0:
        return 0.0
    end = hi if e > 0 else lo
    return e / end if end else float("inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None, help="fixture file stems")
    args = ap.parse_args()
    worst: dict = {}
    blocks = flagged = 0
    for path in sorted(GOLDEN_DIR.rglob("*.json")):
        if args.only and path.stem not in args.only:
            continue
        t0 = time.perf_counter()
        report, source = report_of(path)
        for k in report["series"]["block"]:
            ex = explain_case(block_case(report, source=source, block=k))
            blocks += 1
            if ex.first is not None:
                flagged += 1
                print(f"  BEYOND: {path.stem} block {k}: {ex.first.op.name}[{ex.first.asset}] on {ex.first_side}")
            for row in ex.rows:
                key = (report["rule"], row.op.name)
                j, c = worst.get(key, (0.0, 0.0))
                worst[key] = (max(j, row.jax_ratio or 0.0), max(c, chain_ratio(row) if row.chain_err is not None else 0.0))
        print(f"{path.stem}: {len(report['series']['block'])} blocks, {time.perf_counter() - t0:.1f} s")
    print(f"\n{blocks} blocks explained, {flagged} with an operation beyond its bound")
    print(f"{'rule':24} {'op':14} {'JAX err/bound':>14} {'chain err/end':>14}")
    for (rule, op), (j, c) in sorted(worst.items()):
        print(f"{rule:24} {op:14} {j:14.3g} {c:14.3g}")


if __name__ == "__main__":
    main()
