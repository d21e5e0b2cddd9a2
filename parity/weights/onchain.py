"""The pool side of the production loop in float64: stored weights, multipliers and times (docs/production-loop-jax.md).

A deployed pool does not trade at the rule's weights. At every update the runner reads the pool's
*interpolated* weights w⁰, lets the rule compute a target w from them, and stores

* ``W = trunc9(w⁰)`` and ``M = trunc9(m)`` with the per-second multiplier ``m = (w − w⁰)/Δ``;
* ``last_update = now`` and ``last_interp = now + T``, T the first time a weight reaches a rail.

Between updates every swap sees ``W + M·(min(t, last_interp) − last_update)``. ``trunc9`` is a
truncation toward zero to a multiple of 1e-9: the pool keeps 9 decimals of the 18-decimal values.

Pool carry (a dict, a JAX pytree): ``W`` (n,), ``M`` (n,) float64, each an exact multiple of 1e-9 in the
sense that ``round(W·1e9)`` is the stored integer; ``last_update``, ``last_interp`` int64 seconds.

Truncation in float64. A value that should sit exactly on a 1e-9 boundary (an interpolated weight, a
target exactly k·Δ·1e-9 away from the current weight) is only known to float precision, and
``floor`` of ``k − 1e-16`` is ``k − 1``. So every truncation goes through :func:`quantize`: a value
within a window of an integer number of quanta *is* that integer, otherwise it is truncated toward zero.
The window is ``BOUNDARY_WINDOW`` = 1e-12 in weight units (1e6 wei) for W, M and the rail time T (for T
widened to T's float error bound, which matters only for tiny moves whose T lies far past the interval): about
1000× the float64 difference between the scan and the vectorized rule outputs, and far below what the
chain's own rounding can resolve. The cost: a real value less than the window *below* a boundary is
rounded up by one quantum where the chain truncates down. Every truncation reports ``near`` flags for the
values within twice the window of a boundary, so a comparison can name and explain such a flip.
Both JAX paths run the same loop code on these functions, so their fine weights are bit-identical unless a
rule output lies exactly on a window edge (probability ~1e-12 per value) and then the flag names it.

Times and wraps (int40/uint40 as on chain): ``last_interp = 2^40 − 1`` when ``T ≥ 2^39 − 1 − now``
(including m = 0 for every asset), otherwise ``(now + T) mod 2^40``. A negative T (a weight already past a
rail) puts ``last_interp`` before ``last_update``; then ``getNormalizedWeights``'s unchecked τ wraps
to about 2^40 seconds. :func:`weights_at` models that wrap faithfully (τ mod 2^40) and
:func:`weights_at_status` flags it, together with a negative weight (the chain's checked subtraction
reverts). A later update then overflows the 32-bit storage and reverts: :func:`set_weights_info` flags
``overflow``; the pool is stuck. Exact for |T| < 2^53 s; larger |T| only arises with multipliers of a few
wei per second, which float64 weights cannot express anyway.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

NANO = 1e9  # quanta per unit of weight: the pool stores 9 decimals
WEI = 1e18
UINT40_MAX = 2**40 - 1
INT40_MAX = 2**39 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
BOUNDARY_WINDOW = 1e-12  # weight units: a value this close to a truncation boundary is on it
RAIL_TIME_WINDOW_CAP = 0.25  # seconds: the T window never exceeds a quarter second
START_TIME = 2_000_000_000  # pool creation time (s) of fingerprint runs; the harness uses the same default
CARRY_KEYS = ("W", "M", "last_update", "last_interp")
_F64_EPS = 2.0**-52


def quantize(x, window):
    """Truncate ``x`` (in quanta) toward zero to an integer, snapping values within ``window`` of an integer.

    Returns (integer-valued float64 array, near): ``near`` marks values within 2·window of a nonzero integer,
    the only places where float error could flip the result (truncation toward zero has no boundary at 0).
    """
    x = jnp.asarray(x, dtype=jnp.float64)
    nearest = jnp.round(x)
    offset = jnp.abs(x - nearest)
    q = jnp.where(offset <= window, nearest, jnp.trunc(x))
    near = (offset <= 2 * window) & (nearest != 0)
    return q, near


def trunc9(values):
    """``1e9·tdiv(v, 1e9)`` of the pool in weight units: (values truncated to 9 decimals, near flags)."""
    q, near = quantize(jnp.asarray(values, dtype=jnp.float64) * NANO, BOUNDARY_WINDOW * NANO)
    return q / NANO, near


def _quanta(values):
    """The stored integers (as exact float64) of values that are multiples of 1e-9."""
    return jnp.round(jnp.asarray(values, dtype=jnp.float64) * NANO)


def init_pool_carry(weights, t0):
    """The pool at creation: W = trunc9(weights), M = 0, last_update = last_interp = t0."""
    w, _ = trunc9(weights)
    t0 = jnp.asarray(t0, dtype=jnp.int64)
    return {"W": w, "M": jnp.zeros_like(w), "last_update": t0, "last_interp": t0}


def carry_from_ints(weights_wei, multipliers_wei, last_update, last_interp):
    """A pool carry from the chain's stored values (18-decimal integers, multiples of 1e9; times in seconds),
    e.g. to resync the JAX loop from the chain. Raises ValueError for a value that is not a multiple of 1e9."""
    values = [int(v) for v in list(weights_wei) + list(multipliers_wei)]
    off_grid = [v for v in values if v % 10**9]
    if off_grid:
        raise ValueError(f"stored pool value {off_grid[0]}: must be a multiple of 1e9 wei (the pool keeps 9 decimals)")
    n = len(values) // 2
    quanta = [v // 10**9 for v in values]
    return {"W": jnp.asarray(quanta[:n], dtype=jnp.float64) / NANO, "M": jnp.asarray(quanta[n:], dtype=jnp.float64) / NANO,
            "last_update": jnp.asarray(int(last_update), dtype=jnp.int64),
            "last_interp": jnp.asarray(int(last_interp), dtype=jnp.int64)}


def carry_to_ints(carry) -> dict:
    """The stored values of a pool carry as the chain holds them: W, M in wei (Python ints), both times."""
    def wei(values):
        return [int(q) * 10**9 for q in np.round(np.asarray(values, dtype=np.float64) * NANO).astype(np.int64)]

    return {"W": wei(carry["W"]), "M": wei(carry["M"]), "last_update": int(carry["last_update"]),
            "last_interp": int(carry["last_interp"])}


def elapsed(carry, t):
    """τ = (min(t, last_interp) − last_update) mod 2^40 (int64) and whether it wrapped (the uint40 subtraction
    of getNormalizedWeights is unchecked: last_interp < last_update gives about 2^40)."""
    t = jnp.asarray(t, dtype=jnp.int64)
    raw = jnp.minimum(t, carry["last_interp"]) - carry["last_update"]
    return jnp.mod(raw, 2**40), raw < 0


def weights_at_status(carry, t):
    """Pool weights at second(s) ``t`` (scalar -> (n,), shape S -> S + (n,)): W + M·τ computed on the stored
    integers (exact below 2^53 quanta), and {"tau_wrapped", "negative"} (shape S). ``negative`` means the
    chain's checked subtraction reverts."""
    tau, wrapped = elapsed(carry, t)
    q = _quanta(carry["W"]) + _quanta(carry["M"]) * tau.astype(jnp.float64)[..., None]
    return q / NANO, {"tau_wrapped": wrapped, "negative": jnp.any(q < 0, axis=-1)}


