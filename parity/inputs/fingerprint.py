"""The run fingerprint from the command line's run options (parity.fingerprint validates every field)."""

from __future__ import annotations

import dataclasses

from parity.errors import UsageError
from parity.fingerprint import make_run_fingerprint


def make_fingerprint(args, n: int, interval):
    """The fingerprint of --rule on n assets: --chunk-period (default: the price interval), --epsilon-max and
    --guard-rail. Raises ValueError naming the field for a bad setting."""
    chunk = args.chunk_period if args.chunk_period is not None else (interval or 1440)
    kwargs = {"rule": args.rule, "n_assets": n, "chunk_period": chunk, "price_interval": interval or chunk}
    if args.epsilon_max is not None:
        kwargs["epsilon_max"] = args.epsilon_max
    if args.guard_rail is not None:
        kwargs["absolute_weight_guard_rail"] = args.guard_rail
    return make_run_fingerprint(**kwargs)


def production_fingerprint(args, n: int, interval):
    """make_fingerprint on the production loop (interpolation over the update interval) with the update
    delays of --update-jitter and --jitter-seed; UsageError naming the flag for a bad setting."""
    try:
        fp = make_fingerprint(args, n, interval)
        return dataclasses.replace(fp, weight_interpolation_method="onchain", weight_interpolation_period=fp.chunk_period,
                                   update_delay_seconds=args.update_jitter, update_delay_seed=args.jitter_seed)
    except ValueError as e:
        raise UsageError(str(e).replace("update_delay_seconds", "--update-jitter")
                         .replace("update_delay_seed", "--jitter-seed")) from None
