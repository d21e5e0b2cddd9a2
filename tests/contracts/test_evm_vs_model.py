"""EVM vs exact integer model, bit for bit, on seeded random multi-step scenarios for every rule: the
returned weights and every state getter after every step, and identical revert reasons (including
deliberately invalid steps). Bulk on revm; a small subset on eth-tester."""

from __future__ import annotations

import pytest

from parity.fixedpoint.rules import make_model

from evm_rule_io import RULES, evm_initialise, evm_state, evm_update, fresh_pool, model_state, model_update, outcome
from evm_scenarios import make_scenario

CI_STEPS_PER_RULE = 200
TESTER_STEPS_PER_RULE = 3
STRESS_STEPS_PER_RULE = 100
STRESS_STEPS_LONG = 5000


def run_scenario(chain, contract, sc, max_steps=None) -> tuple[int, set[str]]:
    """Replay `sc` on the chain and on a fresh model; assert agreement after every call.
    Returns (steps run, the set of outcome kinds seen: "ok" or revert reasons)."""
    runner = chain.accounts[0]
    pool = fresh_pool()
    model = make_model(sc.rule, runner)
    where = f"seed={sc.seed!r} rule={sc.rule} n={sc.n}"
    seen: set[str] = set()

    def both(evm_fn, model_fn, what):
        e, m = outcome(evm_fn), outcome(model_fn)
        assert e == m, f"{where} {what}: EVM {e} != model {m}"
        return e

    def compare_state(what):
        e, m = evm_state(chain, contract, sc.rule, pool, sc.n), model_state(model, sc.rule, pool, sc.n)
        assert e == m, f"{where} {what}: state differs\nEVM   {e}\nmodel {m}"

    both(lambda: evm_initialise(chain, contract, pool, sc.moving_averages, sc.initial_values, sc.n),
         lambda: model.initialise(pool, sc.moving_averages, sc.initial_values, sc.n, sender=runner), "initialise")
    compare_state("after initialise")
    prev = list(sc.weights)
    steps = sc.steps if max_steps is None else sc.steps[:max_steps]
    for t, step in enumerate(steps):
        if step.reinit is not None:
            mas, init, n = step.reinit
            r = both(lambda: evm_initialise(chain, contract, pool, mas, init, n),
                     lambda: model.initialise(pool, mas, init, n, sender=runner), f"step {t} re-initialise")
            seen.add("init:" + (r[1] if r[0] == "revert" else "ok"))
        sender = chain.accounts[step.sender_index]
        args = (prev, step.data, pool, sc.parameters, step.lambdas, sc.epsilon_max, sc.guard_rail)
        r = both(lambda: evm_update(chain, contract, *args, sender=sender),
                 lambda: model_update(model, *args, sender), f"step {t} ({step.kind}) CalculateNewWeights")
        seen.add(r[1] if r[0] == "revert" else "ok")
        compare_state(f"after step {t} ({step.kind})")
        if r[0] == "ok":
            prev = r[1]
            if t % 2:  # the pool hands back 9-decimal weights, not exactly summing to 1
                prev = [w - w % 10**9 if w >= 0 else w for w in prev]
    return len(steps), seen


@pytest.mark.parametrize("rule", RULES)
def test_random_sequences_revm(revm_chain, revm_rules, rule, runs):
    budget = runs or CI_STEPS_PER_RULE
    total, seen, i = 0, set(), 0
    while total < budget:
        steps, kinds = run_scenario(revm_chain, revm_rules[rule], make_scenario(rule, f"{rule}-{i}"))
        total, seen, i = total + steps, seen | kinds, i + 1
    # the budget must exercise both successful updates and the deliberate reverts
    assert "ok" in seen and {"UNAUTH_CALC", "Panic(0x32)", "Overflow"} <= seen, seen


@pytest.mark.parametrize("rule", RULES)
def test_stress_sequences_revm(revm_chain, revm_rules, rule, runs, request):
    budget = runs or (STRESS_STEPS_LONG if request.config.getoption("--long") else STRESS_STEPS_PER_RULE)
    total, seen, i = 0, set(), 0
    while total < budget:
        steps, kinds = run_scenario(revm_chain, revm_rules[rule], make_scenario(rule, f"stress-{rule}-{i}", stress=True))
        total, seen, i = total + steps, seen | kinds, i + 1
    assert "ok" in seen and len(seen) >= 4, seen


@pytest.mark.parametrize("rule", RULES)
def test_random_sequences_eth_tester(tester_chain, tester_rules, rule):
    steps, seen = run_scenario(tester_chain, tester_rules[rule], make_scenario(rule, f"tester-{rule}", invalid_rate=0.0),
                               max_steps=TESTER_STEPS_PER_RULE)
    assert steps == TESTER_STEPS_PER_RULE and seen == {"ok"}, seen
