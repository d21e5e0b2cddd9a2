"""What the rule contracts can hold, per rule: the chain-limit checks shared by the input checks
(parity.inputs.checks, before a run) and the engines that make their own markets (parity fuzz screens every
example it draws with them).

The contracts take prices as 18-decimal integers (int256 in the ABI) and store their moving averages and rule
state as int128 (packed pairs). A price below 1 wei encodes as 0; a price above int128 / 10^18 (≈ 1.7e20)
cannot be stored; and a state that grows past int128 makes `CalculateNewWeights` revert mid-run.
`check_prices_for_chain` finds all three up front: it runs the rule's stored states in float64 over the
very update prices of the run (the same recurrences the contract runs) and requires them to stay below int128
with a factor `MARGIN` to spare for rounding. It sits in the catalogue layer: it reads which state each rule
contract stores from the catalogue's rows.
"""

from __future__ import annotations

import numpy as np

from parity.catalogue import RULES
from parity.errors import InputError

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
