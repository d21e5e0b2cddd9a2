"""The library vectors and rule vectors B1–B8 of docs/arithmetic.md §6 on the EVM (eth-tester)
and on the exact integer model: both must give exactly the published integers."""

from __future__ import annotations

import pytest

from parity.fixedpoint import sd59x18
from parity.fixedpoint.rules import make_model

from evm_rule_io import evm_initialise, evm_state, evm_update, fresh_pool, model_state, model_update, outcome

E = 10**18

# (harness function, model function, args, expected) -- the library vectors of docs/arithmetic.md §6
APPENDIX_A = [
    ("mul", sd59x18.mul, (15 * E // 10, 3), 5),
    ("mul", sd59x18.mul, (-15 * E // 10, 3), -5),
    ("mul", sd59x18.mul, (14999999999999999, 100), 1),
    ("mul", sd59x18.mul, (E + 1, E // 2), 500000000000000001),
    ("div", sd59x18.div, (E, 3 * E), 333333333333333333),
    ("div", sd59x18.div, (-E, 3 * E), -333333333333333333),
    ("div", sd59x18.div, (2 * E, 3 * E), 666666666666666666),
    ("div", sd59x18.div, (E, 3000 * E), 333333333333333),
    ("div", sd59x18.div, (E, 10**36 + 1), 0),
    ("log2", sd59x18.log2, (3 * E // 10,), -1736965594166206154),
    ("log2", sd59x18.log2, (E,), 0),
    ("log2", sd59x18.log2, (2 * E,), E),
    ("log2", sd59x18.log2, (3 * E,), 1584962500721156166),
    ("log2", sd59x18.log2, (1,), -59794705707972522245),
    ("exp2", sd59x18.exp2, (E // 2,), 1414213562373095048),
    ("exp2", sd59x18.exp2, (-E // 2,), 707106781186547524),
    ("exp2", sd59x18.exp2, (333333333333333333,), 1259921049894873164),
    ("exp2", sd59x18.exp2, (-59794705707972522261,), 1),
    ("exp2", sd59x18.exp2, (-59794705707972522262,), 0),
    ("exp", sd59x18.exp, (-E,), 367879441171442322),
    ("exp", sd59x18.exp, (E,), 2718281828459045234),
    ("exp", sd59x18.exp, (-E // 2,), 606530659712633424),
    ("exp", sd59x18.exp, (-41446531673892822322,), 1),
    ("exp", sd59x18.exp, (-41446531673892822323,), 0),
    ("pow", sd59x18.pow, (3 * E // 10, 3 * E), 27000000000000000),
    ("pow", sd59x18.pow, (7 * E // 10, 3 * E), 343000000000000008),
    ("pow", sd59x18.pow, (123456789012345678, 3 * E), 1881676372353657),
    ("pow", sd59x18.pow, (0, 0), E),
    ("pow", sd59x18.pow, (0, E), 0),
    ("rulePow", sd59x18.qpow, (0, 0), E),
    ("rulePow", sd59x18.qpow, (0, 2 * E), 0),
    ("rulePow", sd59x18.qpow, (E // 2, 0), E),
    ("rulePow", sd59x18.qpow, (2 * E, 15 * E // 10), 2828427124746190097),
    ("rulePow", sd59x18.qpow, (10**12, 3 * E), 1),
    ("rulePow", sd59x18.qpow, (10**9, 3 * E), 0),
    ("sqrt", sd59x18.sqrt, (2 * E,), 1414213562373095048),
]

# Library reverts (docs/arithmetic.md §1) (canonical custom-error names)
APPENDIX_A_REVERTS = [
    ("log2", sd59x18.log2, (0,), "PRBMathSD59x18__LogInputTooSmall"),
    ("exp2", sd59x18.exp2, (192 * E,), "PRBMathSD59x18__Exp2InputTooBig"),
    ("exp", sd59x18.exp, (133084258667509499441,), "PRBMathSD59x18__ExpInputTooBig"),
    ("rulePow", sd59x18.qpow, (-E, 2 * E), "PRBMathSD59x18__LogInputTooSmall"),
    ("rulePow", sd59x18.qpow, (-E, 0), None),  # y = 0 returns ONE whatever x is
    ("mul", sd59x18.mul, (-(2**255), E), "PRBMathSD59x18__MulInputTooSmall"),
    ("div", sd59x18.div, (E, 0), "Panic(0x12)"),
]


@pytest.mark.parametrize("fn,model_fn,args,expected", APPENDIX_A, ids=[f"{a[0]}{a[2]}" for a in APPENDIX_A])
def test_appendix_a_vector(tester_chain, tester_harness, fn, model_fn, args, expected):
    assert tester_chain.call(tester_harness, fn, list(args)) == expected
    assert model_fn(*args) == expected


@pytest.mark.parametrize("fn,model_fn,args,reason", APPENDIX_A_REVERTS, ids=[f"{a[0]}{a[2]}" for a in APPENDIX_A_REVERTS])
def test_appendix_a_reverts(tester_chain, tester_harness, fn, model_fn, args, reason):
    expected = ("ok", E) if reason is None else ("revert", reason)
    assert outcome(lambda: tester_chain.call(tester_harness, fn, list(args))) == expected
    assert outcome(lambda: model_fn(*args)) == expected


THIRDS = [333333333333333333, 333333333333333333, 333333333333333334]
MA0 = [1000 * E, 2 * E, 50 * E]
DATA_B1 = [1010 * E, 19 * E // 10, 51 * E]
DATA_B4 = [1100 * E, 17 * E // 10, 55 * E]
LAM = [9 * E // 10]
EPS, G = E // 10, E // 20

# name, rule, initial MAs, initial rule state, prev weights, data, parameters, lambda, eps, g, expected result,
# expected state (getter -> value)
APPENDIX_B = {
    "B1": ("momentum", MA0, [0, 0, 0], THIRDS, DATA_B1, [[2 * E], [0]], LAM, EPS, G,
           [333668474642807384, 332463649317379044, 333867876039813572],
           {"getMovingAverages": [1001 * E, 199 * E // 100, 501 * E // 10],
            "getIntermediateGradientState": [90 * E, -9 * E // 10, 9 * E]}),
    "B2": ("momentum", MA0, [E, -E // 100, E // 10], THIRDS, DATA_B1, [[E, 3 * E, 5 * E]],
           [9 * E // 10, 8 * E // 10, 95 * E // 100], EPS, G,
           [334082001332001332, 329094821844821844, 336823176823176824],
           {"getMovingAverages": [1001 * E, 198 * E // 100, 5005 * E // 100],
            "getIntermediateGradientState": [909 * E // 10, -408 * E // 1000, 19095 * E // 1000]}),
    "B3": ("anti_momentum", MA0, [0, 0, 0], THIRDS, DATA_B1, [[2 * E], [E]], LAM, EPS, G,
           [332981161893279111, 334231813274206677, 332787024832514212],
           {"getMovingAverages": [1001 * E, 199 * E // 100, 501 * E // 10],
            "getIntermediateGradientState": [90 * E, -9 * E // 10, 9 * E]}),
    "B4": ("power_channel", MA0, [0, 0, 0], THIRDS, DATA_B4, [[5 * E], [2 * E]], LAM, EPS, G,
           [333338832242923952, 333322335514152096, 333338832242923952],
           {"getMovingAverages": [1010 * E, 197 * E // 100, 505 * E // 10],
            "getIntermediateGradientState": [900 * E, -27 * E // 10, 45 * E]}),
    "B5": ("mean_reversion_channel", MA0, [0, 0, 0], THIRDS, DATA_B4,
           [[10 * E], [E // 10], [E // 2], [15 * E // 10], [541519 * 10**12], [E // 10], [0]], LAM, EPS, G,
           [283333333333333333, 433333333333333333, 283333333333333334],
           {"getMovingAverages": [1010 * E, 197 * E // 100, 505 * E // 10]}),
    "B6": ("difference_momentum", MA0, list(MA0), THIRDS, DATA_B4, [[10 * E], [E // 2]], LAM, EPS, G,
           [383333333333333331, 233333333333333333, 383333333333333336],
           {"shortMovingAverages[0]": 357296485266985386636543337803356622028801850000000000000000,
            "shortMovingAverages[1]": 52500000000000000000,
            "getIntermediateGradientState": ("revert", "SRC!=TGT")}),
    "B7": ("min_variance", MA0, [100 * E, E // 100, E], THIRDS, DATA_B4, [[E // 2]], LAM, EPS, G,
           [283045058567476695, 433333333333333333, 283621608099189972],
           {"getIntermediateVarianceState": [9090 * E, 9 * E // 100, 234 * E // 10]}),
    "B8-huge-price": ("momentum", [2 * 10**36, 3 * E], [0, 0], [E // 2, E // 2], [3 * 10**36, 4 * E],
                      [[E], [E]], [E // 2], EPS, G, [468750000000000000, 531250000000000000],
                      {"getIntermediateGradientState": [10**36, E]}),
    "B8-no-movement": ("min_variance", [E, 3 * E, 5 * E], [0, 0, 0], THIRDS, [E, 3 * E, 5 * E], [[E // 2]],
                       [E // 2], EPS, G, ("revert", "Panic(0x12)"),
                       {"getMovingAverages": [E, 3 * E, 5 * E], "getIntermediateVarianceState": [0, 0, 0]}),
    "B8-moved": ("min_variance", [E, 3 * E, 5 * E], [0, 0, 0], THIRDS, [2 * E, 4 * E, 6 * E], [[E // 2]],
                 [E // 2], EPS, G, [333333333333333333, 333333333333333334, 333333333333333333],
                 {"getMovingAverages": [15 * E // 10, 35 * E // 10, 55 * E // 10],
                  "getIntermediateVarianceState": [E // 2, E // 2, E // 2]}),
}


def _expected_state(entry):
    return {k: (v if isinstance(v, tuple) else ("ok", v)) for k, v in entry.items()}


@pytest.mark.parametrize("name", list(APPENDIX_B))
def test_appendix_b_vector(tester_chain, tester_rules, name):
    rule, mas, init, prev, data, params, lambdas, eps, g, expected, state = APPENDIX_B[name]
    n = len(prev)
    runner = tester_chain.accounts[0]
    pool = fresh_pool()
    contract = tester_rules[rule]
    model = make_model(rule, runner)

    evm_initialise(tester_chain, contract, pool, mas, init, n)
    model.initialise(pool, mas, init, n, sender=runner)
    evm_out = outcome(lambda: evm_update(tester_chain, contract, prev, data, pool, params, lambdas, eps, g))
    model_out = outcome(lambda: model_update(model, prev, data, pool, params, lambdas, eps, g, runner))
    want = expected if isinstance(expected, tuple) else ("ok", expected)
    assert evm_out == want
    assert model_out == want

    evm_after = evm_state(tester_chain, contract, rule, pool, n)
    model_after = model_state(model, rule, pool, n)
    for getter, value in _expected_state(state).items():
        assert evm_after[getter] == value, getter
    assert evm_after == model_after
