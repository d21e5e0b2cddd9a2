"""RuleModel: the storage and entry points of one deployed rule contract (docs/arithmetic.md, docs/storage.md),
with V1's order of reads, checks and stores on malformed input (docs/malformed-inputs.md)."""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..calldata import MALFORMED, Dirty, read_word, row
from ..errors import PANIC_OUT_OF_BOUNDS, PANIC_OVERFLOW, Revert
from ..estimators import gradient_stored, moving_average
from ..guard import guard_weights
from ...probes import probe
from ..int256 import INT256_MAX, INT256_MIN, UINT64_MAX, UINT256_MAX, add, at, sub, tdiv
from ..sd59x18 import ONE, div, mul
from ..storage import pack_array, unpack, write_elements

MOVING_AVERAGES = "movingAverages"
GRADIENT_STATES = "intermediateGradientStates"
VARIANCE_STATES = "intermediateVarianceStates"
SHORT_MOVING_AVERAGES = "shortMovingAverages"

Storage = dict[str, dict[str, list[int]]]
T = TypeVar("T")

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def normalise_address(field: str, value: str) -> str:
    """Lower-case 0x address; ValueError naming ``field`` if ``value`` is not a 20-byte hex address."""
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise ValueError(f"{field}={value!r}: must be a 0x-prefixed 20-byte hex address")
    return value.lower()


