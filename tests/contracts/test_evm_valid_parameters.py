"""validParameters truth tables (docs/arithmetic.md §4, docs/malformed-inputs.md class 6): hand-derived rows, then random parameter arrays
with edge values, identical on the EVM and the exact integer model (a revert counts as an outcome too)."""

from __future__ import annotations

import random

import pytest

from parity.fixedpoint.rules import make_model

from evm_rule_io import RULES, outcome
from evm_scenarios import parameters as valid_parameters_for

E = 10**18
MAXSD, MINSD = 2**255 - 1, -(2**255)
CHANNEL = [[E], [E // 10], [E // 2], [3 * E // 2], [E // 2], [E // 10], [0]]

TRUTH_TABLE = {
    "momentum": [
        ([[E]], True), ([[E], [0]], True), ([[E], [E]], True), ([[E, 2 * E, 3]], True),
        ([[E], [2]], False), ([[E], [0, 0]], False), ([], False), ([[]], False), ([[0]], False),
        ([[-E]], False), ([[E, 0]], False), ([[E], [0], [0]], False),
    ],
    "power_channel": [
        ([[E], [2 * E]], True), ([[E], [E + 1]], True), ([[E], [E]], False), ([[E, E], [2 * E, 3 * E]], True),
        ([[E, E], [2 * E]], False), ([[E], [2 * E, 2 * E]], False), ([[E], [2 * E], [E]], True),
        ([[E], [2 * E], [5]], False), ([[E], [2 * E], [0, 0]], False), ([[E]], False), ([[], []], False),
        ([[0], [2 * E]], False), ([[E], [2 * E], [0], [0]], False),
    ],
    "mean_reversion_channel": [
        (CHANNEL, True), (CHANNEL[:6] + [[E]], True), (CHANNEL[:6], False), (CHANNEL + [[0]], False),
        ([[E, E]] + CHANNEL[1:], False), ([[E, E]] + [a * 2 for a in CHANNEL[1:6]] + [[0]], True),
        (CHANNEL[:2] + [[0]] + CHANNEL[3:], False), (CHANNEL[:6] + [[2]], False), (CHANNEL[:6] + [[0, 0]], False),
        ([[]] + [[]] * 5 + [[0]], False),
    ],
    "difference_momentum": [
        ([[E], [E // 2]], True), ([[E], [0]], True), ([[E], [E]], True), ([[-E], [E // 2]], True),
        ([[E], []], True), ([[E, 3 * E], [E // 2, E // 3]], True), ([[E], [E + 1]], False), ([[E], [-1]], False),
        ([[E, -E], [E // 2]], False), ([[0], [E // 2]], False), ([[], [E // 2]], False), ([[E]], False),
        ([[MAXSD, MAXSD], [0]], "Panic(0x11)"),  # Σκ is checked arithmetic
    ],
    "min_variance": [
        ([[0]], True), ([[E]], True), ([[0, E // 2, E]], True), ([[E + 1]], False), ([[-1]], False),
        ([], False), ([[]], False), ([[E], [E]], False),
    ],
}


def _expected(value):
    return ("revert", value) if isinstance(value, str) else ("ok", value)


@pytest.mark.parametrize("rule,params,expected", [(r, p, v) for r, rows in TRUTH_TABLE.items() for p, v in rows])
def test_valid_parameters_truth_table(revm_chain, revm_rules, rule, params, expected):
    model = make_model(rule, revm_chain.accounts[0])
    assert outcome(lambda: revm_chain.call(revm_rules[rule], "validParameters", [params])) == _expected(expected)
    assert outcome(lambda: model.valid_parameters(params)) == _expected(expected)


EDGES = [0, 1, -1, E, E - 1, E + 1, -E, 2 * E, MAXSD, MINSD]


def _random_parameters(rng: random.Random, rule: str) -> list[list[int]]:
    """Half the time a valid set with one random edit, otherwise a random jagged array of edge values."""
    value = lambda: rng.choice(EDGES) if rng.random() < 0.6 else rng.randint(-2 * E, 3 * E)  # noqa: E731
    if rng.random() < 0.5:
        params = valid_parameters_for(rng, rule, rng.randint(2, 8))
        if params and rng.random() < 0.8:
            row = rng.randrange(len(params))
            edit = rng.choice(("value", "drop", "grow", "drop_row", "add_row"))
            if edit == "value" and params[row]:
                params[row][rng.randrange(len(params[row]))] = value()
            elif edit == "drop" and params[row]:
                params[row].pop()
            elif edit == "grow":
                params[row].append(value())
            elif edit == "drop_row":
                params.pop(row)
            else:
                params.append([value() for _ in range(rng.randint(0, 2))])
        return params
    return [[value() for _ in range(rng.randint(0, 4))] for _ in range(rng.randint(0, 8))]


@pytest.mark.parametrize("rule", RULES)
def test_valid_parameters_random_agree(revm_chain, revm_rules, rule, runs):
    rng = random.Random(f"valid-{rule}")
    model = make_model(rule, revm_chain.accounts[0])
    seen = set()
    for _ in range(runs or 150):
        params = _random_parameters(rng, rule)
        evm = outcome(lambda: revm_chain.call(revm_rules[rule], "validParameters", [params]))
        assert evm == outcome(lambda: model.valid_parameters(params)), params
        seen.add(evm)
    assert {("ok", True), ("ok", False)} <= seen
