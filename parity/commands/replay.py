"""`parity replay`: validate a golden fixture and replay it without a chain (parity.fixtures).

Exit codes: 0 parity, 1 divergence, 2 unusable fixture or bad input.
"""

from __future__ import annotations

from pathlib import Path

from parity.commands.common import emit
from parity.errors import UsageError
from parity.inputs.arguments import add_report_arguments
from parity.inputs.checks import check_tolerance_fields
from parity.inputs.tolerances import level_fields, parse_tolerances
from parity.io import check_outputs

HELP = "replay a golden fixture: validate it, re-run both JAX paths without a chain and compare"


def add_parser(subparsers):
    """The `replay` subcommand and its options."""
    p = subparsers.add_parser("replay", help=HELP, description=HELP)
    p.add_argument("fixture", type=Path, metavar="FIXTURE", help="golden fixture file (JSON)")
    add_report_arguments(p)
    return p


def run(args) -> int:
    """`parity replay`: returns the exit code."""
    from parity.fixtures import REPO_ROOT, load_fixture, replay

    outputs = {"--report": args.report, "--plot": args.plot}
    check_outputs(outputs, {"FIXTURE": args.fixture})
    tolerances = parse_tolerances(args)
    try:
        fx = load_fixture(args.fixture)
        check_tolerance_fields(tolerances, fx.data["contract"], level_fields(args) if fx.data.get("level") == "pool" else ())
        price_file = fx.data["prices"].get("path")
        check_outputs(outputs, {"FIXTURE": args.fixture, "the fixture's price file": price_file and REPO_ROOT / price_file})
        result = replay(fx, tolerances=tolerances, model_check=args.model_check, vectorized_check=args.vectorized_check)
    except ValueError as e:  # the engine's own checks (e.g. a tolerance field the level does not have)
        raise UsageError(str(e)) from None
    return emit(result, args)
