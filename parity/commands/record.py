"""`parity record`: run a rule on chain and write its golden fixture (parity.fixtures).

Exit codes: 0 recorded with parity, 1 recorded but JAX diverged or the chain run did not complete, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

from parity.commands.common import print_summary
from parity.errors import EXIT_DIVERGENCE, EXIT_PARITY, UsageError
from parity.inputs.arguments import add_run_arguments
from parity.inputs.checks import check_assets_spec, check_run_inputs
from parity.inputs.fingerprint import make_fingerprint
from parity.inputs.levels import add_level_arguments, record_for_level
from parity.inputs.params import load_params
from parity.inputs.prices import assets_argument, load_run_prices
from parity.io import check_outputs

HELP = "record a golden fixture: run a rule on chain and write its per-block state and weights"


def add_parser(subparsers):
    """The `record` subcommand and its options."""
    p = subparsers.add_parser("record", help=HELP, description=HELP)
    add_run_arguments(p, "record")
    p.add_argument("--backend", choices=("eth-tester", "revm"), default="eth-tester")
    p.add_argument("--inline", action="store_true", help="store the price rows in the fixture instead of path + SHA-256")
    p.add_argument("--out", type=Path, required=True, help="fixture file to write (JSON)")
    p.add_argument("--quiet", action="store_true", help="only the verdict line")
    add_level_arguments(p)
    return p


def _preflight(args, params) -> None:
    """The checks `verify` makes before deploying (parameter keys, prices the chain can represent)."""
    from parity.pools import create_pool

    names, values, interval = load_run_prices(args)
    try:
        fp, pool = make_fingerprint(args, len(names), interval), create_pool(args.rule)
    except ValueError as e:
        raise UsageError(str(e)) from None
    check_run_inputs(pool, params, fp, values, names, blocks=args.blocks, burn_in=0, label=f"--prices {args.prices}",
                     given=args.given_params)


def run(args) -> int:
    """`parity record`: returns the exit code."""
    from parity.fixtures import RecordError, record, write_fixture

    check_outputs({"--out": args.out}, {"--prices": args.prices, "--params": args.params})
    check_assets_spec(args.assets)
    params = load_params(args)
    _preflight(args, params)
    record_fn, level_kwargs = record_for_level(args, record)
    try:
        data, result = record_fn(
            args.rule, params, args.prices, assets=assets_argument(args.assets), blocks=args.blocks,
            chunk_period=args.chunk_period, epsilon_max=args.epsilon_max, guard_rail=args.guard_rail,
            backend=args.backend, inline=args.inline or None, progress=not args.quiet, **level_kwargs,
        )
    except RecordError as e:
        print(str(e), file=sys.stderr)
        return EXIT_DIVERGENCE
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = write_fixture(data, args.out)
    print_summary(result, args.quiet)
    print(f"  fixture: {args.out} ({out.stat().st_size} bytes, {data['blocks']} blocks, content_sha256 {data['content_sha256'][:16]}…)")
    if not result.passed:
        print("  warning: the JAX side diverged from the chain, so replaying this fixture will report the divergence",
              file=sys.stderr)
        return EXIT_DIVERGENCE
    return EXIT_PARITY
