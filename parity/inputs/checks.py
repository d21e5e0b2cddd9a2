"""Checks of what users give parity, run before anything is computed or deployed.

Every check raises `InputError` with one line naming the input (flag or file and field), the value and
what is wrong; the command prints it and exits with code 2 (docs/bad-input.md).

**Parameters**: every key the user gave is read by the rule (a default that hides a key the user gave for
the same parameter is dropped first). **What the chain can represent**: the contracts take prices as
18-decimal integers (int256 in the ABI) and store their moving averages and rule state as int128 (packed
pairs). A price below 1 wei encodes as 0; a price above int128 / 10^18 (≈ 1.7e20) cannot be stored; and a
state that grows past int128 makes `CalculateNewWeights` revert mid-run. `check_prices_for_chain` finds all
three up front: it runs the rule's stored states in float64 over the very update prices of the run (the
same recurrences the contract runs) and requires them to stay below int128 with a factor `MARGIN` to spare
for rounding (parity.chain_limits, shared with the engines that make their own markets).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from parity.chain_limits import (  # noqa: F401  (re-exported: the chain-limit checks of a run's inputs)
    INT128_MAX, MARGIN, MAX_PRICE, STATE_OF_CONTRACT, WAD, check_price_range, check_prices_for_chain, state_peaks,
)
from parity.errors import InputError
from parity.harness.mapping import state_map_for
from parity.pools.base import TFMMBasePool

# ------------------------------------------------------------------------------------------ parameters


class _ReadTracker(dict):
    """A dict that remembers which keys were looked up (get, [], in)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def unused_parameter_keys(pool, params: dict, run_fingerprint) -> list[str]:
    """Keys of `params` the pool never reads when resolving its parameters, initial weights and state."""
    tracked = _ReadTracker(params)
    pool.chain_params(tracked, run_fingerprint)
    if hasattr(pool, "initial_weights"):
        pool.initial_weights(tracked, run_fingerprint)
    if isinstance(pool, TFMMBasePool):  # a plug-in pool's state hook takes the decoded on-chain values
        pool.get_initial_rule_state(np.ones(run_fingerprint.n_assets), tracked, run_fingerprint)
    return sorted(set(params) - tracked.read)


def drop_shadowing_defaults(pool, params: dict, given: set, run_fingerprint) -> None:
    """Remove (in place) default keys that hide a key the user gave for the same parameter, e.g. the
    default `width` when the user gave `sp_width` (the pool reads the first of the two it finds)."""
    unused = set(unused_parameter_keys(pool, params, run_fingerprint)) & given
    for key in [k for k in params if k not in given]:
        if not unused:
            return
        trial = {k: v for k, v in params.items() if k != key}
        try:
            now = set(unused_parameter_keys(pool, trial, run_fingerprint)) & given
        except ValueError:
            continue  # the default is needed
        if len(now) < len(unused):
            del params[key]
            unused = now


def check_parameter_keys(pool, params: dict, given: set, run_fingerprint, label: str = "--params") -> None:
    """InputError naming every key the user gave (`given`) that the rule does not use."""
    unused = [k for k in unused_parameter_keys(pool, params, run_fingerprint) if k in given]
    if unused:
        raise InputError(
            f"{label}: {', '.join(map(repr, unused))} {'is' if len(unused) == 1 else 'are'} not used by rule "
            f"{pool.rule} (unknown, misspelt or overridden by another key)"
        )


# ------------------------------------------------------------------------------------ other options


def check_tolerance_fields(tolerances: dict, contract: str, extra: Sequence[str] = ()) -> None:
    """InputError for a `--tolerance` field the rule's contract does not have (`extra`: the level's own
    fields, e.g. the pool level's stored weights and samples)."""
    fields = (*state_map_for(contract).keys, "weights", *extra)
    unknown = [f for f in tolerances if f not in fields]
    if unknown:
        raise InputError(f"--tolerance {unknown[0]}: {contract} has no field {unknown[0]!r}; its fields are "
                         f"{', '.join(fields)}")


def check_assets_spec(spec: str | None) -> None:
    """`--assets` must be ASCII: a count in 0-9 digits or column names separated by commas."""
    if spec is not None and not spec.isascii() and spec.strip().isdigit():
        raise InputError(f"--assets {spec!r}: write the number of assets with the digits 0-9")
    if spec is not None and not spec.strip():
        raise InputError("--assets: empty; give a number of assets or comma-separated column names")


def check_sender(chain, sender: str | None, backend: str) -> None:
    """On the in-process backends the sender must be one of the chain's accounts (it signs transactions)."""
    if sender is None or backend == "rpc":
        return
    from eth_utils import is_address, to_checksum_address

    if not is_address(sender):
        raise InputError(f"--sender {sender!r}: not an address (0x followed by 40 hex digits)")
    accounts = [to_checksum_address(a) for a in chain.accounts]
    if to_checksum_address(sender) not in accounts:
        raise InputError(f"--sender {sender}: not one of the {backend} chain's {len(accounts)} accounts "
                         f"({accounts[0]} … {accounts[-1]})")


# ------------------------------------------------------------------------------------------ one run


def check_run_inputs(pool, params: dict, fp, prices, names, *, blocks, burn_in, label: str, given=None) -> None:
    """Before deploying: every parameter key is used by the rule (defaults that hide a key the user gave,
    `given`, are dropped from `params` first), and the run's update prices are representable on chain
    (check_prices_for_chain). `prices` holds every row; row 0 initialises."""
    try:
        if given is not None:
            drop_shadowing_defaults(pool, params, set(given), fp)
        check_parameter_keys(pool, params, set(params), fp, "--params/flags")
        stride = max(int(fp.chunk_period) // int(fp.price_interval or fp.chunk_period), 1)
        update = np.asarray(prices, dtype=np.float64)[::stride]
        if blocks is not None:
            update = update[: burn_in + blocks + 1]
        check_prices_for_chain(pool, params, fp, update, names, label)
    except InputError:
        raise
    except ValueError as e:  # the pool's own parameter checks
        raise InputError(str(e)) from None
