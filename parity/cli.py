"""The `parity` command: `verify` (lockstep JAX vs on-chain rule), `record` and `replay` (golden fixtures),
`sweep`, `drift` and `fuzz`.

Exit codes: 0 parity, 1 divergence (including a revert or a chain/integer-model mismatch), 2 bad input or
set-up error (one line on stderr saying what to fix; no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from parity import validation as check
from parity.float64 import guarded
from parity.io import check_outputs

EXIT_PARITY, EXIT_DIVERGENCE, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PRICES = REPO_ROOT / "fixtures" / "prices" / "trending_daily_8.csv"
ON_CHAIN_RULES = (
    "momentum",
    "anti_momentum",
    "power_channel",
    "mean_reversion_channel",
    "difference_momentum",
    "min_variance",
)

# Defaults used when neither --params nor a flag gives a value: moderate settings for daily prices
# (λ = 0.9 is about a 3-day memory at daily updates), chosen so the out-of-the-box run moves weights
# without pinning them at the guard rails.
DEFAULT_PARAMS = {
    "momentum": {"lamb": 0.9, "kappa": 1.0},
    "anti_momentum": {"lamb": 0.9, "kappa": 1.0},
    "power_channel": {"lamb": 0.9, "kappa": 20.0, "exponents": 2.0},
    "mean_reversion_channel": {
        "lamb": 0.9,
        "kappa": 1.0,
        "width": 0.1,
        "amplitude": 0.1,
        "exponents": 1.5,
        "inverse_scaling": 0.5415,
        "pre_exp_scaling": 0.5,
    },
    "difference_momentum": {"lamb": 0.9, "lamb_short": 0.5, "kappa": 1.0},
    "min_variance": {"lamb": 0.9, "mixing": 0.5},
}

# flag -> params key (values: one number or comma-separated per-asset numbers)
PARAM_FLAGS = {
    "--lamb": "lamb",
    "--kappa": "kappa",
    "--memory-days": "memory_days",
    "--exponents": "exponents",
    "--width": "width",
    "--amplitude": "amplitude",
    "--inverse-scaling": "inverse_scaling",
    "--pre-exp-scaling": "pre_exp_scaling",
    "--lamb-short": "lamb_short",
    "--mixing": "mixing",
    "--initial-weights": "initial_weights",
}


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


from parity.harness.lockstep.cli_level import (  # noqa: E402
    add_level_arguments,
    level_runner,
    record_for_level,
    tolerance_fields,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: same one-line format and exit code 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------------------------------------


def _number_list(text: str):
    try:
        vals = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number or comma-separated numbers") from None
    return vals[0] if len(vals) == 1 else vals


def _add_run_arguments(p: argparse.ArgumentParser, verb: str) -> None:
    """What to run on chain: rule, prices, parameters and timing (shared by `verify` and `record`)."""
    p.add_argument("--rule", required=verb != "verify", help=f"rule to {verb}: {', '.join(ON_CHAIN_RULES)}")
    p.add_argument("--prices", type=Path, default=DEFAULT_PRICES, help="price CSV (default: bundled fixtures/prices/trending_daily_8.csv)")
    p.add_argument("--assets", default=None, help="number of assets (first k columns) or comma-separated column names")
    p.add_argument("--params", type=Path, default=None, help="JSON file of rule parameters (flags override its entries)")
    for flag, key in PARAM_FLAGS.items():
        p.add_argument(flag, dest=f"param_{key}", type=_number_list, default=None, metavar="X[,X...]", help=f"parameter {key}")
    raw = p.add_mutually_exclusive_group()
    raw.add_argument("--use-raw-price", dest="use_raw_price", action="store_true", default=None, help="gradient denominator = raw price")
    raw.add_argument("--no-use-raw-price", dest="use_raw_price", action="store_false", help="gradient denominator = moving average (default)")
    p.add_argument("--blocks", type=int, default=None, help="number of update blocks (default: all prices)")
    p.add_argument("--chunk-period", type=int, default=None, help="minutes between updates (default: the price CSV's row interval)")
    p.add_argument("--epsilon-max", type=float, default=None, help="maximum weight change per update (ε)")
    p.add_argument("--guard-rail", type=float, default=None, help="absolute minimum weight (guard rail g)")
    p.add_argument("--compiler-profile", choices=("legacy", "via-ir"), default="legacy",
                   help="solc pipeline of the rule contracts: legacy (default) or via-ir (V1's own build)")


def _add_report_arguments(p: argparse.ArgumentParser) -> None:
    """How to compare and report (shared by `verify` and `replay`)."""
    p.add_argument("--tolerance", action="append", default=[], metavar="FIELD=VALUE", help="override a field's tolerance on |jax − chain| / scale (ewma, running_a, variance, short_ewma, weights; repeatable)")
    p.add_argument("--report", type=Path, default=None, help="write the JSON report here")
    p.add_argument("--plot", type=Path, default=None, help="write a PNG plot of the divergence per block here")
    p.add_argument("--no-model-check", dest="model_check", action="store_false", help="skip the exact integer model")
    p.add_argument("--no-vectorized-check", dest="vectorized_check", action="store_false", help="skip the vectorized-path cross-check")
    p.add_argument("--quiet", action="store_true", help="no progress bar and only the verdict line")


def add_verify_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `parity verify`."""
    _add_run_arguments(p, "verify")
    p.add_argument("--mode", choices=("independent", "resync"), default="independent",
                   help="independent: each side carries its own state (drift); resync: JAX restarts every block from the chain's state (one-step error)")
    p.add_argument("--burn-in", type=int, default=0, help="update blocks before the compared ones")
    p.add_argument("--burn-in-mode", choices=("replay", "seed"), default="replay",
                   help="replay: burn-in blocks run on both sides but do not count; seed: JAX warms up and its state initialises the contract")
    p.add_argument("--backend", choices=("eth-tester", "revm", "rpc"), default="eth-tester",
                   help="eth-tester (py-evm, default), revm (fast, in process) or rpc (a node at --rpc-url)")
    p.add_argument("--rpc-url", default=None, help="JSON-RPC URL (backend rpc)")
    p.add_argument("--rule-address", default=None, help="verify an already-deployed rule at this address (its runner must be --sender)")
    p.add_argument("--sender", default=None, help="sending account (the rule's updateWeightRunner); default the chain's first account")
    from parity.plugins import add_plugin_arguments

    add_plugin_arguments(p)
    add_level_arguments(p)
    _add_report_arguments(p)


