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

from parity.fuzz.outcome import PROPERTIES

EXIT_NONE, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
HELP = "search for a market on which JAX and the chain part ways; shrink it and write a fixture and a report"


def add_fuzz_parser(subparsers) -> argparse.ArgumentParser:
    """Register `fuzz` on an argparse subparsers object."""
    p = subparsers.add_parser("fuzz", help=HELP, description=HELP)
    add_fuzz_arguments(p)
    return p


def add_fuzz_arguments(p: argparse.ArgumentParser) -> None:
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
                     help="rule level: deploy this compiled rule (Foundry or Hardhat artifact) instead of parity's")
    src.add_argument("--contract", default=None, metavar="PATH.sol[:Name]",
                     help="rule level: compile this Solidity file with the pinned compiler and deploy it")
    p.add_argument("--remap", action="append", default=[], metavar="PREFIX=PATH", help="import remapping for --contract")
    p.add_argument("--no-vectorized-check", dest="vectorized_check", action="store_false",
                   help="skip the vectorized-path cross-check")
    p.add_argument("--quiet", action="store_true", help="only the verdict line")


def run_fuzz(args) -> int:
    """`parity fuzz`: returns the exit code; bad input raises parity.validation.InputError (exit 2)."""
    from parity.fuzz.output import summary, write_counterexample
    from parity.fuzz.search import search

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
    return EXIT_NONE if result.example is None else EXIT_FOUND


def _executor(cfg, connect_timeout: float):
    """The run's executor, connected to the Dask scheduler now (an unreachable one is a set-up error, exit 2)."""
    from parity.fuzz.execute import Executor
    from parity.harness.driver import SetupError

    executor = Executor(cfg.workers, cfg.scheduler, connect_timeout)
    if cfg.scheduler is not None:
        try:
            executor.connect()
        except (OSError, TimeoutError) as e:
            raise SetupError(f"--scheduler {cfg.scheduler}: cannot connect ({e})") from None
    return executor


def _progress_line(text) -> None:
    print("\r\033[K" + (text or ""), end="" if text else "", file=sys.stderr, flush=True)


def fuzz_config(args):
    """(FuzzConfig, output folder) from the parsed arguments; InputError (one line) for bad input."""
    from parity.fuzz import inputs
    from parity.fuzz.search import FuzzConfig
    from parity.fuzz.strategies import Shape

    rule = inputs.check_rule(args.rule)
    level = args.level
    workers = inputs.positive("--workers", args.workers) if args.workers is not None else None
    if args.scheduler is not None and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise inputs.InputError(f"--scheduler {args.scheduler!r}: must look like tcp://HOST:PORT")
    from parity.fuzz.execute import default_workers

    workers = workers or default_workers()
    examples, seconds = inputs.budget(args.examples, args.time, level)
    blocks = inputs.positive("--blocks", args.blocks, maximum=10_000)
    batch = args.batch if args.batch is not None else (32 if level == "rule" else 2 * workers)
    batch = inputs.positive("--batch", batch, maximum=64)
    n_range = inputs.asset_range(args.assets)
    properties = inputs.properties(args.properties)
    space = inputs.param_space(rule, args.params, args.param_space, n_range, _defaults(rule))
    tolerances = inputs.tolerances(args.tolerance, rule, level)
    artifact = inputs.rule_artifact(args.artifact, args.contract, args.remap, level, rule)
    if not isinstance(args.seed, int) or not 0 <= args.seed < 2**64:
        raise inputs.InputError(f"--seed {args.seed}: must be an integer in [0, 2^64)")
    out = inputs.output_folder(args.out or Path(f"fuzz-{rule}-{level}"), [args.params, args.param_space, args.artifact])
    shrink = inputs.positive_float("--shrink-time", args.shrink_time)
    source = ()
    if args.artifact is not None:
        source = ("--artifact", args.artifact.resolve())
    elif args.contract is not None:
        source = ("--contract", args.contract, *[x for r in args.remap for x in ("--remap", r)])
    variants = inputs.positive("--variants", args.variants if args.variants is not None else (8 if level == "rule" else 1),
                               maximum=batch)
    cfg = FuzzConfig(rule, space, Shape(level, 1, blocks, batch, variants), properties, examples, seconds, args.seed, tolerances,
                     artifact, source, None, workers, args.scheduler, shrink, args.vectorized_check)
    return cfg, out


def _defaults(rule: str) -> dict:
    from parity.cli import DEFAULT_PARAMS

    return dict(DEFAULT_PARAMS[rule])
