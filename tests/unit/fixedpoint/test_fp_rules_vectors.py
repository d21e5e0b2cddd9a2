"""Rule vectors B1–B8 (docs/arithmetic.md §6) through the rule models, with the listed intermediate values."""

import pytest

from parity.fixedpoint.errors import Revert
from parity.fixedpoint.estimators import gradient, moving_average, mul_factor, variance
from parity.fixedpoint.guard import clamp_weights
from parity.fixedpoint.int256 import tdiv
from parity.fixedpoint.rules import make_model
from parity.fixedpoint.rules.base import finish, relative
from parity.fixedpoint.rules.channel_following import channel_signal, channel_terms
from parity.fixedpoint.sd59x18 import ONE, div, exp, mul
from parity.fixedpoint.storage import pack_pair

E = 10**18
RUNNER = "0x" + "11" * 20
POOL = "0x" + "22" * 20
THIRD = 333333333333333333
PREV = [THIRD, THIRD, THIRD + 1]
MA0 = [1000 * E, 2 * E, 50 * E]
DATA_B1 = [1010 * E, 19 * E // 10, 51 * E]
DATA_B4 = [1100 * E, 17 * E // 10, 55 * E]
EPS, G = E // 10, 5 * E // 100
LAM = [9 * E // 10]


def run(rule, init, data, params, lam=LAM, ma0=MA0, prev=PREV, eps=EPS, g=G):
    m = make_model(rule, RUNNER)
    m.initialise(POOL, ma0, init, len(ma0), sender=POOL)
    w = m.calculate_new_weights(prev, data, POOL, params, lam, eps, g, sender=RUNNER)
    return m, w


def test_b1_momentum_intermediates():
    ma = moving_average(MA0, DATA_B1, LAM, 3)
    assert ma == [1001 * E, 199 * E // 100, 501 * E // 10]
    assert mul_factor(LAM[0]) == 1111111111111111
    a, g = gradient([0, 0, 0], DATA_B1, ma, LAM, 3)
    assert a == [90 * E, -9 * E // 10, 9 * E]
    assert g == [99999999999999990, -1000000000000000, 9999999999999999]
    assert [div(ONE, d) for d in ma] == [999000999000999, 502512562814070351, 19960079840319361]
    r = [relative(ma[i], g[i]) for i in range(3)]
    assert r == [99900099900100, -502512562814070, 199600798403194]
    assert sum(r) == -203011664510776 and tdiv(sum(r), 3) == -67670554836925
    raw = finish(PREV, r, [2 * E], 3)
    assert raw == [333668474642807383, 332463649317379043, 333867876039813572]
    assert div(ONE, sum(raw)) == ONE * ONE // (ONE - 2)
    assert clamp_weights(raw, G) == [333668474642807384, 332463649317379044, 333867876039813573]


def test_b1_momentum():
    m, w = run("momentum", [0, 0, 0], DATA_B1, [[2 * E], [0]])
    assert w == [333668474642807384, 332463649317379044, 333867876039813572]
    assert m.get_moving_averages(POOL, 3) == [1001 * E, 199 * E // 100, 501 * E // 10]
    assert m.get_intermediate_gradient_state(POOL, 3) == [90 * E, -9 * E // 10, 9 * E]
    # per-update writer: odd tail stored as (0, a)
    assert m.moving_averages_word(POOL, 1) == 501 * E // 10
    assert m.moving_averages_word(POOL, 0) == pack_pair(1001 * E, 199 * E // 100)


def test_b2_momentum_vector():
    lam = [9 * E // 10, 8 * E // 10, 95 * E // 100]
    m, w = run("momentum", [E, -E // 100, E // 10], DATA_B1, [[E, 3 * E, 5 * E]], lam=lam)
    assert m.get_moving_averages(POOL, 3) == [1001 * E, 198 * E // 100, 5005 * E // 100]
    assert m.get_intermediate_gradient_state(POOL, 3) == [909 * E // 10, -408 * E // 1000, 19095 * E // 1000]
    assert w == [334082001332001332, 329094821844821844, 336823176823176824]


def test_b3_anti_momentum():
    m, w = run("anti_momentum", [0, 0, 0], DATA_B1, [[2 * E], [E]])
    assert m.get_intermediate_gradient_state(POOL, 3) == [90 * E, -9 * E // 10, 9 * E]
    assert m.get_moving_averages(POOL, 3) == [1001 * E, 199 * E // 100, 501 * E // 10]
    assert w == [332981161893279111, 334231813274206677, 332787024832514212]


def test_b4_power_channel():
    m, w = run("power_channel", [0, 0, 0], DATA_B4, [[5 * E], [2 * E]])
    assert m.get_moving_averages(POOL, 3) == [1010 * E, 197 * E // 100, 505 * E // 10]
    assert m.get_intermediate_gradient_state(POOL, 3) == [900 * E, -27 * E // 10, 45 * E]
    assert w == [333338832242923952, 333322335514152096, 333338832242923952]


B5_PARAMS = [[10 * E], [E // 10], [E // 2], [15 * E // 10], [541519 * 10**12], [E // 10], [0]]


def test_b5_channel_following_intermediates():
    ma = moving_average(MA0, DATA_B4, LAM, 3)
    _, g = gradient([0, 0, 0], DATA_B4, ma, LAM, 3)
    r = [relative(ma[i], g[i]) for i in range(3)]
    assert r == [990099009900990, -1522842639593909, 990099009900990]
    x = r[0]
    assert mul(x, x) == 980296049407
    env, sc, channel, trend = channel_terms(x, E // 10, E // 2, 15 * E // 10, 541519 * 10**12, E // 10)
    assert (env, sc, channel, trend) == (999950986398735455, 10368292586104926, -9572700717825706, 17072202727)
    assert exp(-div(mul(x, x), mul(mul(E // 10, E // 10), 2 * E))) == env
    assert channel_signal(x, E // 10, E // 2, 15 * E // 10, 541519 * 10**12, E // 10) == -9572683645622979
    signals = [channel_signal(v, E // 10, E // 2, 15 * E // 10, 541519 * 10**12, E // 10) for v in r]
    assert finish(PREV, signals, [10 * E], 3) == [252350817199484763, 495298365601030463, 252350817199484764]


def test_b5_channel_following():
    _, w = run("mean_reversion_channel", [0, 0, 0], DATA_B4, B5_PARAMS)
    assert w == [283333333333333333, 433333333333333333, 283333333333333334]


def test_b6_difference_momentum():
    m, w = run("difference_momentum", list(MA0), DATA_B4, [[10 * E], [E // 2]])
    assert m.short_moving_averages(POOL, 0) == 357296485266985386636543337803356622028801850000000000000000
    assert m.short_moving_averages(POOL, 1) == 52500000000000000000
    assert m.get_moving_averages(POOL, 3) == [1010 * E, 197 * E // 100, 505 * E // 10]
    assert w == [383333333333333331, 233333333333333333, 383333333333333336]
    with pytest.raises(Revert) as exc:
        m.get_intermediate_gradient_state(POOL, 3)
    assert exc.value.reason == "SRC!=TGT"


def test_b6_intermediates():
    short = moving_average(MA0, DATA_B4, [E // 2], 3)
    assert short == [1050 * E, 185 * E // 100, 525 * E // 10]
    ma = moving_average(MA0, DATA_B4, LAM, 3)
    s = [mul(div(ONE, ma[i]), short[i] - ma[i]) for i in range(3)]
    raw = finish(PREV, s, [10 * E], 3)
    assert raw == [668392219932653143, -336784439865306307, 668392219932653164]
    assert clamp_weights(raw, G) == [474999999999999992, G, 475000000000000007]


def test_b7_minimum_variance():
    m, w = run("min_variance", [100 * E, E // 100, E], DATA_B4, [[E // 2]])
    assert m.get_intermediate_variance_state(POOL, 3) == [9090 * E, 9 * E // 100, 234 * E // 10]
    assert m.get_moving_averages(POOL, 3) == [1010 * E, 197 * E // 100, 505 * E // 10]
    assert w == [283045058567476695, 433333333333333333, 283621608099189972]
    ma = moving_average(MA0, DATA_B4, LAM, 3)
    a, var = variance([100 * E, E // 100, E], DATA_B4, ma, MA0, LAM, 3)
    assert var == [909 * E, 9 * E // 1000, 234 * E // 100]
    assert [div(ONE, v) for v in var] == [1100110011001100, 111111111111111111111, 427350427350427350]


def test_b8_huge_price_reciprocal_zero():
    m, w = run(
        "momentum",
        [0, 0],
        [3 * 10**36, 4 * E],
        [[E], [E]],
        lam=[E // 2],
        ma0=[2 * 10**36, 3 * E],
        prev=[E // 2, E // 2],
    )
    assert w == [468750000000000000, 531250000000000000]
    assert m.get_intermediate_gradient_state(POOL, 2) == [10**36, E]


def test_b8_min_variance_no_movement_reverts_without_state_change():
    ma0 = [E, 3 * E, 5 * E]
    m = make_model("min_variance", RUNNER)
    m.initialise(POOL, ma0, [0, 0, 0], 3, sender=RUNNER)
    words = [m.moving_averages_word(POOL, k) for k in range(2)]
    with pytest.raises(Revert) as exc:
        m.calculate_new_weights(PREV, ma0, POOL, [[E // 2]], [E // 2], EPS, G, sender=RUNNER)
    assert exc.value.reason == "Panic(0x12)"
    assert [m.moving_averages_word(POOL, k) for k in range(2)] == words
    assert m.get_moving_averages(POOL, 3) == ma0
    assert m.get_intermediate_variance_state(POOL, 3) == [0, 0, 0]


def test_b8_min_variance_one_unit_move():
    m, w = run(
        "min_variance", [0, 0, 0], [2 * E, 4 * E, 6 * E], [[E // 2]], lam=[E // 2], ma0=[E, 3 * E, 5 * E]
    )
    assert m.get_moving_averages(POOL, 3) == [15 * E // 10, 35 * E // 10, 55 * E // 10]
    assert m.get_intermediate_variance_state(POOL, 3) == [E // 2] * 3
    assert w == [333333333333333333, 333333333333333334, 333333333333333333]