def _check_int(field: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise ValueError(f"{field}={value!r}: must be an integer in [{lo}, {hi}] (ABI type range)")
    return int(value)


def int256_list(field: str, values: Sequence[int]) -> list[int]:
    """ABI ``int256[]`` check: a sequence of Python ints within int256."""
    return [_check_int(f"{field}[{i}]", v, INT256_MIN, INT256_MAX) for i, v in enumerate(values)]


def int256_matrix(field: str, values: Sequence[Sequence[int]]) -> list[list[int]]:
    """ABI ``int256[][]`` check; an inner array may be :data:`MALFORMED` (checked only when read)."""
    return [r if r is MALFORMED else int256_list(f"{field}[{i}]", r) for i, r in enumerate(values)]


def uint64_list(field: str, values: Sequence[int]) -> list[int]:
    """ABI ``uint64[]`` check; an entry may be :class:`Dirty` (checked only when read)."""
    return [v if isinstance(v, Dirty) else _check_int(f"{field}[{i}]", v, 0, UINT64_MAX) for i, v in enumerate(values)]


def _head(field: str, value, check):
    """A top-level argument: a marker is kept (it fails the entry check), anything else goes through check."""
    return value if value is MALFORMED or isinstance(value, Dirty) else check(field, value)


def _uint64(field: str, value) -> int:
    return _check_int(field, value, 0, UINT64_MAX)


def relative(d: int, g: int) -> int:
    """Relative gradient ``(ONE ⊘ d) ⊗ g``: the reciprocal is truncated first."""
    return probe("relative", mul(probe("reciprocal", div(ONE, d)), g))


def accumulate(total: int, signal: int, kappa: Sequence[int], i: int) -> int:
    """ACC: ``total + s_i`` for a scalar κ, else read κ_i (Panic(0x32) past the end) and add ``s_i ⊗ κ_i``."""
    if len(kappa) == 1:
        return add(total, signal)
    return add(total, mul(signal, at(kappa, i)))


def finish(prev_weights: Sequence[int], signals: Sequence[int], kappa: Sequence[int], n: int, sign: int = 1,
           total: int | None = None) -> list[int]:
    """FIN(±) after the asset loop: scalar κ centres on ``tdiv(total, n)``; vector κ on ``total ⊘ Σ_all κ_j``
    (summed checked, left to right). Then ``w̃_i = prev_i + κ_i ⊗ δ_i``, δ = s_i − centre (sign −1: centre − s_i).
    ``total`` is the ACC sum built inside the asset loop; None accumulates ``signals`` here."""
    if total is None:
        total = 0
        for i in range(n):
            total = accumulate(total, signals[i], kappa, i)
    if len(kappa) == 1:
        centre = tdiv(total, n)
    else:
        k_sum = 0
        for k in kappa:
            k_sum = add(k_sum, k)
        centre = div(total, k_sum)
    probe("centre", centre)
    out = []
    for i in range(n):
        k = kappa[0] if len(kappa) == 1 else kappa[i]
        delta = sub(signals[i], centre) if sign > 0 else sub(centre, signals[i])
        out.append(add(prev_weights[i], mul(k, delta)))
    return probe("raw_weights", out)


def public_array_word(words: Sequence[int], i: int) -> int:
    """A public ``mapping(address => int256[])`` getter: out of range reverts with EMPTY data (not a Panic)."""
    if i < 0 or i >= len(words):
        raise Revert("")
    return words[i]


def use_raw_flag(parameters: Sequence[Sequence[int]], index: int) -> bool:
    """``parameters[index][0] == 1e18`` (bounds-checked, lazily validated)."""
    return at(row(parameters, index), 0) == ONE


class RuleModel:
    """Exact model of one deployed rule contract: its storage and every external function.

    A revert raises :class:`Revert` and leaves storage unchanged. ``sender``/``pool`` are addresses
    (compared case-insensitively). Inputs outside their ABI types raise ValueError.
    """

    name: str = ""
    requires_prev_ma: bool = False
    via_ir: bool = False  # operand order of the via-IR build where it differs (docs/malformed-inputs.md)
    mappings: tuple[str, ...] = (MOVING_AVERAGES,)

    def __init__(self, update_weight_runner: str):
        self.update_weight_runner = normalise_address("update_weight_runner", update_weight_runner)
        self._storage: Storage = {m: {} for m in self.mappings}

    # ---- transactions -------------------------------------------------------------------------
    def _transact(self, body: Callable[[Storage], T]) -> T:
        work = {m: dict(pools) for m, pools in self._storage.items()}
        result = body(work)  # writers only ever assign fresh lists, so a shallow copy isolates the work
        self._storage = work
        return result

    def _words(self, mapping: str, pool: str, storage: Storage | None = None) -> list[int]:
        return (self._storage if storage is None else storage)[mapping].get(pool, [])

    # ---- external functions -------------------------------------------------------------------
    def valid_parameters(self, parameters: list[list[int]]) -> bool:
        """``validParameters(int256[][])`` exactly as the contract: returns False at the first failing condition;
        reverts only on a checked overflow or a :data:`MALFORMED` inner array it reaches."""
        if parameters is MALFORMED:
            raise Revert("")
        return self._valid(int256_matrix("parameters", parameters))

    def initialise(
        self, pool: str, moving_averages: list[int], initial_values: list[int], n: int, *, sender: str
    ) -> None:
        """``initialisePoolRuleIntermediateValues`` (docs/storage.md); caller must be ``pool`` or the runner."""
        pool = normalise_address("pool", pool)
        sender = normalise_address("sender", sender)
        mas = int256_list("moving_averages", moving_averages)
        init = int256_list("initial_values", initial_values)
        n = _check_int("n", n, 0, UINT256_MAX)

        def body(st: Storage) -> None:
            if sender not in (pool, self.update_weight_runner):
                raise Revert("UNAUTH")
            if len(mas) != n:
                raise Revert("Invalid set moving avg")
            st[MOVING_AVERAGES][pool] = pack_array(mas)
            self._initialise_state(st, pool, init, n)

        self._transact(body)

    def calculate_new_weights(
        self,
        prev_weights: list[int],
        data: list[int],
        pool: str,
        parameters: list[list[int]],
        lambda_store: list[int],
        epsilon_max: int,
        guard_rail: int,
        *,
        sender: str,
    ) -> list[int]:
        """``CalculateNewWeights``: update p̄, run the rule, guard; returns the guarded weights.

        Arguments may carry :mod:`~parity.fixedpoint.calldata` markers: a :data:`MALFORMED` top-level array
        or a :class:`Dirty` pool, ε or g word fails the entry check (empty revert, before the caller check);
        a :data:`MALFORMED` parameter row or a :class:`Dirty` λ word reverts with empty data when read."""
        prev = _head("prev_weights", prev_weights, int256_list)
        data = _head("data", data, int256_list)
        pool = _head("pool", pool, normalise_address)
        params = _head("parameters", parameters, int256_matrix)
        lambdas = _head("lambda_store", lambda_store, uint64_list)
        eps = _head("epsilon_max", epsilon_max, _uint64)
        g = _head("guard_rail", guard_rail, _uint64)
        sender = normalise_address("sender", sender)
        heads = (prev, data, pool, params, lambdas, eps, g)

        def body(st: Storage) -> list[int]:
            if any(h is MALFORMED or isinstance(h, Dirty) for h in heads):
                raise Revert("")  # the ABI decoder's entry check
            if sender != self.update_weight_runner:
                raise Revert("UNAUTH_CALC")
            n = len(prev)
            if n == 0:
                raise Revert(PANIC_OVERFLOW)  # n − 1, checked, before anything else is read
            lam = [read_word(v) for v in lambdas]
            words = self._words(MOVING_AVERAGES, pool, st)
            prev_ma = unpack(words, n)
            ma = probe("ewma", moving_average(prev_ma, data, lam, n))
            if n == 1:
                raise Revert(PANIC_OUT_OF_BOUNDS)  # V1's store loop bound n − 2 wraps and overruns
            st[MOVING_AVERAGES][pool] = pack_array(ma) if self.requires_prev_ma else write_elements(words, ma)
            raw = self._get_weights(st, pool, prev, data, params, lam, ma, prev_ma, n)
            return guard_weights(raw, prev, eps, g)

        return self._transact(body)

    def get_moving_averages(self, pool: str, n: int) -> list[int]:
        """``getMovingAverages(pool, n)``: p̄(t) unpacked (reverts "SRC!=TGT" if too few words)."""
        return unpack(self._words(MOVING_AVERAGES, normalise_address("pool", pool)), n)

    def moving_averages_word(self, pool: str, i: int) -> int:
        """``movingAverages(pool, i)``: the raw packed word (out of range reverts with empty data, ``""``)."""
        return public_array_word(self._words(MOVING_AVERAGES, normalise_address("pool", pool)), i)

    def get_intermediate_gradient_state(self, pool: str, n: int) -> list[int]:
        """``getIntermediateGradientState``; only gradient-based contracts have it."""
        raise NotImplementedError(f"{self.name} has no getIntermediateGradientState")

    def get_intermediate_variance_state(self, pool: str, n: int) -> list[int]:
        """``getIntermediateVarianceState``; only MinimumVariance has it."""
        raise NotImplementedError(f"{self.name} has no getIntermediateVarianceState")

    def short_moving_averages(self, pool: str, word_index: int) -> int:
        """``shortMovingAverages(pool, i)``; only DifferenceMomentum has it."""
        raise NotImplementedError(f"{self.name} has no shortMovingAverages")

    # ---- per rule -----------------------------------------------------------------------------
    def _valid(self, parameters: list[list[int]]) -> bool:
        raise NotImplementedError

    def _initialise_state(self, st: Storage, pool: str, init: list[int], n: int) -> None:
        raise NotImplementedError

    def _get_weights(
        self,
        st: Storage,
        pool: str,
        prev_weights: list[int],
        data: list[int],
        parameters: list[list[int]],
        lambdas: list[int],
        ma: list[int],
        prev_ma: list[int],
        n: int,
    ) -> list[int]:
        raise NotImplementedError


def initialise_paired_state(st: Storage, mapping: str, pool: str, init: list[int], n: int, reason: str) -> None:
    """Store ``init`` in ``mapping`` if it has n entries and the store is empty or already ⌈n/2⌉ words."""
    words = st[mapping].get(pool, [])
    fits = not words or (n % 2 == 0 and len(words) == n // 2) or (n % 2 == 1 and len(words) == n // 2 + 1)
    if len(init) != n or not fits:
        raise Revert(reason)
    st[mapping][pool] = pack_array(init)


class GradientRuleModel(RuleModel):
    """Shared state of the gradient-based rules: ``intermediateGradientStates`` (docs/arithmetic.md §3)."""

    mappings = (MOVING_AVERAGES, GRADIENT_STATES)

    def get_intermediate_gradient_state(self, pool: str, n: int) -> list[int]:
        """``getIntermediateGradientState(pool, n)``: a(t) unpacked."""
        return unpack(self._words(GRADIENT_STATES, normalise_address("pool", pool)), n)

    def _initialise_state(self, st: Storage, pool: str, init: list[int], n: int) -> None:
        initialise_paired_state(st, GRADIENT_STATES, pool, init, n, "Invalid set gradient")

    def _gradients(self, st: Storage, pool: str, data: list[int], ma: list[int], lambdas: list[int], n: int) -> list[int]:
        """Run the gradient estimator: update a(t) in storage and return g(t)."""
        words = self._words(GRADIENT_STATES, pool, st)
        st[GRADIENT_STATES][pool], _, g = gradient_stored(unpack(words, n), data, ma, lambdas, n, words)
        return g
