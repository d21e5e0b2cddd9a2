"""The `--level` options of `parity verify` and `parity record`, and the run / record function each selects.

--level rule (default): the rule contract alone. --level pool: runner + pool + rule + oracles, with
--samples-per-interval K, --update-jitter S and --jitter-seed.
"""

from __future__ import annotations

import argparse

from parity.errors import UsageError


def add_level_arguments(p: argparse.ArgumentParser) -> None:
    """--level, and the pool level's --samples-per-interval, --update-jitter and --jitter-seed."""
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


def check_level_flags(args) -> None:
    """Before any chain starts: the options of the other level refused (pool-only flags at rule level; the
    rule-level plug-ins, --sender, --rule-address, --compiler-profile via-ir and --backend rpc at pool
    level), and the pool level's numbers within range."""
    rule_kwargs = {"sender": args.sender, "deployed": args.rule_address, "rule_contract": args.rule_contract,
                   "artifact": args.artifact or args.contract, "compiler_profile": args.compiler_profile}
    if getattr(args, "level", "rule") == "rule":
        level_runner(args, None)
        return
    level_runner(args, None, **rule_kwargs)


def level_runner(args, run_lockstep, **rule_kwargs):
    """(the run function, its level-specific keyword arguments) for args.level. Pool-only flags at rule
    level and rule-only flags at pool level are refused with a UsageError naming the flag."""
    if getattr(args, "level", "rule") == "rule":
        for flag, value, default in (("--update-jitter", args.update_jitter, 0), ("--jitter-seed", args.jitter_seed, 0),
                                     ("--samples-per-interval", args.samples_per_interval, 3),
                                     ("--stale-oracles", args.stale_oracles, 0.0), ("--stale-seed", args.stale_seed, 0)):
            if value != default:
                raise UsageError(f"{flag} {value}: applies to --level pool only")
        return run_lockstep, rule_kwargs
    for flag, value in (("--sender", rule_kwargs.get("sender")), ("--rule-address", rule_kwargs.get("deployed")),
                        ("--pool", getattr(args, "pool", None)), ("--rule-contract", rule_kwargs.get("rule_contract")),
                        ("--artifact/--contract", rule_kwargs.get("artifact"))):
        if value is not None:
            raise UsageError(f"{flag}: applies to --level rule only (the pool level deploys parity's own rule, "
                             f"runner and pool and drives parity's pools)")
    if rule_kwargs.get("compiler_profile", "legacy") != "legacy":
        raise UsageError(f"--compiler-profile {rule_kwargs['compiler_profile']}: the pool level deploys the legacy build only")
    if getattr(args, "backend", None) == "rpc":
        raise UsageError("--level pool runs on an in-process chain: use --backend revm or eth-tester")
    from parity.harness.driver import run_pool_lockstep

    check_level_values(args)
    return run_pool_lockstep, {"samples_per_interval": args.samples_per_interval, "update_jitter": args.update_jitter,
                               "jitter_seed": args.jitter_seed, "stale_oracles": args.stale_oracles,
                               "stale_seed": args.stale_seed}


def record_for_level(args, record):
    """(the record function, its level-specific keyword arguments) for `parity record --level ...`."""
    profile = getattr(args, "compiler_profile", "legacy")
    if getattr(args, "level", "rule") == "rule":
        level_runner(args, None)  # refuses pool-only flags
        return record, {"compiler_profile": profile}
    level_runner(args, None, compiler_profile=profile)  # refuses rule-only settings
    if args.stale_oracles or args.stale_seed:
        raise UsageError("--stale-oracles/--stale-seed: a fixture records no oracle scenario; use them with "
                         "`parity verify --level pool`")
    from parity.fixtures import record_pool

    return record_pool, {"samples_per_interval": args.samples_per_interval, "update_jitter": args.update_jitter,
                         "jitter_seed": args.jitter_seed}
