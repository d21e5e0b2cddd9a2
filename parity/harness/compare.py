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
SAFETY = 16.0  # covers the handful of rounding terms per step that the bounds below count as one


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


def mulfactor_error(lamb) -> float:
    """Relative error of the chain's mulFactor c = pow(1−λ, 3) ⊘ λ (docs/arithmetic.md §1):
    ≈ max(4e-17, 1e-18/(1−λ)³) from pow/exp2/log2, plus the 1-wei quantisation of c itself."""
    lam = np.asarray(lamb, dtype=np.float64).ravel()
    oml = 1.0 - lam
    c = oml**3 / lam
    return float(np.max(np.maximum(4e-17, WEI / oml**3) + WEI / c))


def default_tolerances(
    *,
    lamb,
    prices: np.ndarray,
    horizon: int,
    kappa=1.0,
    lamb_short=None,
    gradient: bool = True,
) -> dict[str, float]:
    """Default tolerance per field, as a bound on the scaled error, for independent-mode runs.

    Reasoning (each bound = SAFETY × the number of rounding terms a step injects × how long they persist):
    * ewma: float64 rounds λ·p̄ + (1−λ)·p to ~2u relative; the chain rounds each product to 1 wei, i.e.
      2e-18/p_min relative. The recursion damps old errors by λ, so they add up over at most
      L = min(horizon, 1/(1−λ)) steps:   tol_ewma = SAFETY·L·(2u + 2e-18/p_min).
    * short_ewma: the same with λ_short.
    * running_a: each step adds (p − p̄)/(1−λ); an error δ in p̄ becomes δ/(1−λ), i.e. tol_ewma in units of
      p/(1−λ), plus its own rounding; again held for L steps:   tol_a = L·(tol_ewma + SAFETY·(2u + 2e-18/p_min)).
    * variance: A += (p − p̄prev)(p − p̄); an error δ in p̄ enters twice against deviations ≲ p, plus ~3u of
      rounding and 1 wei of ⊗:   tol_var = L·(2·tol_ewma + SAFETY·(3u + 1e-18/p_min²)).
    * weights (absolute): a coarse weight is prev + κ·(signal − mean); the previous weight is carried
      forward undamped, so per-step errors add up over the whole horizon H. Per step: a few wei from the
      guard (clamp factor, ε scale, residual: n·4e-18), float rounding ~4u, and κ × the signal error. The
      signal error of gradient rules is relative to a signal of at most ~1 and comes from the mulFactor
      (`mulfactor_error`, the 1e-18/(1−λ)³ term; docs/arithmetic.md §1), the state error (the signal c·a/p̄ turns a
      scaled error tol_a of a into (1−λ)²/λ·tol_a), and the truncated reciprocal 1/p̄ (relative
      p_max·1e-18):
        tol_w = max(1e-12, H·(SAFETY·(n·4e-18 + 4u + κ_sum·(ε_c + p_max·1e-18)) + κ_sum·(1−λ)²/λ·tol_a))
      (tol_a already carries its safety factor).
      Non-gradient rules use the moving-average errors (tol_ewma, tol_short) in place of the a term.
      The 1e-12 floor keeps short runs at an absolute tolerance of ~1e-12 for the weights.
    The defaults are bounds for *independent* mode; resync mode's one-step errors sit far below them.
    Override any of them with tolerances={field: value} / `--tolerance field=value`.
    """
    prices = np.asarray(prices, dtype=np.float64)
    n = prices.shape[1]
    pmin = float(np.min(np.abs(prices)))
    pmax = float(np.max(np.abs(prices)))
    pmin = max(pmin, 1e-300)
    L = memory_length(lamb, horizon)
    tol_ewma = SAFETY * L * (2 * U + 2 * WEI / pmin)
    if lamb_short is not None:
        Ls = memory_length(lamb_short, horizon)
        tol_short = SAFETY * Ls * (2 * U + 2 * WEI / pmin)
    else:
        tol_short = tol_ewma
    tol_a = L * (tol_ewma + SAFETY * (2 * U + 2 * WEI / pmin))
    tol_var = L * (2 * tol_ewma + SAFETY * (3 * U + WEI / pmin**2))
    kappa_sum = float(np.sum(np.abs(np.asarray(kappa, dtype=np.float64))))
    eps_c = mulfactor_error(lamb) if gradient else 0.0
    lam = np.asarray(lamb, dtype=np.float64).ravel()
    a_to_signal = float(np.max((1.0 - lam) ** 2 / lam))
    state_err = tol_a * a_to_signal if gradient else max(tol_short, tol_ewma)
    H = max(int(horizon), 1)
    tol_w = max(1e-12, H * (SAFETY * (n * 4 * WEI + 4 * U + kappa_sum * (eps_c + pmax * WEI)) + kappa_sum * state_err))
    return {
        "ewma": tol_ewma,
        "short_ewma": tol_short,
        "running_a": tol_a,
        "variance": tol_var,
        "weights": tol_w,
    }


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
