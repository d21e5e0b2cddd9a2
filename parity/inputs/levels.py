"""The `--level` options of `parity verify` and `parity record`, and the run / record function each selects.

--level rule (default): the rule contract alone. --level pool: runner + pool + rule + oracles, with
--samples-per-interval K, --update-jitter S and --jitter-seed, and the user's own contracts through
--artifacts / --contracts and the contract names by role (stack_options.py).
"""

from __future__ import annotations

import argparse

from parity.errors import UsageError
from parity.inputs.stack_options import add_stack_arguments, chain_options, refuse_at_rule_level, stack_from_args


def add_level_arguments(p: argparse.ArgumentParser) -> None:
    """--level, and the pool level's --samples-per-interval, --update-jitter and --jitter-seed, and the
    stack options (parity.inputs.stack_options)."""
    p.add_argument("--level", choices=("rule", "pool"), default="rule",
                   help="rule: the rule contract alone (default); pool: each update sets the oracles and calls the "
                        "runner's performUpdate, and the pool's stored and interpolated weights are compared too")
    p.add_argument("--samples-per-interval", type=int, default=3, metavar="K",
                   help="pool level: getNormalizedWeights at K times spread over each interval (default 3: start, "
                        "middle, end), plus the rail time")
    p.add_argument("--update-jitter", type=int, default=0, metavar="S",
                   help="pool level: each update is late by a seeded 0..S seconds (S below the update interval)")
    p.add_argument("--jitter-seed", type=int, default=0, help="pool level: seed of --update-jitter")
    add_stack_arguments(p)


def level_runner(args, run_lockstep, **rule_kwargs):
    """(the run function, its level-specific keyword arguments) for args.level. Pool-only flags at rule
    level and rule-only flags at pool level are refused with a UsageError naming the flag."""
    if getattr(args, "level", "rule") == "rule":
        for flag, value, default in (("--update-jitter", args.update_jitter, 0), ("--jitter-seed", args.jitter_seed, 0),
                                     ("--samples-per-interval", args.samples_per_interval, 3)):
            if value != default:
                raise UsageError(f"{flag} {value}: applies to --level pool only")
        try:
            refuse_at_rule_level(args)
        except ValueError as e:
            raise UsageError(str(e)) from None
        return run_lockstep, rule_kwargs
    for flag, value in (("--sender", rule_kwargs.get("sender")), ("--rule-address", rule_kwargs.get("deployed")),
                        ("--pool", getattr(args, "pool", None))):
        if value is not None:
            raise UsageError(f"{flag}: applies to --level rule only (the pool level deploys its own runner and "
                             "pool and drives parity's pools)")
    if rule_kwargs.get("rule_contract") is not None and getattr(args, "artifacts", None) is None \
            and getattr(args, "contracts", None) is None:
        raise UsageError(f"--rule-contract {rule_kwargs['rule_contract']}: at --level pool it names the rule in "
                         "--artifacts DIR or --contracts SRC_DIR")
    from parity.harness.driver import run_pool_lockstep

    return run_pool_lockstep, {**pool_options(args, rule_kwargs.get("artifact")),
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
        level_runner(args, None)  # refuses pool-only flags
        return record, {"compiler_profile": profile}
    _, kwargs = level_runner(args, None, compiler_profile=profile)  # refuses rule-only settings
    from parity.fixtures import record_pool

    try:
        kwargs.update(chain_options(args))
    except ValueError as e:
        raise UsageError(str(e)) from None
    return record_pool, kwargs
