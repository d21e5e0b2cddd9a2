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
for rounding.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from parity.catalogue import RULES
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


# ------------------------------------------------------------------------------------ chain limits

WAD = 10**18
INT128_MAX = 2**127 - 1
MARGIN = 2.0  # the float64 states must stay below INT128_MAX / MARGIN (in wei)
MAX_PRICE = INT128_MAX / WAD / MARGIN  # ≈ 8.5e19
# contract -> the stored state that grows with the prices (the rule-specific state the contract initialises)
STATE_OF_CONTRACT = {r.contract: r.state_map.init_key for r in RULES.values() if r.contract is not None}


def _per_asset(values, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    return np.broadcast_to(arr, (n,)) if arr.size == 1 else arr


def state_peaks(prices: np.ndarray, lamb: np.ndarray, lamb_short: np.ndarray | None = None) -> dict:
    """{state: (peak |value| per asset, update index of the peak)} of the moving average, the gradient
    state a, the variance state A and the short moving average, started at p̄ = p₀, a = A = 0."""
    ewma = prices[0].copy()
    short = prices[0].copy()
    a = np.zeros_like(ewma)
    var = np.zeros_like(ewma)
    peaks = {k: np.zeros_like(ewma) for k in ("ewma", "running_a", "variance", "short_ewma")}
    where = {k: np.zeros(ewma.shape, dtype=int) for k in peaks}
    ls = lamb if lamb_short is None else lamb_short
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, len(prices)):
            p = prices[t]
            prev = ewma
            ewma = lamb * ewma + (1 - lamb) * p
            a = lamb * a + (p - ewma) / (1 - lamb)
            var = lamb * var + (p - prev) * (p - ewma)
            short = ls * short + (1 - ls) * p
            for k, v in (("ewma", ewma), ("running_a", a), ("variance", var), ("short_ewma", short)):
                bigger = ~(np.abs(v) <= peaks[k])  # NaN/inf count as bigger
                peaks[k] = np.where(bigger, np.abs(v), peaks[k])
                where[k] = np.where(bigger, t, where[k])
    return {k: (peaks[k], where[k]) for k in peaks}


def check_price_range(prices: np.ndarray, names, label: str, stride: int = 1) -> None:
    """Every price at least 1 wei and at most MAX_PRICE; InputError naming the column, row and value."""
    for test, what in ((prices < 1e-18, "below 1 wei (1e-18): it would be 0 on chain"),
                       (prices > MAX_PRICE, f"above {MAX_PRICE:.3g}, the largest price the contract's int128 "
                                            "storage holds with room for its moving average")):
        if test.any():
            row, col = (int(v) for v in np.argwhere(test)[0])
            raise InputError(f"{label}: column {names[col]}, row {row * stride}: price {prices[row, col]:.6g} is {what}")


def check_prices_for_chain(pool, params: dict, fp, prices: np.ndarray, names, label: str) -> None:
    """InputError if the update prices `prices` ((rows, n), row 0 initialises) cannot be given to the rule's
    contract: a price outside [1 wei, MAX_PRICE] or a stored state that would leave int128."""
    stride = max(int(fp.chunk_period) // int(fp.price_interval or fp.chunk_period), 1)
    check_price_range(prices, names, label, stride)
    contract = pool.chain_rule
    key = STATE_OF_CONTRACT.get(contract)
    if key is None:
        return
    cp = pool.chain_params(params, fp)
    n = prices.shape[1]
    lamb = _per_asset(cp["lamb"], n)
    lamb_short = _per_asset(cp["lamb_short"], n) if "lamb_short" in cp else None
    peak, at = state_peaks(np.asarray(prices, dtype=np.float64), lamb, lamb_short)[key]
    limit = INT128_MAX / WAD / MARGIN
    bad = ~(peak <= limit)
    if bad.any():
        i = int(np.argmax(np.where(bad, 1, 0)))
        raise InputError(
            f"{label}: column {names[i]}: {contract}'s {key} state would reach {peak[i]:.3g} at update "
            f"{int(at[i])} (λ = {lamb[i]:.6g}), beyond its int128 storage (at most {limit:.3g} with margin): "
            "the contract would revert; use smaller prices (rescale the column) or a smaller λ"
        )
