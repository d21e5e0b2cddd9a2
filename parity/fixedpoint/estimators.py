"""On-chain estimators in exact operation order (onchain-math.md §3 step 3 and §5).

λ arrays follow the contracts: a length-1 array is a scalar for every asset, any other length is
indexed per asset (too short -> Panic(0x32)). Every + and − outside the library is checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from .int256 import add, at, sub
from .sd59x18 import ONE, THREE, div, mul, pow


def lam_at(lambdas: Sequence[int], i: int) -> int:
    """λ for asset i: ``lambdas[0]`` if the array has length 1, else ``lambdas[i]`` (bounds-checked)."""
    return lambdas[0] if len(lambdas) == 1 else at(lambdas, i)


def moving_average(prev: Sequence[int], data: Sequence[int], lambdas: Sequence[int], n: int) -> list[int]:
    """``p̄_i(t) = ((p̄_i(t−1) ⊗ λ) + (p_i ⊗ (ONE − λ))) ⊘ ONE`` for i < n."""
    out = []
    for i in range(n):
        lam = lam_at(lambdas, i)
        out.append(div(add(mul(prev[i], lam), mul(at(data, i), sub(ONE, lam))), ONE))
    return out


def mul_factor(lam: int) -> int:
    """Gradient scale ``c = pow(ONE − λ, 3·ONE) ⊘ λ`` (library pow, not an exact cube)."""
    return div(pow(sub(ONE, lam), THREE), lam)


def gradient(
    prev_a: Sequence[int], data: Sequence[int], ma: Sequence[int], lambdas: Sequence[int], n: int
) -> tuple[list[int], list[int]]:
    """``a_i(t) = (λ ⊗ a_i(t−1)) + ((p_i − p̄_i(t)) ⊘ (ONE − λ))``, ``g_i = c ⊗ a_i(t)``. Returns (a(t), g)."""
    scalar = len(lambdas) == 1
    c = mul_factor(lambdas[0]) if scalar else 0
    a_new, g = [], []
    for i in range(n):
        lam = lam_at(lambdas, i)
        if not scalar:
            c = mul_factor(lam)
        a = add(mul(lam, prev_a[i]), div(sub(at(data, i), ma[i]), sub(ONE, lam)))
        a_new.append(a)
        g.append(mul(c, a))
    return a_new, g


def variance(
    prev_var: Sequence[int],
    data: Sequence[int],
    ma: Sequence[int],
    prev_ma: Sequence[int],
    lambdas: Sequence[int],
    n: int,
) -> tuple[list[int], list[int]]:
    """``A_i(t) = (λ ⊗ A_i(t−1)) + (((p_i − p̄_i(t−1)) ⊗ (p_i − p̄_i(t))) ⊘ ONE)``, ``σ²_i = (ONE − λ) ⊗ A_i(t)``.

    Returns (A(t), σ²)."""
    a_new, var = [], []
    for i in range(n):
        lam = lam_at(lambdas, i)
        p = at(data, i)
        innovation = mul(sub(p, prev_ma[i]), sub(p, ma[i]))
        a = add(mul(lam, prev_var[i]), div(innovation, ONE))
        a_new.append(a)
        var.append(mul(sub(ONE, lam), a))
    return a_new, var