def _level_fields(args) -> tuple[str, ...]:
    """The `--tolerance` fields of the chosen level beyond the rule's (none at rule level)."""
    from parity.harness.compare import FIELDS
    from parity.harness.lockstep.cli_level import tolerance_fields

    return tuple(f for f in tolerance_fields(args) if f not in FIELDS)


def _tolerances(args) -> dict:
    from parity.harness import compare

    fields = tolerance_fields(args)
    tolerances = {}
    for spec in args.tolerance:
        try:
            field, value = compare.parse_tolerance(spec, fields)
        except ValueError as e:
            raise UsageError(str(e)) from None
        tolerances[field] = value
    return tolerances


def _print_summary(result, quiet: bool) -> None:
    """The verdict summary on stdout: only its first line when quiet."""
    from parity.harness.report import summary

    text = summary(result)
    print(text.splitlines()[0] if quiet else text)


def _emit(result, args) -> int:
    """Write the requested report and plot, then print the summary; return the exit code of the verdict.

    Files first: a reader that goes away (`| head`) must not cost the user the report."""
    from parity.harness import report

    if args.report is not None:
        report.write_json(result, args.report)
    if args.plot is not None:
        from parity.harness.plot import plot_report

        plot_report(result, args.plot)
    _print_summary(result, args.quiet)
    if not args.quiet:
        for label, path in (("report", args.report), ("plot", args.plot)):
            if path is not None:
                print(f"  {label}: {path}")
    return EXIT_PARITY if result.passed else EXIT_DIVERGENCE