def weights_at(carry, t):
    """``getNormalizedWeights()`` at second ``t`` in weight units (multiples of 1e-9; see weights_at_status)."""
    return weights_at_status(carry, t)[0]


def multipliers(current_w, target_w, interval_s):
    """m = tdiv(w − w⁰, Δ) per second, the 1e-18 truncation applied where float64 resolves it.

    Returns (m, d = w − w⁰). m = 0 when |d| < Δ wei (for daily Δ, any d below 8.64e-14);
    otherwise the truncation to whole wei per second is applied with a window equal to the float error
    bound of d·1e18/Δ, so it acts only where float64 resolves it (it only ever shifts the rail time T).
    """
    w0 = jnp.asarray(current_w, dtype=jnp.float64)
    w = jnp.asarray(target_w, dtype=jnp.float64)
    d = w - w0
    wei_per_s = d * (WEI / interval_s)
    error = 4 * _F64_EPS * (jnp.abs(w0) + jnp.abs(w)) * (WEI / interval_s)
    truncated, _ = quantize(wei_per_s, error)
    truncated = jnp.where(jnp.abs(wei_per_s) < 1.0, 0.0, truncated)
    return jnp.where(jnp.abs(wei_per_s) < 2.0**53, truncated, wei_per_s) / WEI, d


