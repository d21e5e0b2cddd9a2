"""RuleModel API: authorisation, validParameters truth tables, initialisation, base-flow quirks, rollback."""

import numpy as np
import pytest

from parity.fixedpoint.errors import Revert
from parity.fixedpoint.int256 import low_int128
from parity.fixedpoint.rules import MODELS, make_model
from parity.fixedpoint.rules.base import finish
from parity.fixedpoint.sd59x18 import MAXSD, div, mul

E = 10**18
RUNNER = "0x" + "ab" * 20
POOL = "0x" + "cd" * 20
OTHER = "0x" + "ef" * 20
THIRD = 333333333333333333
PREV = [THIRD, THIRD, THIRD + 1]
MA0 = [1000 * E, 2 * E, 50 * E]
DATA = [1010 * E, 19 * E // 10, 51 * E]
LAM = [9 * E // 10]
PARAMS = {
    "momentum": [[2 * E]],
    "anti_momentum": [[2 * E]],
    "power_channel": [[5 * E], [2 * E]],
    "mean_reversion_channel": [[10 * E], [E // 10], [E // 2], [15 * E // 10], [541519 * 10**12], [E // 10], [0]],
    "difference_momentum": [[10 * E], [E // 2]],
    "min_variance": [[E // 2]],
}
INIT = {rule: [0, 0, 0] for rule in PARAMS} | {"difference_momentum": list(MA0), "min_variance": [E, E, E]}
NAMES = {
    "momentum": "Momentum",
    "anti_momentum": "AntiMomentum",
    "power_channel": "PowerChannel",
    "mean_reversion_channel": "ChannelFollowing",
    "difference_momentum": "DifferenceMomentum",
    "min_variance": "MinimumVariance",
}


def reason(fn, *args, **kwargs):
    with pytest.raises(Revert) as exc:
        fn(*args, **kwargs)
    return exc.value.reason


def initialised(rule, n=3, ma0=MA0, init=None):
    m = make_model(rule, RUNNER)
    m.initialise(POOL, ma0[:n], (init or INIT[rule])[:n], n, sender=POOL)
    return m


def step(m, rule, prev=PREV, data=DATA, params=None, lam=LAM, sender=RUNNER):
    return m.calculate_new_weights(prev, data, POOL, params or PARAMS[rule], lam, E // 10, E // 20, sender=sender)


def snapshot(m):
    return {k: dict(v) for k, v in m._storage.items()}


def test_models_and_names():
    assert set(MODELS) == set(NAMES)
    for rule, name in NAMES.items():
        assert make_model(rule, RUNNER).name == name
    with pytest.raises(ValueError, match="index_market_cap"):
        make_model("index_market_cap", RUNNER)
    with pytest.raises(ValueError, match="update_weight_runner"):
        make_model("momentum", "0x1234")


@pytest.mark.parametrize("rule", sorted(PARAMS))
def test_authorisation(rule):
    m = make_model(rule, RUNNER)
    assert reason(m.initialise, POOL, MA0, INIT[rule], 3, sender=OTHER) == "UNAUTH"
    m.initialise(POOL, MA0, INIT[rule], 3, sender=RUNNER)  # runner may initialise
    m.initialise(POOL.upper().replace("0X", "0x"), MA0, INIT[rule], 3, sender=POOL)  # and the pool itself
    before = snapshot(m)
    assert reason(step, m, rule, sender=POOL) == "UNAUTH_CALC"
    assert reason(step, m, rule, sender=OTHER) == "UNAUTH_CALC"
    assert snapshot(m) == before
    step(m, rule, sender=RUNNER.upper().replace("0X", "0x"))
    assert snapshot(m) != before


def test_abi_range_checks_raise_value_error():
    m = initialised("momentum")
    with pytest.raises(ValueError, match=r"lambda_store\[0\]"):
        step(m, "momentum", lam=[-1])
    with pytest.raises(ValueError, match="epsilon_max"):
        m.calculate_new_weights(PREV, DATA, POOL, [[E]], LAM, 2**64, 0, sender=RUNNER)
    with pytest.raises(ValueError, match=r"parameters\[0\]\[0\]"):
        m.valid_parameters([[2**255]])
    with pytest.raises(ValueError, match="n="):
        m.initialise(POOL, MA0, [0, 0, 0], -3, sender=POOL)
    with pytest.raises(ValueError, match=r"prev_weights\[0\]"):
        m.calculate_new_weights([0.5, 0.5], DATA, POOL, [[E]], LAM, 0, 0, sender=RUNNER)
    assert m.valid_parameters([np.array([E], dtype=np.int64)]) is True  # numpy integers are accepted


VALID = {
    "momentum": [
        ([[E]], True), ([[E], [0]], True), ([[E], [E]], True), ([[E, 2 * E, 3 * E]], True),
        ([[E], [5]], False), ([[E], [0, 0]], False), ([], False), ([[]], False), ([[0]], False),
        ([[-1]], False), ([[E, 0]], False), ([[E], [0], [0]], False),
    ],
    "power_channel": [
        ([[E], [2 * E]], True), ([[E], [E + 1]], True), ([[E, E], [2 * E, 2 * E]], True), ([[E], [2 * E], [E]], True),
        ([[E], [E]], False), ([[E, E], [2 * E]], False), ([[E], [2 * E, 2 * E]], False), ([[E], [2 * E], [3]], False),
        ([[E], [2 * E], [0, 0]], False), ([[], []], False), ([[0], [2 * E]], False), ([[E]], False),
    ],
    "mean_reversion_channel": [
        (PARAMS["mean_reversion_channel"], True),
        (PARAMS["mean_reversion_channel"][:6] + [[E]], True),
        ([[v[0], v[0]] for v in PARAMS["mean_reversion_channel"][:6]] + [[0]], True),
        (PARAMS["mean_reversion_channel"][:6], False),
        (PARAMS["mean_reversion_channel"][:6] + [[2]], False),
        (PARAMS["mean_reversion_channel"][:6] + [[0, 0]], False),
        ([[E, E]] + PARAMS["mean_reversion_channel"][1:], False),
        (PARAMS["mean_reversion_channel"][:3] + [[0]] + PARAMS["mean_reversion_channel"][4:], False),
        ([[]] * 6 + [[0]], False),
    ],
    "difference_momentum": [
        ([[10 * E], [E // 2]], True), ([[-E, 2 * E], [0]], True), ([[E], [E]], True), ([[E], []], True),
        ([[E, -E], [0]], False), ([[0], [0]], False), ([[E], [E + 1]], False), ([[E], [-1]], False),
        ([[], [0]], False), ([[E]], False),
    ],
    "min_variance": [
        ([[E // 2]], True), ([[0]], True), ([[E, 0, E // 3]], True),
        ([[E + 1]], False), ([[-1]], False), ([[]], False), ([[E], [E]], False), ([], False),
    ],
}
VALID["anti_momentum"] = VALID["momentum"]


@pytest.mark.parametrize("rule", sorted(VALID))
def test_valid_parameters_truth_table(rule):
    m = make_model(rule, RUNNER)
    for params, expected in VALID[rule]:
        assert m.valid_parameters(params) is expected, params


def test_difference_momentum_kappa_sum_overflow_reverts():
    m = make_model("difference_momentum", RUNNER)
    assert reason(m.valid_parameters, [[MAXSD, MAXSD], [0]]) == "Panic(0x11)"
    assert m.valid_parameters([[MAXSD, 0, MAXSD], [0]]) is False  # the loop stops at the zero first
    assert m.valid_parameters([[MAXSD, MAXSD], [E + 1]]) is False  # λ_short is checked before κ


@pytest.mark.parametrize(
    "rule,state_reason",
    [("momentum", "Invalid set gradient"), ("min_variance", "Invalid set variance"),
     ("difference_momentum", "Invalid initial values")],
)
def test_initialise_reasons_and_rollback(rule, state_reason):
    m = make_model(rule, RUNNER)
    assert reason(m.initialise, POOL, MA0[:2], INIT[rule], 3, sender=POOL) == "Invalid set moving avg"
    assert reason(m.initialise, POOL, MA0, INIT[rule][:2], 3, sender=POOL) == state_reason
    assert reason(m.moving_averages_word, POOL, 0) == ""  # nothing stored: the moving-average write was rolled back
    assert reason(m.get_moving_averages, POOL, 3) == "SRC!=TGT"
    assert reason(m.initialise, POOL, [E], [E], 1, sender=POOL) == "Panic(0x11)"
    assert reason(m.initialise, POOL, [], [], 0, sender=POOL) == "LEN0"


def test_reinitialise_word_count_rule():
    m = initialised("momentum", n=3)
    m.initialise(POOL, MA0, [1, 2, 3], 3, sender=POOL)  # same size: fine, overwrites
    assert m.get_intermediate_gradient_state(POOL, 3) == [1, 2, 3]
    assert reason(m.initialise, POOL, MA0[:2], [1, 2], 2, sender=POOL) == "Invalid set gradient"
    m4 = initialised("min_variance", n=3)
    m4.initialise(POOL, [E] * 4, [E] * 4, 4, sender=POOL)  # 2 words fit n = 4 as well as n = 3
    assert m4.get_intermediate_variance_state(POOL, 4) == [E] * 4


def test_uninitialised_pool_reverts():
    for rule in PARAMS:
        assert reason(step, make_model(rule, RUNNER), rule) == "SRC!=TGT"


def test_lambda_store_lengths():
    ref = step(initialised("momentum"), "momentum", lam=LAM * 3)
    assert step(initialised("momentum"), "momentum", lam=LAM) == ref  # scalar == same vector
    assert step(initialised("momentum"), "momentum", lam=LAM * 4) == ref  # extra entries ignored
    for lam in ([], LAM * 2):
        m = initialised("momentum")
        before = snapshot(m)
        assert reason(step, m, "momentum", lam=lam) == "Panic(0x32)"
        assert snapshot(m) == before


def test_data_longer_than_n_is_ignored_and_shorter_reverts():
    ref = step(initialised("momentum"), "momentum")
    assert step(initialised("momentum"), "momentum", data=DATA + [7]) == ref
    assert reason(step, initialised("momentum"), "momentum", data=DATA[:2]) == "Panic(0x32)"


def test_use_raw_price_only_exactly_one():
    off = step(initialised("momentum"), "momentum", params=[[2 * E], [0]])
    assert step(initialised("momentum"), "momentum", params=[[2 * E], [5]]) == off
    assert step(initialised("momentum"), "momentum", params=[[2 * E]]) == off
    on = step(initialised("momentum"), "momentum", params=[[2 * E], [E]])
    assert on != off
    assert reason(step, initialised("momentum"), "momentum", params=[[2 * E], []]) == "Panic(0x32)"


def test_vector_kappa_sum_includes_extra_entries():
    s = [3 * E, -E, 2 * E]
    kappa = [E, 2 * E, 3 * E, 4 * E]
    n_sum = mul(s[0], E) + mul(s[1], 2 * E) + mul(s[2], 3 * E)
    centre = div(n_sum, 10 * E)  # Σκ over all four entries
    assert finish(PREV, s, kappa, 3) == [PREV[i] + mul(kappa[i], s[i] - centre) for i in range(3)]
    assert reason(finish, PREV, s, kappa[:2], 3) == "Panic(0x32)"
    assert reason(finish, PREV, s, [E, -E], 2) == "Panic(0x12)"  # K = 0


def test_scalar_kappa_centre_truncates():
    s = [1, 1, -5]  # Σ = −3 -> tdiv(−3, 3) = −1; Σ = −1 would give 0, not −1
    assert finish([0, 0, 0], s, [E], 3) == [2, 2, -4]
    assert finish([0, 0, 0], [1, 1, -3], [E], 3) == [1, 1, -3]
    assert finish([0, 0, 0], [1, 1, -3], [E], 3, sign=-1) == [-1, -1, 3]


def test_revert_after_state_writes_rolls_back():
    m = initialised("momentum", n=2, ma0=[E, 2 * E], init=[0, 0])
    before = snapshot(m)
    # vector κ summing to zero: reverts in FINISH after p̄ and a(t) were written
    with pytest.raises(Revert) as exc:
        m.calculate_new_weights([E // 2, E // 2], [2 * E, E], POOL, [[E, -E]], LAM, E // 10, E // 20, sender=RUNNER)
    assert exc.value.reason == "Panic(0x12)"
    assert snapshot(m) == before
    assert m.get_intermediate_gradient_state(POOL, 2) == [0, 0]


def test_difference_momentum_lambda_short_is_int128_reinterpreted():
    ref_m = initialised("difference_momentum")
    ref = step(ref_m, "difference_momentum", params=[[10 * E], [E // 2]])
    m = initialised("difference_momentum")
    assert step(m, "difference_momentum", params=[[10 * E], [2**128 + E // 2]]) == ref
    assert m.short_moving_averages(POOL, 0) == ref_m.short_moving_averages(POOL, 0)
    assert low_int128(2**127) == -(2**127)
    assert reason(m.short_moving_averages, POOL, 2) == ""  # public array getter: empty revert data
    assert reason(m.get_intermediate_gradient_state, POOL, 3) == "SRC!=TGT"


def test_min_variance_scalar_lambda_odd_n_silent_wrap():
    big = 10**11 * E
    ma0, data = [E, E, E], [2 * E, 2 * E, big]
    lam = E // 2
    new_ma = [(E * lam + p * (E - lam)) // E for p in data]  # exact here: no rounding
    prod = (big - E) * (big - new_ma[2])
    a_true = prod // E + (1 if prod % E >= E // 2 else 0)
    assert a_true > 2**127  # the true state leaves int128
    m = initialised("min_variance", ma0=ma0, init=[0, 0, 0])
    m.calculate_new_weights(PREV, data, POOL, [[E // 2]], [lam], E // 10, E // 20, sender=RUNNER)
    state = m.get_intermediate_variance_state(POOL, 3)
    assert state[:2] == [E // 2, E // 2]
    assert state[2] == low_int128(a_true) != a_true
    # with a vector λ the same overflow reverts and nothing changes
    mv = initialised("min_variance", ma0=ma0, init=[0, 0, 0])
    before = snapshot(mv)
    assert reason(mv.calculate_new_weights, PREV, data, POOL, [[E // 2]], [lam] * 3, E // 10, E // 20,
                  sender=RUNNER) == "Overflow"
    assert snapshot(mv) == before


def test_min_variance_stores_only_current_average():
    m = initialised("min_variance")
    step(m, "min_variance", data=[1100 * E, 17 * E // 10, 55 * E])
    assert m.get_moving_averages(POOL, 3) == [1010 * E, 197 * E // 100, 505 * E // 10]
    assert m.moving_averages_word(POOL, 1) == 505 * E // 10  # whole-array packer: sign-extended tail
    assert reason(m.moving_averages_word, POOL, 2) == ""


def test_getters_absent_on_other_contracts():
    with pytest.raises(NotImplementedError):
        make_model("momentum", RUNNER).get_intermediate_variance_state(POOL, 3)
    with pytest.raises(NotImplementedError):
        make_model("min_variance", RUNNER).get_intermediate_gradient_state(POOL, 3)
    with pytest.raises(NotImplementedError):
        make_model("power_channel", RUNNER).short_moving_averages(POOL, 0)
