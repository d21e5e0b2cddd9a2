"""`parity verify`: lockstep JAX vs the on-chain rule (or the whole pool stack with --level pool).

Exit codes: 0 parity, 1 divergence (including a revert or a chain/integer-model mismatch), 2 bad input or
set-up error.
"""

from __future__ import annotations

from parity.commands.common import emit
from parity.errors import SetupError, UsageError
from parity.inputs.arguments import add_report_arguments, add_run_arguments
from parity.inputs.checks import check_assets_spec, check_run_inputs, check_sender, check_tolerance_fields
from parity.inputs.fingerprint import make_fingerprint
from parity.inputs.levels import add_level_arguments, level_runner
from parity.inputs.params import load_params
from parity.inputs.plugins import add_plugin_arguments, resolve_plugins
from parity.inputs.prices import load_run_prices
from parity.inputs.stack_options import chain_options
from parity.inputs.tolerances import level_fields, parse_tolerances
from parity.io import check_outputs

HELP = "lockstep-verify a rule: JAX scan path vs the on-chain contract, block by block"


def add_parser(subparsers):
    """The `verify` subcommand and its options."""
    p = subparsers.add_parser("verify", help=HELP, description=HELP)
    add_run_arguments(p, "verify")
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
    add_plugin_arguments(p)
    add_level_arguments(p)
    add_report_arguments(p)
    return p


def _run_inputs(args, plugins):
    """(pool, params, fingerprint, prices, tolerances), every input checked before a chain starts."""
    from parity.pools import create_pool

    check_outputs({"--report": args.report, "--plot": args.plot}, {"--prices": args.prices, "--params": args.params})
    check_assets_spec(args.assets)
    params = load_params(args)
    tolerances = parse_tolerances(args)
    names, values, interval = load_run_prices(args)
    if args.blocks is not None and args.blocks < 1:
        raise UsageError(f"--blocks {args.blocks}: must be ≥ 1")
    if args.burn_in < 0:
        raise UsageError(f"--burn-in {args.burn_in}: must be ≥ 0")
    try:
        fp = make_fingerprint(args, len(names), interval)
        pool = plugins.pool or create_pool(args.rule)
    except ValueError as e:
        raise UsageError(str(e)) from None
    check_tolerance_fields(tolerances, pool.chain_rule, level_fields(args))
    check_run_inputs(pool, params, fp, values, names, blocks=args.blocks, burn_in=args.burn_in,
                     label=f"--prices {args.prices}", given=args.given_params)
    return pool, params, fp, values, tolerances


def _make_chain(args):
    from parity.chain import make_chain

    if args.backend == "rpc":
        if not args.rpc_url:
            raise UsageError("--backend rpc needs --rpc-url (e.g. http://127.0.0.1:8545)")
        return make_chain("rpc", url=args.rpc_url)
    if args.rpc_url:
        raise UsageError(f"--rpc-url only applies to --backend rpc (got --backend {args.backend})")
    try:
        return make_chain(args.backend, **chain_options(args))
    except ValueError as e:
        raise UsageError(str(e)) from None


def _start_chain(args):
    """The chain of --backend; SetupError when it cannot start."""
    try:
        chain = _make_chain(args)
    except UsageError:
        raise
    except Exception as e:
        raise SetupError(f"could not start the {args.backend} chain: {e}") from None
    if args.level == "rule":  # the pool level refuses --sender itself (it deploys its own runner)
        check_sender(chain, args.sender, args.backend)
    return chain


def _attach(args, chain, pool):
    """The rule already deployed at --rule-address (None without it)."""
    if not args.rule_address:
        return None
    from parity.harness.driver import _rule_artifacts

    contract = pool.chain_rule
    try:
        abi = _rule_artifacts(args.compiler_profile)[contract].abi
    except Exception as e:  # compiler missing or sources rejected
        raise SetupError(f"compiling the rule contracts failed: {e}") from None
    try:
        return chain.attach(contract, args.rule_address, abi)
    except ValueError as e:  # not an address, or no contract code there
        raise UsageError(f"--rule-address {args.rule_address}: {e}") from None


def run(args) -> int:
    """`parity verify`: returns the exit code."""
    from parity.harness.driver import run_lockstep

    try:
        plugins = resolve_plugins(args)
    except ValueError as e:
        raise UsageError(str(e)) from None
    pool, params, fp, values, tolerances = _run_inputs(args, plugins)
    chain = _start_chain(args)
    deployed = _attach(args, chain, pool)
    run_level, level_kwargs = level_runner(args, run_lockstep, sender=args.sender, deployed=deployed,
                                           compiler_profile=args.compiler_profile, artifact=plugins.artifact,
                                           rule_contract=plugins.rule_contract)
    try:
        result = run_level(pool, params, fp, values, chain, blocks=args.blocks, mode=args.mode, burn_in=args.burn_in,
                           burn_in_mode=args.burn_in_mode, tolerances=tolerances, model_check=args.model_check,
                           vectorized_check=args.vectorized_check, progress=not args.quiet, **level_kwargs)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return emit(result, args)
