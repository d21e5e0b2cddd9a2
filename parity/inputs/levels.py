"""The `--level` options of `parity verify` and `parity record`, and the run / record function each selects.

--level rule (default): the rule contract alone. --level pool: runner + pool + rule + oracles, with
--samples-per-interval K, --update-jitter S and --jitter-seed, the seeded stale-oracle scenario
(--stale-oracles RATE, --stale-seed S; verify only), and the user's own contracts through --artifacts /
--contracts and the contract names by role (stack_options.py).
"""

from __future__ import annotations

import argparse

from parity.errors import UsageError
from parity.inputs.stack_options import add_stack_arguments, chain_options, refuse_at_rule_level, stack_from_args

POOL_ONLY = (("--update-jitter", "update_jitter", 0), ("--jitter-seed", "jitter_seed", 0),
             ("--samples-per-interval", "samples_per_interval", 3), ("--stale-oracles", "stale_oracles", 0.0),
             ("--stale-seed", "stale_seed", 0))


def add_level_arguments(p: argparse.ArgumentParser) -> None:
    """--level, and the pool level's --samples-per-interval, --update-jitter, --jitter-seed, --stale-oracles
    and --stale-seed, and the stack options (parity.inputs.stack_options)."""
    p.add_argument("--level", choices=("rule", "pool"), default="rule",
                   help="rule: the rule contract alone (default); pool: each update sets the oracles and calls the "
                        "runner's performUpdate, and the pool's stored and interpolated weights are compared too")
    p.add_argument("--samples-per-interval", type=int, default=3, metavar="K",
                   help="pool level: getNormalizedWeights at K times spread over each interval (default 3: start, "
                        "middle, end), plus the rail time")
    p.add_argument("--update-jitter", type=int, default=0, metavar="S",
                   help="pool level: each update is late by a seeded 0..S seconds (S below the update interval)")
    p.add_argument("--jitter-seed", type=int, default=0, help="pool level: seed of --update-jitter")
    p.add_argument("--stale-oracles", type=float, default=0.0, metavar="RATE",
                   help="pool level: at each update a seeded RATE of the primary oracles is stale (one exactly at the "
                        "staleness threshold, or older) with a fresh or stale backup; the runner's reads, and its "
                        "revert when no oracle is fresh, are verified on every side (default 0: off)")
    p.add_argument("--stale-seed", type=int, default=0, help="pool level: seed of --stale-oracles")
    add_stack_arguments(p)


def check_samples(args) -> int:
    """--samples-per-interval within [1, MAX_SAMPLES_PER_INTERVAL] (each sample mines a block per update),
    checked before anything is built from it (e.g. its fine_<j> tolerance fields)."""
    from parity.harness.lockstep.plan import MAX_SAMPLES_PER_INTERVAL

    k = getattr(args, "samples_per_interval", 3)
    if not 1 <= k <= MAX_SAMPLES_PER_INTERVAL:
        raise UsageError(f"--samples-per-interval {k}: must be between 1 and {MAX_SAMPLES_PER_INTERVAL} (each sample "
                         "mines one block per update)")
    return k


def check_level_values(args) -> None:
    """The pool level's numeric options within their ranges (before any chain is started)."""
    check_samples(args)
    if not 0 <= args.stale_oracles <= 1:  # NaN included
        raise UsageError(f"--stale-oracles {args.stale_oracles}: must be a share in [0, 1]")
    if not 0 <= args.stale_seed < 2**64:
        raise UsageError(f"--stale-seed {args.stale_seed}: must be an integer in [0, 2^64)")


def refuse_other_level(args, rule_kwargs: dict) -> None:
    """UsageError naming the first option of the other level: pool-only flags and the stack options at rule
    level; --sender, --rule-address and --pool, and --rule-contract without a stack, at pool
    level (whose numbers are checked too). Builds nothing."""
    if getattr(args, "level", "rule") == "rule":
        for flag, dest, default in POOL_ONLY:
            if getattr(args, dest, default) != default:
                raise UsageError(f"{flag} {getattr(args, dest)}: applies to --level pool only")
        try:
            refuse_at_rule_level(args)
        except ValueError as e:
            raise UsageError(str(e)) from None
        return
    for flag, value in (("--sender", rule_kwargs.get("sender")), ("--rule-address", rule_kwargs.get("deployed")),
                        ("--pool", getattr(args, "pool", None))):
        if value is not None:
            raise UsageError(f"{flag}: applies to --level rule only (the pool level deploys its own runner and "
                             "pool and drives parity's pools)")
    if rule_kwargs.get("rule_contract") is not None and getattr(args, "artifacts", None) is None \
            and getattr(args, "contracts", None) is None:
        raise UsageError(f"--rule-contract {rule_kwargs['rule_contract']}: at --level pool it names the rule in "
                         "--artifacts DIR or --contracts SRC_DIR")
    check_level_values(args)


def check_level_flags(args) -> None:
    """Before any chain starts or any contract is built: the options of the other level refused and the pool
    level's numbers within range (refuse_other_level on the command line's own values)."""
    refuse_other_level(args, {"sender": args.sender, "deployed": args.rule_address,
                              "rule_contract": getattr(args, "rule_contract", None)})


def level_runner(args, run_lockstep, **rule_kwargs):
    """(the run function, its level-specific keyword arguments) for args.level. Pool-only flags at rule
    level and rule-only flags at pool level are refused with a UsageError naming the flag."""
    refuse_other_level(args, rule_kwargs)
    if getattr(args, "level", "rule") == "rule":
        return run_lockstep, rule_kwargs
    from parity.harness.driver import run_pool_lockstep

    return run_pool_lockstep, {**pool_options(args, rule_kwargs.get("artifact")),
                               "stale_oracles": args.stale_oracles, "stale_seed": args.stale_seed,
                               "compiler_profile": rule_kwargs.get("compiler_profile", "legacy")}


def pool_options(args, rule_artifact=None) -> dict:
    """The pool-level keyword arguments of run_pool_lockstep / record_pool, the stack included."""
    try:
        stack = stack_from_args(args, rule_artifact)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return {"samples_per_interval": args.samples_per_interval, "update_jitter": args.update_jitter,
            "jitter_seed": args.jitter_seed, "artifacts": stack}


def record_for_level(args, record):
    """(the record function, its level-specific keyword arguments) for `parity record --level ...`."""
    profile = getattr(args, "compiler_profile", "legacy")
    if getattr(args, "level", "rule") == "rule":
        refuse_other_level(args, {})
        return record, {"compiler_profile": profile}
    if args.stale_oracles or args.stale_seed:
        raise UsageError("--stale-oracles/--stale-seed: a fixture records no oracle scenario; use them with "
                         "`parity verify --level pool`")
    refuse_other_level(args, {"compiler_profile": profile})
    kwargs = {**pool_options(args), "compiler_profile": profile}
    from parity.fixtures import record_pool

    try:
        kwargs.update(chain_options(args))
    except ValueError as e:
        raise UsageError(str(e)) from None
    return record_pool, kwargs