def _load_params(args) -> dict:
    if args.rule not in ON_CHAIN_RULES:
        hint = " (it has no on-chain rule)" if args.rule == "index_market_cap" else ""
        raise UsageError(f"--rule {args.rule!r}{hint}: choose one of {', '.join(ON_CHAIN_RULES)}")
    params = dict(DEFAULT_PARAMS[args.rule])
    if args.params is not None:
        loaded = check.load_json_file(args.params, "--params")
        if not isinstance(loaded, dict):
            raise UsageError(f"--params {args.params}: must hold a JSON object of parameter names to values")
        if any(k in loaded for k in ("memory_days", "logit_lamb")):
            params.pop("lamb", None)
        if any(k in loaded for k in ("log_k", "k", "absolute_k", "sp_k")):
            params.pop("kappa", None)
        params.update(loaded)
    for key in PARAM_FLAGS.values():
        v = getattr(args, f"param_{key}")
        if v is not None:
            if key == "memory_days":
                params.pop("lamb", None)
            params[key] = v
    if args.use_raw_price is not None:
        params["use_raw_price"] = bool(args.use_raw_price)
    args.given_params = {k for k in params if k not in DEFAULT_PARAMS[args.rule] or params[k] is not DEFAULT_PARAMS[args.rule][k]}
    return params


def _load_price_table(path: Path):
    """(token names, (T, n) float array, minutes between rows) from a price CSV (parity.prices format)."""
    from parity.prices import load_prices

    check.read_input_text(path, "--prices")  # a regular UTF-8 text file of sane size
    try:
        series = load_prices(path)
    except ValueError as e:
        raise UsageError(f"--prices {path}: {str(e).removeprefix(f'{path}: ')}") from None
    return list(series.tokens), series.prices, int(series.interval_minutes)


def _select_assets(names, values, spec):
    if spec is None:
        return names, values
    spec = spec.strip()
    if spec.isdigit():
        k = int(spec)
        if not 2 <= k <= len(names):
            raise UsageError(f"--assets {k}: must be between 2 and the {len(names)} price columns ({', '.join(names)})")
        return names[:k], values[:, :k]
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    missing = [w for w in wanted if w not in names]
    if missing:
        raise UsageError(f"--assets: unknown column(s) {', '.join(missing)}; the price file has {', '.join(names)}")
    if len(wanted) < 2 or len(set(wanted)) != len(wanted):
        raise UsageError(f"--assets {spec!r}: give at least 2 distinct column names")
    idx = [names.index(w) for w in wanted]
    return wanted, values[:, idx]


def _make_fingerprint(args, n: int, interval):
    from parity.fingerprint import make_run_fingerprint

    chunk = args.chunk_period if args.chunk_period is not None else (interval or 1440)
    kwargs = {"rule": args.rule, "n_assets": n, "chunk_period": chunk, "price_interval": interval or chunk}
    if args.epsilon_max is not None:
        kwargs["epsilon_max"] = args.epsilon_max
    if args.guard_rail is not None:
        kwargs["absolute_weight_guard_rail"] = args.guard_rail
    return make_run_fingerprint(**kwargs)


def _make_chain(args):
    from parity.chain import make_chain

    if args.backend == "rpc":
        if not args.rpc_url:
            raise UsageError("--backend rpc needs --rpc-url (e.g. http://127.0.0.1:8545)")
        return make_chain("rpc", url=args.rpc_url)
    if args.rpc_url:
        raise UsageError(f"--rpc-url only applies to --backend rpc (got --backend {args.backend})")
    return make_chain(args.backend)


