"""TFMMBasePool: the pool interface, path selection and the two weight paths.

Timing (docs/architecture.md, Weights and timing, with the on-chain guard step of docs/arithmetic.md §2, §5):

* ``prices`` are rows every ``price_interval`` minutes; one update ("chunk") every
  ``stride = chunk_period / price_interval`` rows (``RunFingerprint.chunk_steps``); chunk prices
  ``C = prices[::stride]``.
* The estimator state is initialised from chunk 0 (``get_initial_rule_state(C[0])``); every later chunk
  is one on-chain ``CalculateNewWeights``.
* A bout starts at price row ``s = start_index`` (``s_c = s // stride``) and covers ``L`` rows
  (``bout_length − 1`` when set, quantammsim's inclusive count; else every row from ``s`` to the end).
  Chunks 1..s_c warm the estimators up; the ``M = ceil(L/stride) − 1`` chunks s_c+1..s_c+M produce
  coarse weights from the initial weights w₀. Fine weights: ``stride`` rows of w₀, then one interpolation
  block per coarse weight, truncated to ``L`` rows. The block for chunk s_c+1+k starts at bout row
  (k+1)·stride ≥ the chunk's own row, so nothing looks ahead. M is the fewest chunks that fill L rows, so
  the needed chunks always exist (no clamped slices). ``start_index + L <= T`` is checked when
  start_index is concrete; under ``jit`` with a traced start_index the caller must keep it (a traced
  start past that point would make ``dynamic_slice`` clamp).

Scan path: ``lax.fori_loop`` warm-up with a traced bound, then ``lax.scan`` of the coarse step.
Vectorized path: rule outputs for all chunks at once from the estimators' ``series`` forms, then the
sequential coarse guard scan. A pool supports a path only if its own class implements that path's rule
hook (``_rule_step`` for scan, ``_rule_series`` for vectorized). Both paths run one ``update`` function per
bout update (``_bout_loop``): the guard for the linear / approx_optimal methods, the whole production loop
(pool weights at the update time -> guard -> set_weights -> fine rows) for ``"onchain"``
(docs/production-loop-jax.md).
"""

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from parity.params import decode_array, encode_array
from parity.pools.common import as_vector, check_length, is_concrete
from parity.pools.extension import SeedParams, install_seed_bridges, own_pool, supports
from parity.weights import interpolation, onchain
from parity.weights.guardrails import guard_weights

PATHS = ("vectorized", "scan")


class UnsupportedPathError(ValueError):
    """A weight path was forced that the pool does not implement for its own rule."""


# ----------------------------------------------------------------------------------------- timing


def bout_rows(run_fingerprint, n_rows, start_index):
    """L, the number of fine-weight rows of the bout (see module docstring)."""
    if run_fingerprint.bout_length is not None:
        rows = int(run_fingerprint.bout_length) - 1
    else:
        if not is_concrete(start_index):
            raise ValueError(
                "bout_length=None needs a concrete start_index (the bout runs to the end of the prices); "
                "set bout_length to use a traced start_index"
            )
        rows = n_rows - int(start_index)
    if rows < 1:
        raise ValueError(f"bout_length={run_fingerprint.bout_length}, start_index={start_index}: the bout has {rows} rows, must be >= 1")
    if is_concrete(start_index) and int(start_index) + rows > n_rows:
        raise ValueError(
            f"start_index={int(start_index)} + bout rows {rows} > {n_rows} price rows: the bout runs past the end of the prices"
        )
    return rows


def bout_chunks(run_fingerprint, rows):
    """M, the number of coarse updates needed to fill ``rows`` fine rows after the w₀ block."""
    return max(math.ceil(rows / run_fingerprint.chunk_steps) - 1, 0)


class BoutInputs(NamedTuple):
    """What both bout loops need, computed once: the path, resolved params, w₀, L fine rows, M updates,
    chunk prices and oracle rows, the first bout chunk s_c and the estimator carry at chunk 0."""

    path: str
    cp: dict
    w0: Any
    rows: int
    m: int
    chunks: Any
    oracle: Any
    s_c: Any
    carry0: Any