def rail_times(current_w, m, guard_rail, m_rel_error=0.0):
    """T_i = tdiv(U − w⁰_i, m_i) for m_i > 0, tdiv(w⁰_i − g, −m_i) for m_i < 0, +inf for m_i = 0.

    U = 1 − (n−1)·g. Uses the untruncated m and w⁰. Returns (T_i as integer-valued floats, near flags); a
    flag is raised only for an asset whose T_i could be the minimum T within its error.
    ``m_rel_error`` is the relative float error of m: with the distance's own error it bounds the error of
    T, which widens the near flags (and the snap window, up to RAIL_TIME_WINDOW_CAP) where float64 cannot
    resolve whole seconds, i.e. for multipliers small against the float resolution of w − w⁰.
    """
    w0 = jnp.asarray(current_w, dtype=jnp.float64)
    n = w0.shape[-1]
    g = jnp.asarray(guard_rail, dtype=jnp.float64)
    upper = 1.0 - (n - 1) * g
    distance = jnp.where(m > 0, upper - w0, w0 - g)
    speed = jnp.where(m == 0, 1.0, jnp.abs(m))
    raw = distance / speed
    error = jnp.abs(raw) * m_rel_error + 4 * _F64_EPS / speed
    window = jnp.maximum(BOUNDARY_WINDOW / speed, error)
    t, _ = quantize(raw, jnp.minimum(window, RAIL_TIME_WINDOW_CAP))
    t = jnp.where(m == 0, jnp.inf, t)
    near = (jnp.abs(raw - jnp.round(raw)) <= 2 * window) & (jnp.round(raw) != 0) & (m != 0)
    could_be_first = raw - 2 * window <= jnp.min(t, axis=-1, keepdims=True) + 1  # only these can set T
    return t, near & could_be_first


def last_interpolation_time(rail_time, now):
    """lastInterp from T = min_i T_i: 2^40 − 1 if not T < 2^39 − 1 − now, else (now + T) mod 2^40
    (the runner's int40 truncation read back as uint40)."""
    now = jnp.asarray(now, dtype=jnp.int64)
    saturated = rail_time >= (INT40_MAX - now).astype(jnp.float64)
    t = jnp.where(saturated, 0.0, rail_time).astype(jnp.int64)
    return jnp.where(saturated, jnp.int64(UINT40_MAX), jnp.mod(now + t, 2**40))


def set_weights_info(carry, current_w, target_w, now, interval_s, guard_rail):
    """One runner update of the pool (``_calculateMultiplerAndSetWeights`` + ``setWeights``): (new carry, info).

    ``current_w`` = w⁰ (the pool's weights at ``now``), ``target_w`` = the rule's new weights, ``interval_s``
    = Δ (the update interval, seconds), ``guard_rail`` = g. ``carry`` is the pool before the update (every
    field is replaced). info: ``m`` (untruncated multipliers), ``rail_times`` (T_i), ``rail_time`` (T),
    ``near_W``, ``near_M``, ``near_T`` (values within float error of a truncation boundary; w⁰ on the 1e-9
    grid, as weights_at returns it, is never flagged), ``overflow``
    (a stored value outside int32 quanta: the chain reverts "Overflow/Underflow").
    """
    del carry  # setWeights overwrites W, M and both times
    current_w = jnp.asarray(current_w, dtype=jnp.float64)
    target_w = jnp.asarray(target_w, dtype=jnp.float64)
    m, d = multipliers(current_w, target_w, interval_s)
    # m in wei per second is uncertain by the float error of d·1e18/Δ plus one wei (its truncation)
    m_wei_error = 4 * _F64_EPS * (jnp.abs(current_w) + jnp.abs(target_w)) * (WEI / interval_s) + 1.0
    t_i, near_t = rail_times(current_w, m, guard_rail, m_wei_error / jnp.maximum(jnp.abs(m) * WEI, 1.0))
    rail_time = jnp.min(t_i)
    w_stored, near_w = trunc9(current_w)
    # w⁰ read from the pool is a grid value (exact on chain too): only an off-grid w⁰ can flip
    scaled = current_w * NANO
    near_w = near_w & (jnp.abs(scaled - jnp.round(scaled)) > 16 * _F64_EPS * jnp.maximum(jnp.abs(scaled), 1.0))
    m_quanta, near_m = quantize(d * (NANO / interval_s), BOUNDARY_WINDOW * NANO / interval_s)
    now = jnp.asarray(now, dtype=jnp.int64)
    new = {"W": w_stored, "M": m_quanta / NANO, "last_update": now,
           "last_interp": last_interpolation_time(rail_time, now)}
    stored = jnp.concatenate([_quanta(w_stored), m_quanta])
    info = {"m": m, "rail_times": t_i, "rail_time": rail_time, "near_W": near_w, "near_M": near_m,
            "near_T": near_t, "overflow": jnp.any((stored < INT32_MIN) | (stored > INT32_MAX))}
    return new, info


