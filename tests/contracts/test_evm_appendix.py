"""The known-answer vectors (tests/contracts/known_answers.json: library vectors and one step of each rule,
B1–B8) on the EVM (eth-tester) and on the exact integer model: both must give exactly the published integers,
so a bug placed in both the contract and the model is caught. docs/known-answers.md describes the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parity.fixedpoint import sd59x18
from parity.fixedpoint.rules import make_model

from evm_rule_io import evm_initialise, evm_state, evm_update, fresh_pool, model_state, model_update, outcome

E = 10**18

KNOWN = json.loads((Path(__file__).with_name("known_answers.json")).read_text())
_MODEL_FN = {"mul": sd59x18.mul, "div": sd59x18.div, "log2": sd59x18.log2, "exp2": sd59x18.exp2, "exp": sd59x18.exp,
             "pow": sd59x18.pow, "qpow": sd59x18.qpow, "sqrt": sd59x18.sqrt}

# (harness function, model function, args, expected): Appendix A, from the committed known-answer file
APPENDIX_A = [(v["call"], _MODEL_FN[v["model"]], tuple(v["args"]), v["expected"]) for v in KNOWN["library"]]
# Library reverts (canonical custom-error names); None: y = 0 returns ONE whatever x is
APPENDIX_A_REVERTS = [(v["call"], _MODEL_FN[v["model"]], tuple(v["args"]), v["revert"]) for v in KNOWN["library_reverts"]]


@pytest.mark.parametrize("fn,model_fn,args,expected", APPENDIX_A, ids=[f"{a[0]}{a[2]}" for a in APPENDIX_A])
def test_appendix_a_vector(tester_chain, tester_harness, fn, model_fn, args, expected):
    assert tester_chain.call(tester_harness, fn, list(args)) == expected
    assert model_fn(*args) == expected


@pytest.mark.parametrize("fn,model_fn,args,reason", APPENDIX_A_REVERTS, ids=[f"{a[0]}{a[2]}" for a in APPENDIX_A_REVERTS])
def test_appendix_a_reverts(tester_chain, tester_harness, fn, model_fn, args, reason):
    expected = ("ok", E) if reason is None else ("revert", reason)
    assert outcome(lambda: tester_chain.call(tester_harness, fn, list(args))) == expected
    assert outcome(lambda: model_fn(*args)) == expected




def _outcome_of(v):
    return ("revert", v["revert"]) if isinstance(v, dict) else v


# name -> (rule, initial MAs, initial rule state, prev weights, data, parameters, lambda, eps, g, expected result,
# expected state {getter: value or ("revert", reason)}): Appendix B, from the committed known-answer file
APPENDIX_B = {
    name: (v["rule"], v["moving_averages"], v["initial_state"], v["prev_weights"], v["data"], v["parameters"],
           v["lambda"], v["epsilon_max"], v["guard_rail"], _outcome_of(v["result"]),
           {k: _outcome_of(x) for k, x in v["state"].items()})
    for name, v in KNOWN["rules"].items()
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


def test_appendix_b_intermediate_values_in_the_model():
    """The published intermediate values (moving averages, mulFactor, gradient state, reciprocals, signals,
    variance, precisions) from the model's own estimator functions."""
    from parity.fixedpoint.estimators import gradient, moving_average, mul_factor, variance

    rules = KNOWN["rules"]
    for name in ("B1", "B2", "B4"):
        v, want = rules[name], rules[name]["intermediate"]
        n = len(v["data"])
        ma = moving_average(v["moving_averages"], v["data"], v["lambda"], n)
        assert ma == want["moving_average"], name
        a, g = gradient(v["initial_state"], v["data"], ma, v["lambda"], n)
        assert a == want["running_a"], name
        if name == "B1":
            assert mul_factor(v["lambda"][0]) == want["mul_factor"]
            assert g == want["gradient"]
            reciprocal = [sd59x18.div(E, m) for m in ma]
            assert reciprocal == want["reciprocal_ma"]
            assert [sd59x18.mul(x, y) for x, y in zip(g, reciprocal)] == want["signal"]
    b6 = rules["B6"]
    assert moving_average(b6["initial_state"], b6["data"], b6["parameters"][1], 3) == b6["intermediate"]["short_moving_average"]
    b7 = rules["B7"]
    ma = moving_average(b7["moving_averages"], b7["data"], b7["lambda"], 3)
    big_a, sigma2 = variance(b7["initial_state"], b7["data"], ma, b7["moving_averages"], b7["lambda"], 3)
    assert big_a == b7["intermediate"]["variance_state"] and sigma2 == b7["intermediate"]["sigma2"]
    assert [sd59x18.div(E, s) for s in sigma2] == b7["intermediate"]["precision"]
