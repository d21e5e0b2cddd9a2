"""`parity sweep SPEC --out DIR`: verify many parameter sets × price cases, locally or on a Dask cluster.

Exit codes: 0 every row passes, 1 any row diverges (or reverts, or chain ≠ integer model), 2 bad spec or
set-up error (one line naming the entry)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_PARITY, EXIT_DIVERGENCE, EXIT_USAGE = 0, 1, 2


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", type=Path, metavar="SPEC", help="sweep spec (.toml or .json)")
    p.add_argument("--out", type=Path, required=True, help="folder for results.json, results.csv and heatmap.png")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: min(2, CPUs); 1 = in process)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="run the chunks on this Dask distributed scheduler")
    p.add_argument("--connect-timeout", type=float, default=30, metavar="SECONDS", help="how long to wait for the scheduler (default 30)")
    p.add_argument("--quiet", action="store_true", help="no progress bar; only the verdict line")


def _progress_bar(total: int, quiet: bool):
    if quiet:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="row", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def run_sweep_command(args) -> int:
    from parity.sweep.output import summary, write_outputs
    from parity.sweep.spec import SpecError, load_spec

    if args.workers is not None and args.workers < 1:
        print(f"parity sweep: error: --workers {args.workers}: must be ≥ 1", file=sys.stderr)
        return EXIT_USAGE
    if args.scheduler is not None and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        print(f"parity sweep: error: --scheduler {args.scheduler!r}: must look like tcp://HOST:PORT", file=sys.stderr)
        return EXIT_USAGE
    try:
        spec = load_spec(args.spec)
    except SpecError as e:
        print(f"parity sweep: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    from parity.chain.errors import ChainError
    from parity.sweep.runner import run_sweep

    bar = _progress_bar(len(spec.verifications), args.quiet)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)

    t0 = time.perf_counter()
    try:
        rows = run_sweep(spec, workers=args.workers, scheduler=args.scheduler, progress=progress,
                         connect_timeout=args.connect_timeout)
    except (OSError, TimeoutError, ChainError) as e:  # the scheduler cannot be reached, the chain cannot start
        print(f"parity sweep: setup error: {e}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    heatmap = dict(spec.heatmap)
    if not heatmap and len(spec.grid_axes) >= 2:
        heatmap = {"x": spec.grid_axes[0], "y": spec.grid_axes[1]}
    meta = {"spec": str(args.spec), "backend": spec.backend, "level": spec.level, "model_sample": spec.model_sample}
    paths = write_outputs(args.out, rows, meta, heatmap)
    updates = sum(r["blocks_compared"] for r in rows)
    text = summary(rows, seconds, updates)
    print(text.splitlines()[0] if args.quiet else text)
    if not args.quiet:
        print("  " + ", ".join(f"{k}: {v}" for k, v in paths.items()))
    return EXIT_PARITY if all(r["verdict"] == "parity" for r in rows) else EXIT_DIVERGENCE
