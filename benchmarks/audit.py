"""`parity audit` on a local hardhat node: time per audited update, and the share of it spent in JSON-RPC
round trips (sending a batch and decoding its answer), batched as the audit does and unbatched (one request
per HTTP call) for comparison.

    .venv/bin/python benchmarks/audit.py [--updates 200] [--repeats 3]

Starts `hardhat node` from contracts/node_modules (offline), deploys parity's reference stack (3 assets, one
backup oracle each), lets a keeper make --updates updates (random prices, some late, a stale primary now and
then, the admin's two setters in the middle), then audits the whole range: once to compile the JAX step, then
--repeats times per configuration, alternating; prints the best (least disturbed on a shared CPU) and the
range. Prints numbers and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "chain"), str(ROOT / "tests" / "audit")]

import parity  # noqa: E402,F401  (float64)
from chain_helpers import start_hardhat, stop_hardhat  # noqa: E402
from keeper import deploy, live  # noqa: E402

from parity.audit.engine import audit  # noqa: E402
from parity.chain import make_chain  # noqa: E402


def history(url: str, updates: int):
    chain = make_chain("rpc", url=url)
    t0 = chain.timestamp() + 1000
    stack = deploy(chain, timestamp=t0)
    special = {k: "stale_primary" for k in range(7, updates, 23)} | {k: "earlier_block" for k in range(11, updates, 31)}
    t = time.perf_counter()
    life = live(chain, stack, updates=updates, start=t0 + 2, special=special, manual_at=(updates // 3, updates // 2))
    return life, time.perf_counter() - t


def one(url: str, life, batch_size: int) -> dict:
    t = time.perf_counter()
    _, result = audit(url, life.stack.addresses.pool, life.first_block - 1, life.last_block, progress=False,
                      batch_size=batch_size)
    total = time.perf_counter() - t
    assert result.status == "parity", result.status
    node = result.sections["audit"]["node"]
    return {"total": total, "read": result.timing["read_s"], "rpc": result.timing["rpc_round_trip_s"],
            "check": result.timing["total_s"], "requests": node["requests"], "batches": node["batches"]}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--updates", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    proc, url = start_hardhat()
    try:
        life, drive_s = history(url, args.updates)
        print(f"keeper: {args.updates} updates on hardhat in {drive_s:.2f} s ({drive_s / args.updates * 1e3:.1f} ms per update)")
        one(url, life, 200)  # compiles the JAX step once
        runs = {200: [], 1: []}
        for _ in range(args.repeats):
            for size in runs:
                runs[size].append(one(url, life, size))
        report(runs, args.updates)
    finally:
        stop_hardhat(proc)


def report(runs: dict, updates: int) -> None:
    for size, label in ((200, "batched (200 per batch)"), (1, "unbatched (1 per call)")):
        best = min(runs[size], key=lambda r: r["total"])
        spread = [r["total"] / updates * 1e3 for r in runs[size]]
        print(f"{label}: {best['total'] / updates * 1e3:.1f} ms per update (runs {min(spread):.1f}..{max(spread):.1f}), "
              f"total {best['total']:.2f} s = read {best['read']:.2f} s + check {best['check']:.2f} s; "
              f"RPC round trips {best['rpc']:.2f} s = {best['rpc'] / best['total']:.0%} of the total; "
              f"{best['requests']} requests in {best['batches']} HTTP calls")
    b, u = (min(runs[s], key=lambda r: r["total"]) for s in (200, 1))
    print(f"unbatched / batched: total {u['total'] / b['total']:.2f}x, RPC time {u['rpc'] / b['rpc']:.2f}x")


if __name__ == "__main__":
    main()
