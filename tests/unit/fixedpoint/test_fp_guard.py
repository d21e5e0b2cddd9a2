"""Guard rails (docs/arithmetic.md §5): the worked examples and invariants."""

from hypothesis import given, settings
from hypothesis import strategies as st

from parity.fixedpoint.guard import clamp_weights, guard_weights, normalize_weight_updates
from parity.fixedpoint.int256 import wrap

E17 = 10**17
ONE = 10**18
THIRD = 333333333333333333
PREV3 = [THIRD, THIRD, THIRD + 1]


def test_clamp_worked_examples():
    assert clamp_weights([5 * 10**16, 45 * 10**16, 5 * E17], E17) == [E17, 426315789473684210, 473684210526315789]
    assert clamp_weights([-E17, 5 * E17, 6 * E17], E17) == [E17, 409090909090909091, 490909090909090909]
    # one pass only: w0 falls below MIN after the rescale
    assert clamp_weights([101 * 10**15, 95 * E17 // 10, 95 * E17 // 10, 0], E17) == [
        60559626915389740,
        419720186542305130,
        419720186542305130,
        E17,
    ]
    assert clamp_weights([0, 0, 0], E17) == [E17, E17, E17]  # O = 0: no rescale
    assert clamp_weights([E17, E17, E17], E17) == [E17, E17, E17]  # MIN-equal weights are not rescaled


def test_clamp_always_renormalises():
    w = [THIRD, THIRD, THIRD - 1]  # sum 1e18 − 2
    f = ONE * ONE // (ONE - 2)
    assert f == 1000000000000000002
    assert clamp_weights(w, 5 * 10**16) == [(x * f + ONE // 2) // ONE for x in w]


def test_clamp_n1_unchanged():
    assert clamp_weights([7], E17) == [7]


def test_guard_l11_residual_to_second_largest():
    assert guard_weights([E17, E17, E17], PREV3, E17, E17) == [533333333333333333, 233333333333333333, 233333333333333334]


def test_residual_rules():
    # excess comes off the largest (lowest index wins ties); shortfall goes to the second largest
    assert normalize_weight_updates([0, 0, 0], [5, 5, ONE], ONE) == [5, 5, ONE - 10]
    assert normalize_weight_updates([0, 0, 0], [7, 7, 7], ONE) == [7, 7 + ONE - 21, 7]
    # all ≤ 0 (g = 0 case): indices stay at 0
    assert normalize_weight_updates([0, 0], [-1, -2], ONE) == [ONE + 2, -2]


def test_epsilon_limit_scales_every_delta():
    prev = [5 * E17, 5 * E17]
    out = normalize_weight_updates(prev, [9 * E17, E17], E17)
    assert out == [6 * E17, 4 * E17]


def test_unchecked_wrap_in_normalise():
    big = 2**255 - 1
    out = normalize_weight_updates([0, 0], [big, 0], 2**64)
    # delta scaled by s = ε ⊘ big = 0, so weights return to prev; sum 0 -> shortfall to secIdx 0
    assert out == [ONE, 0]
    assert wrap(2**255) == -(2**255)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=2, max_value=8).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(min_value=-ONE, max_value=2 * ONE), min_size=n, max_size=n),
            st.just(n),
        )
    ),
    st.integers(min_value=10**16, max_value=10**17),
    st.integers(min_value=10**15, max_value=ONE),
)
def test_guard_sum_is_one_and_delta_bounded(wn, g, eps):
    w, n = wn
    g = min(g, ONE // n - 1)
    prev = [ONE // n] * (n - 1) + [ONE - (n - 1) * (ONE // n)]
    out = guard_weights(w, prev, eps, g)
    assert sum(out) == ONE
    # the ε limit bounds every |Δ| up to rounding; only the residual fix can move one weight further
    beyond = [i for i in range(n) if abs(out[i] - prev[i]) > eps + 1]
    assert len(beyond) <= 1
