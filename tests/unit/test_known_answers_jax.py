"""The float64 JAX scan step reproduces the known-answer rule vectors (tests/contracts/known_answers.json,
B1–B8) within a few ulp: a path that shares no code with the contracts or the integer model, so a bug
placed in both of those is caught here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from parity.chain import RULE_CONTRACTS
from parity.fingerprint import make_run_fingerprint
from parity.harness.mapping import derived_carry, from_wei_array, state_map_for
from parity.pools import create_pool

KNOWN = json.loads((Path(__file__).resolve().parents[1] / "contracts" / "known_answers.json").read_text())
E = 10**18
# B8-huge-price: the chain's 1/p̄ of 2.5e36 truncates to 0 (a documented fixed-point effect, not a bug);
# B8-no-movement: σ² = 0 reverts on chain.
SKIP = {"B8-huge-price", "B8-no-movement"}
TOLERANCE = 1e-15  # absolute, on weights of order 1: a few ulp of float64 plus the chain's wei rounding


def _state_key(rule: str) -> str:
    return state_map_for(RULE_CONTRACTS[rule]).init_key


def jax_step(v: dict) -> np.ndarray:
    """One `calculate_coarse_weight_step` of the rule's pool from the vector's initial state."""
    rule, n = v["rule"], len(v["prev_weights"])
    pool = create_pool(rule)
    lambda_store = v["lambda"]
    params = dict(pool.decode_chain_params(v["parameters"], lambda_store, n))
    fp = make_run_fingerprint(rule=rule, n_assets=n, chunk_period=1440, price_interval=1440,
                              epsilon_max=v["epsilon_max"] / E, absolute_weight_guard_rail=v["guard_rail"] / E)
    key = _state_key(rule)
    params.update({"initial_ewma": from_wei_array(v["moving_averages"]), f"initial_{key}": from_wei_array(v["initial_state"])})
    est = dict(pool.get_initial_rule_state(from_wei_array(v["moving_averages"]), params, fp))
    # deviation form: last price = the moving averages (deviation 0); a short MA's deviation from its own state
    smap = state_map_for(RULE_CONTRACTS[rule])
    est.update({k: np.asarray(x) for k, x in derived_carry(
        est.keys(), smap, v["moving_averages"], {"ewma": v["moving_averages"], key: v["initial_state"]}).items()})
    wt = pool.get_initial_guardrail_state(from_wei_array(v["prev_weights"]))
    _, _, weights = pool.calculate_coarse_weight_step(est, wt, from_wei_array(v["data"]), params, fp)
    return np.asarray(weights, dtype=np.float64)


@pytest.mark.parametrize("name", [k for k in KNOWN["rules"] if k not in SKIP])
def test_jax_step_reproduces_the_known_answer(name):
    v = KNOWN["rules"][name]
    expected = np.array(v["result"], dtype=np.float64) / E
    got = jax_step(v)
    assert np.max(np.abs(got - expected)) <= TOLERANCE, (got.tolist(), expected.tolist())


def test_a_wrong_known_answer_is_detected():
    """The comparison is not vacuous: one wei-level change of 1e-12 in an expected weight fails it."""
    v = KNOWN["rules"]["B1"]
    expected = np.array(v["result"], dtype=np.float64) / E
    expected[0] += 1e-12
    assert np.max(np.abs(jax_step(v) - expected)) > TOLERANCE
