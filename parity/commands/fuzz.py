"""`parity fuzz`: search for the market (and parameters, and update timing) on which a rule's simulator and
its contract part ways, shrink it and write it as a golden fixture plus a report.

    parity fuzz --rule R [--level rule|pool] [--params FILE | --param-space auto|FILE]
                [--examples N | --time S] [--seed K] [--out DIR] [--scheduler URL] [--artifact PATH]

Exit codes: 0 the budget ended without a counterexample, 1 a counterexample was found (and written),
2 bad input (one line on stderr, nothing written). See docs/fuzz.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from parity.errors import EXIT_DIVERGENCE, EXIT_PARITY, SetupError
from parity.fuzz.outcome import PROPERTIES
from parity.inputs.stack_options import add_stack_arguments

HELP = "search for a market on which JAX and the chain part ways; shrink it and write a fixture and a report"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The `fuzz` subcommand and its options."""
    p = subparsers.add_parser("fuzz", help=HELP, description=HELP)
    _add_arguments(p)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rule", required=True, help="the rule to fuzz")
    p.add_argument("--level", choices=("rule", "pool"), default="rule",
                   help="rule: the rule contract, batched (default); pool: runner + pool + rule + oracles, with late "
                        "updates and missed intervals")
    space = p.add_mutually_exclusive_group()
    space.add_argument("--params", type=Path, default=None, help="JSON file of fixed rule parameters (default: the rule's defaults)")
    space.add_argument("--param-space", default=None, metavar="auto|FILE",
                       help="vary the parameters too: 'auto' (built-in ranges with their extremes) or a JSON/TOML file")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--examples", type=int, default=None, metavar="N",
                        help="examples to run before stopping (default 1000 at rule level, 100 at pool level)")
    budget.add_argument("--time", type=float, default=None, metavar="SECONDS", help="search for this long instead")
    p.add_argument("--seed", type=int, default=0, help="seed of the search (same seed, same inputs: same examples)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="folder for the counterexample's fixture and report (default fuzz-RULE-LEVEL; written only "
                        "when one is found)")
    p.add_argument("--blocks", type=int, default=50, help="most update blocks per example (default 50)")
    p.add_argument("--assets", default=None, metavar="N|LO-HI", help="asset counts to draw from (default 2-8)")
    p.add_argument("--batch", type=int, default=None,
                   help="examples per batch (default 32 at rule level, 2 per worker at pool level; at most 64)")
    p.add_argument("--variants", type=int, default=None, metavar="V",
                   help="seeded variants of every market Hypothesis draws (default 8 at rule level, 1 at pool level)")
    p.add_argument("--properties", default=",".join(PROPERTIES), metavar="P[,P...]",
                   help=f"properties to check (default all: {', '.join(PROPERTIES)})")
    p.add_argument("--tolerance", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a field's tolerance on |jax − chain| / scale (repeatable)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default min(2, CPUs); 1 = in process)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="run the batches on this Dask scheduler")
    p.add_argument("--connect-timeout", type=float, default=30, metavar="SECONDS", help="how long to wait for the scheduler")
    p.add_argument("--shrink-time", type=float, default=300, metavar="SECONDS",
                   help="stop shrinking after this long and keep the smallest failure seen (default 300)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--artifact", type=Path, default=None, metavar="PATH",
                     help="deploy this compiled rule (Foundry or Hardhat artifact) instead of parity's (at pool level "
                          "with parity's runner and pool)")
    src.add_argument("--contract", default=None, metavar="PATH.sol[:Name]",
                     help="compile this Solidity file with the pinned compiler and deploy it as the rule")
    p.add_argument("--remap", action="append", default=[], metavar="PREFIX=PATH",
                   help="import remapping for --contract / --contracts (repeatable)")
    add_stack_arguments(p)  # pool level: a user's runner, pool and rule (--artifacts / --contracts), names by role
    p.add_argument("--no-vectorized-check", dest="vectorized_check", action="store_false",
                   help="skip the vectorized-path cross-check")
    p.add_argument("--quiet", action="store_true", help="only the verdict line")


def run(args) -> int:
    """`parity fuzz`: returns the exit code; bad input raises InputError (exit 2)."""
    from parity.fuzz.output import summary, write_counterexample
    from parity.fuzz.search import search
    from parity.inputs.fuzz import fuzz_config

    cfg, out = fuzz_config(args)
    executor = _executor(cfg, args.connect_timeout)
    live = not args.quiet and sys.stderr.isatty()
    try:
        result = search(cfg, executor, progress=_progress_line if live else None)
    finally:
        executor.close()
        if live:
            _progress_line(None)
    report = write_counterexample(result, cfg, out) if result.example is not None else None
    text = summary(result, cfg, report)
    print(text.splitlines()[0] if args.quiet else text)
    return EXIT_PARITY if result.example is None else EXIT_DIVERGENCE


def _executor(cfg, connect_timeout: float):
    """The run's executor, connected to the Dask scheduler now (an unreachable one is a set-up error, exit 2)."""
    from parity.fuzz.execute import Executor

    executor = Executor(cfg.workers, cfg.scheduler, connect_timeout)
    if cfg.scheduler is not None:
        try:
            executor.connect()
        except (OSError, TimeoutError) as e:
            raise SetupError(f"--scheduler {cfg.scheduler}: cannot connect ({e})") from None
    return executor


def _progress_line(text) -> None:
    print("\r\033[K" + (text or ""), end="" if text else "", file=sys.stderr, flush=True)