def set_weights(carry, current_w, target_w, now, interval_s, guard_rail):
    """The new pool carry after one runner update (see :func:`set_weights_info`)."""
    return set_weights_info(carry, current_w, target_w, now, interval_s, guard_rail)[0]


# --------------------------------------------------------------------------------- timing of a run


def fresh_oracles(timestamps, now, threshold):
    """The runner's oracle choice per asset: (index of the first fresh oracle of [primary, backup, ...], whether
    any is fresh). An oracle is fresh when its timestamp > now − threshold (strictly: one exactly `threshold`
    seconds old is stale). `timestamps`: (n, k) integer seconds. With none fresh the update reverts."""
    t = jnp.asarray(timestamps, dtype=jnp.int64)
    fresh = t > jnp.asarray(now, dtype=jnp.int64) - jnp.asarray(threshold, dtype=jnp.int64)
    return jnp.argmax(fresh, axis=-1), jnp.any(fresh, axis=-1)


def _splitmix64(seed: int, count: int) -> np.ndarray:
    """The first ``count`` outputs of SplitMix64 started at state ``seed`` (uint64, wrap-around arithmetic)."""
    with np.errstate(over="ignore"):
        k = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed % 2**64) + k * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def update_delays(max_delay_s: int, seed: int, count: int) -> np.ndarray:
    """Seconds by which each of ``count`` updates is late: d_k = splitmix64_k(seed) mod (max_delay_s + 1).

    d_k is the k-th output (k = 0, 1, … for the run's updates in order) of SplitMix64 started at ``seed``,
    reduced modulo max_delay_s + 1: uniform on {0, …, max_delay_s} up to a modulo bias below 2^-40.
    Deterministic, independent of numpy's generators and of the platform. All zeros for max_delay_s = 0.
    """
    if max_delay_s == 0 or count == 0:
        return np.zeros(count, dtype=np.int64)
    return (_splitmix64(seed, count) % np.uint64(max_delay_s + 1)).astype(np.int64)


def update_times(run_fingerprint, count: int, start_time: int = START_TIME) -> np.ndarray:
    """Block times (s) of a run's ``count`` updates: update k at start + (k+1)·Δ + d_k, Δ = chunk_period·60."""
    fp = run_fingerprint
    interval = fp.chunk_period * 60
    nominal = start_time + interval * np.arange(1, count + 1, dtype=np.int64)
    return nominal + update_delays(fp.update_delay_seconds, fp.update_delay_seed, count)


def block_rows(before, after, block_start, update_time, row_seconds: int, rows: int):
    """Fine weights of one update block: ``rows`` price rows from ``block_start``, every ``row_seconds``.

    A row before ``update_time`` (the update is late) still reads the pool ``before`` the update (carrying
    on up to its last_interp); the others read the pool ``after`` it. Returns (rows, n).
    """
    times = jnp.asarray(block_start, dtype=jnp.int64) + row_seconds * jnp.arange(rows, dtype=jnp.int64)
    return _read_pool(before, after, update_time, times)


def block_path(before, after, block_start, update_time, row_seconds: int, rows: int, substeps: int):
    """The pool's weights at ``substeps`` evenly spaced times inside each of ``rows`` price rows of one update
    block (time ``block_start + r·row_seconds + u·row_seconds/substeps``): (rows, substeps, n). Column u = 0
    is :func:`block_rows`; the same before/after rule applies to every time."""
    r = jnp.arange(rows, dtype=jnp.int64)[:, None]
    u = jnp.arange(substeps, dtype=jnp.int64)[None, :]
    times = jnp.asarray(block_start, dtype=jnp.int64) + row_seconds * r + (row_seconds // substeps) * u
    return _read_pool(before, after, update_time, times)


def _read_pool(before, after, update_time, times):
    late = (times < update_time)[..., None]
    return jnp.where(late, weights_at(before, times), weights_at(after, times))
