"""The option groups several commands share: what to run (verify, record, drift) and how to report (verify,
replay). The level and plug-in options are in parity.inputs.levels and parity.inputs.plugins."""

from __future__ import annotations

import argparse
from pathlib import Path

from parity.catalogue import ON_CHAIN_RULES
from parity.chain.compile import PROFILES
from parity.inputs.params import PARAM_FLAGS
from parity.prices import FIXTURE_DIR

DEFAULT_PRICES = FIXTURE_DIR / "trending_daily_8.csv"


def number_list(text: str):
    """argparse type of the parameter flags: one number, or comma-separated numbers (one per asset)."""
    try:
        vals = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number or comma-separated numbers") from None
    return vals[0] if len(vals) == 1 else vals


def add_run_arguments(p: argparse.ArgumentParser, verb: str) -> None:
    """What to run on chain: rule, prices, parameters and timing (shared by `verify`, `record` and `drift`)."""
    p.add_argument("--rule", required=verb != "verify", help=f"rule to {verb}: {', '.join(ON_CHAIN_RULES)}")
    p.add_argument("--prices", type=Path, default=DEFAULT_PRICES, help="price CSV (default: bundled fixtures/prices/trending_daily_8.csv)")
    p.add_argument("--assets", default=None, help="number of assets (first k columns) or comma-separated column names")
    p.add_argument("--params", type=Path, default=None, help="JSON file of rule parameters (flags override its entries)")
    for flag, key in PARAM_FLAGS.items():
        p.add_argument(flag, dest=f"param_{key}", type=number_list, default=None, metavar="X[,X...]", help=f"parameter {key}")
    raw = p.add_mutually_exclusive_group()
    raw.add_argument("--use-raw-price", dest="use_raw_price", action="store_true", default=None, help="gradient denominator = raw price")
    raw.add_argument("--no-use-raw-price", dest="use_raw_price", action="store_false", help="gradient denominator = moving average (default)")
    p.add_argument("--blocks", type=int, default=None, help="number of update blocks (default: all prices)")
    p.add_argument("--chunk-period", type=int, default=None, help="minutes between updates (default: the price CSV's row interval)")
    p.add_argument("--epsilon-max", type=float, default=None, help="maximum weight change per update (ε)")
    p.add_argument("--guard-rail", type=float, default=None, help="absolute minimum weight (guard rail g)")
    p.add_argument("--compiler-profile", choices=tuple(PROFILES), default="legacy",
                   help="build of parity's contracts (and of --contract/--contracts sources): legacy (default; V1's "
                        "Foundry settings), via-ir, v1 (V1's Hardhat build), v1-foundry (docs/your-stack.md)")


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    """How to compare and report (shared by `verify` and `replay`)."""
    p.add_argument("--tolerance", action="append", default=[], metavar="FIELD=VALUE", help="override a field's tolerance on |jax − chain| / scale (ewma, running_a, variance, short_ewma, weights; repeatable)")
    p.add_argument("--report", type=Path, default=None, help="write the JSON report here")
    p.add_argument("--plot", type=Path, default=None, help="write a PNG plot of the divergence per block here")
    p.add_argument("--no-model-check", dest="model_check", action="store_false", help="skip the exact integer model")
    p.add_argument("--no-vectorized-check", dest="vectorized_check", action="store_false", help="skip the vectorized-path cross-check")
    p.add_argument("--quiet", action="store_true", help="no progress bar and only the verdict line")
