"""On-chain estimators in exact operation order, stores included (docs/arithmetic.md, docs/malformed-inputs.md).

λ arrays follow the contracts: a length-1 array is a scalar for every asset, any other length is
indexed per asset (too short -> Panic(0x32)). Every + and − outside the library is checked. The
gradient and variance estimators write each pair of their state as soon as it is computed, so a state
overflow in an early pair wins over a fault in a later asset.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..probes import probe
from .int256 import add, at, sub
from .sd59x18 import ONE, THREE, div, mul, pow
from .storage import pack_pair, set_word


def lam_at(lambdas: Sequence[int], i: int) -> int:
    """λ for asset i: ``lambdas[0]`` if the array has length 1, else ``lambdas[i]`` (bounds-checked)."""
    return lambdas[0] if len(lambdas) == 1 else at(lambdas, i)


def moving_average(prev: Sequence[int], data: Sequence[int], lambdas: Sequence[int], n: int) -> list[int]:
    """``p̄_i(t) = ((p̄_i(t−1) ⊗ λ) + (p_i ⊗ (ONE − λ))) ⊘ ONE`` for i < n.

    Order: λ_0 (empty -> Panic(0x32)); per asset λ_i, p_i, p_i ⊗ (ONE − λ), p̄ ⊗ λ, the sum, ⊘ ONE."""
    lam = at(lambdas, 0)
    out = []
    for i in range(n):
        if len(lambdas) != 1:
            lam = at(lambdas, i)
        t = mul(at(data, i), sub(ONE, lam))
        u = mul(prev[i], lam)
        out.append(div(add(u, t), ONE))
    return out


def mul_factor(lam: int) -> int:
    """Gradient scale ``c = pow(ONE − λ, 3·ONE) ⊘ λ`` (library pow, not an exact cube)."""
    return div(pow(sub(ONE, lam), THREE), lam)


def next_gradient_state(lam: int, prev_a: int, price: int, ma: int) -> int:
    """``(λ ⊗ a) + ((p − p̄) ⊘ (ONE − λ))``; faults in order: the difference, the division, the sum."""
    quotient = div(sub(price, ma), sub(ONE, lam))
    return add(mul(lam, prev_a), quotient)


def gradient(
    prev_a: Sequence[int], data: Sequence[int], ma: Sequence[int], lambdas: Sequence[int], n: int
) -> tuple[list[int], list[int]]:
    """``a_i(t) = (λ ⊗ a_i(t−1)) + ((p_i − p̄_i(t)) ⊘ (ONE − λ))``, ``g_i = c ⊗ a_i(t)``. Returns (a(t), g)."""
    _, a, g = gradient_stored(prev_a, data, ma, lambdas, n, [0] * ((n + 1) // 2))
    return a, g


def gradient_stored(
    prev_a: Sequence[int], data: Sequence[int], ma: Sequence[int], lambdas: Sequence[int], n: int,
    words: Sequence[int],
) -> tuple[list[int], list[int], list[int]]:
    """``a_i(t)`` and ``g_i = c ⊗ a_i(t)``, writing the pairs of a(t) into a copy of ``words`` as they come.

    Scalar λ: c once, then per pair a_i, g_i, a_i+1, g_i+1, store; an odd tail is stored before its g.
    Vector λ: c_i before each a_i; the odd tail is stored after its g. Returns (words, a(t), g)."""
    out = list(words)
    scalar = len(lambdas) == 1
    c = mul_factor(lambdas[0]) if scalar else 0
    a, g = [0] * n, [0] * n
    cs = [c] if scalar else []
    for i in range(n):
        lam = lam_at(lambdas, i)
        if not scalar:
            c = mul_factor(lam)
            cs.append(c)
        a[i] = next_gradient_state(lam, prev_a[i], at(data, i), ma[i])
        tail = i % 2 == 0 and i + 1 == n
        if tail and scalar:
            set_word(out, i // 2, pack_pair(0, a[i]))
        g[i] = mul(c, a[i])
        if i % 2 == 1:
            set_word(out, i // 2, pack_pair(a[i - 1], a[i]))
        elif tail and not scalar:
            set_word(out, i // 2, pack_pair(0, a[i]))
    probe("mul_factor", cs)
    probe("running_a", a)
    probe("gradient", g)
    return out, a, g


def variance(
    prev_var: Sequence[int], data: Sequence[int], ma: Sequence[int], prev_ma: Sequence[int], lambdas: Sequence[int],
    n: int,
) -> tuple[list[int], list[int]]:
    """``A_i(t)`` and ``σ²_i`` without the stores (see :func:`variance_stored`). Returns (A(t), σ²)."""
    _, a, var = variance_stored(prev_var, data, ma, prev_ma, lambdas, n, [0] * ((n + 1) // 2))
    return a, var


def variance_stored(
    prev_var: Sequence[int],
    data: Sequence[int],
    ma: Sequence[int],
    prev_ma: Sequence[int],
    lambdas: Sequence[int],
    n: int,
    words: Sequence[int],
) -> tuple[list[int], list[int], list[int]]:
    """``A_i(t) = (λ ⊗ A_i(t−1)) + (((p_i − p̄_i(t−1)) ⊗ (p_i − p̄_i(t))) ⊘ ONE)``, ``σ²_i = (ONE − λ) ⊗ A_i(t)``.

    Per pair: A_i, σ²_i, A_i+1, store, σ²_i+1; an odd tail: A, σ², store (raw and unchecked with a
    scalar λ, as (0, A) with a vector λ). Returns (words, A(t), σ²)."""
    out = list(words)
    scalar = len(lambdas) == 1
    a, var = [0] * n, [0] * n
    for i in range(n):
        lam = lam_at(lambdas, i)
        p = at(data, i)
        innovation = mul(sub(p, prev_ma[i]), sub(p, ma[i]))
        a[i] = add(mul(lam, prev_var[i]), div(innovation, ONE))
        if i % 2 == 1:
            set_word(out, i // 2, pack_pair(a[i - 1], a[i]))
            var[i] = mul(sub(ONE, lam), a[i])
        else:
            var[i] = mul(sub(ONE, lam), a[i])
            if i + 1 == n:
                set_word(out, i // 2, a[i] if scalar else pack_pair(0, a[i]))
    probe("variance", a)
    probe("sigma2", var)
    return out, a, var
