"""Runner + pool + oracles + rule on the EVM against the exact ProductionModel, bit for bit, over seeded
random steps: every event, revert reason, stored word, time, runner field and rule state getter after
every step, and getNormalizedWeights at random seconds inside the intervals. ``--runs N`` sets the steps per
scenario (7 scenarios per rule, n = 2..8); the coverage asserts apply to the CI budget only."""

from __future__ import annotations

from collections import Counter

import pytest

from evm_rule_io import RULES
from production_scenarios import run_random

SCENARIO_NS = (2, 3, 4, 5, 6, 7, 8)  # odd and even n
STEPS_PER_SCENARIO = 30  # 7 x 30 = 210 steps per rule


@pytest.mark.parametrize("rule", RULES)
def test_production_evm_matches_model(revm_chain, artifacts, rule, runs):
    steps = STEPS_PER_SCENARIO if runs is None else runs
    features: Counter = Counter()
    total = 0
    for n in SCENARIO_NS:
        sc = run_random(revm_chain, artifacts, rule, f"prod-{rule}-{n}", n, steps)
        features.update(sc.features)
        features.update(sc.ls.seen)
        total += steps
    assert total >= 200
    if runs is None:  # coverage of the CI budget: every situation the issue names was reached
        for what in ("performUpdate:ok", "on_time", "late", "early", "performUpdate:Update not allowed",
                     "stale_primary", "backup_used", "performUpdate:No fresh oracle values available",
                     "rail_inside", "T<0", "sample", "sample_after_wrap"):
            assert features[what] > 0, f"{rule}: no step reached {what!r}: {dict(features)}"
        stuck = features["performUpdate:Overflow/Underflow"] + features["performUpdate:Panic(0x11)"]
        assert stuck > 0, f"{rule}: no update was refused by a stuck pool: {dict(features)}"


def test_production_eth_tester_matches_model(tester_chain, artifacts):
    """The same lockstep on py-evm (eth-tester): the stack API is backend-agnostic (a short scenario)."""
    sc = run_random(tester_chain, artifacts, "momentum", "prod-tester", 3, 8)
    assert "performUpdate:ok" in sc.ls.seen