def run_verify(args) -> int:
    """`parity verify`: returns the exit code."""
    from parity.plugins import resolve_plugins

    try:
        plugins = resolve_plugins(args)
    except ValueError as e:
        raise UsageError(str(e)) from None
    check_outputs({"--report": args.report, "--plot": args.plot}, {"--prices": args.prices, "--params": args.params})
    check.check_assets_spec(args.assets)
    params = _load_params(args)
    tolerances = _tolerances(args)
    names, values, interval = _load_price_table(args.prices)
    names, values = _select_assets(names, values, args.assets)
    n = len(names)
    if args.blocks is not None and args.blocks < 1:
        raise UsageError(f"--blocks {args.blocks}: must be ≥ 1")
    if args.burn_in < 0:
        raise UsageError(f"--burn-in {args.burn_in}: must be ≥ 0")

    from parity.harness.driver import SetupError, run_lockstep
    from parity.pools import create_pool

    try:
        fp = _make_fingerprint(args, n, interval)
        pool = plugins.pool or create_pool(args.rule)
    except ValueError as e:
        raise UsageError(str(e)) from None
    check.check_tolerance_fields(tolerances, pool.chain_rule, _level_fields(args))
    check.check_run_inputs(pool, params, fp, values, names, blocks=args.blocks, burn_in=args.burn_in,
                           label=f"--prices {args.prices}", given=args.given_params)
    try:
        chain = _make_chain(args)
    except UsageError:
        raise
    except Exception as e:
        raise SetupError(f"could not start the {args.backend} chain: {e}") from None
    if args.level == "rule":  # the pool level refuses --sender itself (it deploys its own runner)
        check.check_sender(chain, args.sender, args.backend)
    deployed = None
    if args.rule_address:
        from parity.harness.driver import _rule_artifacts

        contract = pool.chain_rule
        try:
            abi = _rule_artifacts(args.compiler_profile)[contract].abi
        except Exception as e:  # compiler missing or sources rejected
            raise SetupError(f"compiling the rule contracts failed: {e}") from None
        try:
            deployed = chain.attach(contract, args.rule_address, abi)
        except ValueError as e:  # not an address, or no contract code there
            raise UsageError(f"--rule-address {args.rule_address}: {e}") from None
    run, level_kwargs = level_runner(args, run_lockstep, sender=args.sender, deployed=deployed,
                                     compiler_profile=args.compiler_profile, artifact=plugins.artifact,
                                     rule_contract=plugins.rule_contract)
    try:
        result = run(
            pool,
            params,
            fp,
            values,
            chain,
            blocks=args.blocks,
            mode=args.mode,
            burn_in=args.burn_in,
            burn_in_mode=args.burn_in_mode,
            tolerances=tolerances,
            model_check=args.model_check,
            vectorized_check=args.vectorized_check,
            progress=not args.quiet,
            **level_kwargs,
        )
    except ValueError as e:
        raise UsageError(str(e)) from None
    return _emit(result, args)


# ---------------------------------------------------------------------------------------------------------
# record / replay (golden fixtures: parity.fixtures)
# ---------------------------------------------------------------------------------------------------------


def add_record_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `parity record`."""
    _add_run_arguments(p, "record")
    p.add_argument("--backend", choices=("eth-tester", "revm"), default="eth-tester")
    p.add_argument("--inline", action="store_true", help="store the price rows in the fixture instead of path + SHA-256")
    p.add_argument("--out", type=Path, required=True, help="fixture file to write (JSON)")
    p.add_argument("--quiet", action="store_true", help="only the verdict line")
    add_level_arguments(p)


def run_record(args) -> int:
    """`parity record`: 0 recorded with parity, 1 recorded but JAX diverged or the chain run did not complete,
    2 bad input."""
    from parity.fixtures import RecordError, record, write_fixture

    check_outputs({"--out": args.out}, {"--prices": args.prices, "--params": args.params})
    check.check_assets_spec(args.assets)
    params = _load_params(args)
    path = args.prices
    _preflight_record(args, params)
    assets = args.assets.strip() if args.assets is not None else None
    if assets is not None:
        assets = int(assets) if assets.isdigit() else [s.strip() for s in assets.split(",") if s.strip()]
    record_fn, level_kwargs = record_for_level(args, record)
    try:
        data, result = record_fn(
            args.rule, params, path, assets=assets, blocks=args.blocks,
            chunk_period=args.chunk_period, epsilon_max=args.epsilon_max, guard_rail=args.guard_rail,
            backend=args.backend, inline=args.inline or None, progress=not args.quiet, **level_kwargs,
        )
    except RecordError as e:
        print(str(e), file=sys.stderr)
        return EXIT_DIVERGENCE
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = write_fixture(data, args.out)
    _print_summary(result, args.quiet)
    print(f"  fixture: {args.out} ({out.stat().st_size} bytes, {data['blocks']} blocks, content_sha256 {data['content_sha256'][:16]}…)")
    if not result.passed:
        print("  warning: the JAX side diverged from the chain, so replaying this fixture will report the divergence",
              file=sys.stderr)
        return EXIT_DIVERGENCE
    return EXIT_PARITY


def _preflight_record(args, params) -> None:
    """The checks `verify` makes before deploying (parameter keys, prices the chain can represent)."""
    from parity.pools import create_pool

    names, values, interval = _load_price_table(args.prices)
    names, values = _select_assets(names, values, args.assets)
    try:
        fp, pool = _make_fingerprint(args, len(names), interval), create_pool(args.rule)
    except ValueError as e:
        raise UsageError(str(e)) from None
    check.check_run_inputs(pool, params, fp, values, names, blocks=args.blocks, burn_in=0, label=f"--prices {args.prices}",
                           given=args.given_params)


def add_replay_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `parity replay`."""
    p.add_argument("fixture", type=Path, metavar="FIXTURE", help="golden fixture file (JSON)")
    _add_report_arguments(p)


