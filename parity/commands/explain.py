"""`parity explain REPORT.json|FIXTURE [--block k] [--asset i]`: re-run one block with every named operation
recorded and name the first one beyond its rounding bound (the engine: parity.explain; docs/explain.md).

Exit codes: 0 every operation within its rounding bound, 1 an operation beyond it, 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from parity.errors import EXIT_DIVERGENCE, EXIT_PARITY

HELP = "re-run one block with every intermediate value recorded and name the first operation beyond its rounding bound"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The `explain` subcommand: a report or fixture, and optionally the block and the asset."""
    p = subparsers.add_parser("explain", help=HELP, description=HELP)
    p.add_argument("source", type=Path, metavar="REPORT.json|FIXTURE",
                   help="a `parity verify --report` JSON report (rule level) or a golden fixture")
    p.add_argument("--block", type=int, default=None,
                   help="update block to explain (default: the first divergence, else the revert or the worst weight)")
    p.add_argument("--asset", type=int, default=None, help="asset whose rows to show (default: the divergence's)")
    return p


def run(args) -> int:
    """Explain the block and print the result; 0 nothing beyond its bound, 1 an operation beyond it."""
    from parity.explain import explain_path
    from parity.explain.text import render

    ex = explain_path(args.source, block=args.block, asset=args.asset)
    print(render(ex))
    return EXIT_DIVERGENCE if ex.first is not None else EXIT_PARITY
