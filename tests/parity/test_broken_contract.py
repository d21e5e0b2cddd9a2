"""A deliberately broken MomentumRule (test-only variant compiled from patched source text) is caught, and
the report points at the first block where the bug matters.

Prices are constant for K blocks and then move. While they are constant the moving average equals the
price exactly (prices are whole numbers, so both λ products are exact) and the gradient state a stays 0, so
a bug that scales a cannot show; the first move makes a ≠ 0 at block K+1.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from parity.chain import compile_sources
from parity.chain.compile import project_sources
from parity.harness import write_json

K = 4
PARAMS = {"lamb": 0.9, "kappa": 1.0}
GRADIENT_FILE = "base/GradientEstimator.sol"


def prices() -> np.ndarray:
    base = np.array([100.0, 200.0, 50.0])
    steps = np.arange(1, 9)[:, None] * np.array([1.0, -1.0, 0.5])
    return np.vstack([np.tile(base, (K + 1, 1)), base + steps])


def broken_momentum(original: str, patched: str):
    sources = project_sources()
    text = sources[GRADIENT_FILE]
    assert text.count(original) >= 1
    sources[GRADIENT_FILE] = text.replace(original, patched, 1)  # the scalar-λ branch comes first
    return compile_sources(sources)["MomentumRule"]


@pytest.fixture(scope="module")
def off_by_one_lambda():
    """λ ⊗ a(t−1) computed with λ + 1 wei: invisible while a = 0."""
    return broken_momentum("a[i] = l.mul(a[i]) +", "a[i] = (l + 1).mul(a[i]) +")


@pytest.fixture(scope="module")
def doubled_gradient():
    """g = 2·(c ⊗ a): a float-visible bug that appears as soon as a ≠ 0."""
    return broken_momentum("gradient[i] = c.mul(a[i]);", "gradient[i] = c.mul(a[i]) * 2;")


def test_correct_contract_passes_on_these_prices(lockstep):
    res = lockstep("momentum", PARAMS, prices(), blocks=10)
    assert res.status == "parity"


def test_off_by_one_wei_lambda_is_a_contract_bug_at_block_k_plus_2(lockstep, chains, off_by_one_lambda, tmp_path):
    chain = chains["revm"]
    dep = chain.deploy(off_by_one_lambda, chain.accounts[0])
    res = lockstep("momentum", PARAMS, prices(), blocks=10, deployed=dep)
    # a(K+1) is the first non-zero gradient state; the patched λ multiplies it at block K+2.
    mm = res.model_mismatch
    assert res.status == "model_mismatch"
    assert (mm.block, mm.field) == (K + 2, "running_a")
    assert mm.chain_value != mm.model_value and abs(mm.chain_value - mm.model_value) < 100  # a few wei
    assert mm.chain_state["ewma"] == mm.model_state["ewma"]  # the moving average is untouched
    # one wei of λ is far below float64 resolution: the float comparison alone does not see it
    assert res.first_divergence is None
    report = json.loads(write_json(res, tmp_path / "r.json").read_text())
    assert report["status"] == "model_mismatch" and report["passed"] is False
    assert report["model_check"]["mismatch"]["block"] == K + 2
    assert report["model_check"]["mismatch"]["field"] == "running_a"


def test_doubled_gradient_diverges_from_jax_at_block_k_plus_1(lockstep, chains, doubled_gradient):
    chain = chains["revm"]
    dep = chain.deploy(doubled_gradient, chain.accounts[0])
    res = lockstep("momentum", PARAMS, prices(), blocks=10, deployed=dep, model_check=False)
    d = res.first_divergence
    assert res.status == "divergence"
    assert (d.block, d.field) == (K + 1, "weights")
    assert d.scaled > 1e6 * d.tolerance
    # states still agree (the bug is after the state update), and blocks 1..K agree exactly in weights
    assert "running_a" not in {k for k, e in res.errors.items() if e.failing.any()}
    assert all(w == res.chain["weights"][0] for w in res.chain["weights"][:K])
    state = res.state_at(d.block)
    assert state["chain"]["weights"] == res.chain["weights"][K]
    # with the integer model on, the same bug is reported as a chain vs integer-model mismatch at the same block
    res2 = lockstep("momentum", PARAMS, prices(), blocks=10, deployed=dep)
    assert (res2.model_mismatch.block, res2.model_mismatch.field) == (K + 1, "weights")