def run_replay(args) -> int:
    """`parity replay`: validate the fixture, replay both JAX paths against it; 0 parity, 1 divergence,
    2 unusable fixture or bad input."""
    from parity.fixtures import load_fixture, replay

    check_outputs({"--report": args.report, "--plot": args.plot}, {"FIXTURE": args.fixture})
    tolerances = _tolerances(args)
    try:
        fx = load_fixture(args.fixture)
        check.check_tolerance_fields(tolerances, fx.data["contract"],
                                     _level_fields(args) if fx.data.get("level") == "pool" else ())
        price_file = fx.data["prices"].get("path")
        check_outputs({"--report": args.report, "--plot": args.plot},
                      {"FIXTURE": args.fixture, "the fixture's price file": price_file and REPO_ROOT / price_file})
        result = replay(fx, tolerances=tolerances, model_check=args.model_check, vectorized_check=args.vectorized_check)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return _emit(result, args)


SUBCOMMANDS: dict = {
    "verify": ("lockstep-verify a rule: JAX scan path vs the on-chain contract, block by block", add_verify_arguments, run_verify),
    "record": ("record a golden fixture: run a rule on chain and write its per-block state and weights",
               add_record_arguments, run_record),
    "replay": ("replay a golden fixture: validate it, re-run both JAX paths without a chain and compare",
               add_replay_arguments, run_replay),
}
from parity.sweep.cli import add_sweep_arguments, run_sweep_command  # noqa: E402  (light: imports lazily)

SUBCOMMANDS["sweep"] = ("verify many parameter sets × price series in batches (locally or on Dask)", add_sweep_arguments, run_sweep_command)
from parity.drift import add_drift_arguments, run_drift  # noqa: E402  (drift imports cli helpers lazily)

SUBCOMMANDS["drift"] = ("drift report: the idealised simulator vs the production loop (pool weights, 9 decimals)",
                        add_drift_arguments, run_drift)
from parity.fuzz.command import HELP as FUZZ_HELP, add_fuzz_arguments, run_fuzz  # noqa: E402  (light: imports lazily)

SUBCOMMANDS["fuzz"] = (FUZZ_HELP, add_fuzz_arguments, run_fuzz)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="parity", description="Prove a JAX TFMM simulator and the on-chain rules agree, block by block.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (help_text, add_args, _) in SUBCOMMANDS.items():
        add_args(sub.add_parser(name, help=help_text, description=help_text))
    return parser


@guarded
def main(argv=None) -> int:
    """Entry point of the `parity` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _, _, run = SUBCOMMANDS[args.command]
    from parity.harness.driver import SetupError

    try:
        code = run(args)
        sys.stdout.flush()  # a closed pipe must surface here, not at interpreter exit
    except (UsageError, check.InputError) as e:
        print(f"parity {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except SetupError as e:
        print(f"parity {args.command}: setup error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"parity {args.command}: interrupted", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader closed our output (e.g. `| head`): stop quietly, with the shell's SIGPIPE status
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as e:  # e.g. a full disk while writing an output (written atomically: nothing half-written)
        print(f"parity {args.command}: error: {e.filename or 'output'}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