# ------------------------------------------------------------------------------------------- pool


class TFMMBasePool:
    """Base class of the seven pools and of users' pools. parity's pools implement the private hooks below;
    a user's pool implements the public ones instead (parity.pools.extension: the contract and how
    capabilities are detected).

    Hooks (``cp`` = resolved on-chain float params, 1-D jnp arrays):
      ``_resolve(params, fp) -> cp``; ``_checks(cp, n)`` (value checks on concrete cp);
      ``_init_state(initial_price, cp, params) -> est_carry``;
      ``_rule_step(est_carry, price, cp, oracle_row) -> (est_carry, rule_output)`` (scan path);
      ``_rule_series(est_carry0, chunk_prices, cp, oracle) -> (rule_outputs, states)`` (vectorized path);
      ``_encode(cp, n)`` / ``_decode(parameters, lambda_store, n)``.
    Delta rules' rule output is the FINISH delta (w̃ = w + Δ); weight rules' output is a target weight
    vector mixed as w̃ = Λ·w + (1−Λ)·target with ``cp["mixing"]``.
    """

    rule: str = ""
    chain_rule: str | None = None
    rule_outputs_are_weights: bool = False
    carry_keys: tuple = ()
    chain_keys: tuple = ()
    needs_oracle_input: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        install_seed_bridges(cls)

    # --------------------------------------------------------------------------- capabilities

    def supports_scan_path(self) -> bool:
        """parity's pools: their own class implements the per-step rule (no inherited step of another rule).
        A user's pool: its calculate_rule_output_step differs from the base class's (the seed's rule)."""
        return supports(type(self), "scan", TFMMBasePool)

    def supports_vectorized_path(self) -> bool:
        """parity's pools: their own class implements the whole-series rule outputs. A user's pool: its
        calculate_rule_outputs differs from the base class's (the seed's rule)."""
        return supports(type(self), "vectorized", TFMMBasePool)

    def _supports(self, path) -> bool:
        return (path == "scan" and self.supports_scan_path()) or (path == "vectorized" and self.supports_vectorized_path())

    def _require_path(self, path):
        """Raise UnsupportedPathError (naming pool and path) unless this pool implements ``path``."""
        if not self._supports(path):
            raise UnsupportedPathError(f"pool {self.rule!r} does not support the {path} path")

    def select_path(self, run_fingerprint) -> str:
        """Resolve weight_calculation_method to "vectorized" or "scan" (errors name pool and path)."""
        method = run_fingerprint.weight_calculation_method
        if method == "auto":
            for path in PATHS:
                if self._supports(path):
                    return path
            raise UnsupportedPathError(f"pool {self.rule!r} supports neither the vectorized nor the scan path")
        if method not in PATHS:
            raise ValueError(
                f"weight_calculation_method={method!r}: unknown method, must be one of 'auto', 'vectorized', 'scan'"
            )
        self._require_path(method)
        return method

    # ----------------------------------------------------------------------------- parameters

    def _resolve(self, params, run_fingerprint):
        return None  # a user's pool reads its params in its own hooks

    def _checks(self, cp, n):
        raise NotImplementedError

    def resolve_params(self, params, run_fingerprint, *, validate=True):
        """On-chain float params as jnp arrays; validated when the values are concrete."""
        if not isinstance(params, dict):
            raise ValueError(f"params={type(params).__name__}: must be a dict")
        cp = self._resolve(params, run_fingerprint)
        n = run_fingerprint.n_assets
        if cp is not None:
            check_length(cp, n, self.rule)
            if validate and is_concrete(cp):
                self._checks(cp, n)
        return cp if own_pool(type(self)) else SeedParams(cp, params, run_fingerprint)

    def chain_params(self, params, run_fingerprint) -> dict:
        """Validated on-chain float params (numpy arrays of length 1 or n; ``use_raw_price`` a bool)."""
        cp = self.resolve_params(params, run_fingerprint)
        if not is_concrete(cp):
            raise ValueError(f"{self.rule}: chain_params needs concrete parameter values, not jit tracers")
        out = {}
        for key, value in cp.items():
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
            out[key] = bool(arr[0] == 1.0) if key == "use_raw_price" else arr
        return out

    def encode_chain_params(self, chain_params, n) -> tuple:
        """(parameters int256[][], lambdaStore uint64[]) as 18-decimal ints for the rule contract."""
        if self.chain_rule is None:
            raise ValueError(f"pool {self.rule!r} has no on-chain rule: its parameters cannot be encoded")
        missing = [k for k in self.chain_keys if k != "use_raw_price" and chain_params.get(k) is None]
        if missing:
            raise ValueError(f"{self.rule}: chain params miss {missing}: need {list(self.chain_keys)}")
        chain_params = {**({"use_raw_price": False} if "use_raw_price" in self.chain_keys else {}), **chain_params}
        cp = {k: (as_vector(v, k) if k != "use_raw_price" else as_vector(float(bool(v)), k)) for k, v in chain_params.items()}
        check_length(cp, n, self.rule)
        self._checks(cp, n)
        return self._encode(cp, n)

    def decode_chain_params(self, parameters, lambda_store, n) -> dict:
        """Float params meaning exactly the given ints (Fraction(i, 10**18) -> float), as chain_params returns."""
        if self.chain_rule is None:
            raise ValueError(f"pool {self.rule!r} has no on-chain rule: there are no parameters to decode")
        return self._decode([list(map(int, row)) for row in parameters], [int(x) for x in lambda_store], n)

    @staticmethod
    def _encode_lamb(lamb):
        return encode_array(lamb, "lamb")

    @staticmethod
    def _decode_vec(ints):
        return decode_array(ints)

    def initial_weights(self, params, run_fingerprint):
        """w₀ from ``initial_weights`` (sum 1 ± 1e-12, each ≥ the guard rail) or softmax(``initial_weights_logits``);
        uniform if neither is given."""
        n = run_fingerprint.n_assets
        if params.get("initial_weights") is not None:
            w = as_vector(params["initial_weights"], "initial_weights")
            key = "initial_weights"
        elif params.get("initial_weights_logits") is not None:
            logits = jnp.broadcast_to(as_vector(params["initial_weights_logits"], "initial_weights_logits"), (n,))
            w = jax.nn.softmax(logits)
            key = "initial_weights_logits"
        else:
            return jnp.full((n,), 1.0 / n)
        if w.shape[0] != n:
            raise ValueError(f"{key} has length {w.shape[0]}: must be n_assets={n}")
        if is_concrete(w):
            arr = np.asarray(w)
            g = run_fingerprint.absolute_weight_guard_rail
            if np.isnan(arr).any():
                raise ValueError(f"{key}={arr.tolist()}: contains NaN")
            if abs(arr.sum() - 1.0) > 1e-12:
                raise ValueError(f"initial weights {arr.tolist()} (from {key}) sum to {arr.sum()!r}: must sum to 1 (tolerance 1e-12)")
            if (arr < g).any():
                raise ValueError(f"initial weights {arr.tolist()} (from {key}): every weight must be >= absolute_weight_guard_rail={g}")
        return w

    # ---------------------------------------------------------------------------- scan path

    def _init_state(self, initial_price, cp, params):
        return None  # no estimator state (a user's vectorized-only pool)

    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        """Estimator carry at chunk 0: ewma = initial price, running_a / variance = 0, short_ewma = initial price,
        each overridable by params ``initial_ewma``, ``initial_running_a``, ``initial_variance``, ``initial_short_ewma``.

        Pools with moving averages also carry the deviation form of parity.estimators.ewma: "price" = the last
        consumed price (here the initial price) and "ewma_deviation" = price − ewma (and
        "short_ewma_deviation" = price − short_ewma). The steps read the deviations, not "ewma" /
        "short_ewma" (those report p − e); whoever replaces a carry's moving average must set them too."""
        cp = self.resolve_params(params, run_fingerprint)
        return self._init_state(jnp.asarray(initial_price, dtype=jnp.float64), cp, params)

    def _override(self, params, key, default):
        n = default.shape[0]
        if params.get(key) is None:
            return default
        value = as_vector(params[key], key)
        if value.shape[0] != n:
            raise ValueError(f"{key} has length {value.shape[0]}: must be n_assets={n}")
        if is_concrete(value) and not np.isfinite(np.asarray(value)).all():
            raise ValueError(f"{key}={np.asarray(value).tolist()}: must be finite")
        return value

    def calculate_rule_output_step(self, carry, price, params, run_fingerprint, additional_oracle_input=None):
        """One estimator update and rule output (delta or target) for one chunk price row (n,)."""
        self._require_path("scan")
        cp = self.resolve_params(params, run_fingerprint, validate=False)
        return self._rule_step(carry, jnp.asarray(price, dtype=jnp.float64), cp, self._oracle_row(additional_oracle_input))

    def get_initial_guardrail_state(self, initial_weights):
        """Weight carry of the scan path: {"prev_actual_weight": w₀}."""
        return {"prev_actual_weight": jnp.asarray(initial_weights, dtype=jnp.float64)}

    def _next_weights(self, rule_output, prev_weights, cp, run_fingerprint):
        """Coarse weights of one update: raw weights w̃ from the rule output, then guard(w̃, prev, ε, g)."""
        if self.rule_outputs_are_weights:
            mixing = cp["mixing"]
            raw = mixing * prev_weights + (1.0 - mixing) * rule_output
        else:
            raw = prev_weights + rule_output
        return guard_weights(raw, prev_weights, run_fingerprint.epsilon_max, run_fingerprint.absolute_weight_guard_rail)

    def _coarse_step(self, est_carry, prev_weights, price, cp, oracle_row, run_fingerprint):
        est_carry, out = self._rule_step(est_carry, price, cp, oracle_row)
        return est_carry, self._next_weights(out, prev_weights, cp, run_fingerprint)

    def calculate_coarse_weight_step(self, est_carry, wt_carry, price, params, run_fingerprint, additional_oracle_input=None):
        """One on-chain CalculateNewWeights in float64: estimators -> raw weights w̃ -> guard(w̃, prev, ε, g).

        Returns (est_carry, wt_carry, coarse_weights).
        """
        self._require_path("scan")
        cp = self.resolve_params(params, run_fingerprint, validate=False)
        prev = wt_carry["prev_actual_weight"]
        est_carry, new = self._coarse_step(
            est_carry, prev, jnp.asarray(price, dtype=jnp.float64), cp, self._oracle_row(additional_oracle_input), run_fingerprint
        )
        return est_carry, {"prev_actual_weight": new}, new

    def calculate_fine_weights_step(self, prev_weights, new_weights, run_fingerprint, block_start=None, update_time=None):
        """One interpolation block (stride rows, n) from the previous coarse weight towards the new one.

        With ``weight_interpolation_method="onchain"`` the arguments are the pool carries before and after
        the update, and the rows are the pool's weights W + M·min(t − t_update, T) at the block's row times:
        from ``block_start`` (default: the update's time, ``new_weights["last_update"]``) every price_interval
        minutes; rows before ``update_time`` (default the same) still read the pool before the update.
        """
        fp = run_fingerprint
        if fp.weight_interpolation_method == "onchain":
            at = new_weights["last_update"]
            return onchain.block_rows(prev_weights, new_weights, at if block_start is None else block_start,
                                      at if update_time is None else update_time, fp.price_interval * 60, fp.chunk_steps)
        return interpolation.interpolation_block(
            prev_weights,
            new_weights,
            run_fingerprint.chunk_steps,
            run_fingerprint.interpolation_steps,
            run_fingerprint.weight_interpolation_method,
        )

    @staticmethod
    def _oracle_row(additional_oracle_input):
        if additional_oracle_input is None:
            return None
        return jnp.asarray(additional_oracle_input, dtype=jnp.float64)

    # ------------------------------------------------------------------------- vectorized path

    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None, return_states=False):
        """Rule outputs for chunks 1..N−1 (row r <-> chunk r+1), estimators started from chunk 0.

        ``prices``: (T, n) rows every price_interval minutes (sub-sampled every stride rows here).
        With ``return_states=True`` also returns {carry key: (N−1, n) state after each chunk}.
        """
        self._require_path("vectorized")
        cp = self.resolve_params(params, run_fingerprint)
        chunks, oracle = self._chunks(prices, additional_oracle_input, run_fingerprint)
        carry0 = self._init_state(chunks[0], cp, params)
        outputs, states = self._rule_series(carry0, chunks[1:], cp, None if oracle is None else oracle[1:])
        return (outputs, states) if return_states else outputs

    def calculate_rule_outputs_scan(self, params, run_fingerprint, prices, additional_oracle_input=None, return_states=False):
        """The scan-path counterpart of :meth:`calculate_rule_outputs` (same rows, built from the step hook)."""
        self._require_path("scan")
        cp = self.resolve_params(params, run_fingerprint)
        chunks, oracle = self._chunks(prices, additional_oracle_input, run_fingerprint)
        carry0 = self._init_state(chunks[0], cp, params)

        def body(carry, xs):
            price, row = xs
            carry, out = self._rule_step(carry, price, cp, row)
            return carry, (out, carry)

        _, (outputs, states) = jax.lax.scan(body, carry0, (chunks[1:], None if oracle is None else oracle[1:]))
        return (outputs, states) if return_states else outputs

    def _coarse_scan(self, rule_outputs, initial_weights, cp, run_fingerprint):
        def body(prev, out):
            new = self._next_weights(out, prev, cp, run_fingerprint)
            return new, new

        _, coarse = jax.lax.scan(body, initial_weights, rule_outputs)
        return coarse

    def calculate_fine_weights(self, rule_output, initial_weights, run_fingerprint, params):
        """Fine weights from (already bout-sliced) rule outputs (M, n): coarse guard scan from w₀, then
        stride rows of w₀ and one interpolation block per coarse weight ((M+1)·stride rows)."""
        cp = self.resolve_params(params, run_fingerprint, validate=False)
        w0 = jnp.asarray(initial_weights, dtype=jnp.float64)
        outputs = jnp.asarray(rule_output, dtype=jnp.float64)
        if run_fingerprint.weight_interpolation_method == "onchain":
            return self._onchain_loop(outputs, w0, cp, run_fingerprint)["weights"]
        coarse = self._coarse_scan(outputs, w0, cp, run_fingerprint)
        return self._fine_from_coarse(w0, coarse, run_fingerprint)

    def _fine_from_coarse(self, w0, coarse, run_fingerprint):
        w0 = jnp.asarray(w0, dtype=jnp.float64)
        if coarse.shape[0] == 0:
            return jnp.broadcast_to(w0, (run_fingerprint.chunk_steps, w0.shape[0]))
        return interpolation.fine_weights_for(w0, coarse, run_fingerprint)

    # --------------------------------------------------------------------------------- orchestration

    def _chunks(self, prices, additional_oracle_input, run_fingerprint):
        prices = jnp.asarray(prices, dtype=jnp.float64)
        n = run_fingerprint.n_assets
        if prices.ndim != 2 or prices.shape[1] != n or prices.shape[0] < 1:
            raise ValueError(f"prices has shape {tuple(prices.shape)}: must be (T, n_assets={n}) with T >= 1")
        stride = run_fingerprint.chunk_steps
        oracle = None
        if self.needs_oracle_input:
            if additional_oracle_input is None:
                raise ValueError(f"pool {self.rule!r} needs additional_oracle_input (T, n) market caps; got None")
            oracle = jnp.asarray(additional_oracle_input, dtype=jnp.float64)
            if oracle.shape != prices.shape:
                raise ValueError(
                    f"additional_oracle_input has shape {tuple(oracle.shape)}: must match prices {tuple(prices.shape)}"
                )
            oracle = oracle[::stride]
        return prices[::stride], oracle

    def calculate_weights(self, params, run_fingerprint, prices, start_index=0, additional_oracle_input=None):
        """Fine weights (L, n) of the bout starting at price row ``start_index`` on the selected path."""
        fine, _ = self.calculate_weights_and_coarse(params, run_fingerprint, prices, start_index, additional_oracle_input)
        return fine

    def calculate_weights_and_coarse(self, params, run_fingerprint, prices, start_index=0, additional_oracle_input=None):
        """(fine weights (L, n), coarse weights (M, n)) of the bout on the selected path."""
        if run_fingerprint.weight_interpolation_method == "onchain":
            run = self.calculate_onchain_run(params, run_fingerprint, prices, start_index, additional_oracle_input)
            return run["weights"], run["coarse_weights"]
        w0, rows, coarse = self._bout_coarse(params, run_fingerprint, prices, start_index, additional_oracle_input)
        return self._fine_from_coarse(w0, coarse, run_fingerprint)[:rows], coarse

    def calculate_coarse_weights(self, params, run_fingerprint, prices, start_index=0, additional_oracle_input=None, path=None):
        """Coarse weights (M, n), one per update of the bout, on ``path`` (default: the fingerprint's method)."""
        if run_fingerprint.weight_interpolation_method == "onchain":
            run = self.calculate_onchain_run(params, run_fingerprint, prices, start_index, additional_oracle_input, path)
            return run["coarse_weights"]
        return self._bout_coarse(params, run_fingerprint, prices, start_index, additional_oracle_input, path)[2]

    def _bout_inputs(self, params, run_fingerprint, prices, start_index, additional_oracle_input, path):
        """The BoutInputs of a bout starting at price row ``start_index`` on ``path`` (default: the fingerprint's)."""
        if path is None:
            path = self.select_path(run_fingerprint)
        else:
            self._require_path(path)
        cp = self.resolve_params(params, run_fingerprint)
        w0 = self.initial_weights(params, run_fingerprint)
        chunks, oracle = self._chunks(prices, additional_oracle_input, run_fingerprint)
        rows = bout_rows(run_fingerprint, int(jnp.shape(prices)[0]), start_index)
        m = bout_chunks(run_fingerprint, rows)
        s_c = jnp.asarray(start_index) // run_fingerprint.chunk_steps
        carry0 = self._init_state(chunks[0], cp, params)
        return BoutInputs(path, cp, w0, rows, m, chunks, oracle, s_c, carry0)

    def _bout_loop(self, inputs, state0, update, xs):
        """Run the bout's M updates on the inputs' path: ``update(state, rule_output, x) -> (state, y)`` per
        update (x from ``xs``, leading axis M), the same function on both paths. Returns the stacked y."""
        b = inputs
        if b.path == "scan":
            return self._scan_bout(b.carry0, b.chunks, b.oracle, b.s_c, b.m, b.cp, state0, update, xs)
        outputs, _ = self._rule_series(b.carry0, b.chunks[1:], b.cp, None if b.oracle is None else b.oracle[1:])
        bout = jax.lax.dynamic_slice(outputs, (b.s_c, 0), (b.m, b.chunks.shape[1]))
        return jax.lax.scan(lambda state, both: update(state, *both), state0, (bout, xs))[1]

    def _bout_coarse(self, params, run_fingerprint, prices, start_index, additional_oracle_input, path=None):
        """(w₀, L, coarse weights (M, n)) of the bout: the pieces both public entry points need, computed once."""
        b = self._bout_inputs(params, run_fingerprint, prices, start_index, additional_oracle_input, path)
        if b.m == 0:
            return b.w0, b.rows, jnp.zeros((0, run_fingerprint.n_assets))

        def update(prev, out, _):
            new = self._next_weights(out, prev, b.cp, run_fingerprint)
            return new, new

        return b.w0, b.rows, self._bout_loop(b, b.w0, update, None)

    def _scan_bout(self, carry0, chunks, oracle, s_c, m, cp, state0, update, xs):
        n = chunks.shape[1]

        def warm(k, carry):
            row = None if oracle is None else oracle[k]
            return self._rule_step(carry, chunks[k], cp, row)[0]

        carry = jax.lax.fori_loop(1, s_c + 1, warm, carry0)
        bout = jax.lax.dynamic_slice(chunks, (s_c + 1, 0), (m, n))
        bout_oracle = None if oracle is None else jax.lax.dynamic_slice(oracle, (s_c + 1, 0), (m, n))
        # A carry's "price" (the last consumed price, deviation form) is the previous bout row: it is fed
        # in as a scan input rather than carried, which keeps the loop state as small as the plain form's
        # (XLA:CPU compiles small while loops into one function, an order of magnitude faster for n = 2).
        carries_price = isinstance(carry, dict) and "price" in carry
        previous = jax.lax.dynamic_slice(chunks, (s_c, 0), (m, n)) if carries_price else None
        if carries_price:
            carry = {k: v for k, v in carry.items() if k != "price"}

        def body(loop_state, inputs):
            est, state = loop_state
            price, row, last, x = inputs
            if carries_price:
                est = {**est, "price": last}
            est, out = self._rule_step(est, price, cp, row)
            if carries_price:
                est = {k: v for k, v in est.items() if k != "price"}
            state, y = update(state, out, x)
            return (est, state), y

        return jax.lax.scan(body, (carry, state0), (bout, bout_oracle, previous, xs))[1]

    # ------------------------------------------------------------------- production loop ("onchain")

    def get_initial_pool_carry(self, initial_weights, t0=onchain.START_TIME):
        """The pool at creation (time ``t0``, seconds): W = trunc9(w₀), M = 0, last_update = last_interp = t0."""
        return onchain.init_pool_carry(initial_weights, t0)

    def _onchain_update(self, pool_carry, rule_output, now, cp, run_fingerprint):
        """One ``performUpdate`` after the rule's estimators: prevWeights = the pool's weights at ``now``, the guard,
        then ``setWeights``. Returns (pool carry, coarse weights, info). A reverting update (a negative pool
        weight, or a stored value out of int32 range after a τ wrap) leaves the pool carry unchanged."""
        fp = run_fingerprint
        w0, status = onchain.weights_at_status(pool_carry, now)
        new_w = self._next_weights(rule_output, w0, cp, fp)
        new, info = onchain.set_weights_info(pool_carry, w0, new_w, now, fp.chunk_period * 60, fp.absolute_weight_guard_rail)
        reverted = status["negative"] | info["overflow"]
        new = jax.tree_util.tree_map(lambda old, upd: jnp.where(reverted, old, upd), pool_carry, new)
        return new, new_w, {**info, "prev_weights": w0, "tau_wrapped": status["tau_wrapped"], "reverted": reverted}

    def calculate_onchain_step(self, est_carry, pool_carry, price, now, params, run_fingerprint,
                               additional_oracle_input=None, return_info=False):
        """One production update at block time ``now`` (int seconds): estimators -> rule output -> guard with
        prevWeights = weights_at(pool_carry, now) -> set_weights. Returns (est_carry, pool_carry, coarse_weights),
        plus the info dict of :meth:`_onchain_update` with ``return_info=True``."""
        self._require_path("scan")
        cp = self.resolve_params(params, run_fingerprint, validate=False)
        est_carry, out = self._rule_step(est_carry, jnp.asarray(price, dtype=jnp.float64), cp,
                                         self._oracle_row(additional_oracle_input))
        pool_carry, coarse, info = self._onchain_update(pool_carry, out, now, cp, run_fingerprint)
        return (est_carry, pool_carry, coarse, info) if return_info else (est_carry, pool_carry, coarse)

    def _onchain_fine_update(self, cp, run_fingerprint):
        """The per-update function both paths scan: x = (block start, update time) -> y = (coarse, block rows, carry, info)."""
        fp = run_fingerprint

        def update(pool_carry, out, x):
            block_start, update_time = x
            new, coarse, info = self._onchain_update(pool_carry, out, update_time, cp, fp)
            rows = self.calculate_fine_weights_step(pool_carry, new, fp, block_start, update_time)
            return new, (coarse, rows, new, info)

        return update

    def _onchain_times(self, run_fingerprint, m, t0):
        """(block starts, update times) of M updates: nominal t0 + (k+1)·Δ, and that plus the seeded delay."""
        times = onchain.update_times(run_fingerprint, m, t0)
        nominal = t0 + run_fingerprint.chunk_period * 60 * np.arange(1, m + 1, dtype=np.int64)
        return jnp.asarray(nominal), jnp.asarray(times)

    def _onchain_result(self, w0, ys, rows, run_fingerprint, t0):
        coarse, blocks, carries, info = ys
        row_s = run_fingerprint.price_interval * 60
        first = onchain.weights_at(onchain.init_pool_carry(w0, t0), t0 + row_s * jnp.arange(run_fingerprint.chunk_steps))
        fine = jnp.concatenate([first, blocks.reshape(-1, w0.shape[0])])
        return {"weights": fine if rows is None else fine[:rows], "coarse_weights": coarse, "pool_carries": carries,
                "info": info}

    def _onchain_loop(self, rule_outputs, initial_weights, cp, run_fingerprint, t0=onchain.START_TIME):
        """Production loop over given (bout) rule outputs (M, n) from a pool created at t0 with w₀."""
        m = rule_outputs.shape[0]
        w0 = jnp.asarray(initial_weights, dtype=jnp.float64)
        carry0 = onchain.init_pool_carry(w0, t0)
        update = self._onchain_fine_update(cp, run_fingerprint)
        _, ys = jax.lax.scan(lambda state, both: update(state, *both), carry0,
                             (rule_outputs, self._onchain_times(run_fingerprint, m, t0)))
        return self._onchain_result(w0, ys, None, run_fingerprint, t0)

    def calculate_onchain_run(self, params, run_fingerprint, prices, start_index=0, additional_oracle_input=None,
                              path=None, t0=onchain.START_TIME):
        """The production loop over the bout on ``path``: {"weights": fine (L, n), "coarse_weights": (M, n),
        "pool_carries": pool carry after each update (stacked), "info": per-update info (stacked),
        "update_times": (M,)}. The pool is created at t0 (bout row 0); bout row r is at t0 + r·price_interval·60."""
        b = self._bout_inputs(params, run_fingerprint, prices, start_index, additional_oracle_input, path)
        carry0 = onchain.init_pool_carry(b.w0, t0)
        if b.m == 0:
            return {"weights": onchain.weights_at(carry0, jnp.full(b.rows, t0)),
                    "coarse_weights": jnp.zeros((0, b.w0.shape[0])), "pool_carries": None, "info": None,
                    "update_times": jnp.zeros((0,), dtype=jnp.int64)}
        xs = self._onchain_times(run_fingerprint, b.m, t0)
        ys = self._bout_loop(b, carry0, self._onchain_fine_update(b.cp, run_fingerprint), xs)
        return {**self._onchain_result(b.w0, ys, b.rows, run_fingerprint, t0), "update_times": xs[1]}
