"""`parity drift`: the drift table of the production loop against the idealised simulator (parity.drift).

Exit codes: 0 the report was made, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from parity.errors import EXIT_PARITY, UsageError
from parity.inputs.arguments import add_run_arguments
from parity.inputs.fingerprint import production_fingerprint
from parity.inputs.params import load_params
from parity.inputs.prices import load_run_prices

HELP = "drift report: the idealised simulator vs the production loop (pool weights, 9 decimals)"


def add_parser(subparsers):
    """The `drift` subcommand: the run options of `parity verify`, plus the update jitter and outputs."""
    p = subparsers.add_parser("drift", help=HELP, description=HELP)
    add_run_arguments(p, "run")
    for action in p._actions:  # a shared run option that means nothing here (no contract runs): hidden, refused
        if action.dest == "compiler_profile":
            action.help, action.default = argparse.SUPPRESS, None
    p.add_argument("--update-jitter", type=int, default=0, metavar="S",
                   help="each update is late by a seeded uniform 0..S seconds (S < the price interval)")
    p.add_argument("--jitter-seed", type=int, default=0, help="seed of the update delays (default 0)")
    p.add_argument("--report", type=Path, default=None, help="write the JSON summary here")
    p.add_argument("--plot", type=Path, default=None, help="write a PNG of the drift per row here")
    return p


def _run_inputs(args):
    """(fingerprint, params, prices, asset names) from the parsed options; UsageError for bad input."""
    if getattr(args, "compiler_profile", None) is not None:
        raise UsageError("--compiler-profile: parity drift runs no contract (it compares two JAX runs)")
    params = load_params(args)
    names, values, interval = load_run_prices(args)
    fp = production_fingerprint(args, len(names), interval)
    if args.blocks is not None:
        if args.blocks < 1:
            raise UsageError(f"--blocks {args.blocks}: must be ≥ 1")
        values = values[: args.blocks * fp.chunk_steps + 1]
    return fp, params, values, names


def run(args) -> int:
    """`parity drift`: print the drift table (and write --report / --plot); returns the exit code."""
    from parity.drift import drift_report, format_table, plot_drift

    fp, params, values, names = _run_inputs(args)
    try:
        report = drift_report(fp, params, values, assets=names)
    except ValueError as e:
        raise UsageError(str(e)) from None
    title = (f"parity drift: {args.rule} on {Path(args.prices).name}, {len(names)} assets, {report.updates} updates "
             f"every {fp.chunk_period} min, {report.rows} rows, jitter {fp.update_delay_seconds} s")
    if args.report is not None:
        Path(args.report).write_text(json.dumps(report.to_dict(), indent=1, sort_keys=True) + "\n")
    if args.plot is not None:
        plot_drift(report, args.plot, title)
    print(format_table(report, title))
    for label, path in (("report", args.report), ("plot", args.plot)):
        if path is not None:
            print(f"  {label}: {path}")
    return EXIT_PARITY
