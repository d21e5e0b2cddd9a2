"""Every malformed-input vector of docs/malformed-inputs.md ("Vectors"), on the EVM (raw calldata on revm)
and on the exact integer model, under both compiler profiles: the V1 result, identical revert data on both
sides, and unchanged storage after a revert. Rows marked [IR] have a different via-IR result."""

from __future__ import annotations

import pytest

from parity.fixedpoint.calldata import MALFORMED, Dirty
from parity.fixedpoint.rules import make_model

from evm_rule_io import RULES, evm_initialise, evm_state, evm_update_raw, fresh_pool, model_state, outcome

E = 10**18
MINSD, MAXSD = -(2**255), 2**255 - 1
MUL_TOO_SMALL = "PRBMathSD59x18__MulInputTooSmall"
MUL_OVERFLOW = "PRBMathSD59x18__MulOverflow"
GRADIENT = ("momentum", "anti_momentum", "power_channel", "mean_reversion_channel")
CHANNEL = [[E], [E // 10], [E // 2], [2 * E], [E // 2], [E], [0]]
PARAMS = {
    "momentum": [[E], [0]], "anti_momentum": [[E], [0]], "power_channel": [[E], [2 * E], [0]],
    "mean_reversion_channel": CHANNEL, "difference_momentum": [[E], [E // 2]], "min_variance": [[E // 2]],
}
PROFILES = ("legacy", "via-ir")


@pytest.fixture(params=PROFILES)
def deployed(request, revm_chain, revm_rules):
    """(profile, chain, rules): the legacy build, or the via-IR build on its own chain."""
    if request.param == "legacy":
        return "legacy", revm_chain, revm_rules
    return "via-ir", request.getfixturevalue("via_ir_chain"), request.getfixturevalue("via_ir_rules")


def default_state(rule: str, n: int) -> list[int]:
    return [E] * n if rule in ("min_variance", "difference_momentum") else [0] * n


def channel(**changes) -> list[list[int]]:
    """CHANNEL with some arrays replaced: k, W, A, E, h, S, raw."""
    out = [list(r) for r in CHANNEL]
    for key, value in changes.items():
        out["k W A E h S raw".split().index(key)] = value
    return out


def run(deployed, rule, *, n=2, mas=None, state=None, init=True, prev=None, data=None, params=None,
        lam=(E // 2,), eps=E // 10, g=E // 100, sender_index=0):
    """One CalculateNewWeights on the EVM and the model after the vector defaults; both must agree, and a
    revert must leave storage unchanged. Returns the outcome."""
    profile, chain, rules = deployed
    contract, runner = rules[rule], chain.accounts[0]
    model = make_model(rule, runner, compiler_profile=profile)
    pool = fresh_pool()
    mas = [E] * n if mas is None else mas
    if init:
        state = default_state(rule, len(mas)) if state is None else state
        evm_initialise(chain, contract, pool, mas, state, len(mas))
        model.initialise(pool, mas, state, len(mas), sender=runner)
    prev = [E // n] * n if prev is None else prev
    data = [E] * n if data is None else data
    params = PARAMS[rule] if params is None else params
    args = (prev, data, pool, params, list(lam), eps, g)
    sender = chain.accounts[sender_index]
    before = evm_state(chain, contract, rule, pool, len(mas))
    e = outcome(lambda: evm_update_raw(chain, contract, *args, sender=sender))
    m = outcome(lambda: model.calculate_new_weights(*args, sender=sender))
    assert e == m, f"{rule} {profile}: EVM {e} != model {m}"
    after = evm_state(chain, contract, rule, pool, len(mas))
    assert after == model_state(model, rule, pool, len(mas))
    if e[0] == "revert":
        assert after == before, "a revert changed storage"
    return e


def revert(reason):
    return ("revert", reason)


# ---- class 1: n = 0 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES)
def test_n0_panics_first(deployed, rule):
    assert run(deployed, rule, prev=[], data=[E, E]) == revert("Panic(0x11)")
    assert run(deployed, rule, init=False, prev=[], data=[], params=[], lam=()) == revert("Panic(0x11)")


def test_n0_before_dirty_lambda_but_after_caller_check(deployed):
    dirty = (Dirty(2**64 + E // 2),)
    assert run(deployed, "momentum", prev=[], lam=dirty) == revert("Panic(0x11)")
    assert run(deployed, "momentum", lam=dirty) == revert("")
    assert run(deployed, "momentum", lam=dirty, sender_index=1) == revert("UNAUTH_CALC")


# ---- class 2: n = 1 on a wider pool ----------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES)
def test_n1_reverts_and_stores_nothing(deployed, rule):
    assert run(deployed, rule, mas=[E, 2 * E], prev=[E], data=[E]) == revert("Panic(0x32)")
    assert run(deployed, rule, prev=[E], data=[MINSD]) == revert(MUL_TOO_SMALL)  # B6 before B7


def test_n1_uninitialised(deployed):
    assert run(deployed, "momentum", init=False, prev=[E]) == revert("SRC!=TGT")


# ---- class 3: the guard's wrapped |Δ| --------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES[:5])
@pytest.mark.parametrize("first", [MINSD, MINSD + 1])
def test_guard_ignores_wrapped_delta(deployed, rule, first):
    assert run(deployed, rule, prev=[first, E]) == ("ok", [E // 100, 99 * E // 100])


def test_guard_rescale_with_extreme_prev(deployed):
    got = run(deployed, "momentum", n=3, prev=[MINSD + 1, 9 * E // 10, E // 10], eps=E // 1000)
    assert got == ("ok", [1111111111111111, 899000000000000000, 99888888888888889])
    assert run(deployed, "momentum", n=3, prev=[MINSD, 8 * E // 10, E // 10], g=0, eps=E // 1000) == revert(
        MUL_TOO_SMALL)


def test_guard_min_variance_extreme_prev(deployed):
    common = dict(state=[E, E], params=[[0]])
    assert run(deployed, "min_variance", prev=[MINSD + 1, E], **common) == ("ok", [E // 10, 9 * E // 10])
    assert run(deployed, "min_variance", prev=[MINSD, E], **common) == revert(MUL_TOO_SMALL)


def test_checked_rule_add_before_guard(deployed):
    assert run(deployed, "momentum", prev=[MINSD, E], data=[E // 2, E]) == revert("Panic(0x11)")


# ---- class 4: first fault wins ---------------------------------------------------------------------------
@pytest.mark.parametrize("rule", ["momentum", "anti_momentum"])
def test_momentum_orders(deployed, rule):
    assert run(deployed, rule, n=4, params=[[E, E], [E]], data=[E, E, E, 0]) == revert("Panic(0x32)")
    big = dict(data=[10**36, E], lam=(9999 * E // 10000,))
    assert run(deployed, rule, params=[], **big) == revert("Panic(0x32)")  # κ is read before the estimator


def test_power_channel_orders(deployed):
    assert run(deployed, "power_channel", n=3, params=[[E], [2 * E, 2 * E], [E]], data=[E, E, 0]) == revert(
        "Panic(0x32)")
    assert run(deployed, "power_channel", params=[[E]], data=[10**36, E], lam=(9999 * E // 10000,)) == revert(
        "Overflow")  # the estimator runs before P[1] is read


def test_channel_following_orders(deployed):
    profile = deployed[0]
    cf = "mean_reversion_channel"
    assert run(deployed, cf, params=channel(W=[0], A=[]), data=[2 * E, E]) == revert("Panic(0x12)")
    assert run(deployed, cf, params=channel(W=[], raw=[E]), data=[E, 0]) == revert("Panic(0x12)")
    huge = dict(mas=[6 * 10**29, E], data=[1, E])
    ir = profile == "via-ir"
    assert run(deployed, cf, params=channel(W=[E // 2], A=[], raw=[E]), **huge) == revert(
        "Panic(0x32)" if ir else MUL_OVERFLOW)  # [IR]
    assert run(deployed, cf, params=channel(W=[E // 2], h=[], raw=[E]), **huge) == revert(
        MUL_OVERFLOW if ir else "Panic(0x32)")  # [IR]


def test_difference_momentum_orders(deployed):
    dm = "difference_momentum"
    assert run(deployed, dm, n=4, mas=[E, E, E, 0], params=[[E, E], [E // 2]], data=[E, E, E, 0]) == revert(
        "Panic(0x32)")
    assert run(deployed, dm, n=3, data=[4 * 10**38, E, 4 * 10**38], lam=(9 * E // 10,)) == revert(
        "Last array element overflow")


def test_min_variance_orders(deployed):
    mv = "min_variance"
    assert run(deployed, mv, state=[0, 0], params=[[]]) == revert("Panic(0x32)")
    ir = deployed[0] == "via-ir"
    assert run(deployed, mv, state=[E, -E], prev=[MINSD, E]) == revert(MUL_TOO_SMALL if ir else "Panic(0x12)")  # [IR]
    assert run(deployed, mv, n=4, data=[10**30, E, 10**48, E], lam=(E - 10**8,)) == revert("Overflow")


def test_estimator_store_order(deployed):
    lam = (E // 2, E // 2, E, E // 2)
    assert run(deployed, "momentum", n=4, data=[3 * 10**38, E, 2 * E, E], lam=lam) == revert("Overflow")
    odd = [4 * 10**38, E, 4 * 10**38]
    assert run(deployed, "min_variance", n=3, data=odd) == revert("Last array element overflow")
    assert run(deployed, "momentum", n=3, data=odd) == revert("Overflow")
    assert run(deployed, "momentum", data=[4 * 10**38, MINSD]) == revert(MUL_TOO_SMALL)  # B6 before B8
    assert run(deployed, "momentum", data=[2 * E, E], lam=(E,)) == revert("Panic(0x12)")


# ---- class 5: getters ------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES)
def test_getters_with_zero_assets(revm_chain, revm_rules, rule):
    chain, contract = revm_chain, revm_rules[rule]
    model = make_model(rule, chain.accounts[0])
    unknown = fresh_pool()
    assert evm_state(chain, contract, rule, unknown, 0) == model_state(model, rule, unknown, 0)
    assert outcome(lambda: chain.call(contract, "getMovingAverages", [unknown, 0])) == revert("Panic(0x11)")
    pool = fresh_pool()
    evm_initialise(chain, contract, pool, [E, E], default_state(rule, 2), 2)
    model.initialise(pool, [E, E], default_state(rule, 2), 2, sender=chain.accounts[0])
    state = evm_state(chain, contract, rule, pool, 0)
    assert state == model_state(model, rule, pool, 0)
    assert state["getMovingAverages"] == revert("Panic(0x32)")
    getter = {"min_variance": "getIntermediateVarianceState"}.get(rule, "getIntermediateGradientState")
    want = "Panic(0x32)" if rule != "difference_momentum" else "Panic(0x11)"
    assert state[getter] == revert(want)
    assert outcome(lambda: chain.call(contract, getter, [unknown, 0])) == revert("Panic(0x11)")


def test_getter_counts(revm_chain, revm_rules):
    chain, contract = revm_chain, revm_rules["momentum"]
    model = make_model("momentum", chain.accounts[0])
    pool = fresh_pool()
    evm_initialise(chain, contract, pool, [E, 2 * E, 3 * E, 4 * E], [0] * 4, 4)
    model.initialise(pool, [E, 2 * E, 3 * E, 4 * E], [0] * 4, 4, sender=chain.accounts[0])
    want = [revert("Panic(0x32)"), revert("Panic(0x32)"), ("ok", [E, 2 * E, 4 * E]),
            ("ok", [E, 2 * E, 3 * E, 4 * E]), revert("SRC!=TGT")]
    for m, expected in zip(range(1, 6), want):
        assert outcome(lambda: chain.call(contract, "getMovingAverages", [pool, m])) == expected
        assert outcome(lambda: model.get_moving_averages(pool, m)) == expected


def test_difference_momentum_getters(revm_chain, revm_rules):
    chain, contract = revm_chain, revm_rules["difference_momentum"]
    model = make_model("difference_momentum", chain.accounts[0])
    pool = fresh_pool()
    evm_initialise(chain, contract, pool, [E, E], [E, E], 2)
    model.initialise(pool, [E, E], [E, E], 2, sender=chain.accounts[0])
    for m, expected in ((0, revert("Panic(0x11)")), (2, revert("SRC!=TGT"))):
        assert outcome(lambda: chain.call(contract, "getIntermediateGradientState", [pool, m])) == expected
        assert outcome(lambda: model.get_intermediate_gradient_state(pool, m)) == expected
    assert outcome(lambda: chain.call(contract, "shortMovingAverages", [pool, 1])) == revert("")
    assert outcome(lambda: model.short_moving_averages(pool, 1)) == revert("")


# ---- class 6: validParameters ----------------------------------------------------------------------------
def valid_both(chain, contract, rule, params):
    from parity.fixedpoint.calldata import encode_valid_parameters

    raw = encode_valid_parameters(params)
    e = outcome(lambda: chain.call_raw(contract, "validParameters", raw, gas=2**40))
    m = outcome(lambda: make_model(rule, chain.accounts[0]).valid_parameters(params))
    assert e == m
    return e


@pytest.mark.parametrize("rule", ["momentum", "anti_momentum", "difference_momentum"])
def test_kappa_length_is_tested_as_uint16(revm_chain, revm_rules, rule):
    for length, expected in ((65535, True), (65536, False), (65537, True), (131072, False)):
        params = [[E] * length] + ([[E // 2]] if rule == "difference_momentum" else [])
        assert valid_both(revm_chain, revm_rules[rule], rule, params) == ("ok", expected), length


@pytest.mark.parametrize("rule,params", [
    ("power_channel", [[E] * 65536, [2 * E] * 65536, [0]]),
    ("mean_reversion_channel", [[E] * 65536] * 6 + [[0]]),
    ("min_variance", [[E // 2] * 65536]),
])
def test_no_uint16_cast_elsewhere(revm_chain, revm_rules, rule, params):
    assert valid_both(revm_chain, revm_rules[rule], rule, params) == ("ok", True)


def test_difference_momentum_kappa_sum_is_checked(revm_chain, revm_rules):
    rule = "difference_momentum"
    assert valid_both(revm_chain, revm_rules[rule], rule, [[MAXSD, 1], [E // 2]]) == revert("Panic(0x11)")
    assert valid_both(revm_chain, revm_rules[rule], rule, [[0, MAXSD, 1], [E // 2]]) == ("ok", False)


@pytest.mark.parametrize("rule,params,expected", [
    ("power_channel", [[], MALFORMED], False),  # an empty κ ends the check before P[1] is read
    ("mean_reversion_channel", [[E], [0], [E], MALFORMED, [E], [E], [0]], None),  # lengths before values
    ("momentum", [[E], MALFORMED], None),
    ("min_variance", [[E], MALFORMED], False),
])
def test_valid_parameters_reads_lazily(revm_chain, revm_rules, rule, params, expected):
    want = revert("") if expected is None else ("ok", expected)
    assert valid_both(revm_chain, revm_rules[rule], rule, params) == want


# ---- class 7: calldata -----------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES)
def test_unread_malformed_parameter_array_is_ignored(deployed, rule):
    assert run(deployed, rule, params=PARAMS[rule] + [MALFORMED]) == ("ok", [E // 2, E // 2])
    assert run(deployed, rule, params=[MALFORMED] + PARAMS[rule][1:]) == revert("")


def test_dirty_head_words_fail_at_entry(deployed):
    for sender_index in (0, 1):
        assert run(deployed, "momentum", eps=Dirty(2**64), sender_index=sender_index) == revert("")
        assert run(deployed, "momentum", prev=MALFORMED, sender_index=sender_index) == revert("")


# ---- initialisation --------------------------------------------------------------------------------------
def init_both(chain, contract, model, pool, mas, init, n, sender=None):
    sender = sender or chain.accounts[0]
    e = outcome(lambda: evm_initialise(chain, contract, pool, mas, init, n, sender=sender))
    assert e == outcome(lambda: model.initialise(pool, mas, init, n, sender=sender))
    return e


def test_initialise_reasons(revm_chain, revm_rules):
    chain, contract = revm_chain, revm_rules["momentum"]
    model = make_model("momentum", chain.accounts[0])
    pool = fresh_pool()
    assert init_both(chain, contract, model, pool, [], [], 0) == revert("LEN0")
    assert init_both(chain, contract, model, pool, [E], [0], 1) == revert("Panic(0x11)")
    assert init_both(chain, contract, model, pool, [E] * 3, [0, 0], 2) == revert("Invalid set moving avg")
    assert init_both(chain, contract, model, pool, [E, E], [0, 0], 2, sender=chain.accounts[1]) == revert("UNAUTH")
    assert init_both(chain, contract, model, pool, [-(2**127) - 1, 2**127], [0, 0], 2) == revert("Overflow")


@pytest.mark.parametrize("rule,expected", [
    ("momentum", revert("Invalid set gradient")), ("min_variance", revert("Invalid set variance")),
    ("difference_momentum", ("ok", None)),
])
def test_reinitialise_with_more_assets(revm_chain, revm_rules, rule, expected):
    chain, contract = revm_chain, revm_rules[rule]
    model = make_model(rule, chain.accounts[0])
    pool = fresh_pool()
    assert init_both(chain, contract, model, pool, [E, E], default_state(rule, 2), 2) == ("ok", None)
    assert init_both(chain, contract, model, pool, [E] * 4, default_state(rule, 4), 4) == expected


# ---- class 8: strings ------------------------------------------------------------------------------------
LAMBDA_TEXT = "Lambda: Lambda dictates the estimator weighting and price smoothing for a given period of time"
RAW_DENOMINATOR = "Use raw price: 0 = use moving average, 1 = use raw price to be used as the denominator"
DESCRIPTIONS = {
    "momentum": ("Momentum", [
        "Kappa: Kappa dictates the aggressiveness of the rule's response to a signal change (here, price gradient)",
        "Use raw price: 0 = use moving average, 1 = use raw price", LAMBDA_TEXT]),
    "anti_momentum": ("AntiMomentum", [
        "Kappa: Kappa dictates the aggressiveness of the rule's response to a signal change (here, -(price gradient))",
        RAW_DENOMINATOR, LAMBDA_TEXT]),
    "power_channel": ("PowerChannel", [
        "Kappa: Kappa dictates the aggressiveness of response to a signal change",
        "Q: Q dictates the harshness of the channel boundry", RAW_DENOMINATOR, LAMBDA_TEXT]),
    "mean_reversion_channel": ("ChannelFollowing", [
        "Kappa: Kappa dictates the aggressiveness of response to a signal change.",
        "Width: Width parameter for the mean reversion channel.",
        "Amplitude: Amplitude of the mean reversion effect.",
        "Exponents: Exponents for the trend following portion.",
        "Inverse Scaling: Scaling factor for channel portion. If set to max(exp(-x^2/2)sin(pi*x/3)) [=0.541519...] "
        "then the amplitude parameter directly controls the channel height.",
        "Pre-exp Scaling: Scaling factor before exponentiation in the trend following portion.",
        "Use raw price: 0 = use moving average, 1 = use raw price for denominator of price gradient."]),
    "difference_momentum": ("DifferenceMomentum", [
        "Kappa: Kappa dictates the aggressiveness of the rule's response to a signal change "
        "(here, (EWMA_short - EWMA_long) / EWMA_long)",
        "Lambda Short: This Lambda dictates price smoothing for the short-memory moving average",
        "Lambda Long: This Lambda dictates price smoothing for the long-memory moving average"]),
    "min_variance": ("MinimumVariance", [
        "Mixing Lambda (\u039b): Mixing Lambda controls how the weight smoothing is done."]),
}


@pytest.mark.parametrize("rule", RULES)
def test_name_and_descriptions_exact(revm_chain, revm_rules, rule):
    contract = revm_rules[rule]
    name, texts = DESCRIPTIONS[rule]
    assert revm_chain.call(contract, "name") == name == make_model(rule, revm_chain.accounts[0]).name
    got = [revm_chain.call(contract, "parameterDescriptions", [k]) for k in range(len(texts))]
    assert got == texts
    assert outcome(lambda: revm_chain.call(contract, "parameterDescriptions", [len(texts)])) == revert("")
