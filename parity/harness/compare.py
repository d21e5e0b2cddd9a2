"""Comparing float64 (JAX) with 18-decimal integers (chain): error measures, tolerances, divergences.

Every compared element gets four measures:
  abs    = |jax − chain/1e18|                      (in the field's own units, exact: wei/1e18)
  rel    = abs / |chain/1e18|                      (inf when the chain value is 0 and jax is not)
  wei    = |jax·1e18 − chain|                      (exact, from the float's binary value)
  scaled = abs / scale                             (the measure the tolerances apply to)

`scale` is the field's natural size for that asset over the run, so that one dimensionless tolerance per
field works for every asset and never blows up where a state crosses zero (the gradient state a does):
  ewma, short_ewma : max |p_i|                     (a moving average lives on the price scale)
  running_a        : max |p_i| / (1 − λ_i)         (a = Σ λ^j (p − p̄)/(1 − λ), |p − p̄| ≲ price scale)
  variance         : max |p_i|²                    (A accumulates products of two price deviations)
  weights          : 1                             (so the weight tolerance is absolute)

An element passes when scaled ≤ tolerance[field]. See `default_tolerances` for the reasoning behind the
defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from parity.harness.mapping import WAD, wei_error

FIELDS = ("ewma", "running_a", "variance", "short_ewma", "weights")

U = 2.0**-53  # float64 unit roundoff
WEI = 1e-18
SAFETY = 4.0  # margin of the state defaults over their derived bounds (benchmarks/tolerance_envelope.py)
SAFETY_WEIGHTS = 3.0  # where the weight bound is nearly exact (a systematic mulFactor error): margin ≥ 5


# ---------------------------------------------------------------------------------------------------------
# scales and tolerances
# ---------------------------------------------------------------------------------------------------------


def _per_asset(x, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=np.float64).ravel(), (n,)).astype(np.float64)


def field_scales(prices: np.ndarray, lamb) -> dict[str, np.ndarray]:
    """Per-asset scale of each field over the run (see the module docstring); only running_a depends on λ."""
    prices = np.asarray(prices, dtype=np.float64)
    n = prices.shape[1]
    pmax = np.max(np.abs(prices), axis=0)
    lam = _per_asset(lamb, n)
    return {
        "ewma": pmax,
        "short_ewma": pmax,
        "running_a": pmax / (1.0 - lam),
        "variance": pmax**2,
        "weights": np.ones(n),
    }


def memory_length(lamb, horizon: int) -> float:
    """How many steps of injected rounding error an EWMA-type state can hold: min(horizon, 1/(1−λmax))."""
    lam = float(np.max(np.asarray(lamb, dtype=np.float64)))
    return float(min(max(horizon, 1), 1.0 / (1.0 - lam)))


def _ewma_path(prices: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """p̄(t) for t = 0..T−1 in float64, p̄(0) = p(0) (the chain's recurrence, row by row)."""
    out = np.empty_like(prices)
    out[0] = prices[0]
    for t in range(1, len(prices)):
        out[t] = lam * out[t - 1] + (1.0 - lam) * prices[t]
    return out


def run_statistics(prices: np.ndarray, lamb, lamb_short=None) -> dict:
    """What the tolerances need to know about a run's prices, from the chain's recurrences in float64.

    d: max |p − p̄| / max p (deviation size on the price scale); R: max_i max p_i / min p_i;
    g, g_raw: the gradient signals c·a/p̄ and c·a/p (T−1, n); ewma, short: moving averages (T, n);
    var_min: min over t ≥ 1 of the variance state A_i / max p_i² (∞ without a variance)."""
    prices = np.asarray(prices, dtype=np.float64)
    n = prices.shape[1]
    lam = _per_asset(lamb, n)
    ma = _ewma_path(prices, lam)
    pmax = np.max(np.abs(prices), axis=0)
    dev = np.abs(prices - ma) / pmax
    a = np.zeros(n)
    var = np.zeros(n)
    g, g_raw, var_rel = [], [], []
    c = (1.0 - lam) ** 3 / lam
    for t in range(1, len(prices)):
        a = lam * a + (prices[t] - ma[t]) / (1.0 - lam)
        var = lam * var + (prices[t] - ma[t - 1]) * (prices[t] - ma[t])
        g.append(c * a / ma[t])
        g_raw.append(c * a / prices[t])
        var_rel.append(var / pmax**2)
    short = _ewma_path(prices, _per_asset(lamb_short, n)) if lamb_short is not None else ma
    return {
        "prices": prices,
        "lam": lam,
        "d": float(np.max(dev)) if dev.size else 0.0,
        "d_i": np.max(dev, axis=0) if dev.size else np.zeros(n),
        "R": float(np.max(pmax / np.min(np.abs(prices), axis=0))),
        "g": np.array(g).reshape(-1, n),
        "g_raw": np.array(g_raw).reshape(-1, n),
        "ewma": ma,
        "short": short,
        "var_min": float(np.min(var_rel)) if var_rel else math.inf,
    }


def _signal_derivative(rule_signal, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s(g), ds/dg) of the rule's signal per step and asset (central difference): an absolute error δ in g
    moves s by ≈ |ds/dg|·δ, a relative error r by ≈ ds/dg·g·r."""
    step = 1e-7 * (np.abs(g) + 1e-9)
    s = np.asarray(rule_signal(g), dtype=np.float64)
    up = np.asarray(rule_signal(g + step), dtype=np.float64)
    down = np.asarray(rule_signal(g - step), dtype=np.float64)
    return s, (up - down) / (2 * step)


def _state_bounds(d, L, L_short, wei, pmin, r_lam=0.0) -> dict:
    """The state bounds for deviation size d, memory L (L_short for the short EWMA), 1 wei = `wei` in
    scaled units and the relative error r_lam of 1/(1−λ) (`chain_quotient_error`); scalars or per-asset
    arrays. See `default_tolerances`."""

    def deviation_bound(length):
        # e = p − p̄: the prices' own float representation (u·p, it telescopes and does not accumulate),
        # 2u·|e| of rounding per step and 2 wei per step on chain, both held for `length` steps
        return U + length * (2 * U * d + 2 * wei)

    dev = deviation_bound(L)
    e = 2 * U + dev  # p̄ = p − e rounds once more
    short = 2 * U + deviation_bound(L_short)
    a = L * (dev + 2 * U * d * L + 2 * wei) + np.abs(r_lam) * d * L
    var = L * (3 * U * d * d + 2 * d * dev + 2 * wei / pmin)
    return {"ewma": e, "short_ewma": short, "running_a": a, "variance": var}


def state_tolerances(stats: dict, lamb, horizon: int, pmin: float, lamb_short=None) -> dict[str, float]:
    """Unscaled bounds (before SAFETY) of the state fields, as scaled errors. See `default_tolerances`."""
    L = memory_length(lamb, horizon)
    L_short = memory_length(lamb_short, horizon) if lamb_short is not None else L
    r_lam = float(np.max(np.abs(chain_quotient_error(lamb))))
    out = _state_bounds(stats["d"], L, L_short, WEI / pmin, pmin, r_lam)
    if lamb_short is None:
        out["short_ewma"] = out["ewma"]
    return {k: float(v) for k, v in out.items()}


def asset_state_bounds(stats: dict, lamb, horizon: int, lamb_short=None) -> dict[str, np.ndarray]:
    """The state bounds per update t = 1..T−1 and asset, shape (T−1, n): each asset with its own λ_i,
    deviation size d_i and smallest price (asset i's signal takes asset i's state errors), and the memory
    the errors have had time to fill by update t, L_t = Σ_{j<t} λ^j = (1 − λ^t)/(1 − λ)
    ≤ min(t, 1/(1−λ))."""
    prices = stats["prices"]
    n = prices.shape[1]
    t = np.arange(1, max(len(prices), 2), dtype=np.float64)[:, None]
    L = _filled_memory(_per_asset(lamb, n), t, horizon)
    L_short = _filled_memory(_per_asset(lamb_short, n), t, horizon) if lamb_short is not None else L
    pmin_i = np.maximum(np.min(np.abs(prices), axis=0), 1e-300)
    r_lam = _per_asset(chain_quotient_error(lamb), n)
    return _state_bounds(stats["d_i"], L, L_short, WEI / pmin_i, pmin_i, r_lam)


def _filled_memory(lam: np.ndarray, t: np.ndarray, horizon: int) -> np.ndarray:
    """(1 − λ^t)/(1 − λ), capped at t and at the horizon: how many damped steps of error a state holds at t."""
    with np.errstate(divide="ignore"):
        filled = -np.expm1(t * np.log(lam)) / (1.0 - lam)
    return np.minimum(np.minimum(filled, t), max(int(horizon), 1))


def weight_tolerance(stats: dict, states: dict, chain_params: Mapping, contract: str | None, horizon: int,
                     lamb, pmax: float, n: int) -> float:
    """Unscaled bound (before SAFETY_WEIGHTS) of the absolute weight error. See `default_tolerances`."""
    per_step = 6 * U + n * 4 * WEI
    if contract == "MinimumVarianceRule":
        # the target π/Σπ (`min_variance_target_error`) is mixed in with weight (1 − Λ); the previous
        # weights' error is damped by Λ, so it persists min(H, 1/(1 − Λ)) steps
        mixing = float(np.max(np.asarray(chain_params.get("mixing", 0.0), dtype=np.float64)))
        horizon = min(max(int(horizon), 1), 1.0 / max(1.0 - mixing, 1e-300))
        per_step += (1.0 - float(np.min(np.asarray(chain_params.get("mixing", 0.0))))) * min_variance_target_error(stats) + 2 * U
        return max(int(horizon), 1) * per_step
    kappa = _per_asset(chain_params.get("kappa", 1.0), n)
    if contract == "DifferenceMomentumRule":
        signal_steps = _difference_signal_errors(stats, states, kappa)
    else:
        signal_steps = _gradient_signal_errors(stats, states, chain_params, contract, lamb, kappa)
    # the previous weights are carried undamped: the per-step errors add up over every update the prices
    # drive; a horizon longer than the prices given repeats their largest step
    steps = len(signal_steps)
    updates = max(int(horizon), steps, 1)
    signal_total = float(np.sum(signal_steps) + (updates - steps) * np.max(signal_steps)) if steps else 0.0
    return updates * per_step + signal_total


def _finish_bound(kappa: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Per step, max over assets of |κ_i·(δs_i − Σκ_j·δs_j/Σκ)| for |δs| ≤ err (T, n): FINISH's
    centring, whose signs are unknown here."""
    centre = (err * kappa).sum(axis=-1, keepdims=True) / kappa.sum()
    return np.max(kappa * (err + centre), axis=-1)


def _finish_exact(kappa: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Per step, max over assets of |κ_i·(δs_i − Σκ_j·δs_j/Σκ)| for known signed δs (T, n)."""
    centre = (delta * kappa).sum(axis=-1, keepdims=True) / kappa.sum()
    return np.max(np.abs(kappa * (delta - centre)), axis=-1)


def chain_mulfactor_error(lamb) -> np.ndarray:
    """Per asset: the exact relative error c_chain/c_float − 1 of the chain's mulFactor
    c = pow(1−λ, 3) ⊘ λ (computed with the contract's own integer arithmetic) against the float64
    (1−λ)³/λ the simulator computes, for this λ. Signed: it is the same systematic error every step."""
    from fractions import Fraction

    from parity.fixedpoint.estimators import mul_factor
    from parity.harness.mapping import to_wei

    out = []
    for lam in np.asarray(lamb, dtype=np.float64).ravel().tolist():
        if not 0.0 < lam < 1.0:  # no gradient (the contract rejects such a λ)
            out.append(math.nan)
            continue
        c_float = (1.0 - lam) ** 3 / lam
        c_chain = Fraction(mul_factor(to_wei(lam)), 10**18)
        out.append(float(c_chain / Fraction(c_float) - 1))
    return np.asarray(out)


def chain_quotient_error(lamb) -> np.ndarray:
    """Per asset: the exact relative error (1−λ_f)/(1−λ) − 1 = (λ − λ_f)/(1 − λ) between the contract's
    1 − λ (λ: the 18-decimal integer) and the simulator's float 1 − λ_f (λ_f: the float nearest λ). The
    gradient state a sums terms (p − p̄)/(1 − λ) and MinimumVariance's σ² is (1 − λ)·A, so their relative
    error carries this amplified representation error of λ (1.1e-13 at λ = 0.999, 1.1e-12 at 0.9999): a
    systematic error of the same sign every step. Found by `parity fuzz` (docs/fuzz.md)."""
    from fractions import Fraction

    from parity.harness.mapping import to_wei

    out = []
    for lam in np.asarray(lamb, dtype=np.float64).ravel().tolist():
        if not 0.0 <= lam < 1.0:
            out.append(0.0)
            continue
        exact = Fraction(to_wei(lam), 10**18)
        out.append(float((exact - Fraction(lam)) / (1 - exact)))
    return np.asarray(out)


def _gradient_signal_errors(stats: dict, states: dict, chain_params: Mapping, contract: str | None, lamb,
                            kappa: np.ndarray) -> np.ndarray:
    """Per step: bound on the weight error the signal s(g) injects, g = c·a/p̄ (or /p), summed over terms.

    * the mulFactor's exact relative error r_c (`chain_mulfactor_error`): a signed, systematic δs = G·r_c
      with G = ds/dg·g, whose common part FINISH removes; plus 4u·|G| for the simulator's own c;
    * the other relative errors of g (truncated 1/p̄: p_max·1e-18; p̄: b_ewma·R; float: 4u), times |G|;
    * absolute errors of g, times |ds/dg|: the state a's (c·δa/p̄ = (1−λ)²/λ·b_a·R) and the chain's
      1-wei rounding of c⊗a before it is divided by p̄ (1e-18/p̄);
    * |s|·2u and 20 wei of rounding in s and FINISH."""
    prices = stats["prices"]
    n = prices.shape[1]
    lam = _per_asset(lamb, n)
    raw = bool(chain_params.get("use_raw_price", False))
    g = stats["g_raw"] if raw else stats["g"]
    if g.size == 0:
        return np.zeros(0)
    denom = prices[1:] if raw else stats["ewma"][1:]
    pmax_i = np.max(np.abs(prices), axis=0)
    R_i = pmax_i / np.min(np.abs(prices), axis=0)
    s, deriv = _signal_derivative(_rule_signal(contract, chain_params, n), g)
    G = deriv * g
    r_c = _per_asset(chain_mulfactor_error(lam), n) + _per_asset(chain_quotient_error(lam), n)
    mul_steps = _finish_exact(kappa, G * r_c) + _finish_bound(kappa, np.abs(G) * 4 * U)
    r_other = pmax_i * WEI + states["ewma"] * R_i + 4 * U
    d_g = (1.0 - lam) ** 2 / lam * states["running_a"] * R_i + WEI / np.abs(denom)
    moved = _signal_spread(_rule_signal(contract, chain_params, n), g, s, np.abs(g) * r_other + d_g)
    err = moved + np.abs(s) * 2 * U + 20 * WEI
    return mul_steps + _finish_bound(kappa, err)


def _signal_spread(rule_signal, g: np.ndarray, s: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """max |s(g + x) − s(g)| over |x| ≤ delta (sampled at nine points): how far an error of g of up to
    delta moves the signal. Where delta is small this is |ds/dg|·delta; where it is not (tiny prices, whose
    1-wei roundings are a large part of p − p̄, under a steep signal such as PowerChannel's |g|^q) the
    first-order product would understate it, as `parity fuzz` found (docs/fuzz.md)."""
    out = np.zeros_like(np.asarray(s, dtype=np.float64))
    for k in (-1.0, -0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 1.0):
        with np.errstate(over="ignore", invalid="ignore"):
            moved = np.abs(np.asarray(rule_signal(g + k * delta), dtype=np.float64) - s)
        out = np.maximum(out, np.where(np.isfinite(moved), moved, np.inf))
    return out


def _difference_signal_errors(stats: dict, states: dict, kappa: np.ndarray) -> np.ndarray:
    """Per step: DifferenceMomentum's s = (s̄ − p̄)/p̄ takes both moving averages' errors over p̄
    ((b_short + b_ewma)·R) and |s| times the truncated reciprocal and float rounding; FINISH as above."""
    prices = stats["prices"]
    pmax_i = np.max(np.abs(prices), axis=0)
    R_i = pmax_i / np.min(np.abs(prices), axis=0)
    ma = stats["ewma"][1:]
    if len(ma) == 0:
        return np.zeros(0)
    size = np.abs((stats["short"][1:] - ma) / ma)
    err = (states["short_ewma"] + states["ewma"]) * R_i + size * (pmax_i * WEI + 4 * U) + 4 * WEI
    return _finish_bound(kappa, err)


def min_variance_target_error(stats: dict) -> float:
    """Bound on the error of the minimum-variance target w_i = π_i/Σπ (π = 1/σ²), max over the run.

    A relative error r_j of σ²_j moves w_i by ≤ w_i·(1 − w_i)·r_i + w_i·Σ_{j≠i} w_j·r_j. r_j follows
    δe ← λ·δe + 2u·|e| + 2 wei (the deviation e = p − p̄ on either side) and
    δA ← λ·δA + 3u·π + (|p − p̄prev| + |p − p̄|)·(δe + u·p) + 2 wei (π = (p − p̄prev)(p − p̄) ≥ 0): r = δA/A, plus the
    chain's rounding of σ² = (1−λ)⊗A and of 1/σ² (1 wei each)."""
    prices, ma, lam = stats["prices"], stats["ewma"], stats["lam"]
    r_lam = np.abs(_per_asset(chain_quotient_error(lam), prices.shape[1]))  # σ² = (1 − λ)·A on each side
    big_a = np.zeros(prices.shape[1])
    err = np.zeros_like(big_a)
    dev_err = np.zeros_like(big_a)
    worst = 0.0
    for t in range(1, len(prices)):
        d_prev, d_new = np.abs(prices[t] - ma[t - 1]), np.abs(prices[t] - ma[t])
        dev_err = lam * dev_err + 2 * U * d_new + 2 * WEI
        big_a = lam * big_a + d_prev * d_new
        err = lam * err + 3 * U * d_prev * d_new + (d_prev + d_new) * (dev_err + U * prices[t]) + 2 * WEI
        sigma2 = (1.0 - lam) * big_a
        if not np.all(big_a > 0):
            return math.inf  # σ² = 0: the contract reverts (Panic 0x12)
        rel = err / big_a + WEI / sigma2 + WEI * sigma2 + r_lam
        w = (1.0 / sigma2) / np.sum(1.0 / sigma2)
        total = float(np.sum(w * rel))
        worst = max(worst, float(np.max(w * (1.0 - w) * rel + w * (total - w * rel))))
    return worst


def _rule_signal(contract: str | None, chain_params: Mapping, n: int):
    """The rule's signal as a function of the gradient g (numpy in, numpy out)."""
    if contract == "PowerChannelRule":
        q = np.asarray(chain_params["exponents"], dtype=np.float64)
        return lambda g: np.sign(g) * np.abs(g) ** q
    if contract == "ChannelFollowingRule":
        from parity.pools.mean_reversion_channel import channel_signal

        cp = {k: np.asarray(chain_params[k], dtype=np.float64)
              for k in ("width", "amplitude", "exponents", "inverse_scaling", "pre_exp_scaling")}
        return lambda g: np.asarray(channel_signal(g, cp))
    return lambda g: g


def default_tolerances(
    *,
    lamb,
    prices: np.ndarray,
    horizon: int,
    kappa=1.0,
    lamb_short=None,
    gradient: bool = True,
    chain_params: Mapping | None = None,
    contract: str | None = None,
) -> dict[str, float]:
    """Default tolerance per field, as a bound on the scaled error, for independent-mode runs.

    Each bound counts the rounding a step injects on each side (float64: unit roundoff u = 2^-53 of the
    value computed; chain: 1 wei = 1e-18 per ⊗/⊘) times how long it persists, using what the run's prices
    say about the sizes involved (`run_statistics`: deviation size d = max|p − p̄|/p_max, price range R,
    the gradient signal g, the variance state), then multiplies by a safety factor. L = min(horizon, 1/(1−λ)).
    Scales: see `field_scales`; p_min, p_max over all assets.
    * deviation e = p − p̄ (both sides work with it): the float prices' representation error (u, it
      telescopes), 2u·|e| ≤ 2u·d of rounding and 2 wei per step, held for L steps:
      b_e = u + L·(2u·d + 2e-18/p_min).
    * ewma: the reported p̄ = p − e rounds once more:  b_ewma = 2u + b_e.   short_ewma: the same with λ_short.
    * running_a (scale p_max/(1−λ)): a ← λa + e/(1−λ) takes e's error (b_e), 2u·|a| ≤ 2u·d·L of rounding
      and 2 wei per step, for L steps, and the relative error r_λ of 1/(1−λ) (`chain_quotient_error`: the
      float λ's representation error over 1 − λ) on |a| ≤ d·L:  b_a = L·(b_e + 2u·d·L + 2e-18/p_min) + r_λ·d·L.
    * variance (scale p_max²): A ← λA + (p − p̄prev)(p − p̄): 3u·d² of rounding, twice d × e's error,
      2 wei, for L steps:  b_var = L·(3u·d² + 2d·b_e + 2e-18/p_min²).
    * weights (absolute): the previous weight is carried undamped, so per-step errors add up over the
      horizon H: b_w = H·(6u + 4n·1e-18) (float rounding of update and guard; the chain's wei) plus the
      sum over the run's steps of FINISH's error, max over assets of |κ_i·(δs_i − Σκ_j·δs_j/Σκ)|, for the
      signal error δs at that step (`_gradient_signal_errors`, `_difference_signal_errors`). Gradient
      rules, with G = ds/dg·g and ds/dg taken on the rule's own signal at the run's g, and each asset's
      own state bounds at that update (`asset_state_bounds`: its λ_i, d_i, smallest price, memory filled):
      the mulFactor's exact relative error r_c for this λ (`chain_mulfactor_error`: the contract's
      integer c against the simulator's float c) plus a's r_λ, a systematic δs = G·(r_c + r_λ) whose
      common part cancels;
      how far s moves when g moves by |g|·(p_max·1e-18 + b_ewma·R + 4u) (truncated 1/p̄, p̄'s error,
      float) plus (1−λ)²/λ·b_a·R + 1e-18/p̄ (the state a's error; the 1-wei rounding of c⊗a over p̄),
      taken as the largest |s(g + x) − s(g)| over that range (`_signal_spread`; |ds/dg| times it where
      the range is small);
      |s|·2u + 20 wei. DifferenceMomentum: (b_short + b_ewma)·R + |s|·(p_max·1e-18 + 4u) + 4 wei.
      MinimumVariance: (1 − Λ) × the target's error (`min_variance_target_error`) + 2u, over
      min(H, 1/(1 − Λ)) steps (the previous weights are damped by Λ).
    Every state default is SAFETY × its bound, the weights' SAFETY_WEIGHTS × theirs;
    `benchmarks/tolerance_envelope.py` measures the margin over the observed errors (README: Tolerances). Without `chain_params`/`contract` the weight bound
    treats the rule as momentum with the given κ. Override any of them with tolerances={field: value} /
    `--tolerance field=value`.
    """
    prices = np.asarray(prices, dtype=np.float64)
    n = prices.shape[1]
    pmin = max(float(np.min(np.abs(prices))), 1e-300)
    pmax = float(np.max(np.abs(prices)))
    cp = dict(chain_params) if chain_params is not None else {"kappa": kappa}
    if contract is None and not gradient:
        contract = "MinimumVarianceRule"
    stats = run_statistics(prices, lamb, lamb_short)
    states = state_tolerances(stats, lamb, horizon, pmin, lamb_short)
    w = weight_tolerance(stats, asset_state_bounds(stats, lamb, horizon, lamb_short), cp, contract, horizon,
                         lamb, pmax, n)
    return {**{k: SAFETY * v for k, v in states.items()}, "weights": SAFETY_WEIGHTS * w}


def tolerances_for_run(chain_params: Mapping, prices: np.ndarray, horizon: int, contract: str) -> dict[str, float]:
    """`default_tolerances` for a lockstep run: its decoded chain parameters, update prices and contract."""
    lamb = chain_params.get("lamb")
    return default_tolerances(
        lamb=np.array([0.0]) if lamb is None else np.asarray(lamb, dtype=np.float64),
        prices=prices, horizon=horizon, lamb_short=chain_params.get("lamb_short"),
        chain_params=chain_params, contract=contract,
    )


def parse_tolerance(spec: str, fields: Sequence[str] = FIELDS) -> tuple[str, float]:
    """'field=value' -> (field, value) for a field in `fields`; raises ValueError naming what is wrong."""
    if "=" not in spec:
        raise ValueError(f"--tolerance {spec!r} must look like FIELD=VALUE with FIELD in {', '.join(fields)}")
    field, _, value = spec.partition("=")
    field = field.strip()
    if field not in fields:
        raise ValueError(f"--tolerance field {field!r} is unknown; use one of {', '.join(fields)}")
    try:
        v = float(value)
    except ValueError:
        raise ValueError(f"--tolerance {field}={value!r}: value must be a number") from None
    if not (v >= 0 and math.isfinite(v)):
        raise ValueError(f"--tolerance {field}={value!r}: value must be finite and ≥ 0")
    return field, v


# ---------------------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldErrors:
    """Errors of one field over the compared blocks: arrays of shape (blocks, n)."""

    field: str
    jax: np.ndarray  # float64
    chain: list  # list of lists of int (exact)
    abs: np.ndarray
    rel: np.ndarray
    wei: np.ndarray
    scaled: np.ndarray
    scale: np.ndarray  # (n,)
    tolerance: float

    @property
    def failing(self) -> np.ndarray:
        """Boolean (blocks, n): element beyond tolerance (NaN counts as failing)."""
        return ~(self.scaled <= self.tolerance)


def field_errors(field: str, jax_values, chain_values: Sequence[Sequence[int]], scale, tolerance: float) -> FieldErrors:
    """All error measures of one field (see module docstring)."""
    jax_arr = np.asarray(jax_values, dtype=np.float64)
    if jax_arr.ndim == 1:
        jax_arr = jax_arr[None, :]
    chain_ints = [[int(v) for v in row] for row in chain_values]
    chain_f = np.array([[v / WAD for v in row] for row in chain_ints], dtype=np.float64).reshape(jax_arr.shape)
    # Exact: the float's binary value against the integer (a float decode of the chain value would hide
    # differences below one ulp, e.g. 10 wei at a value of 2).
    wei = np.array(
        [[wei_error(x, c) if math.isfinite(x) else math.inf for x, c in zip(jrow, crow)] for jrow, crow in zip(jax_arr.tolist(), chain_ints)],
        dtype=np.float64,
    ).reshape(jax_arr.shape)
    abs_err = wei / WAD
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(chain_f != 0, abs_err / np.abs(chain_f), np.where(abs_err == 0, 0.0, np.inf))
    scale = np.asarray(scale, dtype=np.float64)
    scaled = abs_err / scale
    scaled = np.where(np.isnan(jax_arr), np.inf, scaled)
    return FieldErrors(field, jax_arr, chain_ints, abs_err, rel, wei, scaled, scale, float(tolerance))


def float_errors(field: str, values, reference, scale, tolerance: float) -> FieldErrors:
    """Errors of one float series against another (vectorized path vs scan path); `chain` holds the
    reference floats and wei = |difference|·1e18."""
    a = np.asarray(values, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    abs_err = np.abs(a - b)  # exact for nearby floats (Sterbenz)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(b != 0, abs_err / np.abs(b), np.where(abs_err == 0, 0.0, np.inf))
    scale = np.asarray(scale, dtype=np.float64)
    scaled = np.where(np.isnan(a) | np.isnan(b), np.inf, abs_err / scale)
    return FieldErrors(field, a, b.tolist(), abs_err, rel, abs_err * WAD, scaled, scale, float(tolerance))


@dataclass(frozen=True)
class Divergence:
    """One compared element: where, both values and all error measures."""

    block: int
    field: str
    asset: int
    jax_value: float
    chain_value: int  # for vectorized-vs-scan comparisons: the scan path's float
    abs: float
    rel: float
    wei: float
    scaled: float
    tolerance: float

    def to_json(self) -> dict:
        return {
            "block": self.block,
            "field": self.field,
            "asset": self.asset,
            "jax_value": json_float(self.jax_value),
            "chain_value": str(self.chain_value) if isinstance(self.chain_value, int) else json_float(self.chain_value),
            "chain_value_float": self.chain_value / WAD if isinstance(self.chain_value, int) else json_float(self.chain_value),
            "abs": json_float(self.abs),
            "rel": json_float(self.rel),
            "wei": json_float(self.wei),
            "scaled": json_float(self.scaled),
            "tolerance": self.tolerance,
        }


def json_float(x: float):
    """A float for JSON: itself when finite, else its string ("inf", "nan")."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def _divergence(e: FieldErrors, row: int, asset: int, blocks: Sequence[int]) -> Divergence:
    return Divergence(
        block=int(blocks[row]),
        field=e.field,
        asset=int(asset),
        jax_value=float(e.jax[row, asset]),
        chain_value=e.chain[row][asset],
        abs=float(e.abs[row, asset]),
        rel=float(e.rel[row, asset]),
        wei=float(e.wei[row, asset]),
        scaled=float(e.scaled[row, asset]),
        tolerance=e.tolerance,
    )


def first_divergence(errors: Mapping[str, FieldErrors], blocks: Sequence[int], counted=None,
                     excused: Mapping[str, np.ndarray] | None = None) -> Divergence | None:
    """Earliest block with an element beyond tolerance; at that block the element with the largest
    scaled/tolerance ratio. `counted` (bool per row) excludes e.g. burn-in rows; `excused` (field -> bool
    per element) excludes elements a report note explains."""
    best = None
    for name, e in errors.items():
        fail = e.failing
        if counted is not None:
            fail = fail & np.asarray(counted, dtype=bool)[:, None]
        if excused and name in excused:
            fail = fail & ~excused[name]
        rows = np.nonzero(fail.any(axis=1))[0]
        if rows.size == 0:
            continue
        row = int(rows[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(fail[row], e.scaled[row] / max(e.tolerance, 1e-300), -1.0)
        asset = int(np.argmax(ratio))
        key = (row, -float(ratio[asset]))
        if best is None or key < best[0]:
            best = (key, _divergence(e, row, asset, blocks))
    return None if best is None else best[1]


def worst_per_field(errors: Mapping[str, FieldErrors], blocks: Sequence[int], counted=None,
                    excused: Mapping[str, np.ndarray] | None = None) -> dict[str, Divergence]:
    """Largest scaled error per field over the compared blocks (NaN/inf count as largest); elements in
    `excused` (field -> bool per element) are left out."""
    out = {}
    for name, e in errors.items():
        s = np.where(np.isnan(e.scaled), np.inf, e.scaled)
        if counted is not None:
            s = np.where(np.asarray(counted, dtype=bool)[:, None], s, -1.0)
        if excused and name in excused:
            s = np.where(excused[name], -1.0, s)
        if s.size == 0:
            continue
        row, asset = np.unravel_index(int(np.argmax(s)), s.shape)
        if s[row, asset] < 0:
            continue
        out[name] = _divergence(e, int(row), int(asset), blocks)
    return out


def exact_mismatch(chain: Mapping[str, Sequence[int]], model: Mapping[str, Sequence[int]]) -> tuple[str, int] | None:
    """First (field, asset) where two exact integer states differ, or None (zero tolerance)."""
    for key, cvals in chain.items():
        mvals = model.get(key)
        if mvals is None or len(mvals) != len(cvals):
            return key, -1
        for i, (c, m) in enumerate(zip(cvals, mvals)):
            if _exact(c) != _exact(m):
                return key, i
    return None


def _exact(v):
    """An integer as a Python int; anything else (a decoded event) as itself, compared with ==."""
    return int(v) if isinstance(v, (int, np.integer)) else v
