"""`parity sweep SPEC --out DIR`: verify many parameter sets × price cases, locally or on a Dask cluster.

Exit codes: 0 every row passes, 1 any row diverges (or reverts, or chain ≠ integer model), 2 bad spec or
set-up error (one line naming the entry)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from parity.errors import EXIT_DIVERGENCE, EXIT_PARITY, SetupError, UsageError
from parity.inputs.sweep_spec import load_spec

HELP = "verify many parameter sets × price series in batches (locally or on Dask)"


def add_parser(subparsers):
    """The `sweep` subcommand and its options."""
    p = subparsers.add_parser("sweep", help=HELP, description=HELP)
    p.add_argument("spec", type=Path, metavar="SPEC", help="sweep spec (.toml or .json)")
    p.add_argument("--out", type=Path, required=True, help="folder for results.json, results.csv and heatmap.png")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: min(2, CPUs); 1 = in process)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="run the chunks on this Dask distributed scheduler")
    p.add_argument("--connect-timeout", type=float, default=30, metavar="SECONDS", help="how long to wait for the scheduler (default 30)")
    p.add_argument("--quiet", action="store_true", help="no progress bar; only the verdict line")
    return p


def _progress_bar(total: int, quiet: bool):
    if quiet:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="row", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def _run_rows(spec, args) -> list:
    """The results rows of every verification, with a progress bar unless quiet."""
    from parity.chain.errors import ChainError
    from parity.sweep.runner import run_sweep

    bar = _progress_bar(len(spec.verifications), args.quiet)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)

    try:
        return run_sweep(spec, workers=args.workers, scheduler=args.scheduler, progress=progress,
                         connect_timeout=args.connect_timeout)
    except (OSError, TimeoutError, ChainError) as e:  # the scheduler cannot be reached, the chain cannot start
        raise SetupError(str(e)) from None
    finally:
        if bar is not None:
            bar.close()


def run(args) -> int:
    """`parity sweep`: returns the exit code."""
    from parity.sweep.output import summary, write_outputs

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be ≥ 1")
    if args.scheduler is not None and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise UsageError(f"--scheduler {args.scheduler!r}: must look like tcp://HOST:PORT")
    spec = load_spec(args.spec)
    t0 = time.perf_counter()
    rows = _run_rows(spec, args)
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
