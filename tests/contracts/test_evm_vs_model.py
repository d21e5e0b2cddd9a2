"""EVM vs exact integer model, bit for bit, on seeded random multi-step scenarios for every rule: the
returned weights and every state getter after every step, and identical revert reasons (including
deliberately invalid steps). Bulk on revm; a small subset on eth-tester."""

from __future__ import annotations

import pytest

from parity.fixedpoint.rules import make_model

from evm_rule_io import (
    RULES, evm_initialise, evm_state, evm_update, evm_update_raw, fresh_pool, model_state, model_update, outcome,
)
from evm_scenarios import make_scenario

CI_STEPS_PER_RULE = 200
TESTER_STEPS_PER_RULE = 3
STRESS_STEPS_PER_RULE = 100
STRESS_STEPS_LONG = 5000
MALFORMED_STEPS_PER_RULE = 200  # CI: malformed calls per rule, at a malformed rate of MALFORMED_RATE
MALFORMED_RATE = 0.4


def step_args(sc, step, prev, pool) -> tuple:
    """CalculateNewWeights arguments of `step`, with its malformed overrides applied."""
    used_prev = step.prev if step.prev is not None else [step.prev_patch.get(i, w) for i, w in enumerate(prev)]
    params = sc.parameters if step.parameters is None else step.parameters
    eps = sc.epsilon_max if step.epsilon_max is None else step.epsilon_max
    g = sc.guard_rail if step.guard_rail is None else step.guard_rail
    return (used_prev, step.data, pool if step.pool_word is None else step.pool_word, params, step.lambdas, eps, g)


def run_scenario(chain, contract, sc, max_steps=None, raw=False, counts=None, profile="legacy") -> tuple[int, set[str]]:
    """Replay `sc` on the chain and on a fresh model; assert agreement after every call. `raw` sends raw
    calldata (needed for malformed steps; revm only); `counts` (a dict) tallies the step kinds.
    Returns (steps run, the set of outcome kinds seen: "ok" or revert reasons)."""
    runner = chain.accounts[0]
    pool = fresh_pool()
    model = make_model(sc.rule, runner, compiler_profile=profile)
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
        args = step_args(sc, step, prev, pool)
        update = evm_update_raw if raw else evm_update
        if counts is not None:
            counts[step.kind] = counts.get(step.kind, 0) + 1
        r = both(lambda: update(chain, contract, *args, sender=sender),
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
def test_random_malformed_sequences_revm(revm_chain, revm_rules, rule, runs):
    """The generator with malformed calls (raw calldata): at least MALFORMED_STEPS_PER_RULE of them, at
    least 20% of all steps, every malformed kind present."""
    from evm_scenarios import MALFORMED_KINDS

    budget = runs or MALFORMED_STEPS_PER_RULE
    counts, seen, total, i = {}, set(), 0, 0
    while sum(counts.get(k, 0) for k in MALFORMED_KINDS) < budget:
        sc = make_scenario(rule, f"malformed-{rule}-{i}", malformed_rate=MALFORMED_RATE, stress=i % 3 == 2)
        steps, kinds = run_scenario(revm_chain, revm_rules[rule], sc, raw=True, counts=counts)
        total, seen, i = total + steps, seen | kinds, i + 1
    malformed = sum(counts.get(k, 0) for k in MALFORMED_KINDS)
    assert malformed >= 0.2 * total, counts
    assert set(MALFORMED_KINDS) <= set(counts), counts
    assert {"ok", "", "Panic(0x11)", "Panic(0x32)"} <= seen, seen


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


VIA_IR_STEPS_PER_RULE = 40


@pytest.mark.parametrize("rule", RULES)
def test_via_ir_build_well_formed_bit_identical(via_ir_chain, via_ir_rules, rule):
    """The via-IR build equals the legacy-order model bit for bit on well-formed calls, and the via-IR model
    on malformed ones."""
    total, i, seen = 0, 0, set()
    while total < VIA_IR_STEPS_PER_RULE:
        sc = make_scenario(rule, f"via-ir-{rule}-{i}", invalid_rate=0.0)
        steps, kinds = run_scenario(via_ir_chain, via_ir_rules[rule], sc, raw=True, profile="legacy")
        total, i, seen = total + steps, i + 1, seen | kinds
    assert "ok" in seen, seen  # (a well-formed call may still revert, e.g. a state overflow)
    total = 0
    while total < VIA_IR_STEPS_PER_RULE:
        sc = make_scenario(rule, f"via-ir-malformed-{rule}-{i}", malformed_rate=MALFORMED_RATE)
        steps, _ = run_scenario(via_ir_chain, via_ir_rules[rule], sc, raw=True, profile="via-ir")
        total, i = total + steps, i + 1
